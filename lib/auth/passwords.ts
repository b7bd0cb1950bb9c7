/**
 * @module Password hashing behind a small worker pool. argon2id costs ~100 ms of CPU;
 * run on the main thread it would freeze every socket of the isolate meanwhile.
 * Where workers are unavailable (some hosts), it falls back to hashing inline.
 *
 * Off the main thread is not out of delivery's way: on a small machine a hash still
 * slows delivery through the shared cores, caches and memory bus (see
 * password_worker.ts). So the hasher paces its workers by how busy the main thread,
 * where every socket is served, has been lately. While it is over BUSY_ABOVE,
 * hashing takes at most `busyShare` of a core (HASH_CPU_PERCENT): after a hash of d
 * ms a worker gets its next job d × (1 − share) / share ms later. While it is
 * quiet, hashing runs flat out, since nothing waits on the CPU it takes. A lone
 * sign-in never waits (the rest comes after it). Sign-ins queue here, in order,
 * each for at most `maxWaitMs`: one that would wait longer is told at once to
 * retry, and one still queued at its deadline (hashes turned slower than foreseen,
 * or the server busier) is told then.
 */

import { hashPassword, verifyPassword } from "./_argon2.ts";
import { ThreadLoad } from "./_thread_load.ts";
import { RateLimitedError } from "../errors.ts";

/**
 * Sign-ins queued at most, whatever the hashing rate: a backstop to the wait bound
 * below for when hashes are fast.
 */
export const MAX_PENDING_HASHES = 32;

/**
 * The longest a sign-in waits for its hash to start, in ms (`maxWaitMs`): past
 * that, it is told to retry rather than left waiting on a spinner.
 */
export const MAX_HASH_WAIT_MS = 5_000;

/**
 * The main thread's utilization (0–1) above which the server counts as busy
 * delivering and hashing is held to `busyShare`. A team's server idles far below it
 * (a few percent); a fan-out of thousands of deliveries a second is well above it.
 */
export const BUSY_ABOVE = 0.2;

/** A guess at one hash's duration until one has been measured, in ms. */
const FIRST_HASH_MS = 100;

interface Job {
  id: number;
  op: "hash" | "verify";
  password: string;
  hash?: string;
  /** performance.now() past which it is refused rather than started. */
  deadline: number;
  resolve(value: string | boolean): void;
  reject(err: Error): void;
}

/** A worker and its pace: one job at a time, the next after a rest. */
interface Lane {
  worker: Worker;
  running: Job | undefined;
  /** When its last job was answered (performance.now()) and how long that hash took, in ms. */
  lastEnd: number;
  lastTook: number;
}

function tooBusy(retryAfterMs: number): RateLimitedError {
  return new RateLimitedError(
    "Too many sign-ins in progress: try again in a moment",
    Math.max(1000, retryAfterMs),
  );
}

export class PasswordHasher {
  /** Started by the first hash (not at start-up: a worker costs a cold start ~25–50 ms). */
  #lanes: Lane[] | undefined;
  #size: number;
  #busyShare: number;
  #maxWaitMs: number;
  /** The share of a core each worker may take now: `busyShare` or 1. */
  #share: number;
  #load: ThreadLoad | undefined;
  /** One hash's duration, smoothed over the last few, in ms; undefined until measured. */
  #hashMs: number | undefined;
  #queue: Job[] = [];
  /** Wakes #pump for the next lane to come out of its rest or job to reach its deadline. */
  #timer: ReturnType<typeof setTimeout> | undefined;
  #next = 1;
  #dummyHash?: Promise<string>;

  /**
   * `busyShare`: the share of a core (0–1] each worker may hash at while the main
   * thread is busy (see BUSY_ABOVE); 1, the default, never holds hashing back.
   * Until the thread has been measured it counts as quiet; where the runtime cannot
   * tell how busy it is, as busy. `maxWaitMs`: the longest a job may wait to start
   * (MAX_HASH_WAIT_MS).
   */
  constructor(size = 1, options: { busyShare?: number; maxWaitMs?: number } = {}) {
    this.#size = size;
    this.#busyShare = Math.min(1, Math.max(0.01, options.busyShare ?? 1));
    this.#maxWaitMs = options.maxWaitMs ?? MAX_HASH_WAIT_MS;
    this.#share = ThreadLoad.available ? 1 : this.#busyShare;
  }

  /** The share of a core each worker may hash at just now. */
  get share(): number {
    return this.#share;
  }

  /** One hash's duration as measured lately, in ms; undefined before the first. */
  get hashMs(): number | undefined {
    return this.#hashMs;
  }

  /** The worker pool, started on first use; empty where workers are unavailable. */
  #pool(): Lane[] {
    if (this.#lanes) return this.#lanes;
    this.#lanes = [];
    try {
      for (let i = 0; i < this.#size; i++) {
        const worker = new Worker(new URL("./password_worker.ts", import.meta.url), {
          type: "module",
        });
        const lane: Lane = { worker, running: undefined, lastEnd: 0, lastTook: 0 };
        worker.onmessage = (event) => this.#answered(lane, event.data);
        this.#lanes.push(lane);
      }
    } catch {
      for (const { worker } of this.#lanes) worker.terminate();
      this.#lanes = [];
    }
    if (this.#lanes.length && this.#busyShare < 1 && ThreadLoad.available) {
      this.#load = new ThreadLoad((utilization) => {
        const share = utilization > BUSY_ABOVE ? this.#busyShare : 1;
        if (share === this.#share) return;
        this.#share = share;
        this.#pump(); // rests under way are measured again against the new share
      });
    }
    return this.#lanes;
  }

  #answered(lane: Lane, data: { result?: string | boolean; error?: string; took?: number }) {
    const job = lane.running;
    lane.running = undefined;
    if (typeof data.took === "number") {
      this.#hashMs = this.#hashMs === undefined ? data.took : 0.7 * this.#hashMs + 0.3 * data.took;
      lane.lastEnd = performance.now();
      lane.lastTook = data.took;
    }
    if (data.error !== undefined) job?.reject(new Error(data.error));
    else job?.resolve(data.result!);
    this.#pump();
  }

  /** When `lane` may start its next job: after its job under way and the rest that follows. */
  #readyAt(lane: Lane): number {
    const share = this.#share;
    if (lane.running) {
      return performance.now() + (this.#hashMs ?? FIRST_HASH_MS) / share;
    }
    return lane.lastEnd + lane.lastTook * (1 - share) / share;
  }

  /**
   * Starts what may start: refuses jobs past their deadline, gives the next job to
   * each lane whose rest is over, and sets a timer for the next of either.
   */
  #pump(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const now = performance.now();
    while (this.#queue.length && this.#queue[0].deadline < now) {
      this.#queue.shift()!.reject(tooBusy(this.#expectedWaitMs()));
    }
    let wakeAt = this.#queue[0]?.deadline ?? Infinity;
    for (const lane of this.#lanes ?? []) {
      if (!this.#queue.length) break;
      if (lane.running) continue;
      const readyAt = this.#readyAt(lane);
      if (readyAt > now) {
        wakeAt = Math.min(wakeAt, readyAt);
        continue;
      }
      const job = lane.running = this.#queue.shift()!;
      lane.worker.postMessage({ id: job.id, op: job.op, password: job.password, hash: job.hash });
    }
    if (this.#queue.length && wakeAt < Infinity) {
      this.#timer = setTimeout(() => this.#pump(), Math.max(0, wakeAt - now));
    }
  }

  /**
   * How long a job queued now would wait to start, in ms, as far as can be foreseen:
   * until the first lane is ready, then a turn (a hash and its rest) per job ahead.
   */
  #expectedWaitMs(): number {
    const lanes = this.#lanes ?? [];
    if (!lanes.length) return 0;
    const now = performance.now();
    const ready = Math.min(...lanes.map((lane) => this.#readyAt(lane))) - now;
    const turn = (this.#hashMs ?? FIRST_HASH_MS) / this.#share;
    return Math.max(0, ready) + this.#queue.length * turn / lanes.length;
  }

  #run(op: "hash" | "verify", password: string, hash?: string): Promise<string | boolean> {
    const lanes = this.#pool();
    if (lanes.length === 0) {
      return op === "hash" ? hashPassword(password) : verifyPassword(password, hash!);
    }
    const waitMs = this.#expectedWaitMs();
    if (this.#queue.length >= MAX_PENDING_HASHES || waitMs > this.#maxWaitMs) {
      return Promise.reject(tooBusy(waitMs - this.#maxWaitMs));
    }
    return new Promise((resolve, reject) => {
      const deadline = performance.now() + this.#maxWaitMs;
      this.#queue.push({ id: this.#next++, op, password, hash, deadline, resolve, reject });
      this.#pump();
    });
  }

  async hash(password: string): Promise<string> {
    return await this.#run("hash", password) as string;
  }

  async verify(password: string, hash: string): Promise<boolean> {
    return await this.#run("verify", password, hash) as boolean;
  }

  /**
   * Spends the same work as a real verification, for a user who does not exist,
   * so timing does not tell whether a username is registered.
   */
  async verifyNobody(password: string): Promise<false> {
    const pending = this.#dummyHash ??= this.hash(crypto.randomUUID());
    // A dummy hash refused under load is made again next time, not kept refused.
    const dummy = await pending.catch((err) => {
      if (this.#dummyHash === pending) this.#dummyHash = undefined;
      throw err;
    });
    await this.verify(password, dummy);
    return false;
  }

  close(): void {
    this.#load?.stop();
    clearTimeout(this.#timer);
    const jobs = [...this.#queue, ...(this.#lanes ?? []).flatMap((lane) => lane.running ?? [])];
    for (const { worker } of this.#lanes ?? []) worker.terminate();
    this.#lanes = [];
    this.#queue = [];
    for (const job of jobs) job.reject(new Error("Hasher closed"));
  }
}
