/**
 * @module Sending and reading messages: the one code path for HTTP and WebSocket.
 *
 * Sends to a room are group-committed: while one commit for a room is in flight,
 * newer sends queue up, and the next commit takes all of them at once (up to KV's
 * per-commit limits). Under light load a send commits alone, at once; under heavy
 * load many share one durable commit. Nobody is acknowledged before the commit that
 * stored their message returns, so an ack always means "on disk".
 */

import { ChatError, ForbiddenError, InternalError, NotFoundError } from "../errors.ts";
import { CHANGES_DEFAULT, CHANGES_MAX, HISTORY_DEFAULT, HISTORY_MAX } from "../protocol/limits.ts";
import {
  createdRevOf,
  type Message,
  type MessageEdit,
  replyRefOf,
  type User,
} from "../protocol/types.ts";
import {
  isWellFormedId,
  validateCaption,
  validateClientId,
  validateEmoji,
  validateFileIds,
  validateMessageText,
  validateSeq,
} from "../protocol/validate.ts";
import { BadRequestError } from "../errors.ts";
import type { Clock } from "../clock.ts";
import { errorFields, log } from "../log.ts";
import { retryAtomic } from "../store/kv.ts";
import {
  BATCH_MAX_BYTES,
  BATCH_MAX_MESSAGES,
  type MessageStore,
  type NewMessage,
  type Stored,
} from "../store/messages.ts";
import { dropReactions, editsOf, reactors } from "../store/message_changes.ts";
import { type ChangeOp, CHANGES_PER_BATCH } from "../store/change_batch.ts";
import { headRev, type RevisionLog, type RoomEvent } from "../store/revisions.ts";
import type { RoomService } from "./rooms.ts";
import type { RateLimiter } from "./_rate_limit.ts";
import type { FileService } from "./files.ts";
import type { RoomJob, RoomRouter } from "./_room_router.ts";
import { hasMentions, type MentionTokens, mentionTokens, resolveMentions } from "./mentions.ts";
import type { MentionSet } from "../store/mention_index.ts";

const COMMIT_TRIES = 60;
/** KV mutations a batch of sends may add up to (KV allows 1000 per commit). */
const BATCH_MAX_MUTATIONS = 800;

/**
 * About how many KV mutations a send adds to its commit: the message, its sender's
 * row and clientId index, its mention and thread index keys, and its root's summary.
 */
function mutationsOf(item: NewMessage): number {
  const mentions = item.mentions ? item.mentions.named.length * 2 + (item.mentions.all ? 1 : 0) : 0;
  const thread = item.threadRoot ? 5 + 2 * (2 + (item.mentions?.named.length ?? 0)) : 0;
  return 4 + mentions + thread + (item.files?.length ?? 0) * 2;
}

/** A send waiting for its room's next commit (sends queued together share one). */
interface QueuedSend {
  kind: "send";
  roomId: string;
  item: NewMessage;
  bytes: number;
  /** KV mutations it adds to a commit, about (see `mutationsOf`). */
  mutations: number;
  resolve(stored: Stored): void;
  reject(err: unknown): void;
}

/** A change waiting for its room's next commit of changes (queued ones share one). */
interface QueuedChange {
  kind: "change";
  op: ChangeOp;
  resolve(changed: Changed): void;
  reject(err: unknown): void;
}

type Queued = QueuedSend | QueuedChange;

export interface MessageServiceOptions {
  clock: Clock;
  limiter: RateLimiter;
  /** The room revision log (replays and `changes`). */
  revisions: RevisionLog;
  /**
   * Told of the events a commit stored (or found again), in rev order, right after
   * it: new messages, and changes.
   */
  onCommitted(roomId: string, events: RoomEvent[]): void;
  /** Posting files (v2); sends with `files` are refused without it. */
  files?: FileService;
  /** Another isolate of this process commits for some rooms (lib/chat/_room_router.ts). */
  router?: RoomRouter;
  /** The room's members by name, for mentions (none: mentions are plain text). */
  memberDirectory?(roomId: string): Promise<MemberDirectory>;
  /**
   * Told, after `onCommitted`, of what may notify someone: every new message (with
   * who an `@here` reached), and edits that mention someone new (`added`).
   */
  onNotable?(roomId: string, notes: Notable[]): void;
}

/** What resolving mentions needs of a room's members. */
export interface MemberDirectory {
  /** Lowercased username → id. */
  byName: Map<string, string>;
  /** Whether this member may use `@room` and `@here`. */
  mayMentionAll(userId: string): boolean;
  /** Members online now. */
  online(): Promise<string[]>;
}

/** A new message, or an edit that mentions someone new, for the notifier. */
export interface Notable {
  message: Message;
  /** An edit: the users it mentions now and did not before. */
  added?: string[];
  /** `@here`: the members online when it was sent. */
  hereIds?: string[];
}

/** What a change did: the message as it is now, and the revision (null: nothing changed). */
export interface Changed {
  message: Message;
  rev: number | null;
}

export class MessageService {
  #store: MessageStore;
  #rooms: RoomService;
  #options: MessageServiceOptions;
  #queues = new Map<string, Queued[]>();
  #committing = new Set<string>();
  #inFlight = new Set<Promise<void>>();
  /** Sends another isolate is committing, until it answers. */
  #forwarding = new Set<Promise<unknown>>();

  #kv: Deno.Kv;

  constructor(
    store: MessageStore,
    rooms: RoomService,
    options: MessageServiceOptions & { kv: Deno.Kv },
  ) {
    this.#kv = options.kv;
    this.#store = store;
    this.#rooms = rooms;
    this.#options = options;
  }

  /** Stores a message (or finds the one with the same clientId) and answers it. */
  async send(
    user: User,
    roomId: unknown,
    input: {
      text: unknown;
      clientId?: unknown;
      replyTo?: unknown;
      files?: unknown;
      threadRoot?: unknown;
      alsoInRoom?: unknown;
    },
  ): Promise<Stored> {
    if (!isWellFormedId(roomId)) throw new NotFoundError("Room not found");
    const fileIds = input.files === undefined || input.files === null
      ? []
      : validateFileIds(input.files);
    const text = fileIds.length ? validateCaption(input.text) : validateMessageText(input.text);
    const clientId = validateClientId(input.clientId);
    const replyToSeq = input.replyTo === undefined || input.replyTo === null
      ? undefined
      : validateSeq(input.replyTo, "replyTo");
    const threadRoot = input.threadRoot === undefined || input.threadRoot === null
      ? undefined
      : validateSeq(input.threadRoot, "threadRoot");
    if (input.alsoInRoom !== undefined && typeof input.alsoInRoom !== "boolean") {
      throw new BadRequestError('Field "alsoInRoom" must be true or false');
    }
    this.#options.limiter.take(user.id);
    await this.#rooms.requireMember(user.id, roomId);
    const item: NewMessage = { userId: user.id, username: user.username, text, clientId };
    if (threadRoot !== undefined) {
      const root = threadRoot > 0
        ? (await this.#store.bySeq(roomId, [threadRoot])).get(threadRoot)
        : undefined;
      if (!root) {
        throw new BadRequestError(
          `Field "threadRoot" names no message of this room: ${threadRoot}`,
        );
      }
      if (root.threadRoot) {
        throw new BadRequestError("A thread reply cannot start a thread: reply to its root");
      }
      if (root.deleted) {
        throw new BadRequestError("Cannot reply in the thread of a deleted message");
      }
      item.threadRoot = threadRoot;
      if (input.alsoInRoom) item.alsoInRoom = true;
    }
    const tokens = mentionTokens(text);
    if (hasMentions(tokens)) {
      const mentions = await this.#mentions(roomId, user.id, tokens);
      if (mentions) item.mentions = mentions;
    }
    if (replyToSeq !== undefined) {
      const original = replyToSeq > 0
        ? (await this.#store.bySeq(roomId, [replyToSeq])).get(replyToSeq)
        : undefined;
      if (!original) {
        throw new BadRequestError(`Field "replyTo" names no message of this room: ${replyToSeq}`);
      }
      if (original.deleted) throw new BadRequestError("Cannot reply to a deleted message");
      item.replyTo = replyRefOf(original);
    }
    if (fileIds.length) {
      const claimed = await this.#files().claim(user, roomId, fileIds, clientId);
      if ("duplicate" in claimed) return { message: claimed.duplicate, duplicate: true };
      item.files = claimed.claims;
    }
    // Another isolate may commit for this room (see _room_router.ts). Only a send
    // with a clientId goes there: if its answer is lost, the clientId finds it here.
    const job: RoomJob = { kind: "send", item };
    if (!clientId || item.files) return await this.commitHere(roomId, job) as Stored;
    return await this.#viaOwner(roomId, job) as Stored;
  }

  /**
   * Has the isolate that commits for the room (when another one does) do `job`,
   * else does it here; also here when that isolate did not answer (a send by its
   * clientId, a change because doing it again changes nothing more).
   */
  async #viaOwner(roomId: string, job: RoomJob): Promise<Stored | Changed> {
    const router = this.#options.router;
    const owner = router?.ownerOf(roomId);
    if (owner) {
      const forwarding = router!.forward(owner, roomId, job);
      this.#forwarding.add(forwarding);
      try {
        const done = await forwarding;
        if (done) return done;
      } finally {
        this.#forwarding.delete(forwarding);
      }
    }
    return await this.commitHere(roomId, job);
  }

  /**
   * Queues a send or a change for its room's next commit here. It was checked
   * already (here, or on the isolate that forwarded it: see RoomRouter).
   */
  commitHere(roomId: string, job: RoomJob): Promise<Stored | Changed> {
    if (job.kind === "change") {
      return new Promise<Changed>((resolve, reject) => {
        this.#enqueue(roomId, { kind: "change", op: job.op, resolve, reject });
      });
    }
    const { item } = job;
    return new Promise<Stored>((resolve, reject) => {
      this.#enqueue(roomId, {
        kind: "send",
        roomId,
        item,
        bytes: item.text.length * 3 + 300,
        mutations: mutationsOf(item),
        resolve,
        reject,
      });
    });
  }

  #enqueue(roomId: string, queued: Queued): void {
    const queue = this.#queues.get(roomId) ?? [];
    queue.push(queued);
    this.#queues.set(roomId, queue);
    if (!this.#committing.has(roomId)) this.#drain(roomId);
  }

  /** Replaces the text of one of my messages (PATCH, `edit` frame). */
  async edit(user: User, roomId: unknown, seqInput: unknown, textInput: unknown): Promise<Changed> {
    const { room, seq } = await this.#target(user, roomId, seqInput);
    const text = validateMessageText(textInput);
    this.#options.limiter.take(user.id);
    // Only a text with mentions waits for the room's members: the others keep their order.
    const tokens = mentionTokens(text);
    const mentions = hasMentions(tokens) ? await this.#mentions(room, user.id, tokens) : undefined;
    return await this.#change(room, { kind: "edit", seq, userId: user.id, text, mentions });
  }

  /** Who a text of mine mentions in a room (undefined: nobody). */
  async #mentions(
    roomId: string,
    userId: string,
    tokens: MentionTokens,
  ): Promise<MentionSet | undefined> {
    const directory = await this.#options.memberDirectory?.(roomId);
    if (!directory) return undefined;
    const found = await resolveMentions(tokens, {
      members: directory.byName,
      mayMentionAll: directory.mayMentionAll(userId),
      online: () => directory.online(),
      senderId: userId,
    });
    // Naming oneself is no mention.
    const named = found.named.filter((id) => id !== userId);
    const listed = found.listed.filter((id) => id !== userId);
    if (!named.length && !found.all) return undefined;
    return { ...found, named, listed };
  }

  /** Deletes a message: its author, or the room's owner or an admin. Deleting twice is fine. */
  async delete(user: User, roomId: unknown, seqInput: unknown): Promise<Changed> {
    const { room, seq } = await this.#target(user, roomId, seqInput);
    const role = await this.#rooms.roleOf(room, user.id);
    const owner = role === "owner" || role === "admin";
    return await this.#change(room, { kind: "delete", seq, userId: user.id, owner });
  }

  /** Adds or removes my reaction; idempotent. Reactions count toward the send allowance. */
  async react(
    user: User,
    roomId: unknown,
    seqInput: unknown,
    input: { emoji: unknown; on: boolean },
  ): Promise<Changed> {
    const { room, seq } = await this.#target(user, roomId, seqInput);
    const emoji = validateEmoji(input.emoji);
    this.#options.limiter.take(user.id);
    return await this.#change(room, { kind: "react", seq, userId: user.id, emoji, on: input.on });
  }

  /** Who reacted to a message with an emoji (members, or anyone for public rooms). */
  async reactionUsers(
    userId: string,
    roomId: unknown,
    seqInput: unknown,
    emojiInput: unknown,
  ): Promise<string[]> {
    const room = await this.#rooms.requireReadable(userId, roomId);
    const seq = parseSeqValue(seqInput);
    const emoji = validateEmoji(emojiInput);
    await this.#existing(room.id, seq);
    return await reactors(this.#kv, room.id, seq, emoji);
  }

  /** The texts an edited message had before, oldest first: its author, the room's owner or an admin. */
  async edits(user: User, roomId: unknown, seqInput: unknown): Promise<MessageEdit[]> {
    const room = await this.#rooms.requireReadable(user.id, roomId);
    const seq = parseSeqValue(seqInput);
    const message = await this.#existing(room.id, seq);
    const role = message.userId === user.id ? null : await this.#rooms.roleOf(room.id, user.id);
    if (message.userId !== user.id && role !== "owner" && role !== "admin") {
      throw new ForbiddenError(
        "Only its author, the room's owner or an admin can read a message's edits",
      );
    }
    return await editsOf(this.#kv, room.id, seq);
  }

  /** `GET …/changes`: what was created or changed after `sinceRev`, each message once. */
  async changes(
    userId: string,
    roomId: unknown,
    query: { sinceRev?: number; limit?: number },
  ): Promise<{ messages: Message[]; lastRev: number; hasMore: boolean }> {
    const room = await this.#rooms.requireReadable(userId, roomId);
    if (query.sinceRev === undefined) throw new BadRequestError('Parameter "sinceRev" is required');
    const limit = query.limit ?? CHANGES_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > CHANGES_MAX) {
      throw new BadRequestError(`Parameter "limit" must be 1–${CHANGES_MAX}`);
    }
    const head = headRev(await this.#rooms.headOf(room.id));
    return await this.#options.revisions.changes(room.id, query.sinceRev, limit, head);
  }

  /** A member's target message: the room must be theirs and the seq well formed. */
  async #target(
    user: User,
    roomId: unknown,
    seqInput: unknown,
  ): Promise<{ room: string; seq: number }> {
    if (!isWellFormedId(roomId)) throw new NotFoundError("Room not found");
    const seq = parseSeqValue(seqInput);
    await this.#rooms.requireMember(user.id, roomId);
    return { room: roomId, seq };
  }

  async #existing(roomId: string, seq: number): Promise<Message> {
    const message = (await this.#store.bySeq(roomId, [seq])).get(seq);
    if (!message) throw new NotFoundError(`Message not found: ${seq}`);
    if (message.deleted) throw new NotFoundError(`Message was deleted: ${seq}`);
    return message;
  }

  /**
   * Queues a change for the room's next commit of changes (see `#commitChanges`)
   * and answers what it did once that commit is on disk.
   */
  async #change(roomId: string, op: ChangeOp): Promise<Changed> {
    return await this.#viaOwner(roomId, { kind: "change", op }) as Changed;
  }

  /**
   * Commits changes of a room as one batch (change_batch.ts), retrying from fresh
   * reads when another writer moved what it read. A change that did not fit goes
   * back to the head of the queue; the others are told their outcome.
   */
  async #commitChanges(roomId: string, batch: QueuedChange[]): Promise<void> {
    const outcomes = await this.#retried(
      roomId,
      batch,
      "change",
      () => this.#store.tryChanges(roomId, batch.map((q) => q.op), this.#options.clock.now()),
    );
    if (!outcomes) return;
    const deferred = batch.filter((_, i) => "deferred" in outcomes[i]);
    if (deferred.length) this.#queues.get(roomId)?.unshift(...deferred);
    // Served as clients see them (replies' excerpts from their originals), in rev order.
    const committed: Array<{ rev: number; message: Message }> = [];
    for (const outcome of outcomes) {
      if (!("ok" in outcome) || !outcome.ok || outcome.rev === null) continue;
      committed.push({ rev: outcome.rev, message: outcome.message }, ...outcome.replies);
    }
    // Revisions were taken in this order (each change, then its replies): ascending.
    const served = await this.#store.serve(roomId, committed.map((c) => ({ ...c.message })));
    const byRev = new Map(committed.map((c, i) => [c.rev, served[i]]));
    if (committed.length) {
      try {
        this.#options.onCommitted(
          roomId,
          committed.map((c, i) => ({ rev: c.rev, kind: "update", message: served[i] })),
        );
      } catch (err) {
        log.error("message_fanout_failed", { room: roomId, ...errorFields(err) });
      }
    }
    const mentioned = outcomes.flatMap((o) =>
      "ok" in o && o.ok && o.mentioned && o.rev !== null
        ? [{ message: byRev.get(o.rev)!, added: o.mentioned }]
        : []
    );
    if (mentioned.length) this.#notable(roomId, mentioned);
    for (const [i, q] of batch.entries()) {
      const outcome = outcomes[i];
      if ("deferred" in outcome) continue;
      if (!outcome.ok) {
        q.reject(outcome.error);
        continue;
      }
      if (outcome.deleted) {
        dropReactions(this.#kv, roomId, q.op.seq).catch((err) =>
          log.warn("reaction_cleanup_failed", { room: roomId, ...errorFields(err) })
        );
        // Its files' records went in the commit; their bytes go now.
        if (outcome.hadFiles) void this.#options.files?.sweepSoon();
      }
      const message = outcome.rev === null
        ? (await this.#store.serve(roomId, [{ ...outcome.message }]))[0]
        : byRev.get(outcome.rev)!;
      q.resolve({ message, rev: outcome.rev });
    }
  }

  #drain(roomId: string): void {
    this.#committing.add(roomId);
    const run = this.#commitLoop(roomId).finally(() => {
      this.#committing.delete(roomId);
      this.#inFlight.delete(run);
    });
    this.#inFlight.add(run);
  }

  async #commitLoop(roomId: string): Promise<void> {
    while (true) {
      const queue = this.#queues.get(roomId);
      if (!queue || queue.length === 0) {
        this.#queues.delete(roomId);
        return;
      }
      // What queued up while the last commit was in flight: its sends share one
      // commit and its changes the next (a change names a stored seq, so the two
      // kinds do not depend on each other's order within one round).
      const sends: QueuedSend[] = [];
      const changes: QueuedChange[] = [];
      let bytes = 0;
      let mutations = 0;
      const rest: Queued[] = [];
      for (const next of queue) {
        if (next.kind === "send") {
          // A send with files commits alone: its files' checks are redone on a retry.
          const fits = sends.length === 0 || (sends.length < BATCH_MAX_MESSAGES &&
            bytes + next.bytes <= BATCH_MAX_BYTES && !next.item.files && !sends[0].item.files &&
            mutations + next.mutations <= BATCH_MAX_MUTATIONS);
          if (fits) {
            sends.push(next);
            bytes += next.bytes;
            mutations += next.mutations;
            continue;
          }
        } else if (changes.length < CHANGES_PER_BATCH) {
          changes.push(next);
          continue;
        }
        rest.push(next);
      }
      queue.splice(0, queue.length, ...rest);
      if (sends.length) await this.#commit(roomId, sends);
      if (changes.length) await this.#commitChanges(roomId, changes);
    }
  }

  /**
   * Runs one commit `attempt` until it is not refused by a moved head (null), with
   * backoff. Isolates writing one busy room keep moving its head under each other:
   * the loser gets more tries before an error, about 3 s at the most. On failure the
   * whole batch is rejected (a ChatError as it is, anything else as internal) and
   * null is answered.
   */
  async #retried<T>(
    roomId: string,
    batch: Array<{ reject(err: unknown): void }>,
    what: "commit" | "change",
    attempt: () => Promise<T | null>,
  ): Promise<T | null> {
    try {
      return await retryAtomic(`${what} in room ${roomId}`, attempt, COMMIT_TRIES);
    } catch (err) {
      this.#store.forgetHead(roomId);
      // A refusal (a file another send posted first) is the client's answer, not a fault.
      if (!(err instanceof ChatError) || err.status >= 500) {
        log.error(`message_${what}_failed`, {
          room: roomId,
          count: batch.length,
          ...errorFields(err),
        });
      }
      const failure = err instanceof ChatError ? err : new InternalError(
        what === "commit" ? "Message could not be stored" : "Message could not be changed",
        { cause: err },
      );
      for (const q of batch) q.reject(failure);
      return null;
    }
  }

  async #commit(roomId: string, batch: QueuedSend[]): Promise<void> {
    let tries = 0;
    const results = await this.#retried(roomId, batch, "commit", async () => {
      // A failed commit with files may have lost a race for one of them: read
      // them again (a file now posted elsewhere refuses this send with a 400).
      if (tries++ > 0 && batch.length === 1 && batch[0].item.files) await this.#reclaim(batch[0]);
      return await this.#store.tryCommit(
        roomId,
        batch.map((q) => q.item),
        this.#options.clock.now(),
      );
    });
    if (!results) return;
    // Duplicates are told too: one found again after a commit that reported failure
    // but was applied has never been announced (feeds skip what they already have).
    const stored = results.length === 1 || results.every((r) => !r.duplicate)
      ? results.map((r) => r.message)
      : [...new Map(results.map((r) => [r.message.seq, r.message])).values()]
        .sort((a, b) => a.seq - b.seq);
    // Roots whose thread summary the commit changed: after the new messages, by rev.
    const rootUpdates = results.flatMap((r) => r.rootUpdate && !r.duplicate ? [r.rootUpdate] : []);
    const roots = rootUpdates.length
      ? await this.#store.serve(roomId, rootUpdates.map((u) => ({ ...u.message })))
      : [];
    if (stored.length) {
      try {
        this.#options.onCommitted(roomId, [
          ...stored.map((message) => ({
            rev: createdRevOf(message),
            kind: "message" as const,
            message,
          })),
          ...rootUpdates.map((u, i) => ({
            rev: u.rev,
            kind: "update" as const,
            message: roots[i],
          })),
        ]);
      } catch (err) {
        log.error("message_fanout_failed", { room: roomId, ...errorFields(err) });
      }
    }
    const fresh = results.flatMap((r, i) =>
      r.duplicate ? [] : [{ message: r.message, hereIds: batch[i].item.mentions?.hereIds }]
    );
    if (fresh.length) this.#notable(roomId, fresh);
    batch.forEach((q, i) => q.resolve(results[i]));
  }

  #notable(roomId: string, notes: Notable[]): void {
    try {
      this.#options.onNotable?.(roomId, notes);
    } catch (err) {
      log.error("notify_failed", { room: roomId, ...errorFields(err) });
    }
  }

  /** Reads a send's files again before it is retried (see `#commit`). */
  async #reclaim(queued: QueuedSend): Promise<void> {
    const item = queued.item;
    const user = { id: item.userId, username: item.username };
    const ids = item.files!.map((c) => c.record.id);
    const claimed = await this.#files().claim(user, queued.roomId, ids, item.clientId);
    // Posted by this very send, in a commit reported as failed: the retry finds its clientId.
    item.files = "duplicate" in claimed ? undefined : claimed.claims;
  }

  #files(): FileService {
    if (!this.#options.files) throw new InternalError("Files are not available");
    return this.#options.files;
  }

  /** A page of history: newest `limit` by default, `before` backwards, `after` forwards. */
  async history(
    userId: string,
    roomId: unknown,
    query: { before?: number; after?: number; limit?: number },
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    const room = await this.#rooms.requireReadable(userId, roomId);
    const limit = query.limit ?? HISTORY_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX) {
      throw new BadRequestError(`Parameter "limit" must be 1–${HISTORY_MAX}`);
    }
    if (query.before !== undefined && query.after !== undefined) {
      throw new BadRequestError('Parameters "before" and "after" cannot be combined');
    }
    if (query.after !== undefined) {
      const page = await this.#store.range(
        room.id,
        query.after + 1,
        Number.MAX_SAFE_INTEGER,
        limit + 1,
      );
      return { messages: page.slice(0, limit), hasMore: page.length > limit };
    }
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    const page = await this.#store.before(room.id, before, limit + 1);
    return { messages: page.slice(-limit), hasMore: page.length > limit };
  }

  /** Stored messages with from ≤ seq ≤ to (for replay); the caller checked access. */
  range(roomId: string, from: number, to: number, limit?: number): Promise<Message[]> {
    return this.#store.range(roomId, from, to, limit);
  }

  /** The room's events with from ≤ rev ≤ to (for replay); the caller checked access. */
  events(roomId: string, from: number, to: number, limit: number): Promise<RoomEvent[]> {
    return this.#options.revisions.events(roomId, from, to, limit);
  }

  /** Waits for every commit in flight (graceful shutdown). */
  async flush(): Promise<void> {
    while (this.#inFlight.size || this.#forwarding.size) {
      await Promise.allSettled([...this.#inFlight, ...this.#forwarding]);
    }
  }
}

/** A seq from a path or a frame: a positive safe integer, else 400. */
function parseSeqValue(value: unknown): number {
  const seq = typeof value === "string" && /^\d{1,16}$/.test(value) ? Number(value) : value;
  if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
    throw new BadRequestError(
      `Message seq must be a positive integer: got ${JSON.stringify(String(value)).slice(0, 40)}`,
    );
  }
  return seq;
}
