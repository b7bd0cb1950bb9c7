/**
 * @module Messages in KV: gap-free per-room seq assigned in batched atomic commits,
 * 24-hour clientId idempotency, and history pages.
 *
 * A batch reads the room head, then commits every message of the batch, the new
 * head and the clientId keys in one atomic operation guarded by a check on the
 * head's versionstamp. Any concurrent commit to the same room (another isolate)
 * moves the head, fails the check, and the batch is re-read and retried: so seq
 * numbers are never shared or skipped, and a clientId is resolved under the same
 * guard (no duplicate can slip in between the lookup and the commit).
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

export class MessageStore {
  #kv: Deno.Kv;
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
    let head = this.#heads.get(roomId);
    if (!head) {
      const entry = await this.#kv.get<RoomHead>(headKey);
      if (entry.versionstamp === null) throw new Error(`Room has no head: ${roomId}`);
      head = entry as Deno.KvEntry<RoomHead>;
    }
    const existing = await this.#existingByClientId(roomId, batch, now);
    const results: Stored[] = new Array(batch.length);
    const op = this.#kv.atomic().check(head);
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
      op.set(["msg", roomId, seq], message);
      if (idKey) {
        seen.set(idKey, message);
        op.set(
          ["msg_client", roomId, item.userId, item.clientId!],
          { seq, expiresAt: now + IDEMPOTENCY_MS } satisfies ClientIdRecord,
          { expireIn: IDEMPOTENCY_MS },
        );
      }
      readBy.set(item.userId, seq);
      results[i] = { message, duplicate: false };
    }
    if (seq === head.value.seq) return results; // only duplicates: nothing to write
    const newHead: RoomHead = { seq, at: now };
    op.set(headKey, newHead);
    // A sender has read what they wrote.
    for (const [userId, last] of readBy) op.set(["read", userId, roomId], last);
    const commit = await op.commit();
    if (!commit.ok) {
      this.#heads.delete(roomId);
      return null;
    }
    this.#heads.set(roomId, { key: headKey, value: newHead, versionstamp: commit.versionstamp });
    return results;
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
