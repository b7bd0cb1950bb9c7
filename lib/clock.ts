/**
 * @module Time as a dependency, so presence and expiry logic can be tested with a
 * clock the test moves by hand.
 */

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): number;
  clearTimeout(id: number): void;
}

export const SYSTEM_CLOCK: Clock = {
  now: () => Date.now(),
  // Typed as numbers whichever timer typings (Deno's or Node's) are in scope.
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as number,
  clearTimeout: (id) => clearTimeout(id as unknown as ReturnType<typeof setTimeout>),
};

/** A clock that moves only when told: `advance(ms)` fires due timers in order. */
export class ManualClock implements Clock {
  #now: number;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;

  constructor(start = 1_700_000_000_000) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.#next++;
    this.#timers.set(id, { at: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(id: number): void {
    this.#timers.delete(id);
  }

  /** Moves time forward, running every timer that falls due, earliest first. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    while (true) {
      let dueId = -1;
      let due: { at: number; fn: () => void } | undefined;
      for (const [id, timer] of this.#timers) {
        if (timer.at <= target && (!due || timer.at < due.at)) {
          dueId = id;
          due = timer;
        }
      }
      if (!due) break;
      this.#timers.delete(dueId);
      this.#now = due.at;
      due.fn();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    this.#now = target;
  }
}
