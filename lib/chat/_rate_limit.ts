/**
 * @module A token bucket per user: a burst allowance refilled at a steady rate.
 * Per isolate (in memory); with many isolates a user's allowance multiplies by at
 * most the number of isolates they are connected to.
 */

import { RateLimitedError } from "../errors.ts";
import type { Clock } from "../clock.ts";

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  #buckets = new Map<string, Bucket>();
  #burst: number;
  #perSec: number;
  #clock: Clock;

  constructor(options: { burst: number; perSec: number; clock: Clock }) {
    this.#burst = options.burst;
    this.#perSec = options.perSec;
    this.#clock = options.clock;
  }

  /** Takes one token for `key` or throws RateLimitedError saying when to retry. */
  take(key: string): void {
    if (this.#perSec === 0 && this.#burst === 0) return; // disabled
    const now = this.#clock.now();
    const bucket = this.#buckets.get(key) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + (now - bucket.at) * this.#perSec / 1000);
    bucket.at = now;
    if (bucket.tokens < 1) {
      this.#buckets.set(key, bucket);
      const waitMs = (1 - bucket.tokens) * 1000 / Math.max(this.#perSec, 0.001);
      throw new RateLimitedError("You are sending too fast: slow down", waitMs);
    }
    bucket.tokens -= 1;
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > 50_000) this.#prune(now);
  }

  #prune(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (now - bucket.at > (this.#burst / Math.max(this.#perSec, 0.001)) * 1000) {
        this.#buckets.delete(key);
      }
    }
  }
}
