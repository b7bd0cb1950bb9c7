/**
 * @module The one place where thrown errors become HTTP answers.
 */

import { publicError, RateLimitedError } from "../errors.ts";
import { STATUS_BY_CODE } from "../errors.ts";
import { errorFields, log } from "../log.ts";

/** `{"error": {code, message}}` with the contract's status; 500s say nothing more. */
export function errorResponse(err: unknown, context?: { method: string; path: string }): Response {
  const { code, message } = publicError(err);
  const status = STATUS_BY_CODE[code];
  if (status >= 500) log.error("request_failed", { ...context, ...errorFields(err) });
  const headers = new Headers({
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  if (err instanceof RateLimitedError) {
    headers.set("retry-after", String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))));
  }
  return new Response(JSON.stringify({ error: { code, message } }), { status, headers });
}
