/**
 * @module Accounts and sessions: register, log in, log out, authenticate a token.
 *
 * Tokens are 256 random bits shown to the client once; KV keeps only their SHA-256,
 * so a copy of the database does not let anyone in. Every use checks the absolute
 * and idle expiry stored in the session's value (`expireIn` is only a hint).
 */

import {
  BadRequestError,
  ConflictError,
  InvalidCredentialsError,
  RateLimitedError,
  UnauthorizedError,
} from "../errors.ts";
import type { User } from "../protocol/types.ts";
import {
  charLength,
  isUsername,
  validatePassword,
  validateUsername,
} from "../protocol/validate.ts";
import { PASSWORD_MAX } from "../protocol/limits.ts";
import type { Clock } from "../clock.ts";
import { newId } from "../store/kv.ts";
import type { SessionRecord, UserRecord, UserStore } from "../store/users.ts";
import type { PasswordHasher } from "./passwords.ts";

/** Failures allowed before an account's logins are throttled. */
export const LOGIN_FREE_FAILURES = 5;
const LOGIN_WINDOW_MS = 15 * 60_000;
const LOGIN_LOCK_BASE_MS = 30_000;
const TOUCH_EVERY_MS = 60_000;

export interface AuthOptions {
  clock: Clock;
  idleMs: number;
  maxMs: number;
  /** Told when a session ends, so its sockets close everywhere. */
  onSessionEnded(sessionId: string, userId: string): Promise<void>;
}

export interface AuthResult {
  user: User;
  token: string;
  session: SessionRecord;
}

export interface Authenticated {
  user: User;
  session: SessionRecord;
  tokenHash: string;
}

export function publicUser(user: UserRecord): User {
  return { id: user.id, username: user.username };
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

export class AuthService {
  #users: UserStore;
  #hasher: PasswordHasher;
  #options: AuthOptions;

  constructor(users: UserStore, hasher: PasswordHasher, options: AuthOptions) {
    this.#users = users;
    this.#hasher = hasher;
    this.#options = options;
  }

  async register(username: unknown, password: unknown): Promise<AuthResult> {
    const name = validateUsername(username);
    const pass = validatePassword(password);
    if (await this.#users.byName(name)) {
      throw new ConflictError(`Username is taken: "${name}"`);
    }
    const hash = await this.#hasher.hash(pass);
    const user = await this.#users.create(name, hash, this.#options.clock.now());
    return await this.#startSession(user);
  }

  async login(username: unknown, password: unknown): Promise<AuthResult> {
    // A missing or non-string field is a malformed request (400 per PROTOCOL.md), not a
    // failed login; it tells nothing about which accounts exist.
    if (typeof username !== "string") {
      throw new BadRequestError('Field "username" must be a string');
    }
    if (typeof password !== "string") {
      throw new BadRequestError('Field "password" must be a string');
    }
    // A megabyte password is refused before any hashing; one that breaks the rules
    // can match no account, and says so the way any wrong password does.
    if (password.length > PASSWORD_MAX * 2 || charLength(password) > PASSWORD_MAX) {
      throw new BadRequestError(`Password is too long: the limit is ${PASSWORD_MAX} characters`);
    }
    let pass: string;
    try {
      pass = validatePassword(password);
    } catch {
      throw new InvalidCredentialsError();
    }
    const key = username.slice(0, 64);
    await this.#checkThrottle(key);
    const user = isUsername(username) ? await this.#users.byName(username) : null;
    const ok = user
      ? await this.#hasher.verify(pass, user.passwordHash)
      : await this.#hasher.verifyNobody(pass);
    if (!ok || !user) {
      await this.#recordFailure(key);
      throw new InvalidCredentialsError();
    }
    await this.#users.clearLoginFailures(key);
    return await this.#startSession(user);
  }

  /**
   * Ends the session behind `tokenHash`; its sockets everywhere close with 4001.
   * UnauthorizedError when it had ended already (a concurrent logout won).
   */
  async logout(auth: Authenticated): Promise<void> {
    const ended = await this.#users.endSession(auth.tokenHash);
    if (!ended) throw new UnauthorizedError("The session has already ended");
    await this.#options.onSessionEnded(ended.id, ended.userId);
  }

  /** The user behind a token, or UnauthorizedError when missing, expired or revoked. */
  async authenticate(token: string | undefined): Promise<Authenticated> {
    if (!token || token.length > 200) throw new UnauthorizedError();
    const tokenHash = await hashToken(token);
    const entry = await this.#users.session(tokenHash);
    const session = entry.value;
    const now = this.#options.clock.now();
    if (!session) throw new UnauthorizedError();
    if (now >= session.expiresAt || now >= session.idleExpiresAt) {
      const ended = await this.#users.endSession(tokenHash);
      if (ended) await this.#options.onSessionEnded(ended.id, ended.userId);
      throw new UnauthorizedError("Session expired");
    }
    const user = await this.#users.byId(session.userId);
    if (!user) throw new UnauthorizedError();
    if (now - session.lastUsedAt > TOUCH_EVERY_MS) {
      await this.#users.touchSession(
        tokenHash,
        entry as Deno.KvEntry<SessionRecord>,
        now,
        this.#options.idleMs,
      );
    }
    return { user: publicUser(user), session, tokenHash };
  }

  /** Re-reads a session: null once it was revoked or expired. */
  async stillValid(tokenHash: string): Promise<SessionRecord | null> {
    const session = (await this.#users.session(tokenHash)).value;
    const now = this.#options.clock.now();
    if (!session || now >= session.expiresAt || now >= session.idleExpiresAt) return null;
    return session;
  }

  async #startSession(user: UserRecord): Promise<AuthResult> {
    const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
    const now = this.#options.clock.now();
    const session: SessionRecord = {
      id: newId(),
      userId: user.id,
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.#options.maxMs,
      idleExpiresAt: now + Math.min(this.#options.idleMs, this.#options.maxMs),
    };
    await this.#users.createSession(await hashToken(token), session);
    return { user: publicUser(user), token, session };
  }

  async #checkThrottle(name: string): Promise<void> {
    const failures = (await this.#users.loginFailures(name)).value;
    const now = this.#options.clock.now();
    if (failures && failures.lockedUntil > now) {
      throw new RateLimitedError(
        "Too many failed logins for this account: try again later",
        failures.lockedUntil - now,
      );
    }
  }

  async #recordFailure(name: string): Promise<void> {
    const now = this.#options.clock.now();
    const previous = (await this.#users.loginFailures(name)).value;
    const fresh = !previous || now - previous.firstAt > LOGIN_WINDOW_MS;
    const count = fresh ? 1 : previous.count + 1;
    const over = count - LOGIN_FREE_FAILURES;
    const lockedUntil = over >= 0
      ? now + Math.min(LOGIN_WINDOW_MS, LOGIN_LOCK_BASE_MS * 2 ** Math.min(over, 10))
      : 0;
    await this.#users.setLoginFailures(
      name,
      { count, firstAt: fresh ? now : previous.firstAt, lockedUntil },
      LOGIN_WINDOW_MS * 2,
    );
  }
}
