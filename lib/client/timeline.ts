/**
 * @module One room's messages as a client holds them: the rules every client
 * (the chat island, the terminal client) applies to what the server sends, in one
 * pure place.
 *
 * - Messages are kept by `seq` and listed in seq order, whatever order they came in
 *   (history pages, live frames, replays, `GET …/changes`).
 * - Of two states of one message, the one with the higher `rev` wins; an equal rev
 *   is the same state. So `message` and `update` frames, history and changes can
 *   be applied in any order and end in the server's state.
 * - A reply shows the current state of what it answers: when the original changes
 *   (edited, deleted), every held reply to it gets the new excerpt at once. The
 *   server does the same when it serves a reply, so the two agree.
 */

import { type Message, type ReplyRef, replyRefOf, revOf } from "../protocol/types.ts";

export { replyRefOf };

function sameRef(a: ReplyRef, b: ReplyRef): boolean {
  return a.excerpt === b.excerpt && a.deleted === b.deleted && a.username === b.username;
}

export class Timeline {
  #bySeq = new Map<number, Message>();
  /** Seqs in ascending order (kept sorted on insert). */
  #order: number[] = [];
  /** original seq → seqs of the replies to it that are held. */
  #replies = new Map<number, Set<number>>();

  /** Every message held, ascending by seq. */
  messages(): Message[] {
    return this.#order.map((seq) => this.#bySeq.get(seq)!);
  }

  get size(): number {
    return this.#order.length;
  }

  get(seq: number): Message | undefined {
    return this.#bySeq.get(seq);
  }

  /** The newest seq held (0 when empty). */
  get lastSeq(): number {
    return this.#order.at(-1) ?? 0;
  }

  /** The oldest seq held (0 when empty). */
  get firstSeq(): number {
    return this.#order[0] ?? 0;
  }

  /**
   * Applies one message state (new, or a newer state of a held one). Answers the
   * seqs whose shown state changed: the message and the replies that quote it;
   * empty when this state was not newer than the one held.
   */
  apply(message: Message): number[] {
    const held = this.#bySeq.get(message.seq);
    if (held && revOf(held) >= revOf(message)) return [];
    let next = message;
    // A reply arriving after its original takes the original's current state.
    const original = next.replyTo ? this.#bySeq.get(next.replyTo.seq) : undefined;
    if (original && next.replyTo && revOf(original) > 0) {
      const ref = replyRefOf(original);
      if (!sameRef(ref, next.replyTo)) next = { ...next, replyTo: ref };
    }
    this.#bySeq.set(message.seq, next);
    if (!held) this.#insert(message.seq);
    if (held?.replyTo && held.replyTo.seq !== next.replyTo?.seq) {
      this.#replies.get(held.replyTo.seq)?.delete(message.seq);
    }
    if (next.replyTo) {
      let set = this.#replies.get(next.replyTo.seq);
      if (!set) this.#replies.set(next.replyTo.seq, set = new Set());
      set.add(message.seq);
    }
    const changed = [message.seq];
    for (const replySeq of this.#replies.get(message.seq) ?? []) {
      const reply = this.#bySeq.get(replySeq);
      if (!reply?.replyTo) continue;
      const ref = replyRefOf(next);
      if (sameRef(ref, reply.replyTo)) continue;
      this.#bySeq.set(replySeq, { ...reply, replyTo: ref });
      changed.push(replySeq);
    }
    return changed;
  }

  /** Applies many states (a history page, a page of changes); answers the changed seqs. */
  applyAll(messages: Iterable<Message>): number[] {
    const changed = new Set<number>();
    for (const message of messages) for (const seq of this.apply(message)) changed.add(seq);
    return [...changed];
  }

  /** Forgets everything (the server skipped ahead: start again from a fresh page). */
  clear(): void {
    this.#bySeq.clear();
    this.#order = [];
    this.#replies.clear();
  }

  #insert(seq: number): void {
    const order = this.#order;
    if (order.length === 0 || seq > order[order.length - 1]) {
      order.push(seq);
      return;
    }
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (order[mid] < seq) lo = mid + 1;
      else hi = mid;
    }
    order.splice(lo, 0, seq);
  }
}
