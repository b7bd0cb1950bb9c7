/**
 * @module Users, their sessions and login throttling in KV. The first account
 * registered is the server's admin: `["meta", "server_admin"]` (its id) is written
 * in the commit that creates it, checked to be absent, so of two first
 * registrations at once only one is the admin.
 */

import { ConflictError } from "../errors.ts";
import { getMany, listAll, newId, retryAtomic } from "./kv.ts";

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
  /** The name to show, once chosen (absent: the username). */
  displayName?: string;
  /** The server's admin: the first account registered. */
  serverAdmin?: true;
  /** The version of my avatar (lib/store/avatars.ts), while I have one. */
  avatar?: string;
  /** When the account was deactivated (it cannot sign in; its name stays taken). */
  deactivatedAt?: number;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: number;
  lastUsedAt: number;
  /** The browser or client that signed in (its User-Agent, cut to 200 characters). */
  userAgent?: string;
  /** Absolute expiry. */
  expiresAt: number;
  /** Idle expiry: lastUsedAt + idle timeout. */
  idleExpiresAt: number;
}

export interface LoginFailures {
  count: number;
  firstAt: number;
  lockedUntil: number;
}

/** `["meta", "server_admin"]` → the id of the server's admin (the first account). */
export const SERVER_ADMIN_KEY: Deno.KvKey = ["meta", "server_admin"];

/** What another store adds to a commit here: its checks and writes. */
export interface CommitPart {
  checks: Deno.AtomicCheck[];
  sets: Array<[Deno.KvKey, unknown, { expireIn: number }?]>;
}

/** Bound on how many sessions one user may hold; the oldest go first. */
export const MAX_SESSIONS_PER_USER = 50;

export class UserStore {
  #kv: Deno.Kv;
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /**
   * Creates a user (the server's admin when it is the first); throws ConflictError
   * when the name is taken (any case). `also` joins the commit (an invite's use);
   * when one of its checks fails, null is answered.
   */
  create(username: string, passwordHash: string, now: number): Promise<UserRecord>;
  create(
    username: string,
    passwordHash: string,
    now: number,
    also?: CommitPart,
  ): Promise<UserRecord | null>;
  async create(
    username: string,
    passwordHash: string,
    now: number,
    also?: CommitPart,
  ): Promise<UserRecord | null> {
    const nameKey = ["user_by_name", username.toLowerCase()];
    for (let attempt = 0; attempt < 10; attempt++) {
      const admin = await this.#kv.get<string>(SERVER_ADMIN_KEY);
      const user: UserRecord = { id: newId(), username, passwordHash, createdAt: now };
      if (admin.versionstamp === null) user.serverAdmin = true;
      const op = this.#kv.atomic()
        .check({ key: nameKey, versionstamp: null })
        .check(admin)
        .set(nameKey, user.id)
        .set(["user", user.id], user);
      if (user.serverAdmin) op.set(SERVER_ADMIN_KEY, user.id);
      for (const check of also?.checks ?? []) op.check(check);
      for (const [key, value, options] of also?.sets ?? []) op.set(key, value, options);
      if ((await op.commit()).ok) return user;
      if ((await this.#kv.get(nameKey)).versionstamp !== null) {
        throw new ConflictError(`Username is taken: "${username}"`);
      }
      const checks = await getMany(this.#kv, (also?.checks ?? []).map((c) => c.key));
      if (checks.some((e, i) => e.versionstamp !== also!.checks[i].versionstamp)) return null;
    }
    throw new Error("Creating a user kept conflicting");
  }

  /** Whether the server has its admin yet (the first account). */
  async hasServerAdmin(): Promise<boolean> {
    return (await this.#kv.get(SERVER_ADMIN_KEY)).versionstamp !== null;
  }

  /**
   * Once per store: a store from before server admins existed makes its oldest
   * account the admin (a new store's first registration does it).
   */
  async adoptServerAdmin(): Promise<string | null> {
    if (await this.hasServerAdmin()) return null;
    let oldest: Deno.KvEntry<UserRecord> | undefined;
    for await (const e of this.#kv.list<UserRecord>({ prefix: ["user"] })) {
      if (!oldest || e.value.createdAt < oldest.value.createdAt) oldest = e;
    }
    if (!oldest) return null;
    const result = await this.#kv.atomic()
      .check({ key: SERVER_ADMIN_KEY, versionstamp: null })
      .check(oldest)
      .set(SERVER_ADMIN_KEY, oldest.value.id)
      .set(oldest.key, { ...oldest.value, serverAdmin: true })
      .commit();
    return result.ok ? oldest.value.id : null;
  }

  async entry(id: string): Promise<Deno.KvEntryMaybe<UserRecord>> {
    return await this.#kv.get<UserRecord>(["user", id]);
  }

  /** Stores a changed user over the record as read; false when it moved meanwhile. */
  async update(entry: Deno.KvEntry<UserRecord>, next: UserRecord): Promise<boolean> {
    return (await this.#kv.atomic().check(entry).set(entry.key, next).commit()).ok;
  }

  /** A page of every account, in id order, from a cursor of the previous page. */
  async page(
    limit: number,
    cursor?: string,
  ): Promise<{ users: UserRecord[]; nextCursor?: string }> {
    const iter = this.#kv.list<UserRecord>({ prefix: ["user"] }, { limit, cursor });
    const users: UserRecord[] = [];
    for await (const e of iter) users.push(e.value);
    return { users, nextCursor: users.length === limit ? iter.cursor : undefined };
  }

  /** A user's sessions (at most MAX_SESSIONS_PER_USER, and a few racing in), with their token hashes. */
  async sessionsOf(userId: string): Promise<Array<{ tokenHash: string; session: SessionRecord }>> {
    const listed = await listAll<string>(this.#kv, ["user_session", userId], 1000);
    const records = await getMany<SessionRecord>(this.#kv, listed.map((e) => ["session", e.value]));
    return records.flatMap((e, i) =>
      e.value ? [{ tokenHash: listed[i].value, session: e.value }] : []
    );
  }

  /** The token hash of one of a user's sessions, by its id. */
  async sessionHash(userId: string, sessionId: string): Promise<string | null> {
    return (await this.#kv.get<string>(["user_session", userId, sessionId])).value;
  }

  async byId(id: string): Promise<UserRecord | null> {
    return (await this.#kv.get<UserRecord>(["user", id])).value;
  }

  async byIds(ids: string[]): Promise<Map<string, UserRecord>> {
    const entries = await getMany<UserRecord>(this.#kv, ids.map((id) => ["user", id]));
    const map = new Map<string, UserRecord>();
    for (const entry of entries) if (entry.value) map.set(entry.value.id, entry.value);
    return map;
  }

  async byName(username: string): Promise<UserRecord | null> {
    const id = (await this.#kv.get<string>(["user_by_name", username.toLowerCase()])).value;
    return id ? await this.byId(id) : null;
  }

  async createSession(tokenHash: string, session: SessionRecord): Promise<void> {
    await this.#kv.atomic()
      .set(["session", tokenHash], session, { expireIn: session.expiresAt - session.createdAt })
      .set(["user_session", session.userId, session.id], tokenHash, {
        expireIn: session.expiresAt - session.createdAt,
      })
      .commit();
    const sessions = await listAll<string>(this.#kv, ["user_session", session.userId], 1000);
    if (sessions.length > MAX_SESSIONS_PER_USER) {
      const records = await getMany<SessionRecord>(
        this.#kv,
        sessions.map((entry) => ["session", entry.value]),
      );
      const oldest = records
        .map((entry, i) => ({ entry, hash: sessions[i].value }))
        .sort((a, b) => (a.entry.value?.createdAt ?? 0) - (b.entry.value?.createdAt ?? 0))
        .slice(0, sessions.length - MAX_SESSIONS_PER_USER);
      for (const { hash, entry } of oldest) {
        if (entry.value) await this.endSession(hash);
      }
    }
  }

  async session(tokenHash: string): Promise<Deno.KvEntryMaybe<SessionRecord>> {
    return await this.#kv.get<SessionRecord>(["session", tokenHash]);
  }

  /**
   * Moves the idle expiry forward (and notes the user agent, when given) unless
   * someone changed the session meanwhile.
   */
  async touchSession(
    tokenHash: string,
    entry: Deno.KvEntry<SessionRecord>,
    now: number,
    idleMs: number,
    userAgent?: string,
  ): Promise<void> {
    const session: SessionRecord = {
      ...entry.value,
      lastUsedAt: now,
      idleExpiresAt: Math.min(entry.value.expiresAt, now + idleMs),
    };
    if (userAgent) session.userAgent = userAgent;
    await this.#kv.atomic()
      .check(entry)
      .set(["session", tokenHash], session, { expireIn: Math.max(1, session.expiresAt - now) })
      .commit();
  }

  /**
   * Deletes a session if it still exists, and answers it; null when it was already
   * gone. Of concurrent calls for one session exactly one gets it (the delete is
   * checked against the record it read), so its end is announced once.
   */
  async endSession(tokenHash: string): Promise<SessionRecord | null> {
    const { ended } = await retryAtomic("Ending a session", async () => {
      const entry = await this.session(tokenHash);
      if (!entry.value) return { ended: null };
      const { ok } = await this.#kv.atomic()
        .check(entry)
        .delete(["session", tokenHash])
        .delete(["user_session", entry.value.userId, entry.value.id])
        .commit();
      // A failed check: deleted (null next time round) or touched (retried) meanwhile.
      return ok ? { ended: entry.value } : null;
    });
    return ended;
  }

  async sessionCount(userId: string): Promise<number> {
    return (await listAll(this.#kv, ["user_session", userId], 1000)).length;
  }

  async loginFailures(name: string): Promise<Deno.KvEntryMaybe<LoginFailures>> {
    return await this.#kv.get<LoginFailures>(["login_fail", name.toLowerCase()]);
  }

  async setLoginFailures(name: string, value: LoginFailures, ttlMs: number): Promise<void> {
    await this.#kv.set(["login_fail", name.toLowerCase()], value, { expireIn: ttlMs });
  }

  async clearLoginFailures(name: string): Promise<void> {
    await this.#kv.delete(["login_fail", name.toLowerCase()]);
  }
}
