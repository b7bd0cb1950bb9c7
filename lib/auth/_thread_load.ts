/**
 * @module How busy the calling thread is: the share of wall-clock time it spent on
 * a CPU lately, from `process.threadCpuUsage()` (this thread's user and system time
 * alone, so a worker's hashing does not count). The password hasher uses it to
 * give way to message delivery, which all runs on the main thread: see passwords.ts.
 */

import process from "node:process";

/** How often the thread's CPU time is read. */
export const SAMPLE_MS = 250;

/** This thread's CPU time in ms, or undefined where the runtime cannot tell. */
export function threadCpuMs(): number | undefined {
  try {
    const { user, system } = process.threadCpuUsage();
    return (user + system) / 1000;
  } catch {
    return undefined;
  }
}

/**
 * Calls `onSample` every SAMPLE_MS with the thread's utilization (0–1) over the
 * last two samples: one busy window counts at once, half a second of quiet ends it.
 * The clock's resolution (10 ms on Linux) is 4 % of a window, well under the
 * thresholds this serves. The timer never keeps the process alive.
 */
export class ThreadLoad {
  #timer: ReturnType<typeof setInterval> | undefined;
  #last: { at: number; cpu: number } | undefined;
  #previous = 0;

  /** Whether this runtime can tell (Deno on Linux, macOS and Windows can). */
  static get available(): boolean {
    return threadCpuMs() !== undefined;
  }

  constructor(onSample: (utilization: number) => void) {
    const cpu = threadCpuMs();
    if (cpu !== undefined) this.#last = { at: performance.now(), cpu };
    const timer = setInterval(() => {
      const cpu = threadCpuMs();
      const at = performance.now();
      if (cpu === undefined) return;
      const last = this.#last;
      this.#last = { at, cpu };
      if (!last || at <= last.at) return;
      const current = Math.min(1, Math.max(0, (cpu - last.cpu) / (at - last.at)));
      onSample(Math.max(current, this.#previous));
      this.#previous = current;
    }, SAMPLE_MS);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
