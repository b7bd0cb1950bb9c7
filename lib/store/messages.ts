/**
 * @module Messages in KV: gap-free per-room seq assigned in batched atomic commits,
 * 24-hour clientId idempotency, and history pages.
 *
 * A batch reads the room head, then commits every message of the batch, the new
 * head and its senders' rows in one atomic operation guarded by a check on the
 * head's versionstamp. Any concurrent commit to the same room (another isolate)
 * moves the head, fails the check, and the batch is re-read and retried: so seq
 * numbers are never shared or skipped, and a clientId is resolved under the same
 * guard (no duplicate can slip in between the lookup and the commit). Commits of
 * different rooms that queue up while one is being written share the next KV commit.
 *
 * Sender rows. Each user who sends to a room has one row there (`SenderRow`): the
 * seq of their newest message (they have read what they wrote: it is the floor of
 * their read marker) and the clientIds of their latest messages. A clientId leaves
 * the row for the `["msg_client"]` index only when it is pushed out by newer ones
 * while still under 24 hours old, and the row remembers until when the index may
 * hold one of theirs. So a message costs three KV writes (message, head, row), and
 * the index is written and consulted only for people who send more than
 * `RECENT_CLIENT_IDS` messages to one room within 24 hours. Every row of a room
 * changes only with a commit to that room, so the head check guards rows too.
 *
 * Beside this file: `_group_commit.ts` (one KV commit for several rooms' parts),
 * `_sender_rows.ts` (the rows' encoding), `revisions.ts` (reading by revision) and
 * `message_changes.ts` (what an edit, a delete or a reaction writes).
 */

import { NotFoundError } from "../errors.ts";
import { type Message, type ReplyRef, replyRefOf } from "../protocol/types.ts";
import { getMany, listAll } from "./kv.ts";
import { messageKey, replyKey, roomHeadKey } from "./keys.ts";
import { type FileClaim, fileInfoOf, fileKey, unpostedKey } from "./files.ts";
import { GroupCommit, MAX_KV_CHECKS } from "./_group_commit.ts";
import { type ChangeOp, type ChangeOutcome, planBatch } from "./change_batch.ts";
import {
  asRow,
  clientIdKey,
  type ClientIdRecord,
  countIds,
  findId,
  IDEMPOTENCY_MS,
  parseId,
  RECENT_CLIENT_IDS,
  type SenderRow,
  senderRowKey,
  type TupleRow,
  withoutExpired,
} from "./_sender_rows.ts";

export { BATCH_MAX_BYTES, BATCH_MAX_MESSAGES } from "./_group_commit.ts";
export {
  IDEMPOTENCY_MS,
  RECENT_CLIENT_IDS,
  rowIds,
  type SenderRow,
  senderRowKey,
} from "./_sender_rows.ts";
import { headRev, type RoomHead } from "./revisions.ts";
import { changedKey, changeKey } from "./keys.ts";
import {
  type MentionSet,
  mentionSets,
  threadSets,
  withMentions,
  withReply,
} from "./mention_index.ts";

export interface NewMessage {
  userId: string;
  username: string;
  text: string;
  clientId?: string;
  /** The message it answers, as it is now (checked by the service). */
  replyTo?: ReplyRef;
  /** v2: my uploads it posts, as read (each record is checked in the commit). */
  files?: FileClaim[];
  /** v2: who it mentions (resolved by the service). */
  mentions?: MentionSet;
  /** v2: a thread reply to this top-level message (checked by the service). */
  threadRoot?: number;
  alsoInRoom?: boolean;
}

export interface Stored {
  message: Message;
  /** True when the clientId matched an earlier message, which is answered again. */
  duplicate: boolean;
  /**
   * A thread reply, the last of its thread in this commit: its root as the commit
   * left it (its summary changed at `rev`, after the commit's new messages).
   */
  rootUpdate?: { rev: number; message: Message };
}

/** Rows cached in memory at most (about 3 KB each when full). */
const ROW_CACHE_MAX = 20_000;
/**
 * Marks a KV file whose clientIds are kept in sender rows: when the key was first
 * written, and whether an older version's `["msg_client"]` records existed then.
 */
const ROWS_SINCE_KEY = ["meta", "sender_rows"];
interface RowsSince {
  at: number;
  legacy: boolean;
}

const NO_EXISTING = new Map<string, Message>();
const NO_ROOTS = new Map<number, Deno.KvEntry<Message>>();

export class MessageStore {
  #kv: Deno.Kv;
  #group: GroupCommit;
  /** The head this isolate last committed per room: saves a read when uncontended. */
  #heads = new Map<string, Deno.KvEntry<RoomHead>>();
  /**
   * Sender rows as stored, per room, kept only while that room's head is cached
   * (nobody else has written the room since): then they are current.
   */
  #rows = new Map<string, Map<string, SenderRow>>();
  #rowCount = 0;
  /**
   * Until when any clientId may be in the index, whatever its sender's row says:
   * a day after this version first opened a KV file an older version wrote (which
   * kept every clientId there, and may still run on other isolates for a while).
   */
  #legacyUntil = 0;
  #legacyKnown: Promise<void> | undefined;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
    this.#group = new GroupCommit(kv);
  }

  /**
   * One attempt at committing a batch. Answers null when the head moved under it
   * (retry), otherwise one result per input, in order.
   */
  async tryCommit(roomId: string, batch: NewMessage[], now: number): Promise<Stored[] | null> {
    if (!this.#legacyKnown) this.#legacyKnown = this.#learnLegacy(now);
    await this.#legacyKnown;
    const headKey = roomHeadKey(roomId);
    // Fast path, the common case: this isolate holds the head it last committed, and
    // so current sender rows. Rather than read clientId keys before committing, the
    // commit checks that none of the indexed ones exists. A failed check means the
    // head moved or a clientId was seen before (a retry): then read, as below.
    const cached = this.#heads.get(roomId);
    if (cached && batch.length < MAX_KV_CHECKS) {
      // (Thread roots are read only for a batch with replies: most have none.)
      const [rows, roots] = batch.some((item) => item.threadRoot)
        ? await Promise.all([this.#cachedRows(roomId, batch), this.#readRoots(roomId, batch)])
        : [await this.#cachedRows(roomId, batch), NO_ROOTS];
      if (rows && this.#heads.get(roomId) === cached) {
        const results = await this.#commit(
          roomId,
          batch,
          now,
          cached,
          rows,
          NO_EXISTING,
          true,
          roots,
        );
        if (results) return results;
      }
    }
    // Every read at once: the shorter the time between reading the head and
    // committing over it, the better the odds against another isolate's writes.
    this.#forget(roomId);
    const senders = [...new Set(batch.map((item) => item.userId))];
    const [entry, stored, roots] = await Promise.all([
      this.#kv.get<RoomHead>(headKey),
      this.#readRows(roomId, senders),
      this.#readRoots(roomId, batch),
    ]);
    // No head: the room was deleted (or never was): the send is refused, not failed.
    if (entry.versionstamp === null) throw new NotFoundError("Room not found");
    const rows = new Map<string, SenderRow>();
    senders.forEach((userId, i) => rows.set(userId, stored[i]));
    const existing = await this.#existingByClientId(roomId, batch, rows, now);
    return await this.#commit(
      roomId,
      batch,
      now,
      entry as Deno.KvEntry<RoomHead>,
      rows,
      existing,
      false,
      roots,
    );
  }

  /** The thread roots a batch's replies name, as stored (checked by the commit). */
  async #readRoots(
    roomId: string,
    batch: NewMessage[],
  ): Promise<Map<number, Deno.KvEntry<Message>>> {
    const seqs = [...new Set(batch.flatMap((item) => item.threadRoot ? [item.threadRoot] : []))];
    if (!seqs.length) return NO_ROOTS;
    const roots = new Map<number, Deno.KvEntry<Message>>();
    const entries = await getMany<Message>(this.#kv, seqs.map((seq) => messageKey(roomId, seq)));
    for (const entry of entries) {
      if (entry.value) roots.set(entry.value.seq, entry as Deno.KvEntry<Message>);
    }
    return roots;
  }

  /**
   * The rows of a batch's senders while the room's head is cached: from memory, or
   * read (current too: no other isolate wrote the room since the cached head). Null
   * when a clientId of the batch is in a row: a retry, answered by the slow path.
   */
  async #cachedRows(
    roomId: string,
    batch: NewMessage[],
  ): Promise<Map<string, SenderRow> | null> {
    let cache = this.#rows.get(roomId);
    const missing = [...new Set(batch.map((item) => item.userId))].filter((u) => !cache?.has(u));
    if (missing.length) {
      const stored = await this.#readRows(roomId, missing);
      cache = this.#rows.get(roomId) ?? new Map();
      missing.forEach((userId, i) => {
        if (!cache!.has(userId)) this.#rowCount++;
        cache!.set(userId, stored[i]);
      });
      this.#rows.delete(roomId); // re-inserted: the least recently used rooms go first
      this.#rows.set(roomId, cache);
      this.#trimRows(roomId);
    }
    for (const item of batch) {
      if (item.clientId && findId(cache!.get(item.userId)!, item.clientId)) return null;
    }
    return cache!;
  }

  /** These senders' rows in a room as stored (either encoding), an empty one for none. */
  async #readRows(roomId: string, userIds: string[]): Promise<SenderRow[]> {
    const keys = userIds.map((userId) => senderRowKey(roomId, userId));
    return (await getMany<SenderRow | TupleRow>(this.#kv, keys)).map((e) => asRow(e.value));
  }

  #trimRows(keep: string): void {
    for (const [roomId, rows] of this.#rows) {
      if (this.#rowCount <= ROW_CACHE_MAX) return;
      if (roomId === keep) continue;
      this.#rows.delete(roomId);
      this.#rowCount -= rows.size;
    }
  }

  #forget(roomId: string): void {
    this.#heads.delete(roomId);
    const rows = this.#rows.get(roomId);
    if (rows) {
      this.#rows.delete(roomId);
      this.#rowCount -= rows.size;
    }
  }

  /** Whether a clientId of this sender that is not in their row may be in the index. */
  #mayBeIndexed(row: SenderRow, now: number): boolean {
    return row.indexedUntil > now || this.#legacyUntil > now;
  }

  /**
   * Learns `#legacyUntil` from the KV file's mark, written the first time a version
   * with sender rows commits to it (with whether older clientId records existed).
   * A failure is thrown to the commit that asked and asked again by the next one.
   */
  async #learnLegacy(now: number): Promise<void> {
    try {
      const key = ROWS_SINCE_KEY;
      let since = (await this.#kv.get<RowsSince>(key)).value;
      if (!since) {
        const older = await listAll(this.#kv, ["msg_client"], 1);
        const mark: RowsSince = { at: now, legacy: older.length > 0 };
        const won = await this.#kv.atomic().check({ key, versionstamp: null }).set(key, mark)
          .commit();
        since = won.ok ? mark : (await this.#kv.get<RowsSince>(key)).value ?? mark;
      }
      this.#legacyUntil = since.legacy ? since.at + IDEMPOTENCY_MS : 0;
    } catch (err) {
      this.#legacyKnown = undefined;
      throw err;
    }
  }

  /**
   * Commits a batch over `head` and the senders' `rows`, answering the `existing`
   * clientIds as duplicates; with `absent`, the commit also checks that no clientId
   * of it that may be in the index is there.
   */
  async #commit(
    roomId: string,
    batch: NewMessage[],
    now: number,
    head: Deno.KvEntry<RoomHead>,
    rows: Map<string, SenderRow>,
    existing: Map<string, Message>,
    absent: boolean,
    roots: Map<number, Deno.KvEntry<Message>>,
  ): Promise<Stored[] | null> {
    const headKey = head.key;
    const results: Stored[] = new Array(batch.length);
    const checks: Deno.AtomicCheck[] = [head];
    const sets: Array<[Deno.KvKey, unknown, { expireIn: number }?]> = [];
    const deletes: Deno.KvKey[] = [];
    let bytes = 0;
    let seq = head.value.seq;
    let rev = headRev(head.value);
    const seen = new Map<string, Message>();
    /** Thread roots as the batch's replies leave them, and the last reply's index. */
    const threads = new Map<number, { message: Message; last: number }>();
    for (const [rootSeq, entry] of roots) {
      checks.push(entry);
      threads.set(rootSeq, {
        message: { ...entry.value, rev: entry.value.rev ?? rootSeq },
        last: -1,
      });
    }
    /** The senders' rows as this commit leaves them, with how many clientIds each holds. */
    const changed = new Map<string, { row: SenderRow; count: number }>();
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      const idKey = item.clientId ? sentId(item) : undefined;
      const earlier = idKey ? existing.get(idKey) ?? seen.get(idKey) : undefined;
      if (earlier) {
        results[i] = { message: earlier, duplicate: true };
        continue;
      }
      seq++;
      rev++;
      let message: Message = {
        id: `${roomId}-${seq}`,
        roomId,
        seq,
        userId: item.userId,
        username: item.username,
        text: item.text,
        createdAt: now,
        ...(item.clientId ? { clientId: item.clientId } : {}),
        rev,
        ...(item.replyTo ? { replyTo: item.replyTo } : {}),
        ...(item.files?.length ? { files: item.files.map((c) => fileInfoOf(c.record)) } : {}),
        ...(item.threadRoot ? { threadRoot: item.threadRoot } : {}),
        ...(item.threadRoot && item.alsoInRoom ? { alsoInRoom: true as const } : {}),
      };
      if (item.mentions) {
        message = withMentions(message, item.mentions);
        for (const set of mentionSets(message, item.mentions)) sets.push(set);
      }
      const root = item.threadRoot ? threads.get(item.threadRoot) : undefined;
      if (root) {
        for (const set of threadSets(message, root.message, item.mentions?.named ?? [])) {
          sets.push(set);
        }
        root.message = { ...root.message, thread: withReply(root.message.thread, message) };
        root.last = i;
      }
      // Posting a file: its record (as read: nobody posted it meanwhile) names the message.
      for (const { record, versionstamp } of item.files ?? []) {
        checks.push({ key: fileKey(record.id), versionstamp });
        sets.push([fileKey(record.id), { ...record, posted: { roomId, seq } }]);
        deletes.push(unpostedKey(record));
        bytes += 600;
      }
      // A reply's excerpt is not stored: it is read from the original when served
      // (so it follows edits, and a delete leaves no copy of the text behind).
      const record = item.replyTo ? { ...message, replyTo: storedReplyRef(item.replyTo) } : message;
      sets.push([messageKey(roomId, seq), record]);
      if (item.replyTo) sets.push([replyKey(roomId, item.replyTo.seq, seq), true]);
      bytes += item.text.length * 3 + 300;
      let change = changed.get(item.userId);
      if (!change) {
        const stored = rows.get(item.userId)!;
        const ids = withoutExpired(stored.ids, now);
        change = { row: { ...stored, ids }, count: countIds(ids) };
        changed.set(item.userId, change);
      }
      const row = change.row;
      row.seq = seq;
      if (idKey) {
        seen.set(idKey, message);
        if (absent && this.#mayBeIndexed(row, now)) {
          checks.push({
            key: clientIdKey(roomId, item.userId, item.clientId!),
            versionstamp: null,
          });
        }
        if (change.count >= RECENT_CLIENT_IDS) {
          // Pushed out while it still counts: into the index, for the rest of its day.
          const end = row.ids.indexOf("\n");
          const [clientId, oldSeq, at] = parseId(row.ids.slice(0, end));
          row.ids = row.ids.slice(end + 1);
          const expiresAt = at + IDEMPOTENCY_MS;
          sets.push([
            clientIdKey(roomId, item.userId, clientId),
            { seq: oldSeq, expiresAt } satisfies ClientIdRecord,
            { expireIn: expiresAt - now },
          ]);
          row.indexedUntil = Math.max(row.indexedUntil, expiresAt);
        } else change.count++;
        row.ids += `${item.clientId}\t${seq}\t${now}\n`;
      }
      results[i] = { message, duplicate: false };
    }
    if (seq === head.value.seq) return results; // only duplicates: nothing to write
    // Each root's summary changed once, after the new messages: one revision each.
    for (const [rootSeq, root] of threads) {
      if (root.last < 0) continue;
      rev++;
      const stored = roots.get(rootSeq)!.value;
      const createdRev = stored.createdRev ?? stored.rev ?? rootSeq;
      // Its entry in the changed index moves to this revision (see revisions.ts).
      if (stored.createdRev !== undefined && stored.rev !== undefined) {
        deletes.push(changedKey(roomId, stored.rev));
      }
      const updated: Message = { ...root.message, rev, createdRev };
      sets.push([messageKey(roomId, rootSeq), updated]);
      sets.push([changeKey(roomId, rev), { seq: rootSeq, headSeq: seq }]);
      sets.push([changedKey(roomId, rev), rootSeq]);
      bytes += updated.text.length * 3 + 400;
      results[root.last] = { ...results[root.last], rootUpdate: { rev, message: updated } };
    }
    const newHead: RoomHead = { seq, at: now, rev };
    sets.push([headKey, newHead]);
    for (const [userId, { row }] of changed) {
      sets.push([senderRowKey(roomId, userId), row]);
      bytes += 100 + row.ids.length;
    }
    const messages = seq - head.value.seq;
    const versionstamp = await this.#group.write({
      roomId,
      checks,
      sets,
      deletes,
      bytes,
      messages,
    });
    if (versionstamp === null) {
      this.#forget(roomId);
      return null;
    }
    this.#heads.set(roomId, { key: headKey, value: newHead, versionstamp });
    // The rows committed over were current (the head check says nobody wrote the
    // room meanwhile): with the changed ones, they are the room's rows now.
    let cache = this.#rows.get(roomId);
    if (!cache) this.#rows.set(roomId, cache = new Map());
    for (const [userId, row] of rows) {
      const current = changed.get(userId)?.row ?? row;
      if (!cache.has(userId)) this.#rowCount++;
      cache.set(userId, current);
    }
    this.#trimRows(roomId);
    return results;
  }

  /** The messages a batch's clientIds already stored: found in the rows or the index. */
  async #existingByClientId(
    roomId: string,
    batch: NewMessage[],
    rows: Map<string, SenderRow>,
    now: number,
  ): Promise<Map<string, Message>> {
    const found = new Map<string, Message>();
    const hits: Array<{ item: NewMessage; seq: number }> = [];
    const indexed: NewMessage[] = [];
    for (const item of batch) {
      if (!item.clientId) continue;
      const row = rows.get(item.userId)!;
      const recent = findId(row, item.clientId);
      if (recent && recent.at + IDEMPOTENCY_MS > now) hits.push({ item, seq: recent.seq });
      else if (!recent && this.#mayBeIndexed(row, now)) indexed.push(item);
    }
    const entries = await getMany<ClientIdRecord>(
      this.#kv,
      indexed.map((item) => clientIdKey(roomId, item.userId, item.clientId!)),
    );
    entries.forEach((entry, i) => {
      if (entry.value && entry.value.expiresAt > now) {
        hits.push({ item: indexed[i], seq: entry.value.seq });
      }
    });
    const messages = await getMany<Message>(
      this.#kv,
      hits.map((hit) => messageKey(roomId, hit.seq)),
    );
    hits.forEach((hit, i) => {
      const message = messages[i].value;
      if (message) found.set(sentId(hit.item), message);
    });
    return found;
  }

  /** Messages with from ≤ seq ≤ to, ascending, at most `limit`, as served. */
  async range(roomId: string, from: number, to: number, limit = 1000): Promise<Message[]> {
    if (to < from) return [];
    const messages: Message[] = [];
    const iter = this.#kv.list<Message>({
      start: ["msg", roomId, from],
      end: ["msg", roomId, to + 1],
    }, { limit, batchSize: Math.min(limit, 500) });
    for await (const entry of iter) messages.push(entry.value);
    return await this.#served(roomId, messages);
  }

  /** The newest `limit` messages with seq < before (ascending), as served. */
  async before(roomId: string, before: number, limit: number): Promise<Message[]> {
    const messages: Message[] = [];
    const iter = this.#kv.list<Message>({
      start: ["msg", roomId, 0],
      end: ["msg", roomId, before],
    }, { limit, reverse: true, batchSize: limit });
    for await (const entry of iter) messages.push(entry.value);
    return await this.#served(roomId, messages.reverse());
  }

  /** The messages with these seqs, as served; missing ones are left out. */
  async bySeq(roomId: string, seqs: number[]): Promise<Map<number, Message>> {
    const entries = await getMany<Message>(this.#kv, seqs.map((seq) => messageKey(roomId, seq)));
    const found = entries.flatMap((e) => e.value ? [e.value] : []);
    const served = await this.#served(roomId, found);
    return new Map(served.map((m) => [m.seq, m]));
  }

  /** One message record as stored, with its versionstamp (null when there is none). */
  async entry(roomId: string, seq: number): Promise<Deno.KvEntryMaybe<Message>> {
    return await this.#kv.get<Message>(messageKey(roomId, seq));
  }

  /** Records as served (see `#served`), filled in place. */
  serve(roomId: string, messages: Message[]): Promise<Message[]> {
    return this.#served(roomId, messages);
  }

  /**
   * Records as served: a revision on every message (older ones: their seq) and each
   * reply's `replyTo` filled from its original's current state.
   */
  async #served(roomId: string, messages: Message[]): Promise<Message[]> {
    let wanted: Set<number> | undefined;
    for (const message of messages) {
      if (message.rev === undefined) message.rev = message.seq;
      if (message.replyTo) (wanted ??= new Set()).add(message.replyTo.seq);
    }
    if (!wanted) return messages;
    const originals = new Map<number, Message>();
    for (const message of messages) {
      if (wanted.has(message.seq)) originals.set(message.seq, message);
    }
    const missing = [...wanted].filter((seq) => !originals.has(seq));
    if (missing.length) {
      const entries = await getMany<Message>(this.#kv, missing.map((s) => messageKey(roomId, s)));
      for (const e of entries) if (e.value) originals.set(e.value.seq, e.value);
    }
    for (const message of messages) {
      const original = message.replyTo && originals.get(message.replyTo.seq);
      if (original) message.replyTo = replyRefOf(original);
    }
    return messages;
  }

  /**
   * One attempt at committing a batch of changes of one room (see change_batch.ts):
   * answers one outcome per op, in order, once the commit holding them succeeded,
   * or null when a check failed (another writer moved the head or a record: retry).
   */
  async tryChanges(roomId: string, ops: ChangeOp[], now: number): Promise<ChangeOutcome[] | null> {
    const headKey = roomHeadKey(roomId);
    const cached = this.#heads.get(roomId);
    const headEntry = cached ?? await this.#kv.get<RoomHead>(headKey);
    if (headEntry.versionstamp === null) throw new NotFoundError("Room not found");
    const head = headEntry as Deno.KvEntry<RoomHead>;
    const plan = await planBatch(this.#kv, roomId, head, ops, now);
    if (!plan.changed) return plan.outcomes;
    if (cached && this.#heads.get(roomId) !== cached) return null;
    const versionstamp = await this.#group.write({
      roomId,
      checks: plan.checks,
      sets: [...plan.sets, [headKey, plan.head]],
      deletes: plan.deletes,
      bytes: plan.bytes,
    });
    if (versionstamp === null) {
      this.#forget(roomId);
      return null;
    }
    // Sender rows are untouched by changes: the cached ones stay current.
    if (cached && this.#heads.get(roomId) === cached) {
      this.#heads.set(roomId, { key: headKey, value: plan.head, versionstamp });
    } else {
      this.#forget(roomId);
    }
    return plan.outcomes;
  }

  /** Forgets the cached head and rows (after a failure the store cannot vouch for). */
  forgetHead(roomId: string): void {
    this.#forget(roomId);
  }
}

/** A reply's `replyTo` as stored: who and which, not the text (see `#served`). */
function storedReplyRef(ref: ReplyRef): ReplyRef {
  return { seq: ref.seq, userId: ref.userId, username: ref.username, excerpt: "" };
}

/** One sender's clientId, as the key of the maps that find a batch's earlier messages. */
function sentId(item: NewMessage): string {
  return `${item.userId}\u0000${item.clientId}`;
}
