/**
 * @module Profiles (PROTOCOL v2 "People, rooms and the server"): my display name.
 * Usernames never change; a display name does, and everyone who shares a room with
 * me hears of it (a `user` frame), while every isolate drops what it cached of me
 * (through the bus), so showing names costs no KV read per delivered message.
 */

import { BadRequestError, NotFoundError } from "../errors.ts";
import type { User } from "../protocol/types.ts";
import { validateDisplayName } from "../protocol/validate.ts";
import { retryAtomic } from "../store/kv.ts";
import type { UserRecord, UserStore } from "../store/users.ts";
import type { EventSink } from "../realtime/events.ts";
import { publicUser } from "../auth/auth.ts";
import type { RateLimiter } from "./_rate_limit.ts";

export class ProfileService {
  #users: UserStore;
  #events: EventSink;
  #roomIdsOf: (userId: string) => Promise<string[]>;
  #limiter: RateLimiter;

  constructor(
    deps: { users: UserStore; events: EventSink; limiter: RateLimiter },
    roomIdsOf: (userId: string) => Promise<string[]>,
  ) {
    this.#users = deps.users;
    this.#events = deps.events;
    this.#limiter = deps.limiter;
    this.#roomIdsOf = roomIdsOf;
  }

  /**
   * `PATCH /api/me {displayName?}` → my `user`. `displayName: null` (an extension)
   * goes back to the username. Changes are rate-limited (each one reaches every
   * room I am in).
   */
  async update(user: User, input: { displayName?: unknown }): Promise<User> {
    if (!("displayName" in input) || input.displayName === undefined) {
      throw new BadRequestError('Nothing to change: give "displayName"');
    }
    const displayName = input.displayName === null ? null : validateDisplayName(input.displayName);
    this.#limiter.take(user.id);
    const { record, changed } = await retryAtomic("Changing a profile", async () => {
      const entry = await this.#users.entry(user.id);
      if (!entry.value) throw new NotFoundError("User not found");
      const { displayName: _previous, ...rest } = entry.value;
      const next: UserRecord = displayName === null || displayName === entry.value.username
        ? rest
        : { ...rest, displayName };
      if (next.displayName === entry.value.displayName) {
        return { record: entry.value, changed: false };
      }
      const ok = await this.#users.update(entry as Deno.KvEntry<UserRecord>, next);
      return ok ? { record: next, changed: true } : null;
    });
    const view = publicUser(record);
    if (changed) {
      await this.#events.publish({
        kind: "user_changed",
        userId: user.id,
        user: view,
        roomIds: await this.#roomIdsOf(user.id),
      });
    }
    return view;
  }
}
