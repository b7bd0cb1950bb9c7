/**
 * @module Exit codes of the terminal client and the one place that turns any error
 * into an exit code and a one-line message for stderr.
 */

import { ApiError, NetworkError } from "../lib/client/http.ts";
import { ChatError } from "../lib/errors.ts";
import { sanitizeLine } from "./sanitize.ts";

/** Exit codes, listed in `--help`. */
export const EXIT = {
  OK: 0,
  /** A server error or anything unexpected. */
  ERROR: 1,
  /** Bad arguments or input the server refused as malformed. */
  USAGE: 2,
  /** Not logged in, session ended, wrong username or password. */
  AUTH: 3,
  /** No such room or user, or not allowed to see it. */
  NOT_FOUND: 4,
  /** The server cannot be reached. */
  NETWORK: 5,
  /** A search found nothing (grep's "no match"; 1 is taken by server errors here). */
  NO_RESULTS: 6,
  /** Interrupted (Ctrl-C). */
  INTERRUPTED: 130,
} as const;

/** Bad command-line arguments. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * A value the client checks before sending it (a message, a name, a password) is
 * not acceptable: exit code 2 like a usage error, but the message says all there is
 * to say (the limit), so no pointer to `--help`, which does not list limits.
 */
export class InvalidInputError extends UsageError {
  constructor(message: string) {
    super(message);
    this.name = "InvalidInputError";
  }
}

/** No saved session for the server in use. */
export class NotLoggedInError extends Error {
  /**
   * @param server the server in use
   * @param savedServer the server of the saved session, when there is one for another
   */
  constructor(readonly server: string, readonly savedServer?: string) {
    const elsewhere = savedServer ? ` (your saved session is for ${savedServer})` : "";
    super(`Not logged in to ${server}: run "chat login USERNAME" first${elsewhere}`);
    this.name = "NotLoggedInError";
  }
}

/**
 * The server in use cannot be reached and there is no session for it either: the
 * first is what stops the command (exit 5), the second what to do once it is up.
 */
export class UnreachableNotLoggedInError extends NetworkError {
  constructor(cause: NotLoggedInError) {
    const elsewhere = cause.savedServer ? `; your saved session is for ${cause.savedServer}` : "";
    super(
      `Cannot reach the server: ${cause.server} (and you are not logged in to it: ` +
        `run "chat login USERNAME" once it is up${elsewhere})`,
      { cause },
    );
    this.name = "UnreachableNotLoggedInError";
  }
}

/** A room argument that names none of the rooms it could name. */
export class UnknownRoomError extends Error {
  constructor(room: string, detail = "not one of your rooms, a public room or an invitation") {
    super(`Unknown room: "${room}": ${detail}`);
    this.name = "UnknownRoomError";
  }
}

/** A USER argument that names nobody there (exit 4, as for rooms). */
export class UnknownUserError extends Error {
  constructor(user: string, detail = "no such user") {
    super(`Unknown user: "${user}": ${detail}`);
    this.name = "UnknownUserError";
  }
}

/** A file argument that names no file I may read (exit 4, as for rooms). */
export class UnknownFileError extends Error {
  constructor(file: string) {
    super(`Unknown file: "${file}": it does not exist or was not shared with you`);
    this.name = "UnknownFileError";
  }
}

/** Downloaded bytes that are not what the server says it stored (exit 1). */
export class IntegrityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IntegrityError";
  }
}

/** A search that found nothing: not a failure, but a script wants to know (exit 6). */
export class NoResultsError extends Error {
  constructor(query: string) {
    super(`No messages match: "${query}"`);
    this.name = "NoResultsError";
  }
}

/** The user gave up (Ctrl-C at a password prompt). */
export class InterruptedError extends Error {
  constructor() {
    super("Interrupted");
    this.name = "InterruptedError";
  }
}

/** The exit code for an error. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.USAGE;
  if (err instanceof NotLoggedInError) return EXIT.AUTH;
  if (
    err instanceof UnknownRoomError || err instanceof UnknownFileError ||
    err instanceof UnknownUserError
  ) {
    return EXIT.NOT_FOUND;
  }
  if (err instanceof InterruptedError) return EXIT.INTERRUPTED;
  if (err instanceof NoResultsError) return EXIT.NO_RESULTS;
  if (err instanceof NetworkError) return EXIT.NETWORK;
  if (err instanceof ApiError && err.status === 0) return EXIT.NETWORK;
  if (err instanceof ChatError) {
    switch (err.code) {
      case "bad_request":
      case "payload_too_large":
        return EXIT.USAGE;
      case "unauthorized":
      case "invalid_credentials":
        return EXIT.AUTH;
      case "forbidden":
      case "not_found":
        return EXIT.NOT_FOUND;
      default:
        return EXIT.ERROR;
    }
  }
  return EXIT.ERROR;
}

/** A one-line, printable description of an error (server messages are untrusted). */
export function describeError(err: unknown): string {
  if (err instanceof ChatError && err.code === "unauthorized") {
    return `Not logged in or the session has ended: ${sanitizeLine(err.message)}`;
  }
  if (err instanceof ChatError && err.code === "rate_limited") {
    const retry = (err as { retryAfterMs?: number }).retryAfterMs;
    const wait = retry ? `: try again in ${formatWait(retry)}` : "";
    // The server's reason says which limit (sending too fast, the upload quota).
    const why = err.message ? sanitizeLine(err.message) : "Too many requests";
    return `${why}${wait}`;
  }
  if (err instanceof Error) return sanitizeLine(err.message);
  return sanitizeLine(String(err));
}

/** `12 s`, `5 min`, `3 h`. */
export function formatWait(ms: number): string {
  const s = Math.ceil(ms / 1000);
  if (s < 120) return `${s} s`;
  if (s < 7200) return `${Math.ceil(s / 60)} min`;
  return `${Math.ceil(s / 3600)} h`;
}
