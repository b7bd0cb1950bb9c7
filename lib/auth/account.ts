/**
 * @module My account's security: change my password, see and end my sessions,
 * deactivate my account; and deactivating an account (server admins). Ending a
 * session closes its sockets with 4001 on every isolate (through the bus, as
 * logout does). A deactivated account keeps its messages and its name (nobody can
 * register it again) and cannot sign in.
 */

import { ForbiddenError, NotFoundError } from "../errors.ts";
import type { SessionInfo, User } from "../protocol/types.ts";
import { isWellFormedId } from "../protocol/validate.ts";
import type { Clock } from "../clock.ts";
import { retryAtomic } from "../store/kv.ts";
import type { UserStore } from "../store/users.ts";
import type { EventSink } from "../realtime/events.ts";
import type { Authenticated, AuthService } from "./auth.ts";

export class AccountService {
  #auth: AuthService;
  #users: UserStore;
  #events: EventSink;
  #clock: Clock;
  #onSessionEnded: (sessionId: string, userId: string) => Promise<void>;

  #onDeactivated?: (userId: string) => Promise<unknown>;

  constructor(
    deps: {
      auth: AuthService;
      users: UserStore;
      events: EventSink;
      clock: Clock;
      /** After an account was deactivated (its rooms' ownership is handed on). */
      onDeactivated?(userId: string): Promise<unknown>;
    },
    onSessionEnded: (sessionId: string, userId: string) => Promise<void>,
  ) {
    this.#onDeactivated = deps.onDeactivated;
    this.#auth = deps.auth;
    this.#users = deps.users;
    this.#events = deps.events;
    this.#clock = deps.clock;
    this.#onSessionEnded = onSessionEnded;
  }

  /**
   * `POST /api/me/password {current, password}`: the current one checked like a
   * login (throttled, 401 when wrong); every other session of mine ends.
   */
  async changePassword(auth: Authenticated, current: unknown, password: unknown): Promise<void> {
    await this.#auth.verifyPassword(auth.user, current, "current");
    const hash = await this.#auth.hashPassword(password);
    await retryAtomic("Changing a password", async () => {
      const entry = await this.#users.entry(auth.user.id);
      if (!entry.value) throw new NotFoundError("User not found");
      const next = { ...entry.value, passwordHash: hash };
      return (await this.#users.update(entry as Deno.KvEntry<typeof next>, next)) || null;
    });
    await this.#auth.endSessionsOf(auth.user.id, auth.tokenHash);
  }

  /** `GET /api/me/sessions`: most recently used first. */
  async sessions(auth: Authenticated): Promise<SessionInfo[]> {
    const now = this.#clock.now();
    return (await this.#users.sessionsOf(auth.user.id))
      .filter(({ session }) => now < session.expiresAt && now < session.idleExpiresAt)
      .map(({ session, tokenHash }) => {
        const info: SessionInfo = {
          id: session.id,
          createdAt: session.createdAt,
          lastUsedAt: session.lastUsedAt,
          current: tokenHash === auth.tokenHash,
        };
        if (session.userAgent) info.userAgent = session.userAgent;
        return info;
      })
      .sort((a, b) => Number(b.current) - Number(a.current) || b.lastUsedAt - a.lastUsedAt);
  }

  /** `DELETE /api/me/sessions/:id`: that session ends at once (this one too, if named). */
  async endSession(auth: Authenticated, sessionId: unknown): Promise<void> {
    const hash = isWellFormedId(sessionId)
      ? await this.#users.sessionHash(auth.user.id, sessionId)
      : null;
    if (!hash) throw new NotFoundError("Session not found");
    const ended = await this.#users.endSession(hash);
    if (ended) await this.#onSessionEnded(ended.id, ended.userId);
  }

  /** `DELETE /api/me/sessions` (extension): every session of mine but this one ends. */
  async endOtherSessions(auth: Authenticated): Promise<number> {
    return await this.#auth.endSessionsOf(auth.user.id, auth.tokenHash);
  }

  /** `POST /api/me/deactivate {password}`: my own account, my password again. */
  async deactivateSelf(auth: Authenticated, password: unknown): Promise<void> {
    await this.#auth.verifyPassword(auth.user, password);
    await this.deactivate(auth.user.id);
  }

  /**
   * Deactivates an account: it cannot sign in, every session ends (sockets 4001
   * everywhere), its messages and memberships stay; the rooms it owned pass to
   * their longest-standing active admin, else member (done again, harmlessly, when
   * deactivating twice: a crash between the two steps is mended so). The server's admin cannot be
   * deactivated (someone must hold the server). Deactivating twice is fine.
   */
  async deactivate(userId: unknown): Promise<void> {
    const entry = isWellFormedId(userId) ? await this.#users.entry(userId) : null;
    if (!entry?.value) throw new NotFoundError("User not found");
    if (entry.value.serverAdmin) {
      throw new ForbiddenError("The server's admin cannot be deactivated");
    }
    if (!entry.value.deactivatedAt) {
      await retryAtomic("Deactivating an account", async () => {
        const fresh = await this.#users.entry(entry.value!.id);
        if (!fresh.value) throw new NotFoundError("User not found");
        if (fresh.value.deactivatedAt) return true;
        const next = { ...fresh.value, deactivatedAt: this.#clock.now() };
        return (await this.#users.update(fresh as Deno.KvEntry<typeof next>, next)) || null;
      });
      await this.#events.publish({ kind: "user_changed", userId: entry.value.id });
    }
    await this.#auth.endSessionsOf(entry.value.id);
    await this.#onDeactivated?.(entry.value.id);
  }

  /** Whether this user may act as the server's admin (read from the store). */
  async isServerAdmin(user: User): Promise<boolean> {
    const record = await this.#users.byId(user.id);
    return !!record?.serverAdmin && !record.deactivatedAt;
  }
}
