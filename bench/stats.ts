/**
 * @module Latency histograms for the load generator: constant memory whatever the
 * sample count, about 0.8 % relative precision, cheap enough to record every one of
 * hundreds of thousands of deliveries per second.
 *
 * Values are recorded in microseconds. Below 1024 µs each microsecond has its own
 * bucket; above, every power of two is split into 128 sub-buckets (log-linear, as in
 * HdrHistogram), up to 2^36 µs (about 19 hours).
 */

const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
const LINEAR = 1024;
const MAX_EXP = 36;
const SIZE = LINEAR + (MAX_EXP - 10) * SUB;

function bucketOf(us: number): number {
  if (us < LINEAR) return us < 0 ? 0 : us | 0;
  const exp = Math.floor(Math.log2(us));
  if (exp >= MAX_EXP) return SIZE - 1;
  const sub = Math.floor((us / 2 ** exp - 1) * SUB);
  return LINEAR + (exp - 10) * SUB + sub;
}

/** The middle of a bucket, in microseconds. */
function valueOf(bucket: number): number {
  if (bucket < LINEAR) return bucket + 0.5;
  const exp = Math.floor((bucket - LINEAR) / SUB) + 10;
  const sub = (bucket - LINEAR) % SUB;
  return 2 ** exp * (1 + (sub + 0.5) / SUB);
}

/** A latency summary in milliseconds, as reported. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export class Histogram {
  #counts = new Float64Array(SIZE);
  count = 0;
  #sum = 0;
  #max = 0;

  /** Records one value in milliseconds. */
  record(ms: number): void {
    const us = ms * 1000;
    this.#counts[bucketOf(us)]++;
    this.count++;
    this.#sum += us;
    if (us > this.#max) this.#max = us;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < SIZE; i++) this.#counts[i] += other.#counts[i];
    this.count += other.count;
    this.#sum += other.#sum;
    this.#max = Math.max(this.#max, other.#max);
  }

  /** The value (ms) below which `q` (0–1) of the samples fall. */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.#counts[i];
      if (seen >= rank) return Math.min(valueOf(i), this.#max) / 1000;
    }
    return this.#max / 1000;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      mean: this.count ? this.#sum / this.count / 1000 : NaN,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      p999: this.quantile(0.999),
      max: this.#max / 1000,
    };
  }
}

/** The median of a few numbers (cold starts, repeated probes). */
export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Rounds for display: 3 significant digits, at most 2 decimals. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return Number(value.toFixed(digits));
}
