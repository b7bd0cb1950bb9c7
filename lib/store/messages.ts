/**
 * @module Messages in KV: gap-free per-room seq assigned in batched atomic commits,
 * 24-hour clientId idempotency, and history pages.
 *
 * A batch reads the room head, then commits every message of the batch, the new
 * head and the clientId keys in one atomic operation guarded by a check on the
 * head's versionstamp. Any concurrent commit to the same room (another isolate)
 * moves the head, fails the check, and the batch is re-read and retried: so seq
 * numbers are never shared or skipped, and a clientId is resolved under the same
 * guard (no duplicate can slip in between the lookup and the commit). Commits of
 * different rooms that queue up while one is being written share the next KV commit.
 */

import type { Message } from "../protocol/types.ts";
import { getMany } from "./kv.ts";
import type { RoomHead } from "./rooms.ts";

export const IDEMPOTENCY_MS = 24 * 3600_000;

export interface NewMessage {
  userId: string;
  username: string;
  text: string;
  clientId?: string;
}

export interface Stored {
  message: Message;
  /** True when the clientId matched an earlier message, which is answered again. */
  duplicate: boolean;
}

interface ClientIdRecord {
  seq: number;
  expiresAt: number;
}

/** Keeps a batch within KV's per-commit limits (1000 mutations, 800 KB). */
export const BATCH_MAX_MESSAGES = 64;
export const BATCH_MAX_BYTES = 400_000;
/** KV allows 100 checks per commit: the head's, and one per clientId on the fast path. */
const MAX_KV_CHECKS = 100;
const MAX_KV_MUTATIONS = 1000;
/** How long a room that lost a commit race skips the queue (commits on its own). */
const CONTENDED_MS = 5000;
const NO_EXISTING = new Map<string, Message>();

/** One room's share of a commit: its checks and writes (see MessageStore.#write). */
interface Part {
  roomId: string;
  checks: Deno.AtomicCheck[];
  sets: Array<[Deno.KvKey, unknown, { expireIn: number }?]>;
  /** Estimated size, as for a batch (BATCH_MAX_BYTES). */
  bytes: number;
  done(versionstamp: string | null): void;
  fail(err: unknown): void;
}

function applyPart(op: Deno.AtomicOperation, part: Part): void {
  op.check(...part.checks);
  for (const [key, value, options] of part.sets) op.set(key, value, options);
}

export class MessageStore {
  #kv: Deno.Kv;
  #queue: Part[] = [];
  #writing = false;
  /** Rooms whose commit lost a race lately, until when: they skip the queue. */
  #contended = new Map<string, number>();
  /** The head this isolate last committed per room: saves a read when uncontended. */
  #heads = new Map<string, Deno.KvEntry<RoomHead>>();

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /**
   * One attempt at committing a batch. Answers null when the head moved under it
   * (retry), otherwise one result per input, in order.
   */
  async tryCommit(roomId: string, batch: NewMessage[], now: number): Promise<Stored[] | null> {
    const headKey = ["room_seq", roomId];
    // Fast path, the common case: this isolate holds the head it last committed.
    // Rather than read every clientId key before committing (a KV read per batch),
    // the commit itself checks that none of them exists. A failed check means the
    // head moved or a clientId was seen before (a retry): then read, as below.
    const cached = this.#heads.get(roomId);
    if (cached && batch.length < MAX_KV_CHECKS) {
      const results = await this.#commit(roomId, batch, now, cached, NO_EXISTING, true);
      if (results) return results;
    }
    // Both reads at once: the shorter the time between reading the head and
    // committing over it, the better the odds against another isolate's writes.
    const [entry, existing] = await Promise.all([
      this.#kv.get<RoomHead>(headKey),
      this.#existingByClientId(roomId, batch, now),
    ]);
    if (entry.versionstamp === null) throw new Error(`Room has no head: ${roomId}`);
    return await this.#commit(roomId, batch, now, entry as Deno.KvEntry<RoomHead>, existing, false);
  }

  /**
   * Commits a batch over `head`, answering the `existing` clientIds as duplicates;
   * with `absent`, the commit also checks that no other clientId of it is stored.
   */
  async #commit(
    roomId: string,
    batch: NewMessage[],
    now: number,
    head: Deno.KvEntry<RoomHead>,
    existing: Map<string, Message>,
    absent: boolean,
  ): Promise<Stored[] | null> {
    const headKey = head.key;
    const results: Stored[] = new Array(batch.length);
    const checks: Deno.AtomicCheck[] = [head];
    const sets: Array<[Deno.KvKey, unknown, { expireIn: number }?]> = [];
    let bytes = 0;
    let seq = head.value.seq;
    const seen = new Map<string, Message>();
    const readBy = new Map<string, number>();
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      const idKey = item.clientId ? `${item.userId}\u0000${item.clientId}` : undefined;
      const earlier = idKey ? existing.get(idKey) ?? seen.get(idKey) : undefined;
      if (earlier) {
        results[i] = { message: earlier, duplicate: true };
        continue;
      }
      seq++;
      const message: Message = {
        id: `${roomId}-${seq}`,
        roomId,
        seq,
        userId: item.userId,
        username: item.username,
        text: item.text,
        createdAt: now,
        ...(item.clientId ? { clientId: item.clientId } : {}),
      };
      sets.push([["msg", roomId, seq], message]);
      bytes += item.text.length * 3 + 300;
      if (idKey) {
        seen.set(idKey, message);
        const clientKey = ["msg_client", roomId, item.userId, item.clientId!];
        if (absent) checks.push({ key: clientKey, versionstamp: null });
        sets.push([
          clientKey,
          { seq, expiresAt: now + IDEMPOTENCY_MS } satisfies ClientIdRecord,
          { expireIn: IDEMPOTENCY_MS },
        ]);
      }
      readBy.set(item.userId, seq);
      results[i] = { message, duplicate: false };
    }
    if (seq === head.value.seq) return results; // only duplicates: nothing to write
    const newHead: RoomHead = { seq, at: now };
    sets.push([headKey, newHead]);
    // A sender has read what they wrote.
    for (const [userId, last] of readBy) sets.push([["read", userId, roomId], last]);
    const versionstamp = await this.#write({ roomId, checks, sets, bytes });
    if (versionstamp === null) {
      this.#heads.delete(roomId);
      return null;
    }
    this.#heads.set(roomId, { key: headKey, value: newHead, versionstamp });
    return results;
  }

  /**
   * Commits one room's part, in one KV commit with the parts of other rooms that
   * queued up meanwhile: group commit across rooms. SQLite has one writer, so many
   * small commits (busy rooms, one message each) are what limits throughput; one
   * commit for many rooms costs little more than one for a single room. Answers
   * the commit's versionstamp, or null when a check of this part failed.
   *
   * A part commits alone when nothing else is queued (no added latency), at most
   * one part per room goes into a commit (two would check the same head), and a
   * combined commit that fails is redone part by part, so a stale head in one
   * room never fails another room's part. A room whose check failed lately (other
   * isolates write to it too) skips the queue for a while and commits on its own
   * at once, as it would without it: combining it would fail the others' parts
   * along with it, and queueing would widen its own window for losing the race.
   */
  #write(part: Omit<Part, "done" | "fail">): Promise<string | null> {
    return new Promise((done, fail) => {
      const queued = { ...part, done, fail };
      const until = this.#contended.get(part.roomId) ?? 0;
      if (until && until <= Date.now()) this.#contended.delete(part.roomId);
      if (until > Date.now()) {
        // Waiting in line would only give the other writers longer to move the head.
        void this.#commitAlone(queued);
        return;
      }
      this.#queue.push(queued);
      if (!this.#writing) void this.#writeQueued();
    });
  }

  async #writeQueued(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length) {
        const group = this.#nextGroup();
        if (group.length === 1) {
          await this.#commitAlone(group[0]);
          continue;
        }
        let commit: Deno.KvCommitResult | Deno.KvCommitError | undefined;
        try {
          const op = this.#kv.atomic();
          for (const part of group) applyPart(op, part);
          commit = await op.commit();
        } catch {
          // Redone part by part below, where each part gets its own error.
        }
        if (commit?.ok) {
          for (const part of group) part.done(commit.versionstamp);
        } else {
          await Promise.all(group.map((part) => this.#commitAlone(part)));
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #commitAlone(part: Part): Promise<void> {
    try {
      const op = this.#kv.atomic();
      applyPart(op, part);
      const commit = await op.commit();
      if (!commit.ok) {
        if (this.#contended.size > 10_000) this.#contended.clear();
        this.#contended.set(part.roomId, Date.now() + CONTENDED_MS);
      }
      part.done(commit.ok ? commit.versionstamp : null);
    } catch (err) {
      part.fail(err);
    }
  }

  /** Takes queued parts, oldest first, for one commit within KV's limits. */
  #nextGroup(): Part[] {
    const group: Part[] = [];
    const rooms = new Set<string>();
    let checks = 0;
    let mutations = 0;
    let bytes = 0;
    for (let i = 0; i < this.#queue.length;) {
      const part = this.#queue[i];
      const fits = group.length === 0 ||
        (!rooms.has(part.roomId) && checks + part.checks.length <= MAX_KV_CHECKS &&
          mutations + part.sets.length <= MAX_KV_MUTATIONS &&
          bytes + part.bytes <= BATCH_MAX_BYTES);
      if (!fits) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      group.push(part);
      rooms.add(part.roomId);
      checks += part.checks.length;
      mutations += part.sets.length;
      bytes += part.bytes;
    }
    return group;
  }

  async #existingByClientId(
    roomId: string,
    batch: NewMessage[],
    now: number,
  ): Promise<Map<string, Message>> {
    const withId = batch.filter((item) => item.clientId);
    const found = new Map<string, Message>();
    if (withId.length === 0) return found;
    const entries = await getMany<ClientIdRecord>(
      this.#kv,
      withId.map((item) => ["msg_client", roomId, item.userId, item.clientId!]),
    );
    const hits = entries.flatMap((entry, i) =>
      entry.value && entry.value.expiresAt > now ? [{ item: withId[i], seq: entry.value.seq }] : []
    );
    const messages = await getMany<Message>(
      this.#kv,
      hits.map((hit) => ["msg", roomId, hit.seq]),
    );
    hits.forEach((hit, i) => {
      const message = messages[i].value;
      if (message) found.set(`${hit.item.userId}\u0000${hit.item.clientId}`, message);
    });
    return found;
  }

  /** Messages with from ≤ seq ≤ to, ascending, at most `limit`. */
  async range(roomId: string, from: number, to: number, limit = 1000): Promise<Message[]> {
    if (to < from) return [];
    const messages: Message[] = [];
    const iter = this.#kv.list<Message>({
      start: ["msg", roomId, from],
      end: ["msg", roomId, to + 1],
    }, { limit, batchSize: Math.min(limit, 500) });
    for await (const entry of iter) messages.push(entry.value);
    return messages;
  }

  /** The newest `limit` messages with seq < before (ascending). */
  async before(roomId: string, before: number, limit: number): Promise<Message[]> {
    const messages: Message[] = [];
    const iter = this.#kv.list<Message>({
      start: ["msg", roomId, 0],
      end: ["msg", roomId, before],
    }, { limit, reverse: true, batchSize: limit });
    for await (const entry of iter) messages.push(entry.value);
    return messages.reverse();
  }

  /** Forgets the cached head (after a failure the store cannot vouch for). */
  forgetHead(roomId: string): void {
    this.#heads.delete(roomId);
  }
}
