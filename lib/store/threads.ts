/**
 * @module Reading and moving what threads, mentions and notification settings keep
 * per user (the keys are written with their messages: see mention_index.ts).
 *
 * | key                                   | value                                        |
 * | ------------------------------------- | -------------------------------------------- |
 * | ["room_settings", roomId, userId]     | StoredSettings: a member's own choice        |
 *
 * Counts are bounded: they read at most `COUNT_MAX` keys (clients show "99+").
 */

import type { NotifyLevel } from "../protocol/types.ts";
import { getMany, listAll } from "./kv.ts";
import {
  followerKey,
  followKey,
  mentionsIn,
  settingsKey,
  threadMessagesOf,
  threadReadKey,
} from "./keys.ts";
import type { RoomMention } from "./mention_index.ts";

/** The most keys one count reads. */
export const COUNT_MAX = 1000;
/** Threads `followed` lists at most. */
export const FOLLOWED_MAX = 200;

/** What a member chose for a room (absent `notify`: the room's default). */
export interface StoredSettings {
  muted: boolean;
  notify?: NotifyLevel;
}

export class ThreadStore {
  #kv: Deno.Kv;
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Reply seqs of a thread with seq > after, ascending, at most `limit`. */
  async replies(roomId: string, root: number, after: number, limit: number): Promise<number[]> {
    const entries = this.#kv.list({
      start: [...threadMessagesOf(roomId, root), after + 1],
      end: [...threadMessagesOf(roomId, root), Number.MAX_SAFE_INTEGER],
    }, { limit, batchSize: Math.min(limit, 500) });
    const seqs: number[] = [];
    for await (const entry of entries) seqs.push(entry.key[3] as number);
    return seqs;
  }

  /** Replies after `after` in a thread that someone else wrote (bounded). */
  async unreadIn(userId: string, roomId: string, root: number, after: number): Promise<number> {
    let count = 0;
    const entries = this.#kv.list<string>({
      start: [...threadMessagesOf(roomId, root), after + 1],
      end: [...threadMessagesOf(roomId, root), Number.MAX_SAFE_INTEGER],
    }, { limit: COUNT_MAX, batchSize: 500 });
    for await (const entry of entries) if (entry.value !== userId) count++;
    return count;
  }

  /** The threads a user follows (room, root), at most FOLLOWED_MAX, in key order. */
  async followed(userId: string): Promise<Array<{ roomId: string; root: number }>> {
    const entries = await listAll(this.#kv, ["follow", userId], COUNT_MAX);
    return entries.map((e) => ({ roomId: e.key[2] as string, root: e.key[3] as number }));
  }

  async isFollowing(userId: string, roomId: string, root: number): Promise<boolean> {
    return (await this.#kv.get(followKey(userId, roomId, root))).versionstamp !== null;
  }

  /** Of these roots, the ones the user follows. */
  async followingOf(userId: string, roomId: string, roots: number[]): Promise<Set<number>> {
    const entries = await getMany(this.#kv, roots.map((root) => followKey(userId, roomId, root)));
    return new Set(roots.filter((_, i) => entries[i].versionstamp !== null));
  }

  async follow(userId: string, roomId: string, root: number, on: boolean, now: number) {
    const op = this.#kv.atomic();
    if (on) {
      op.set(followKey(userId, roomId, root), now).set(followerKey(roomId, root, userId), now);
    } else {
      op.delete(followKey(userId, roomId, root)).delete(followerKey(roomId, root, userId));
    }
    await op.commit();
  }

  /** A thread's followers (at most COUNT_MAX). */
  async followers(roomId: string, root: number): Promise<string[]> {
    const entries = await listAll(this.#kv, ["follower", roomId, root], COUNT_MAX);
    return entries.map((e) => e.key[3] as string);
  }

  /** My read markers in these threads (0: none). */
  async readMarkers(userId: string, threads: Array<{ roomId: string; root: number }>) {
    const entries = await getMany<number>(
      this.#kv,
      threads.map((t) => threadReadKey(userId, t.roomId, t.root)),
    );
    return entries.map((e) => e.value ?? 0);
  }

  /** Moves my read marker in a thread forward (never back); answers it. */
  async moveReadMarker(userId: string, roomId: string, root: number, seq: number) {
    const key = threadReadKey(userId, roomId, root);
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await this.#kv.get<number>(key);
      if ((entry.value ?? 0) >= seq) return entry.value ?? 0;
      if ((await this.#kv.atomic().check(entry).set(key, seq).commit()).ok) return seq;
    }
    return seq;
  }

  /**
   * Thread replies with seq > after that the user does not follow (they do not count
   * as unread for them), bounded.
   */
  async unfollowedAfter(userId: string, roomId: string, after: number): Promise<number> {
    const entries = await this.#listAfter<number>(["in_thread", roomId], after);
    if (!entries.length) return 0;
    const roots = [...new Set(entries.map((e) => e.value))];
    const following = await this.followingOf(userId, roomId, roots);
    return entries.filter((e) => !following.has(e.value)).length;
  }

  /** Messages with seq > after that mention the user (by name, `@room` or `@here`). */
  async mentionsAfter(userId: string, roomId: string, after: number): Promise<number> {
    const [named, all] = await Promise.all([
      this.#listAfter<number>(mentionsIn(userId, roomId), after),
      this.#listAfter<RoomMention>(["room_mention", roomId], after),
    ]);
    const seqs = new Set(named.map((e) => e.key[3] as number));
    for (const entry of all) {
      const { by, here } = entry.value;
      if (by !== userId && (!here || here.includes(userId))) seqs.add(entry.key[2] as number);
    }
    return seqs.size;
  }

  async #listAfter<T>(prefix: Deno.KvKey, after: number): Promise<Deno.KvEntry<T>[]> {
    const entries: Deno.KvEntry<T>[] = [];
    const iter = this.#kv.list<T>({
      start: [...prefix, after + 1],
      end: [...prefix, Number.MAX_SAFE_INTEGER],
    }, { limit: COUNT_MAX, batchSize: 500 });
    for await (const entry of iter) entries.push(entry);
    return entries;
  }

  /** The newest messages naming the user, across rooms: (room, seq), newest first. */
  async mentionsOf(userId: string, limit: number): Promise<Array<{ roomId: string; seq: number }>> {
    const found: Array<{ roomId: string; seq: number }> = [];
    const iter = this.#kv.list({ prefix: ["mention_at", userId] }, { limit, reverse: true });
    for await (const entry of iter) {
      found.push({ roomId: entry.key[3] as string, seq: entry.key[4] as number });
    }
    return found;
  }

  /** My settings of these rooms (null: never chosen). */
  async settingsOf(userId: string, roomIds: string[]): Promise<(StoredSettings | null)[]> {
    const entries = await getMany<StoredSettings>(
      this.#kv,
      roomIds.map((id) => settingsKey(id, userId)),
    );
    return entries.map((e) => e.value);
  }

  /** Every member's own settings of a room (those who chose). */
  async roomSettings(roomId: string): Promise<Map<string, StoredSettings>> {
    const entries = await listAll<StoredSettings>(this.#kv, ["room_settings", roomId], COUNT_MAX);
    return new Map(entries.map((e) => [e.key[2] as string, e.value]));
  }

  async saveSettings(userId: string, roomId: string, settings: StoredSettings): Promise<void> {
    await this.#kv.set(settingsKey(roomId, userId), settings);
  }
}
