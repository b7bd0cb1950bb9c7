/**
 * @module Typed errors shared by the services, the HTTP and WebSocket edges and the
 * client library. Each carries the contract's `code`; the HTTP status for a code
 * lives in {@linkcode STATUS_BY_CODE}, the only place that decides it.
 */

import type { ErrorCode } from "./protocol/types.ts";

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
};

/** Base of every error the contract can name. */
export class ChatError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "ChatError";
    this.code = code;
  }
  get status(): number {
    return STATUS_BY_CODE[this.code];
  }
}

export class BadRequestError extends ChatError {
  constructor(message: string) {
    super("bad_request", message);
    this.name = "BadRequestError";
  }
}

export class UnauthorizedError extends ChatError {
  constructor(message = "Not signed in or the session has ended") {
    super("unauthorized", message);
    this.name = "UnauthorizedError";
  }
}

export class InvalidCredentialsError extends ChatError {
  constructor(message = "Invalid username or password") {
    super("invalid_credentials", message);
    this.name = "InvalidCredentialsError";
  }
}

export class ForbiddenError extends ChatError {
  constructor(message: string) {
    super("forbidden", message);
    this.name = "ForbiddenError";
  }
}

export class NotFoundError extends ChatError {
  constructor(message: string) {
    super("not_found", message);
    this.name = "NotFoundError";
  }
}

export class ConflictError extends ChatError {
  constructor(message: string) {
    super("conflict", message);
    this.name = "ConflictError";
  }
}

export class PayloadTooLargeError extends ChatError {
  constructor(message: string) {
    super("payload_too_large", message);
    this.name = "PayloadTooLargeError";
  }
}

export class RateLimitedError extends ChatError {
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number) {
    super("rate_limited", message);
    this.name = "RateLimitedError";
    this.retryAfterMs = Math.max(1, Math.ceil(retryAfterMs));
  }
}

/** A fault of ours (storage down, a bug). Its message never reaches a client. */
export class InternalError extends ChatError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("internal", message);
    this.name = "InternalError";
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}

/** What a client may be shown for any thrown value: never internals. */
export function publicError(err: unknown): { code: ErrorCode; message: string } {
  if (err instanceof ChatError && err.code !== "internal") {
    return { code: err.code, message: err.message };
  }
  return { code: "internal", message: "Internal server error" };
}
