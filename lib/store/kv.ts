/**
 * @module Opening Deno KV and the table of every key the store writes (the keys
 * several modules share are built in keys.ts; the revision log is explained in
 * revisions.ts).
 *
 * | key                                         | value                                  |
 * | ------------------------------------------- | -------------------------------------- |
 * | ["user", userId]                            | UserRecord (with password hash)        |
 * | ["user_by_name", lowercaseName]             | userId (uniqueness index)              |
 * | ["session", tokenHash]                      | SessionRecord (expiry in the value)    |
 * | ["user_session", userId, sessionId]         | tokenHash (a user's sessions)          |
 * | ["login_fail", lowercaseName]               | LoginFailures (throttle window)        |
 * | ["room", roomId]                            | RoomRecord                             |
 * | ["room_seq", roomId]                        | RoomHead {seq, at, rev}: newest message |
 * |                                             | and the room's revision                |
 * | ["room_member", roomId, userId]             | Membership {role, joinedAt}            |
 * | ["member_room", userId, roomId]             | joinedAt (a user's rooms)              |
 * | ["room_member_count", roomId]               | Deno.KvU64                             |
 * | ["public_room", roomId]                     | createdAt (the directory)              |
 * | ["invite", roomId, userId]                  | Invite {by, at}                        |
 * | ["user_invite", userId, roomId]             | Invite {by, at} (my invitations)       |
 * | ["dm", userIdLow, userIdHigh]               | roomId (one direct room per pair)      |
 * | ["read", userId, roomId]                    | seq of my read marker                  |
 * | ["msg", roomId, seq]                        | Message (a reply's excerpt not stored) |
 * | ["msg_rev", roomId, rev]                    | ChangeEntry {seq, headSeq}: a change   |
 * | ["msg_changed", roomId, rev]                | seq: a changed message at latest rev   |
 * | ["msg_reply", roomId, originalSeq, seq]     | true: a reply (to bump when it changes) |
 * | ["msg_edit", roomId, seq, rev]              | MessageEdit: a text an edit replaced   |
 * | ["reaction", roomId, seq, emoji, userId]    | when that user reacted with it         |
 * | ["sent", roomId, userId]                    | SenderRow: my newest seq, my recent    |
 * |                                             | clientIds (24 h idempotency)           |
 * | ["msg_client", roomId, userId, clientId]    | {seq, expiresAt}: older clientIds      |
 * | ["meta", "sender_rows"]                     | {at, legacy}: when rows were adopted   |
 * | ["meta", "invite_index"]                    | {at, indexed}: old invites indexed     |
 * | ["isolate", isolateId]                      | IsolateRecord {expiresAt, …} heartbeat |
 * | ["presence", userId]                        | PresenceRecord {online, lastSeenAt, …} |
 * | ["presence_conn", userId, connId]           | {isolateId, at}: one open socket       |
 * | ["isolate_conn", isolateId, userId, connId] | true (sockets to sweep if it dies)     |
 * | ["presence_pending", userId]                | offlineAt (a damped offline to settle) |
 * | ["bus", isolateId, n]                       | BusEvent (transient, expires)          |
 * | ["bus_head", isolateId]                     | n (the doorbell other isolates watch)  |
 *
 * Also: files and blobs (files.ts, blobs.ts); mentions, threads, followers, thread
 * read markers (mention_index.ts) and notification settings (threads.ts); Web Push
 * subscriptions and the VAPID key pair (lib/push/service.ts); the search index
 * (lib/search/index_store.ts); room administration, deletion and invite codes
 * (room_admin.ts, room_deletion.ts, server_invites.ts). Each module's own table
 * lists its keys.
 */

import { InternalError } from "../errors.ts";
import { metrics } from "../metrics.ts";

/** Whether a KV path names a file on this machine (not memory, a URL or the platform's). */
export function isLocalPath(path: string): boolean {
  return path !== "" && path !== ":memory:" && !/^https?:\/\//.test(path);
}

/**
 * Opens KV at a file path (its folder is created), `:memory:`, or a KV Connect URL
 * (set `DENO_KV_ACCESS_TOKEN` for those).
 */
export async function openKv(path: string): Promise<Deno.Kv> {
  if (path === "") return retryWhenLocked(await Deno.openKv());
  if (isLocalPath(path)) {
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
  }
  // Opening takes the write lock for a moment too: isolates starting together, or a
  // restart while a killed process's isolates are still going, can find it held.
  for (let attempt = 0;; attempt++) {
    try {
      return retryWhenLocked(await Deno.openKv(path));
    } catch (err) {
      if (!isLocked(err) || attempt >= 60) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 90));
    }
  }
}

/**
 * Several isolates (or processes) on one SQLite file contend for its write lock,
 * and a write that cannot get it in time fails with "database is locked" although
 * nothing was written. Such writes are retried here, with jittered backoff, for up
 * to a few seconds; every other error passes through at once.
 */
export function retryWhenLocked(kv: Deno.Kv): Deno.Kv {
  const retrying =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
      for (let attempt = 0;; attempt++) {
        try {
          return await fn(...args);
        } catch (err) {
          if (!isLocked(err) || attempt >= 60) throw err;
          await new Promise((resolve) =>
            setTimeout(resolve, 1 + Math.random() * Math.min(50, 2 ** attempt))
          );
        }
      }
    };
  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          return withCommit(
            op,
            retrying(async () => {
              const result = await op.commit();
              metrics.kv.commits++;
              if (!result.ok) metrics.kv.failedChecks++;
              return result;
            }),
          );
        };
      }
      const value = Reflect.get(target, prop, target);
      if (prop === "set" || prop === "delete") return retrying(value.bind(target));
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/**
 * `op` with its commit replaced by `commit` (a wrapper around `op.commit()`); its
 * builder methods hand back the wrapper, so chained calls keep it.
 */
export function withCommit(
  op: Deno.AtomicOperation,
  commit: () => Promise<Deno.KvCommitResult | Deno.KvCommitError>,
): Deno.AtomicOperation {
  const proxy: Deno.AtomicOperation = new Proxy(op, {
    get(target, prop) {
      if (prop === "commit") return commit;
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = value.apply(target, args);
        return result === target ? proxy : result;
      };
    },
  });
  return proxy;
}

function isLocked(err: unknown): boolean {
  return err instanceof Error && /database is locked|SQLITE_BUSY/i.test(err.message);
}

/** A random id: 20 lowercase base-32 characters (100 bits). */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  const alphabet = "0123456789abcdefghijklmnopqrstuv";
  let id = "";
  for (const byte of bytes) id += alphabet[byte & 31];
  return id;
}

/** getMany in chunks of 10 (KV's limit), in parallel, keeping order. */
export async function getMany<T>(kv: Deno.Kv, keys: Deno.KvKey[]): Promise<Deno.KvEntryMaybe<T>[]> {
  const chunks: Promise<Deno.KvEntryMaybe<T>[]>[] = [];
  for (let i = 0; i < keys.length; i += 10) {
    chunks.push(kv.getMany<T[]>(keys.slice(i, i + 10)) as Promise<Deno.KvEntryMaybe<T>[]>);
  }
  return (await Promise.all(chunks)).flat();
}

/** Lists a prefix up to `limit` entries. */
export async function listAll<T>(
  kv: Deno.Kv,
  prefix: Deno.KvKey,
  limit: number,
  options: { reverse?: boolean } = {},
): Promise<Deno.KvEntry<T>[]> {
  const entries: Deno.KvEntry<T>[] = [];
  for await (const entry of kv.list<T>({ prefix }, { limit, reverse: options.reverse })) {
    entries.push(entry);
  }
  return entries;
}

export const ONE = 1n;
/** Adding 2^64 − 1 wraps around: KV's way to subtract one from a KvU64 counter. */
export const MINUS_ONE = 0xffffffffffffffffn;

/**
 * Runs an optimistic read-check-write `attempt` until it commits. `attempt` answers
 * null when its checks failed (someone wrote in between); after `tries` such
 * failures this gives up loudly rather than spin.
 */
export async function retryAtomic<T>(
  label: string,
  attempt: () => Promise<T | null>,
  tries = 20,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const result = await attempt();
    if (result !== null) return result;
    await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(50, 2 ** i)));
  }
  throw new InternalError(`Too much contention: ${label} failed ${tries} times`);
}
