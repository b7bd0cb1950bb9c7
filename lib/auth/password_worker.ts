/**
 * @module The worker that runs argon2id off the main thread, so a burst of logins
 * never stalls message delivery. It answers `{id, result}` or `{id, error}`.
 *
 * Jobs run one at a time, and a busy worker takes a rest after each: a hash of d ms
 * is followed by d × (1 − share) / share ms before the next job starts. So however
 * many sign-ins queue up, hashing takes at most `share` of a core (HASH_CPU_PERCENT, see config.ts). argon2id is
 * memory-hard on purpose (19 MiB per hash, walked at random): running flat out it
 * also slows the core next to it, through the shared caches and memory bus, and
 * that core is the one delivering messages. A lone sign-in never waits (the rest
 * comes after it); a burst is answered more slowly, and past the hasher's queue
 * (MAX_PENDING_HASHES) told to retry.
 */

import { hashPassword, verifyPassword } from "./_argon2.ts";

/** The share of one core hashing may take under a burst: set by the first message. */
let share = 1;

interface Job {
  id: number;
  op: "hash" | "verify";
  password: string;
  hash?: string;
}

const queue: Job[] = [];
let running = false;
let restUntil = 0;

async function run(): Promise<void> {
  running = true;
  while (queue.length) {
    const wait = restUntil - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const { id, op, password, hash } = queue.shift()!;
    const started = performance.now();
    try {
      const result = op === "hash"
        ? await hashPassword(password)
        : await verifyPassword(password, hash!);
      self.postMessage({ id, result });
    } catch (err) {
      self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
    const took = performance.now() - started;
    restUntil = performance.now() + took * (1 - share) / share;
  }
  running = false;
}

self.onmessage = (event: MessageEvent<Job | { share: number }>) => {
  if ("share" in event.data) {
    share = Math.min(1, Math.max(0.01, event.data.share));
    return;
  }
  queue.push(event.data);
  if (!running) void run();
};
