/**
 * @module The store of push subscriptions (keys in lib/push/service.ts's table).
 *
 * A user has at most {@linkcode MAX_SUBSCRIPTIONS}: a new one beyond that drops
 * their oldest. An endpoint belongs to one user at a time, that is one browser
 * profile: when someone else signs in there and subscribes, the endpoint moves to
 * them, so the first person's notifications stop going to a browser they left.
 * Every change to a user's list checks and rewrites their `["push_user", userId]`
 * guard in its commit, so two changes at once (two tabs subscribing) serialize
 * instead of both seeing room for one more.
 */

import { InternalError } from "../errors.ts";

export const MAX_SUBSCRIPTIONS = 10;
/** Commits tried before giving up (each failed one waits a little, jittered). */
const RETRIES = 16;

/** What `["push_sub", userId, id]` holds. */
export interface PushSubscriptionRecord {
  id: string;
  endpoint: string;
  /** base64url, as the browser sent them (checked). */
  p256dh: string;
  auth: string;
  previews: boolean;
  createdAt: number;
  updatedAt: number;
}

/** What a subscribe writes. */
export type SubscriptionFields = Pick<
  PushSubscriptionRecord,
  "id" | "endpoint" | "p256dh" | "auth" | "previews"
>;

const subKey = (userId: string, id: string): Deno.KvKey => ["push_sub", userId, id];
const ownerKey = (id: string): Deno.KvKey => ["push_endpoint", id];
const guardKey = (userId: string): Deno.KvKey => ["push_user", userId];

export class PushSubscriptionStore {
  #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** A user's subscriptions, oldest first. */
  async list(userId: string): Promise<PushSubscriptionRecord[]> {
    return (await this.#entries(userId)).map((e) => e.value);
  }

  /**
   * Adds a subscription, or updates it when this user has its endpoint already;
   * takes the endpoint from another user who had it; drops the user's oldest ones
   * past the limit.
   */
  async put(
    userId: string,
    fields: SubscriptionFields,
    now: number,
  ): Promise<{ record: PushSubscriptionRecord; created: boolean }> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const [guard, owner, entries] = await Promise.all([
        this.#kv.get(guardKey(userId)),
        this.#kv.get<string>(ownerKey(fields.id)),
        this.#entries(userId),
      ]);
      const op = this.#kv.atomic().check(guard, owner).set(guardKey(userId), now);
      const existing = entries.find((e) => e.value.id === fields.id);
      let record: PushSubscriptionRecord;
      if (existing) {
        record = { ...existing.value, ...fields, updatedAt: now };
        op.check(existing);
      } else {
        record = { ...fields, createdAt: now, updatedAt: now };
        op.set(ownerKey(fields.id), userId);
        const previous = owner.value;
        if (previous !== null && previous !== userId) {
          const theirGuard = await this.#kv.get(guardKey(previous));
          op.check(theirGuard).set(guardKey(previous), now).delete(subKey(previous, fields.id));
        }
        for (const old of entries.slice(0, Math.max(0, entries.length - MAX_SUBSCRIPTIONS + 1))) {
          op.check(old).delete(subKey(userId, old.value.id)).delete(ownerKey(old.value.id));
        }
      }
      op.set(subKey(userId, fields.id), record);
      if ((await op.commit()).ok) return { record, created: !existing };
      await backoff(attempt);
    }
    throw new InternalError("Push subscription could not be stored: too much contention");
  }

  /** Deletes one of a user's subscriptions; nothing when they have none by that id. */
  async remove(userId: string, id: string, now: number): Promise<void> {
    for (let attempt = 0; attempt < RETRIES; attempt++) {
      const [guard, entry, owner] = await Promise.all([
        this.#kv.get(guardKey(userId)),
        this.#kv.get<PushSubscriptionRecord>(subKey(userId, id)),
        this.#kv.get<string>(ownerKey(id)),
      ]);
      if (entry.value === null) return;
      const op = this.#kv.atomic().check(guard, entry, owner)
        .set(guardKey(userId), now)
        .delete(subKey(userId, id));
      if (owner.value === userId) op.delete(ownerKey(id));
      if ((await op.commit()).ok) return;
      await backoff(attempt);
    }
    throw new InternalError("Push subscription could not be removed: too much contention");
  }

  async #entries(userId: string): Promise<Deno.KvEntry<PushSubscriptionRecord>[]> {
    const entries: Deno.KvEntry<PushSubscriptionRecord>[] = [];
    // The limit keeps the list bounded; a user never has more than MAX_SUBSCRIPTIONS.
    const iter = this.#kv.list<PushSubscriptionRecord>({ prefix: ["push_sub", userId] }, {
      limit: MAX_SUBSCRIPTIONS * 5,
    });
    for await (const entry of iter) entries.push(entry);
    return entries.sort((a, b) =>
      a.value.createdAt - b.value.createdAt || (a.value.id < b.value.id ? -1 : 1)
    );
  }
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(50, 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
