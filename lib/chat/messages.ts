/**
 * @module Sending and reading messages: the one code path for HTTP and WebSocket.
 *
 * Sends to a room are group-committed: while one commit for a room is in flight,
 * newer sends queue up, and the next commit takes all of them at once (up to KV's
 * per-commit limits). Under light load a send commits alone, at once; under heavy
 * load many share one durable commit. Nobody is acknowledged before the commit that
 * stored their message returns, so an ack always means "on disk".
 */

import { ChatError, InternalError, NotFoundError } from "../errors.ts";
import { HISTORY_DEFAULT, HISTORY_MAX } from "../protocol/limits.ts";
import type { Message, User } from "../protocol/types.ts";
import { isWellFormedId, validateClientId, validateMessageText } from "../protocol/validate.ts";
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
import type { RoomService } from "./rooms.ts";
import type { RateLimiter } from "./_rate_limit.ts";

const COMMIT_TRIES = 60;

interface Queued {
  item: NewMessage;
  bytes: number;
  resolve(stored: Stored): void;
  reject(err: unknown): void;
}

export interface MessageServiceOptions {
  clock: Clock;
  limiter: RateLimiter;
  /** Told of the messages a commit stored or found again, in seq order, right after it. */
  onCommitted(roomId: string, messages: Message[]): void;
}

export class MessageService {
  #store: MessageStore;
  #rooms: RoomService;
  #options: MessageServiceOptions;
  #queues = new Map<string, Queued[]>();
  #committing = new Set<string>();
  #inFlight = new Set<Promise<void>>();

  constructor(store: MessageStore, rooms: RoomService, options: MessageServiceOptions) {
    this.#store = store;
    this.#rooms = rooms;
    this.#options = options;
  }

  /** Stores a message (or finds the one with the same clientId) and answers it. */
  async send(
    user: User,
    roomId: unknown,
    input: { text: unknown; clientId?: unknown },
  ): Promise<Stored> {
    if (!isWellFormedId(roomId)) throw new NotFoundError("Room not found");
    const text = validateMessageText(input.text);
    const clientId = validateClientId(input.clientId);
    this.#options.limiter.take(user.id);
    await this.#rooms.requireMember(user.id, roomId);
    const item: NewMessage = { userId: user.id, username: user.username, text, clientId };
    return await new Promise<Stored>((resolve, reject) => {
      const queue = this.#queues.get(roomId) ?? [];
      queue.push({ item, bytes: text.length * 3 + 300, resolve, reject });
      this.#queues.set(roomId, queue);
      if (!this.#committing.has(roomId)) this.#drain(roomId);
    });
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
      const batch: Queued[] = [];
      let bytes = 0;
      while (
        queue.length && batch.length < BATCH_MAX_MESSAGES &&
        (batch.length === 0 || bytes + queue[0].bytes <= BATCH_MAX_BYTES)
      ) {
        const next = queue.shift()!;
        bytes += next.bytes;
        batch.push(next);
      }
      await this.#commit(roomId, batch);
    }
  }

  async #commit(roomId: string, batch: Queued[]): Promise<void> {
    let results: Stored[];
    try {
      results = await retryAtomic(
        `commit to room ${roomId}`,
        () =>
          this.#store.tryCommit(
            roomId,
            batch.map((q) => q.item),
            this.#options.clock.now(),
          ),
        // Isolates writing one busy room keep moving its head under each other: give
        // the loser more (backed-off) tries before an error, about 3 s at the most.
        COMMIT_TRIES,
      );
    } catch (err) {
      this.#store.forgetHead(roomId);
      log.error("message_commit_failed", {
        room: roomId,
        count: batch.length,
        ...errorFields(err),
      });
      const failure = err instanceof ChatError
        ? err
        : new InternalError("Message could not be stored", { cause: err });
      for (const q of batch) q.reject(failure);
      return;
    }
    // Duplicates are told too: one found again after a commit that reported failure
    // but was applied has never been announced (feeds skip what they already have).
    const stored = results.length === 1 || results.every((r) => !r.duplicate)
      ? results.map((r) => r.message)
      : [...new Map(results.map((r) => [r.message.seq, r.message])).values()]
        .sort((a, b) => a.seq - b.seq);
    if (stored.length) {
      try {
        this.#options.onCommitted(roomId, stored);
      } catch (err) {
        log.error("message_fanout_failed", { room: roomId, ...errorFields(err) });
      }
    }
    batch.forEach((q, i) => q.resolve(results[i]));
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

  /** Waits for every commit in flight (graceful shutdown). */
  async flush(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }
}
