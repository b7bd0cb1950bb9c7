/**
 * @module Users, their sessions and login throttling in KV.
 */

import { ConflictError } from "../errors.ts";
import { getMany, listAll, newId, retryAtomic } from "./kv.ts";

export interface UserRecord {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: number;
}

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: number;
  lastUsedAt: number;
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

/** Bound on how many sessions one user may hold; the oldest go first. */
export const MAX_SESSIONS_PER_USER = 50;

export class UserStore {
  #kv: Deno.Kv;
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Creates a user; throws ConflictError when the name is taken (any case). */
  async create(username: string, passwordHash: string, now: number): Promise<UserRecord> {
    const user: UserRecord = { id: newId(), username, passwordHash, createdAt: now };
    const nameKey = ["user_by_name", username.toLowerCase()];
    const result = await this.#kv.atomic()
      .check({ key: nameKey, versionstamp: null })
      .set(nameKey, user.id)
      .set(["user", user.id], user)
      .commit();
    if (!result.ok) throw new ConflictError(`Username is taken: "${username}"`);
    return user;
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

  /** Moves the idle expiry forward unless someone changed the session meanwhile. */
  async touchSession(
    tokenHash: string,
    entry: Deno.KvEntry<SessionRecord>,
    now: number,
    idleMs: number,
  ): Promise<void> {
    const session = {
      ...entry.value,
      lastUsedAt: now,
      idleExpiresAt: Math.min(entry.value.expiresAt, now + idleMs),
    };
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
