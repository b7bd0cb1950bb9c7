/**
 * @module Many timers on one: callbacks due at a time, run by a single interval in
 * slots of `resolutionMs`. Every open socket re-checks its session now and then; a
 * `setTimeout` of its own cost ~350 bytes of heap per socket (the timer object and
 * the two closures Deno's timers wrap around it), a place in a slot costs two
 * hash-table entries.
 */

import { errorFields, log } from "../log.ts";

export class Schedule {
  readonly #resolutionMs: number;
  readonly #now: () => number;
  /** Slot number (due time ÷ resolution, rounded up) → what is due then. */
  readonly #slots = new Map<number, Set<() => void>>();
  readonly #slotOf = new Map<() => void, number>();
  #timer?: ReturnType<typeof setInterval>;

  constructor(options: { resolutionMs?: number; now?: () => number } = {}) {
    this.#resolutionMs = options.resolutionMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  /** How many callbacks are waiting. */
  get size(): number {
    return this.#slotOf.size;
  }

  /**
   * Runs `fn` once, at `at` (epoch ms) or up to one resolution later, never earlier.
   * Scheduling a callback that is already waiting moves it.
   */
  at(fn: () => void, at: number): void {
    this.cancel(fn);
    const slot = Math.ceil(at / this.#resolutionMs);
    let due = this.#slots.get(slot);
    if (!due) this.#slots.set(slot, due = new Set());
    due.add(fn);
    this.#slotOf.set(fn, slot);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#resolutionMs);
      // Nothing here is a reason to keep a process alive.
      Deno.unrefTimer(this.#timer);
    }
  }

  cancel(fn: () => void): void {
    const slot = this.#slotOf.get(fn);
    if (slot === undefined) return;
    this.#slotOf.delete(fn);
    const due = this.#slots.get(slot);
    // (A slot being run is already out of #slots.)
    if (due?.delete(fn) && due.size === 0) this.#slots.delete(slot);
    if (this.#slotOf.size === 0) this.#stop();
  }

  #tick(): void {
    const now = this.#now();
    // Few slots are ever waiting (a 30 s re-check at 1 s resolution: about 31), so
    // looking at each is cheaper than keeping them sorted.
    const ready: [number, Set<() => void>][] = [];
    for (const [slot, due] of this.#slots) {
      if (slot * this.#resolutionMs <= now) ready.push([slot, due]);
    }
    for (const [slot] of ready) this.#slots.delete(slot);
    for (const [slot, due] of ready) {
      for (const fn of due) {
        // Cancelled or moved by a callback that ran before it in this pass.
        if (this.#slotOf.get(fn) !== slot) continue;
        this.#slotOf.delete(fn);
        try {
          fn();
        } catch (err) {
          log.error("scheduled_failed", errorFields(err));
        }
      }
    }
    if (this.#slotOf.size === 0) this.#stop();
  }

  #stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
