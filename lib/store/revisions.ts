/**
 * @module The room revision log in KV: reading a room's events by revision, and the
 * compacted index of changed messages behind `GET …/changes`.
 *
 * Every event of a room's messages (a new message, an edit, a delete, a reaction
 * added or removed) takes the next revision, `rev`, in the same atomic commit that
 * stores it; the room head `["room_seq", roomId]` holds the newest (`RoomHead.rev`,
 * absent for rooms from before revisions, where it equals `seq`: one message was
 * one event then). What the log keeps, without a second write per new message:
 *
 * - New messages are their own record: `["msg", roomId, seq]`, created at
 *   `createdRevOf(message)`. Seq and creation rev grow together, so the messages
 *   created after revision R are those with seq > seqAt(R).
 * - Each change writes `["msg_rev", roomId, rev]` → {seq, headSeq}: which message
 *   changed, and the room's seq at that moment. So seqAt(R) is read from the latest
 *   change at or before R in one list call: headSeq + (R − its rev), since every rev
 *   after it up to R was a new message.
 * - `["msg_changed", roomId, rev]` → seq names each changed message once, at its
 *   latest rev (the previous entry is deleted in the same commit): `changes()` lists
 *   it with the messages created after N, so a client away for a month catches up
 *   with each message once, at its current state.
 *
 * Events between two revisions are therefore a merge of two ascending lists, where
 * every revision is either a change entry or the next new message: `events()` walks
 * them and answers each revision exactly once (the contract's gap-free replay).
 */

import { createdRevOf, type Message, revOf } from "../protocol/types.ts";

/** The room head, `["room_seq", roomId]`. */
export interface RoomHead {
  /** The newest message's seq. */
  seq: number;
  /** When the newest message was stored (room activity: changes do not move it). */
  at: number;
  /** The room's revision; absent for rooms from before revisions (then it is `seq`). */
  rev?: number;
}

export function headRev(head: RoomHead): number {
  return head.rev ?? head.seq;
}

/** `["msg_rev", roomId, rev]`: one change of the room (every one, in rev order). */
export interface ChangeEntry {
  seq: number;
  /** The room's seq when the change was made. */
  headSeq: number;
}

export { changedKey, changeKey } from "./keys.ts";

/** One event of a room: a new message (`message`) or a change (`update`), at `rev`. */
export interface RoomEvent {
  rev: number;
  kind: "message" | "update";
  /** The message at that event, or a later state of it. */
  message: Message;
}

/** What the revision readers need of the message table. */
export interface MessageReader {
  /** Messages with from ≤ seq ≤ to, ascending, at most `limit`, as served. */
  range(roomId: string, from: number, to: number, limit: number): Promise<Message[]>;
  /** The messages with these seqs, as served (missing ones are left out). */
  bySeq(roomId: string, seqs: number[]): Promise<Map<number, Message>>;
}

export class RevisionLog {
  #kv: Deno.Kv;
  #messages: MessageReader;

  constructor(kv: Deno.Kv, messages: MessageReader) {
    this.#kv = kv;
    this.#messages = messages;
  }

  /** How many messages the room had at revision `rev`. */
  async seqAt(roomId: string, rev: number): Promise<number> {
    if (rev <= 0) return 0;
    const iter = this.#kv.list<ChangeEntry>({
      start: ["msg_rev", roomId, 0],
      end: ["msg_rev", roomId, rev + 1],
    }, { reverse: true, limit: 1 });
    for await (const entry of iter) {
      const at = entry.key[2] as number;
      return entry.value.headSeq + (rev - at);
    }
    return rev;
  }

  /** The revision at which message `seq` was created (0 for seq 0). */
  async revOfSeq(roomId: string, seq: number): Promise<number> {
    if (seq <= 0) return 0;
    const message = (await this.#messages.bySeq(roomId, [seq])).get(seq);
    if (!message) throw new Error(`Message not found: ${roomId}/${seq}`);
    return createdRevOf(message);
  }

  /**
   * The room's events with from ≤ rev ≤ to, ascending, each revision once, at most
   * `limit`. Stops early (answers fewer) only where KV lacks an event it should
   * hold, which the caller logs as a gap.
   */
  async events(roomId: string, from: number, to: number, limit: number): Promise<RoomEvent[]> {
    if (to < from || limit <= 0) return [];
    const end = Math.min(to, from + limit - 1);
    const [startSeq, changes] = await Promise.all([
      this.seqAt(roomId, from - 1),
      this.#changesIn(roomId, from, end),
    ]);
    const newCount = end - from + 1 - changes.length;
    const [created, changed] = await Promise.all([
      newCount > 0
        ? this.#messages.range(roomId, startSeq + 1, startSeq + newCount, newCount)
        : Promise.resolve([]),
      this.#messages.bySeq(roomId, [...new Set(changes.map((c) => c.seq))]),
    ]);
    const events: RoomEvent[] = [];
    let nextNew = 0;
    let nextChange = 0;
    for (let rev = from; rev <= end; rev++) {
      const change = changes[nextChange];
      if (change && change.rev === rev) {
        nextChange++;
        const message = changed.get(change.seq);
        if (!message) break;
        events.push({ rev, kind: "update", message });
        continue;
      }
      const message = created[nextNew++];
      if (!message || createdRevOf(message) !== rev) break;
      events.push({ rev, kind: "message", message });
    }
    return events;
  }

  async #changesIn(
    roomId: string,
    from: number,
    to: number,
  ): Promise<Array<{ rev: number; seq: number }>> {
    const changes: Array<{ rev: number; seq: number }> = [];
    const iter = this.#kv.list<ChangeEntry>({
      start: ["msg_rev", roomId, from],
      end: ["msg_rev", roomId, to + 1],
    }, { batchSize: Math.min(500, to - from + 1) });
    for await (const entry of iter) {
      changes.push({ rev: entry.key[2] as number, seq: entry.value.seq });
    }
    return changes;
  }

  /**
   * Every message created or changed after `sinceRev`, once each, at its current
   * state, ascending by rev, at most `limit`; `lastRev` is where the next page
   * starts (everything up to it is in this page or an earlier one).
   *
   * Two ascending lists are read: the changed messages (compacted index, by latest
   * rev) and the messages created after `sinceRev` (by seq, so by creation rev). A
   * page is complete up to the smaller of the two lists' reach: where a list was
   * cut by the limit, only up to its last entry is everything known.
   */
  async changes(
    roomId: string,
    sinceRev: number,
    limit: number,
    head: number,
  ): Promise<{ messages: Message[]; lastRev: number; hasMore: boolean }> {
    if (sinceRev >= head) return { messages: [], lastRev: head, hasMore: false };
    const [startSeq, changedEntries] = await Promise.all([
      this.seqAt(roomId, sinceRev),
      this.#listChanged(roomId, sinceRev + 1, limit + 1),
    ]);
    const created = await this.#messages.range(
      roomId,
      startSeq + 1,
      Number.MAX_SAFE_INTEGER,
      limit + 1,
    );
    // A list cut by its limit is known up to its last entry read, and no further.
    let reach = head;
    if (changedEntries.length > limit) reach = Math.min(reach, changedEntries[limit].rev);
    if (created.length > limit) reach = Math.min(reach, createdRevOf(created[limit]));
    const bySeq = new Map<number, Message>();
    for (const message of created) {
      if (revOf(message) <= reach) bySeq.set(message.seq, message);
    }
    const wanted = changedEntries.filter((c) => c.rev <= reach && !bySeq.has(c.seq));
    const changed = await this.#messages.bySeq(roomId, wanted.map((c) => c.seq));
    for (const message of changed.values()) {
      if (revOf(message) <= reach) bySeq.set(message.seq, message);
    }
    let messages = [...bySeq.values()].sort((a, b) => revOf(a) - revOf(b));
    let lastRev = reach;
    if (messages.length > limit) {
      messages = messages.slice(0, limit);
      lastRev = revOf(messages[limit - 1]);
    }
    return { messages, lastRev, hasMore: lastRev < head };
  }

  async #listChanged(
    roomId: string,
    from: number,
    limit: number,
  ): Promise<Array<{ rev: number; seq: number }>> {
    const list: Array<{ rev: number; seq: number }> = [];
    const iter = this.#kv.list<number>({
      start: ["msg_changed", roomId, from],
      end: ["msg_changed", roomId, Number.MAX_SAFE_INTEGER],
    }, { limit, batchSize: Math.min(limit, 500) });
    for await (const entry of iter) list.push({ rev: entry.key[2] as number, seq: entry.value });
    return list;
  }
}
