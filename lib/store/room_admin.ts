/**
 * @module The commits of room administration: rename and topic, roles, removing,
 * banning and unbanning. Each checks the acting member's record as it was read
 * (a demoted admin's request that raced the demotion fails and is read again), and
 * the records it changes.
 *
 * | key                            | value                                      |
 * | ------------------------------ | ------------------------------------------ |
 * | ["room_ban", roomId, userId]   | Ban {by, at}: cannot join (nor be invited) |
 * | ["room_name", lowercasedName]  | roomId: public rooms' names (rooms.ts)     |
 */

import type { Role } from "../protocol/types.ts";
import { getMany, listAll } from "./kv.ts";
import {
  banKey,
  deleteMembership,
  memberKey,
  type Membership,
  roomNameKey,
  type RoomRecord,
} from "./rooms.ts";

export interface Ban {
  by: string;
  at: number;
}

/** Bans one listing returns at most. */
export const BANS_LISTED = 1000;

export type MemberEntry = Deno.KvEntry<Membership>;

export class RoomAdminStore {
  #kv: Deno.Kv;
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** The room record and these users' membership records, as stored (for checks). */
  async read(roomId: string, userIds: string[]): Promise<{
    room: Deno.KvEntryMaybe<RoomRecord>;
    members: Deno.KvEntryMaybe<Membership>[];
  }> {
    const [room, ...members] = await getMany<unknown>(this.#kv, [
      ["room", roomId],
      ...userIds.map((id) => memberKey(roomId, id)),
    ]);
    return {
      room: room as Deno.KvEntryMaybe<RoomRecord>,
      members: members as Deno.KvEntryMaybe<Membership>[],
    };
  }

  /**
   * Stores a changed room (name, topic) over the record as read; a public room's
   * name index moves with it. False when something moved meanwhile, or the new name
   * is taken (`nameTaken` tells which).
   */
  async update(
    room: Deno.KvEntry<RoomRecord>,
    actor: MemberEntry,
    next: RoomRecord,
  ): Promise<{ ok: boolean; nameTaken?: boolean }> {
    const op = this.#kv.atomic().check(room).check(actor).set(room.key, next);
    const before = room.value.name.toLowerCase();
    if (room.value.kind === "public" && next.name.toLowerCase() !== before) {
      const taken = await this.#kv.get<string>(roomNameKey(next.name));
      if (taken.value && taken.value !== next.id) return { ok: false, nameTaken: true };
      const old = await this.#kv.get<string>(roomNameKey(room.value.name));
      op.check(taken).set(roomNameKey(next.name), next.id);
      if (old.value === next.id) op.check(old).delete(old.key);
    }
    return { ok: (await op.commit()).ok };
  }

  /** Sets roles (a promotion, a demotion, or a transfer of ownership: two at once). */
  async setRoles(
    actor: MemberEntry,
    changes: Array<{ entry: MemberEntry; role: Role }>,
  ): Promise<boolean> {
    const op = this.#kv.atomic().check(actor);
    const latest = new Map<string, MemberEntry>();
    for (const { entry, role } of changes) {
      op.check(entry);
      latest.set(String(entry.key[2]), { ...entry, value: { ...entry.value, role } });
    }
    for (const entry of latest.values()) op.set(entry.key, entry.value);
    return (await op.commit()).ok;
  }

  /**
   * Removes a member (and bans them, with `ban`), or bans a non-member (`target`
   * null: checked to be still none). Pending invitations to the room are dropped.
   */
  async remove(
    roomId: string,
    actor: MemberEntry,
    target: { userId: string; entry: MemberEntry | null },
    ban?: Ban,
  ): Promise<boolean> {
    const { userId, entry } = target;
    const op = this.#kv.atomic().check(actor);
    if (entry) {
      op.check(entry);
      deleteMembership(op, roomId, userId);
    } else op.check({ key: memberKey(roomId, userId), versionstamp: null });
    if (ban) {
      op.set(banKey(roomId, userId), ban)
        .delete(["invite", roomId, userId])
        .delete(["user_invite", userId, roomId]);
    }
    return (await op.commit()).ok;
  }

  /** Lifts a ban; false when there was none. */
  async unban(roomId: string, actor: MemberEntry, userId: string): Promise<boolean> {
    const entry = await this.#kv.get<Ban>(banKey(roomId, userId));
    if (!entry.value) return false;
    const result = await this.#kv.atomic().check(actor).check(entry).delete(entry.key).commit();
    return result.ok;
  }

  async isBanned(roomId: string, userId: string): Promise<boolean> {
    return (await this.#kv.get(banKey(roomId, userId))).versionstamp !== null;
  }

  /** The room's bans, newest first (at most BANS_LISTED). */
  async bans(roomId: string): Promise<Array<{ userId: string } & Ban>> {
    const entries = await listAll<Ban>(this.#kv, ["room_ban", roomId], BANS_LISTED);
    return entries
      .map((e) => ({ userId: e.key[2] as string, ...e.value }))
      .sort((a, b) => b.at - a.at);
  }
}
