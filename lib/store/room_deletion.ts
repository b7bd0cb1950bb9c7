/**
 * @module Deleting a room: unreachable in one commit, then its keys removed in
 * bounded batches that survive a crash.
 *
 * | key                         | value                                            |
 * | --------------------------- | ------------------------------------------------ |
 * | ["room_deleting", roomId]   | Deleting {at, by, sweeper?, touchedAt}: pending  |
 *
 * The first commit (`begin`) checks the room, its head and the owner's membership,
 * deletes the room record, its head, its directory entry and its name, and writes
 * the marker: from then on every read of the room is a 404, and a send or change
 * in flight fails its check of the head (a 404 too). It also moves the room's
 * search marker, so an indexer commit planned before the delete fails its check and
 * plans again (over no head: nothing to do).
 *
 * Then `sweep` deletes everything that names the room, step by step, each step
 * listing a prefix and deleting what it lists in commits of a few hundred
 * keys, pausing between commits as long as each took (deleting
 * a big room takes at most about half of the KV writer). Keys that name the room
 * second (a user's read markers, mentions, follows, invitations) are found from
 * the room's own keys before those go: who is or was in it (members, followers,
 * senders, invitees) and what its messages name. A message's files are unpublished
 * with it (files.ts: the reaper removes their bytes). The marker goes last: a
 * crash anywhere leaves it, and the sweep at the next start (or on another isolate,
 * once the sweeper's lease lapsed) goes on; every step is idempotent.
 */

import type { Message } from "../protocol/types.ts";
import { INDEX_VERSION, markerKey, roomIndexPrefixes } from "../search/index_store.ts";
import { unpublishFiles } from "./files.ts";
import { roomHeadKey } from "./keys.ts";
import { mentionDeletes } from "./mention_index.ts";
import { memberCountKey, type Membership, roomNameKey, type RoomRecord } from "./rooms.ts";

/** `["room_deleting", roomId]`: a deletion that has not finished. */
export function deletingKey(roomId: string): Deno.KvKey {
  return ["room_deleting", roomId];
}

export interface Deleting {
  at: number;
  by: string;
  /** The isolate sweeping it, and when it last made progress (its lease). */
  sweeper?: string;
  touchedAt: number;
}

/** Keys listed per commit: each may take a few more with it (KV allows 1000 mutations). */
const LISTED_PER_COMMIT = 200;
/** A sweeper that made no progress for this long is taken over. */
export const LEASE_MS = 10_000;

/** Prefixes under the room that nothing else points to (deleted as they are). */
function plainPrefixes(roomId: string): Deno.KvKey[] {
  return [
    ["msg_rev", roomId],
    ["msg_changed", roomId],
    ["msg_reply", roomId],
    ["msg_edit", roomId],
    ["reaction", roomId],
    ["sent", roomId],
    ["msg_client", roomId],
    ["room_mention", roomId],
    ["thread_msg", roomId],
    ["in_thread", roomId],
    ["room_settings", roomId],
    ["room_ban", roomId],
    ...roomIndexPrefixes(roomId),
  ];
}

export interface DeletionOptions {
  isolateId: string;
  now(): number;
  /** Pause between commits as a share of the commit's time (1: as long as it took). */
  pause?: number;
}

export class RoomDeletion {
  #kv: Deno.Kv;
  #options: DeletionOptions;
  #running = new Map<string, Promise<boolean>>();

  constructor(kv: Deno.Kv, options: DeletionOptions) {
    this.#kv = kv;
    this.#options = options;
  }

  /**
   * The first commit (see the module doc) over what the caller read: false when
   * any of it moved meanwhile.
   */
  async begin(
    room: Deno.KvEntry<RoomRecord>,
    actor: Deno.KvEntry<Membership>,
    by: string,
  ): Promise<boolean> {
    const roomId = room.value.id;
    const [head, name] = await this.#kv.getMany([
      roomHeadKey(roomId),
      roomNameKey(room.value.name),
    ]);
    const now = this.#options.now();
    const op = this.#kv.atomic()
      .check(room, actor, head)
      .delete(room.key)
      .delete(head.key)
      .delete(["public_room", roomId])
      .set(deletingKey(roomId), { at: now, by, touchedAt: 0 } satisfies Deleting)
      .set(markerKey(roomId), { rev: 0, v: INDEX_VERSION });
    if (name.value === roomId) op.check(name).delete(name.key);
    return (await op.commit()).ok;
  }

  /** Rooms whose deletion has not finished. */
  async pending(): Promise<string[]> {
    const ids: string[] = [];
    for await (const e of this.#kv.list({ prefix: ["room_deleting"] })) {
      ids.push(e.key[1] as string);
    }
    return ids;
  }

  /**
   * Sweeps a room's keys (see the module doc). Answers true once the room is gone,
   * false when another isolate holds the lease (the caller tries again later).
   * Concurrent calls on this isolate share one sweep.
   */
  sweep(roomId: string): Promise<boolean> {
    let running = this.#running.get(roomId);
    if (!running) {
      running = this.#sweep(roomId).finally(() => this.#running.delete(roomId));
      this.#running.set(roomId, running);
    }
    return running;
  }

  async #sweep(roomId: string): Promise<boolean> {
    if (!(await this.#claim(roomId))) return false;
    // Who may hold keys that name the room second, found before the room's own go.
    const users = new Set<string>();
    for (const prefix of [["room_member", roomId], ["follower", roomId], ["sent", roomId]]) {
      for await (const e of this.#kv.list({ prefix })) users.add(e.key.at(-1) as string);
    }
    for await (const e of this.#kv.list({ prefix: ["invite", roomId] })) {
      users.add(e.key[2] as string);
    }
    for (const userId of users) {
      await this.#deleteListed(roomId, ["thread_read", userId, roomId], (key) => [key]);
    }
    await this.#deleteListed(roomId, ["room_member", roomId], (key) => {
      const userId = key[2] as string;
      return [key, ["member_room", userId, roomId], ["read", userId, roomId]];
    });
    await this.#deleteListed(roomId, ["invite", roomId], (key) => {
      return [key, ["user_invite", key[2] as string, roomId]];
    });
    await this.#deleteListed(roomId, ["follower", roomId], (key) => {
      const [, , root, userId] = key as [string, string, number, string];
      return [key, ["follow", userId, roomId, root]];
    });
    await this.#deleteMessages(roomId);
    for (const prefix of plainPrefixes(roomId)) {
      await this.#deleteListed(roomId, prefix, (key) => [key]);
    }
    // Stragglers: a membership or an index key written by a request that passed its
    // checks just before the first commit would be caught by the next run.
    const left = await this.#kv.getMany([memberCountKey(roomId), markerKey(roomId)]);
    const marker = await this.#kv.get(deletingKey(roomId));
    const op = this.#kv.atomic().check(marker).delete(marker.key);
    for (const e of left) op.delete(e.key);
    return (await op.commit()).ok || (await this.#kv.get(marker.key)).versionstamp === null;
  }

  /** Takes the lease (unless another live sweeper holds it); false: leave it to them. */
  async #claim(roomId: string): Promise<boolean> {
    const entry = await this.#kv.get<Deleting>(deletingKey(roomId));
    if (!entry.value) return false;
    const now = this.#options.now();
    const held = entry.value.sweeper && entry.value.sweeper !== this.#options.isolateId &&
      now - entry.value.touchedAt < LEASE_MS;
    if (held) return false;
    const claimed = { ...entry.value, sweeper: this.#options.isolateId, touchedAt: now };
    return (await this.#kv.atomic().check(entry).set(entry.key, claimed).commit()).ok;
  }

  /** Renews the lease now and then while sweeping. */
  async #touch(roomId: string): Promise<void> {
    const entry = await this.#kv.get<Deleting>(deletingKey(roomId));
    if (!entry.value) return;
    const now = this.#options.now();
    if (now - entry.value.touchedAt < LEASE_MS / 4) return;
    await this.#kv.atomic().check(entry)
      .set(entry.key, { ...entry.value, sweeper: this.#options.isolateId, touchedAt: now })
      .commit();
  }

  /** Deletes what a prefix lists, with what `expand` says goes with each key. */
  async #deleteListed(
    roomId: string,
    prefix: Deno.KvKey,
    expand: (key: Deno.KvKey) => Deno.KvKey[],
  ): Promise<void> {
    while (true) {
      const keys: Deno.KvKey[] = [];
      const iter = this.#kv.list({ prefix }, { limit: LISTED_PER_COMMIT });
      for await (const e of iter) keys.push(...expand(e.key));
      if (!keys.length) return;
      await this.#commitDeletes(roomId, keys, []);
    }
  }

  /** Messages, with their mention keys and their files (unpublished: bytes to the reaper). */
  async #deleteMessages(roomId: string): Promise<void> {
    while (true) {
      const deletes: Deno.KvKey[] = [];
      const sets: Array<[Deno.KvKey, unknown]> = [];
      const iter = this.#kv.list<Message>({ prefix: ["msg", roomId] }, { limit: 100 });
      for await (const e of iter) {
        const message = e.value;
        const mine: Deno.KvKey[] = [e.key, ...mentionDeletes(message)];
        const files = unpublishFiles(message.files ?? [], this.#options.now());
        if (deletes.length + sets.length + mine.length + files.deletes.length * 3 > 800) break;
        deletes.push(...mine, ...files.deletes);
        sets.push(...files.sets);
      }
      if (!deletes.length) return;
      await this.#commitDeletes(roomId, deletes, sets);
    }
  }

  async #commitDeletes(
    roomId: string,
    deletes: Deno.KvKey[],
    sets: Array<[Deno.KvKey, unknown]>,
  ): Promise<void> {
    // Callers keep a batch within one commit (at most about 800 mutations).
    const started = performance.now();
    const op = this.#kv.atomic();
    for (const key of deletes) op.delete(key);
    for (const [key, value] of sets) op.set(key, value);
    await op.commit();
    await this.#touch(roomId);
    const pause = (performance.now() - started) * (this.#options.pause ?? 1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, pause)));
  }
}
