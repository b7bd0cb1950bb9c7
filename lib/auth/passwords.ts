/**
 * @module Password hashing behind a small worker pool. argon2id costs ~100 ms of CPU;
 * run on the main thread it would freeze every socket of the isolate meanwhile.
 * Where workers are unavailable (some hosts), it falls back to hashing inline.
 */

import { hashPassword, verifyPassword } from "./_argon2.ts";
import { RateLimitedError } from "../errors.ts";

/**
 * Hashes waiting at most. Each costs ~100 ms of the worker and 19 MiB while it runs:
 * past this queue a login would wait seconds anyway, so it is told to retry instead,
 * which bounds both the wait and the memory a burst of logins can take.
 */
export const MAX_PENDING_HASHES = 32;

interface Waiter {
  resolve(value: string | boolean): void;
  reject(err: Error): void;
}

export class PasswordHasher {
  /** Started by the first hash (not at start-up: a worker costs a cold start ~25–50 ms). */
  #workers: Worker[] | undefined;
  #size: number;
  #cpuShare: number;
  #waiters = new Map<number, Waiter>();
  #next = 1;
  #dummyHash?: Promise<string>;

  /** `cpuShare`: the share of a core each worker may hash at under a burst (0–1]. */
  constructor(size = 1, options: { cpuShare?: number } = {}) {
    this.#size = size;
    this.#cpuShare = options.cpuShare ?? 1;
  }

  /** The worker pool, started on first use; empty where workers are unavailable. */
  #pool(): Worker[] {
    if (this.#workers) return this.#workers;
    this.#workers = [];
    try {
      for (let i = 0; i < this.#size; i++) {
        const worker = new Worker(new URL("./password_worker.ts", import.meta.url), {
          type: "module",
        });
        worker.postMessage({ share: this.#cpuShare });
        worker.onmessage = (event) => {
          const { id, result, error } = event.data;
          const waiter = this.#waiters.get(id);
          this.#waiters.delete(id);
          if (error !== undefined) waiter?.reject(new Error(error));
          else waiter?.resolve(result);
        };
        this.#workers.push(worker);
      }
    } catch {
      for (const worker of this.#workers) worker.terminate();
      this.#workers = [];
    }
    return this.#workers;
  }

  #run(op: "hash" | "verify", password: string, hash?: string): Promise<string | boolean> {
    const workers = this.#pool();
    if (workers.length === 0) {
      return op === "hash" ? hashPassword(password) : verifyPassword(password, hash!);
    }
    if (this.#waiters.size >= MAX_PENDING_HASHES) {
      return Promise.reject(
        new RateLimitedError("Too many sign-ins in progress: try again in a moment", 1000),
      );
    }
    const id = this.#next++;
    const worker = workers[id % workers.length];
    return new Promise((resolve, reject) => {
      this.#waiters.set(id, { resolve, reject });
      worker.postMessage({ id, op, password, hash });
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
    this.#dummyHash ??= this.hash(crypto.randomUUID());
    await this.verify(password, await this.#dummyHash);
    return false;
  }

  close(): void {
    for (const worker of this.#workers ?? []) worker.terminate();
    this.#workers = [];
    for (const waiter of this.#waiters.values()) waiter.reject(new Error("Hasher closed"));
    this.#waiters.clear();
  }
}
