/**
 * @module Retrying a request that is safe to repeat: sends with a clientId, edits
 * (they carry the whole new text), deletes and reactions (idempotent).
 */

import { ApiError, NetworkError } from "../../lib/client/http.ts";

const ATTEMPTS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Runs `request`, again when rate limited (after the delay the server asks for)
 * and on network failures (with backoff); any other failure is final.
 */
export async function withRetry<T>(request: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await request();
    } catch (err) {
      if (attempt >= ATTEMPTS) throw err;
      if (err instanceof ApiError && err.code === "rate_limited") {
        await sleep(err.retryAfterMs ?? 1000);
      } else if (err instanceof NetworkError) {
        await sleep(250 * 2 ** attempt);
      } else {
        throw err;
      }
    }
  }
}
