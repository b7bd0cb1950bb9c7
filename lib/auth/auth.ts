/**
 * @module Accounts and sessions: register, log in, log out, authenticate a token.
 *
 * Tokens are 256 random bits shown to the client once; KV keeps only their SHA-256,
 * so a copy of the database does not let anyone in. Every use checks the absolute
 * and idle expiry stored in the session's value (`expireIn` is only a hint), and
 * that the account is not deactivated.
 *
 * Registration follows the server's `REGISTRATION` mode: `open`, `invite` (an
 * invite code from a server admin, used in the commit that creates the account) or
 * `closed` (403). The very first account is always allowed, whatever the mode: it
 * is the server's admin, who makes the invite codes.
 */

import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InvalidCredentialsError,
  UnauthorizedError,
} from "../errors.ts";
import type { RegistrationMode, User } from "../protocol/types.ts";
import {
  charLength,
  isUsername,
  validatePassword,
  validateUsername,
} from "../protocol/validate.ts";
import { PASSWORD_MAX } from "../protocol/limits.ts";
import type { Clock } from "../clock.ts";
import { createHash } from "node:crypto";
import { newId } from "../store/kv.ts";
import { avatarUrl } from "../store/avatars.ts";
import {
  SERVER_ADMIN_KEY,
  type SessionRecord,
  type UserRecord,
  type UserStore,
} from "../store/users.ts";
import type { PasswordHasher } from "./passwords.ts";
import { LOGIN_FREE_FAILURES, Throttle } from "./_throttle.ts";
import {
  isUsable,
  type ServerInviteRecord,
  type ServerInviteStore,
} from "../store/server_invites.ts";

export { LOGIN_FREE_FAILURES };
const TOUCH_EVERY_MS = 60_000;
/** Wrong invite codes allowed (from anyone: codes name no account) before guessing is throttled. */
const INVITE_FREE_FAILURES = 20;
/** The throttle's name for invite codes (no username can hold a "#"). */
const INVITE_THROTTLE = "#invite";
const USER_AGENT_MAX = 200;

export interface AuthOptions {
  clock: Clock;
  idleMs: number;
  maxMs: number;
  /** Told when a session ends, so its sockets close everywhere. */
  onSessionEnded(sessionId: string, userId: string): Promise<void>;
  /** Who may register (default "open"). */
  registration?: RegistrationMode;
  /** Invite codes (needed for "invite"). */
  invites?: ServerInviteStore;
}

/** What a request tells of the client besides its credentials. */
export interface ClientInfo {
  userAgent?: string | null;
}

/** A User-Agent as kept with a session: printable, at most 200 characters. */
export function cleanUserAgent(value: string | null | undefined): string | undefined {
  const clean = value?.replace(/[^\x20-\x7e]/g, "").trim().slice(0, USER_AGENT_MAX);
  return clean ? clean : undefined;
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
  const view: User = {
    id: user.id,
    username: user.username,
    displayName: user.displayName ?? user.username,
  };
  if (user.avatar) view.avatarUrl = avatarUrl(user.id, user.avatar);
  if (user.serverAdmin) view.serverAdmin = true;
  return view;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/**
 * SHA-256 of a token, in hex: what sessions and invites are stored under. Every
 * signed-in request hashes its token, so it is `node:crypto`'s synchronous hash
 * (~1 µs here) rather than Web Crypto's `digest` (~43 µs: an async op and its
 * promise for 43 bytes). Async still, for the callers written against `digest`.
 */
export function hashToken(token: string): Promise<string> {
  return Promise.resolve(createHash("sha256").update(token).digest("hex"));
}

export class AuthService {
  #users: UserStore;
  #hasher: PasswordHasher;
  #options: AuthOptions;
  #throttle: Throttle;

  constructor(users: UserStore, hasher: PasswordHasher, options: AuthOptions) {
    this.#users = users;
    this.#hasher = hasher;
    this.#options = options;
    this.#throttle = new Throttle(users, options.clock);
  }

  /** Who may register on this server. */
  get registration(): RegistrationMode {
    return this.#options.registration ?? "open";
  }

  async register(
    username: unknown,
    password: unknown,
    options: { invite?: unknown } & ClientInfo = {},
  ): Promise<AuthResult> {
    const name = validateUsername(username);
    const pass = validatePassword(password);
    if (
      options.invite !== undefined && options.invite !== null && typeof options.invite !== "string"
    ) {
      throw new BadRequestError('Field "invite" must be a string');
    }
    const mode = this.registration;
    // The first account (the server's admin) is allowed whatever the mode.
    const gated = mode !== "open" && await this.#users.hasServerAdmin();
    if (gated && mode === "closed") {
      throw new ForbiddenError("Registration is closed on this server");
    }
    let invite: Deno.KvEntry<ServerInviteRecord> | undefined;
    if (gated) {
      if (typeof options.invite !== "string" || options.invite === "") {
        throw new ForbiddenError("Registration is by invitation: an invite code is needed");
      }
      invite = await this.#redeemable(options.invite);
    }
    if (await this.#users.byName(name)) {
      throw new ConflictError(`Username is taken: "${name}"`);
    }
    const hash = await this.#hasher.hash(pass);
    const now = this.#options.clock.now();
    // Let in ungated as the first account: then only if it still is the first.
    const firstOnly = mode !== "open" && !gated
      ? { checks: [{ key: SERVER_ADMIN_KEY, versionstamp: null }], sets: [] }
      : undefined;
    const user = await this.#users.create(
      name,
      hash,
      now,
      invite ? this.#options.invites!.use(invite) : firstOnly,
    );
    if (!user && firstOnly) {
      throw new ForbiddenError(
        mode === "closed"
          ? "Registration is closed on this server"
          : "Registration is by invitation: an invite code is needed",
      );
    }
    // The invite was used up (or expired) by someone else meanwhile.
    if (!user) throw new ForbiddenError("Invite code is not valid: it expired or was used up");
    return await this.#startSession(user, options);
  }

  /** The invite behind a code, usable now; throttled, and forbidden when not. */
  async #redeemable(code: string) {
    await this.#throttle.check(INVITE_THROTTLE, "Too many wrong invite codes: try again later");
    const entry = code.length <= 64 && this.#options.invites
      ? await this.#options.invites.get(await hashToken(code))
      : null;
    if (!entry?.value || !isUsable(entry.value, this.#options.clock.now())) {
      await this.#throttle.fail(INVITE_THROTTLE, INVITE_FREE_FAILURES);
      throw new ForbiddenError("Invite code is not valid: it expired or was used up");
    }
    return entry as Deno.KvEntry<ServerInviteRecord>;
  }

  async login(username: unknown, password: unknown, client: ClientInfo = {}): Promise<AuthResult> {
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
    await this.#throttle.check(key, "Too many failed logins for this account: try again later");
    const user = isUsername(username) ? await this.#users.byName(username) : null;
    const ok = user
      ? await this.#hasher.verify(pass, user.passwordHash)
      : await this.#hasher.verifyNobody(pass);
    if (!ok || !user) {
      await this.#throttle.fail(key);
      throw new InvalidCredentialsError();
    }
    await this.#throttle.clear(key);
    // Told only to whoever knows the password.
    if (user.deactivatedAt) throw new UnauthorizedError("This account is deactivated");
    return await this.#startSession(user, client);
  }

  /**
   * Checks a signed-in user's password again (changing it, deactivating): throttled
   * and counted like logins of the account, so it is no way around their limit.
   * InvalidCredentialsError (401) when wrong.
   */
  async verifyPassword(user: User, password: unknown, field = "password"): Promise<UserRecord> {
    if (typeof password !== "string") {
      throw new BadRequestError(`Field "${field}" must be a string`);
    }
    if (password.length > PASSWORD_MAX * 2 || charLength(password) > PASSWORD_MAX) {
      throw new BadRequestError(`Password is too long: the limit is ${PASSWORD_MAX} characters`);
    }
    const key = user.username.slice(0, 64);
    await this.#throttle.check(key, "Too many wrong passwords for this account: try again later");
    const record = await this.#users.byId(user.id);
    const ok = record
      ? await this.#hasher.verify(password, record.passwordHash)
      : await this.#hasher.verifyNobody(password);
    if (!ok || !record) {
      await this.#throttle.fail(key);
      throw new InvalidCredentialsError("Password is wrong");
    }
    await this.#throttle.clear(key);
    return record;
  }

  /** An argon2id hash of a new password (validated). */
  async hashPassword(password: unknown): Promise<string> {
    return await this.#hasher.hash(validatePassword(password));
  }

  /**
   * Ends every session of a user but `keep` (a token hash); each one's sockets
   * close everywhere. Answers how many ended.
   */
  async endSessionsOf(userId: string, keep?: string): Promise<number> {
    let ended = 0;
    for (const { tokenHash } of await this.#users.sessionsOf(userId)) {
      if (tokenHash === keep) continue;
      const session = await this.#users.endSession(tokenHash);
      if (!session) continue;
      ended++;
      await this.#options.onSessionEnded(session.id, session.userId);
    }
    return ended;
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

  /**
   * The user behind a token, or UnauthorizedError when missing, expired, revoked or
   * deactivated. A session without a user agent learns it from `client`.
   */
  async authenticate(token: string | undefined, client: ClientInfo = {}): Promise<Authenticated> {
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
    if (user.deactivatedAt) {
      const ended = await this.#users.endSession(tokenHash);
      if (ended) await this.#options.onSessionEnded(ended.id, ended.userId);
      throw new UnauthorizedError("This account is deactivated");
    }
    const userAgent = session.userAgent ? undefined : cleanUserAgent(client.userAgent);
    if (now - session.lastUsedAt > TOUCH_EVERY_MS || userAgent) {
      await this.#users.touchSession(
        tokenHash,
        entry as Deno.KvEntry<SessionRecord>,
        now,
        this.#options.idleMs,
        userAgent,
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

  async #startSession(user: UserRecord, client: ClientInfo = {}): Promise<AuthResult> {
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
    const userAgent = cleanUserAgent(client.userAgent);
    if (userAgent) session.userAgent = userAgent;
    await this.#users.createSession(await hashToken(token), session);
    return { user: publicUser(user), token, session };
  }
}
