/**
 * @module Uploads give way to delivery. Storing an upload costs CPU (reading the
 * body, hashing, KV writing it) on a machine that also fans messages out; five
 * users uploading at full speed took the fan-out p99 from 13 to 135 ms on 2 cores.
 * So while the main thread is busy (over BUSY_ABOVE of its time, read from its own
 * CPU clock, as the password hasher does), all uploads of this isolate share
 * BUSY_BYTES_PER_S; while it is quiet they go at full speed. Reading the body more
 * slowly is TCP's backpressure on the clients, nothing is buffered meanwhile.
 */

import { ThreadLoad } from "../auth/_thread_load.ts";

/** Main-thread utilization above which uploads are paced. */
export const BUSY_ABOVE = 0.35;
/** What every upload of the isolate together may store per second while it is busy. */
export const BUSY_BYTES_PER_S = 8 * 1024 * 1024;

export class UploadPacer {
  #load: ThreadLoad | undefined;
  #busy = false;
  #watch: boolean;
  #active = 0;
  /** When the shared allowance is next free (ms, performance.now()). */
  #nextFree = 0;

  /** `watch: false` leaves the thread's load unread (tests set `busy` themselves). */
  constructor(options: { watch?: boolean } = {}) {
    this.#watch = options.watch ?? true;
  }

  /** Whether uploads are paced now. */
  get busy(): boolean {
    return this.#busy;
  }

  set busy(value: boolean) {
    this.#busy = value;
  }

  /** An upload starts: the thread's load is watched while any runs. */
  begin(): void {
    if (this.#active++ === 0 && this.#watch && ThreadLoad.available) {
      this.#load = new ThreadLoad((utilization) => this.#busy = utilization > BUSY_ABOVE);
    }
  }

  end(): void {
    if (--this.#active === 0) {
      this.#load?.stop();
      this.#load = undefined;
      this.#busy = false;
    }
  }

  /** Waits, while the thread is busy, for `bytes` of the shared allowance. */
  async take(bytes: number): Promise<void> {
    const wait = this.reserve(bytes, performance.now());
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  /** Takes `bytes` of the allowance at `now`; answers how long to wait for them (ms). */
  reserve(bytes: number, now: number): number {
    if (!this.#busy) return 0;
    const start = Math.max(now, this.#nextFree);
    this.#nextFree = start + (bytes / BUSY_BYTES_PER_S) * 1000;
    return start - now;
  }
}
