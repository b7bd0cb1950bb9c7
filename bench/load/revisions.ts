/**
 * @module The load generator's books for a room whose messages change: every request
 * (send, reaction, edit) by the room revision its ack names, and every `message` and
 * `update` frame at every receiving socket by the revision it carries, so lost,
 * duplicated and out-of-order deliveries are counted exactly and latency is measured
 * at each receiver.
 *
 * Why the revision and not a timestamp in the text: a reaction has no text of its
 * own, and an `update` frame carries the message "at that revision or later", so
 * its text may already be a later edit's. The revision is what the contract orders
 * frames by, and each acknowledged change names its own (`ack.message.rev`; for a new
 * message, the revision it was created at). Arrivals are kept as times by revision
 * and matched with send times after the drain: a frame may well arrive before the
 * ack that names its revision.
 *
 * The contract (v2): on one socket, a room's `message` and `update` frames come in
 * ascending `rev` with no gap and no duplicate. So each frame must carry exactly the
 * previous frame's revision + 1: any other (a gap, or a revision older than one
 * already seen) is counted as out of order, a second arrival of a revision as a
 * duplicate, and an acknowledged revision a socket never received as lost.
 */

import type { Message } from "../../lib/protocol/types.ts";
import { createdRevOf, revOf } from "../../lib/protocol/types.ts";
import { Histogram, type LatencySummary } from "../stats.ts";

export type ChangeKind = "message" | "reaction" | "edit";
export const CHANGE_KINDS: readonly ChangeKind[] = ["message", "reaction", "edit"];
const KIND_CODE: Record<ChangeKind, number> = { message: 1, reaction: 2, edit: 3 };

/** Times (ms) by small non-negative index, NaN where none was set. */
class Times {
  values = new Float64Array(1024).fill(NaN);
  get(i: number): number {
    return i < this.values.length ? this.values[i] : NaN;
  }
  set(i: number, value: number): void {
    if (i >= this.values.length) {
      const bigger = new Float64Array(Math.max(i + 1, this.values.length * 2)).fill(NaN);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[i] = value;
  }
}

/** One receiving socket: when each revision arrived, and the newest one. */
class Receiver {
  readonly arrived = new Times();
  last: number;
  constructor(readonly start: number) {
    this.last = start;
  }
}

/** What one kind of request came to. */
export interface KindTotals {
  sent: number;
  /** Sent within the measured window, per second. */
  sentPerSec: number;
  acked: number;
  errors: number;
  /** Deliveries owed: acknowledged requests × receivers. */
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Deliveries received within the measured window, per second. */
  deliveredPerSec: number;
  /** From the request being sent to each receiver's frame (requests sent in the window). */
  latency: LatencySummary;
  /** From the request being sent to its ack. */
  ack: LatencySummary;
}

export interface RevisionTotals {
  messages: KindTotals;
  /** Reactions and edits together: every `update` frame. */
  updates: KindTotals;
  reactions: KindTotals;
  edits: KindTotals;
  /** Frames whose revision was not the previous frame's + 1 on that socket. */
  disorder: number;
  /** Acknowledged changes whose revision another request already had (nothing changed). */
  unchanged: number;
  /** Frames for revisions at or before the subscription (from an earlier run). */
  stale: number;
  errorReasons: Record<string, number>;
}

interface KindBook {
  sent: number;
  sentInWindow: number;
  acked: number;
  errors: number;
  ack: Histogram;
}

export class RevisionLedger {
  /** Latency counts requests sent within [windowStart, windowEnd). */
  windowStart = -Infinity;
  windowEnd = Infinity;
  outstanding = 0;
  /** Distinct deliveries, owed or not. */
  distinct = 0;
  disorder = 0;
  unchanged = 0;
  stale = 0;
  readonly errorReasons = new Map<string, number>();
  readonly #base: number;
  readonly #receivers: Receiver[];
  readonly #sentAt = new Times();
  #kinds = new Uint8Array(1024);
  #owed = 0;
  #books = new Map<ChangeKind, KindBook>(
    CHANGE_KINDS.map((kind) => [kind, {
      sent: 0,
      sentInWindow: 0,
      acked: 0,
      errors: 0,
      ack: new Histogram(),
    }]),
  );
  /** Revisions that arrived twice at a socket, with the frame type (classified at the end). */
  #repeats: Array<{ rev: number; frame: "message" | "update" }> = [];

  /** `starts`: per receiving socket, the room's revision when it subscribed. */
  constructor(readonly roomId: string, starts: number[]) {
    this.#base = Math.min(...starts);
    this.#receivers = starts.map((rev) => new Receiver(rev));
  }

  /** Books a request sent at `sentAt`; `answer` resolves with the acknowledged message. */
  track(kind: ChangeKind, answer: Promise<Message>, sentAt: number): Promise<Message | null> {
    const book = this.#books.get(kind)!;
    const inWindow = sentAt >= this.windowStart && sentAt < this.windowEnd;
    book.sent++;
    if (inWindow) book.sentInWindow++;
    this.outstanding++;
    return answer.then((message) => {
      this.outstanding--;
      book.acked++;
      if (inWindow) book.ack.record(performance.now() - sentAt);
      const rev = kind === "message" ? createdRevOf(message) : revOf(message);
      const i = rev - this.#base;
      if (i <= 0 || this.#kindAt(i) !== 0) {
        this.unchanged++;
        return message;
      }
      this.#setKind(i, KIND_CODE[kind]);
      this.#sentAt.set(i, sentAt);
      this.#owed++;
      return message;
    }, (err) => {
      this.outstanding--;
      book.errors++;
      const reason = `${kind}: ${err instanceof Error ? err.message : String(err)}`;
      this.errorReasons.set(reason, (this.errorReasons.get(reason) ?? 0) + 1);
      return null;
    });
  }

  /** A `message` or `update` frame of the room, at receiver `slot`, for revision `rev`. */
  receive(slot: number, rev: number, frame: "message" | "update"): void {
    const now = performance.now();
    const receiver = this.#receivers[slot];
    const i = rev - this.#base;
    if (rev <= receiver.start) {
      this.stale++;
      return;
    }
    if (!Number.isNaN(receiver.arrived.get(i))) {
      this.#repeats.push({ rev, frame });
      return;
    }
    receiver.arrived.set(i, now);
    this.distinct++;
    if (rev !== receiver.last + 1) this.disorder++;
    if (rev > receiver.last) receiver.last = rev;
  }

  /** True once nothing is in flight and every owed delivery arrived. */
  complete(): boolean {
    return this.outstanding === 0 && this.distinct >= this.#owed * this.#receivers.length;
  }

  /**
   * Waits until complete, or `idleMs` with no progress, or `maxMs` in all; answers
   * how long it took. What is still missing then counts as lost.
   */
  async drain(idleMs: number, maxMs = 120_000): Promise<number> {
    const start = performance.now();
    let last = -1;
    let lastChange = start;
    while (!this.complete()) {
      const progress = this.distinct + this.#owed + this.unchanged - this.outstanding;
      const now = performance.now();
      if (progress !== last) {
        last = progress;
        lastChange = now;
      } else if (now - lastChange > idleMs || now - start > maxMs) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return performance.now() - start;
  }

  /** Scans every receiver for every owed revision: deliveries, losses, latencies. */
  totals(): RevisionTotals {
    const seconds = (this.windowEnd - this.windowStart) / 1000;
    const figures = new Map(CHANGE_KINDS.map((kind) => [kind, {
      delivered: 0,
      inWindow: 0,
      lost: 0,
      duplicates: 0,
      latency: new Histogram(),
    }]));
    const byCode = (code: number) => figures.get(CHANGE_KINDS[code - 1])!;
    const top = this.#kinds.length;
    for (let i = 1; i < top; i++) {
      const code = this.#kinds[i];
      if (code === 0) continue;
      const f = byCode(code);
      const sentAt = this.#sentAt.get(i);
      const measured = sentAt >= this.windowStart && sentAt < this.windowEnd;
      for (const receiver of this.#receivers) {
        if (this.#base + i <= receiver.start) continue; // before it subscribed
        const at = receiver.arrived.get(i);
        if (Number.isNaN(at)) {
          f.lost++;
          continue;
        }
        f.delivered++;
        if (at >= this.windowStart && at < this.windowEnd) f.inWindow++;
        if (measured) f.latency.record(at - sentAt);
      }
    }
    for (const { rev, frame } of this.#repeats) {
      const code = this.#kindAt(rev - this.#base);
      const kind: ChangeKind = code
        ? CHANGE_KINDS[code - 1]
        : frame === "message"
        ? "message"
        : "edit";
      figures.get(kind)!.duplicates++;
    }
    const kindTotals = (kinds: ChangeKind[]): KindTotals => {
      const latency = new Histogram();
      const ack = new Histogram();
      const sum = (pick: (kind: ChangeKind) => number) =>
        kinds.reduce((total, kind) => total + pick(kind), 0);
      for (const kind of kinds) {
        latency.merge(figures.get(kind)!.latency);
        ack.merge(this.#books.get(kind)!.ack);
      }
      const acked = sum((k) => this.#books.get(k)!.acked);
      return {
        sent: sum((k) => this.#books.get(k)!.sent),
        sentPerSec: sum((k) => this.#books.get(k)!.sentInWindow) / seconds,
        acked,
        errors: sum((k) => this.#books.get(k)!.errors),
        expected: sum((k) => figures.get(k)!.delivered + figures.get(k)!.lost),
        delivered: sum((k) => figures.get(k)!.delivered),
        lost: sum((k) => figures.get(k)!.lost),
        duplicates: sum((k) => figures.get(k)!.duplicates),
        deliveredPerSec: sum((k) => figures.get(k)!.inWindow) / seconds,
        latency: latency.summary(),
        ack: ack.summary(),
      };
    };
    return {
      messages: kindTotals(["message"]),
      updates: kindTotals(["reaction", "edit"]),
      reactions: kindTotals(["reaction"]),
      edits: kindTotals(["edit"]),
      disorder: this.disorder,
      unchanged: this.unchanged,
      stale: this.stale,
      errorReasons: Object.fromEntries(this.errorReasons),
    };
  }

  #kindAt(i: number): number {
    return i < this.#kinds.length ? this.#kinds[i] : 0;
  }

  #setKind(i: number, code: number): void {
    if (i >= this.#kinds.length) {
      const bigger = new Uint8Array(Math.max(i + 1, this.#kinds.length * 2));
      bigger.set(this.#kinds);
      this.#kinds = bigger;
    }
    this.#kinds[i] = code;
  }
}
