/**
 * @module The load generator's books: every message sent, every ack, and every
 * delivery at every receiving socket, so lost and duplicated deliveries are counted
 * exactly and end-to-end latency is measured at each receiver.
 *
 * A message's text carries what the receiver needs, padded to ~100 bytes:
 * `<tag> <index in room> <send time> xxx…`. The tag names the run (a fan-out step),
 * so a late delivery from an earlier run is never mistaken for one of this run. The
 * send time is `performance.now()` of this process, which both sends and receives.
 * Each receiver keeps a bitset of the indexes it saw: a second delivery of the same
 * index is a duplicate; an acknowledged index it never saw is a lost delivery.
 */

import { Histogram } from "../stats.ts";
import type { BenchClient } from "./clients.ts";

/** Every message text is padded to this many characters (bytes: all ASCII). */
export const TEXT_SIZE = 100;
const PAD = "x".repeat(TEXT_SIZE);

class Bitset {
  bits = new Uint8Array(64);
  has(i: number): boolean {
    const byte = i >> 3;
    return byte < this.bits.length && (this.bits[byte] & (1 << (i & 7))) !== 0;
  }
  add(i: number): void {
    const byte = i >> 3;
    if (byte >= this.bits.length) {
      const bigger = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      bigger.set(this.bits);
      this.bits = bigger;
    }
    this.bits[byte] |= 1 << (i & 7);
  }
}

/** One room: the messages sent into it and what each receiving socket saw. */
export class RoomBook {
  next = 0;
  readonly acked = new Bitset();
  ackedCount = 0;
  readonly seen: Bitset[];
  constructor(readonly roomId: string, readonly receivers: number) {
    this.seen = Array.from({ length: receivers }, () => new Bitset());
  }
}

export interface LedgerTotals {
  sent: number;
  acked: number;
  sendErrors: number;
  /** Deliveries owed: acknowledged messages × receivers of their room. */
  expected: number;
  /** Distinct deliveries of acknowledged messages. */
  delivered: number;
  lost: number;
  duplicates: number;
}

export class Ledger {
  readonly tag: string;
  readonly latency = new Histogram();
  readonly ackLatency = new Histogram();
  /**
   * Deliveries a socket caught up on after it reconnected (sent while it was
   * away): kept apart from `latency`, which is live delivery.
   */
  readonly catchUpLatency = new Histogram();
  /** Latency is recorded for messages sent within [windowStart, windowEnd). */
  windowStart = -Infinity;
  windowEnd = Infinity;
  /** Deliveries received within the window (by receive time). */
  deliveredInWindow = 0;
  sentInWindow = 0;
  sent = 0;
  acked = 0;
  sendErrors = 0;
  /** Why sends failed, and how often. */
  readonly errorReasons = new Map<string, number>();
  outstanding = 0;
  /** Distinct deliveries, all messages (acknowledged or not). */
  distinct = 0;
  duplicates = 0;
  /** Deliveries whose text is not from this run. */
  foreign = 0;
  /** When the newest distinct delivery arrived (performance.now()). */
  lastDistinctAt = NaN;
  #rooms = new Map<string, RoomBook>();
  #tagSpace: string;

  constructor(tag: string) {
    this.tag = tag;
    this.#tagSpace = tag + " ";
  }

  /** Registers a room with its number of receiving sockets. */
  room(roomId: string, receivers: number): RoomBook {
    const book = new RoomBook(roomId, receivers);
    this.#rooms.set(roomId, book);
    return book;
  }

  get rooms(): RoomBook[] {
    return [...this.#rooms.values()];
  }

  /** Routes a client's deliveries for `book`'s room to receiver `slot`. */
  attach(client: BenchClient, book: RoomBook, slot: number): void {
    client.onMessage = (roomId, text) => {
      if (roomId === book.roomId) this.deliver(book, slot, text);
      else this.foreign++;
    };
  }

  /** Sends the next message of `book`'s room through `client`, tracking its ack. */
  send(client: BenchClient, book: RoomBook): void {
    const idx = book.next++;
    const now = performance.now();
    const text = `${this.#tagSpace}${idx} ${now.toFixed(3)} `;
    const inWindow = now >= this.windowStart && now < this.windowEnd;
    this.sent++;
    if (inWindow) this.sentInWindow++;
    this.outstanding++;
    client.send(book.roomId, text + PAD.slice(text.length)).then(() => {
      this.outstanding--;
      this.acked++;
      book.acked.add(idx);
      book.ackedCount++;
      if (inWindow) this.ackLatency.record(performance.now() - now);
    }, (err) => {
      this.outstanding--;
      this.sendErrors++;
      const reason = err instanceof Error ? err.message : String(err);
      this.errorReasons.set(reason, (this.errorReasons.get(reason) ?? 0) + 1);
    });
  }

  /** Books one delivery; `live` false: a catch-up (`catchUpLatency`, not `latency`). */
  deliver(book: RoomBook, slot: number, text: string, live = true): void {
    const now = performance.now();
    if (!text.startsWith(this.#tagSpace)) {
      this.foreign++;
      return;
    }
    const a = this.#tagSpace.length;
    const b = text.indexOf(" ", a);
    const c = text.indexOf(" ", b + 1);
    const idx = Number(text.slice(a, b));
    const sentAt = Number(text.slice(b + 1, c));
    const seen = book.seen[slot];
    if (seen.has(idx)) {
      this.duplicates++;
      return;
    }
    seen.add(idx);
    this.distinct++;
    this.lastDistinctAt = now;
    if (now >= this.windowStart && now < this.windowEnd) this.deliveredInWindow++;
    if (sentAt >= this.windowStart && sentAt < this.windowEnd) {
      (live ? this.latency : this.catchUpLatency).record(now - sentAt);
    }
  }

  /** The send time (`performance.now()`) a message text of this ledger carries. */
  sentAtOf(text: string): number {
    const b = text.indexOf(" ", this.#tagSpace.length);
    return Number(text.slice(b + 1, text.indexOf(" ", b + 1)));
  }

  /** Deliveries owed so far: acknowledged messages × receivers. */
  expectedSoFar(): number {
    let total = 0;
    for (const book of this.#rooms.values()) total += book.ackedCount * book.receivers;
    return total;
  }

  /** True once nothing is in flight and every owed delivery arrived. */
  complete(): boolean {
    return this.outstanding === 0 && this.distinct >= this.expectedSoFar();
  }

  /**
   * Waits until complete, or `timeoutMs` with no progress, or `maxMs` in all;
   * answers how long it took. What is still missing then counts as lost.
   */
  async drain(timeoutMs: number, maxMs = 120_000): Promise<number> {
    const start = performance.now();
    let last = -1;
    let lastChange = start;
    while (!this.complete()) {
      const progress = this.distinct + this.acked + this.sendErrors;
      const now = performance.now();
      if (progress !== last) {
        last = progress;
        lastChange = now;
      } else if (now - lastChange > timeoutMs || now - start > maxMs) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return performance.now() - start;
  }

  /** Counts owed deliveries that never arrived (scans every receiver's bitset). */
  totals(): LedgerTotals {
    let expected = 0;
    let delivered = 0;
    for (const book of this.#rooms.values()) {
      expected += book.ackedCount * book.receivers;
      for (let idx = 0; idx < book.next; idx++) {
        if (!book.acked.has(idx)) continue;
        for (const seen of book.seen) if (seen.has(idx)) delivered++;
      }
    }
    return {
      sent: this.sent,
      acked: this.acked,
      sendErrors: this.sendErrors,
      expected,
      delivered,
      lost: expected - delivered,
      duplicates: this.duplicates,
    };
  }
}
