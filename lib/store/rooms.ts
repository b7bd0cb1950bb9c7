/**
 * @module Rooms, memberships, invites, direct-room pairs and read markers in KV.
 * Every index and counter is written in the same atomic commit as what it indexes.
 * (A sender's rows in a room, kept by the message store, outlive their membership:
 * they hold the clientIds that answer a retry for 24 hours.)
 *
 * Roles: a room that has members has exactly one owner (direct rooms: none, both
 * are plain members). Joining a room nobody is in makes the joiner its owner; the
 * owner leaving hands ownership on in the same commit (see `removeMember`). Both
 * commits check the member counter, which every join and leave moves, so a join
 * racing a leave is retried rather than leaving a room with members and no owner.
 * Public rooms' names are unique ignoring case: `["room_name", lowercased]` is
 * written with the room (and moved by a rename) in the same commit.
 */

import { ConflictError } from "../errors.ts";
import type { Role, RoomKind } from "../protocol/types.ts";
import { getMany, listAll, MINUS_ONE, ONE, retryAtomic } from "./kv.ts";
import { type SenderRow, senderRowKey } from "./messages.ts";

export interface RoomRecord {
  id: string;
  name: string;
  topic: string;
  kind: RoomKind;
  createdAt: number;
  createdBy: string;
  /** Direct rooms: the two members, sorted. */
  pair?: [string, string];
}

export type { RoomHead } from "./revisions.ts";
import type { RoomHead } from "./revisions.ts";
import { roomHeadKey } from "./keys.ts";

export interface Membership {
  role: Role;
  joinedAt: number;
}

/** Who invited, and when: the same value under both invite keys. */
export interface Invite {
  by: string;
  at: number;
}

/** How many rooms one user may belong to, and so the bound of every per-user list. */
export const MAX_ROOMS_PER_USER = 1000;
/** The most members any listing returns. */
export const MEMBER_LIST_MAX = 1000;
export const DIRECTORY_MAX = 500;
/** Pending invitations read per user (anyone may invite anyone), and the newest listed. */
const MAX_INVITES_READ = 1000;
export const MAX_INVITES_LISTED = 100;

/** `["room_name", lowercased]` → roomId: a public room's name, unique ignoring case. */
export function roomNameKey(name: string): Deno.KvKey {
  return ["room_name", name.toLowerCase()];
}

/** `["room_member", roomId, userId]` → Membership. */
export function memberKey(roomId: string, userId: string): Deno.KvKey {
  return ["room_member", roomId, userId];
}

/** `["room_member_count", roomId]` → Deno.KvU64. */
export function memberCountKey(roomId: string): Deno.KvKey {
  return ["room_member_count", roomId];
}

/** `["room_ban", roomId, userId]` → Ban: cannot join again until unbanned. */
export function banKey(roomId: string, userId: string): Deno.KvKey {
  return ["room_ban", roomId, userId];
}

/** Adds to `op` what removes a membership: both sides, my read marker, the count. */
export function deleteMembership(op: Deno.AtomicOperation, roomId: string, userId: string): void {
  op.delete(memberKey(roomId, userId))
    .delete(["member_room", userId, roomId])
    .delete(["read", userId, roomId])
    .sum(memberCountKey(roomId), MINUS_ONE);
}

/** Members scanned for a successor when an owner leaves. */
const SUCCESSORS_SCANNED = 10_000;

function pairKey(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export class RoomStore {
  #kv: Deno.Kv;
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /**
   * Stores a new room with its creator as owner, in one commit. ConflictError when
   * a public room already has its name (ignoring case).
   */
  async create(room: RoomRecord): Promise<void> {
    const op = this.#kv.atomic()
      .check({ key: ["room", room.id], versionstamp: null })
      .set(["room", room.id], room)
      .set(roomHeadKey(room.id), { seq: 0, at: room.createdAt } satisfies RoomHead);
    this.#addMember(op, room.id, room.createdBy, "owner", room.createdAt);
    if (room.kind === "public") {
      op.set(["public_room", room.id], room.createdAt)
        .check({ key: roomNameKey(room.name), versionstamp: null })
        .set(roomNameKey(room.name), room.id);
    }
    const result = await op.commit();
    if (result.ok) return;
    if (room.kind === "public" && (await this.#kv.get(roomNameKey(room.name))).value) {
      throw new ConflictError(`A public room is already called "${room.name}"`);
    }
    throw new Error(`Room id collision: ${room.id}`);
  }

  /** The room a public name (any case) belongs to, if any. */
  async byName(name: string): Promise<string | null> {
    return (await this.#kv.get<string>(roomNameKey(name))).value;
  }

  #addMember(op: Deno.AtomicOperation, roomId: string, userId: string, role: Role, at: number) {
    op.set(["room_member", roomId, userId], { role, joinedAt: at } satisfies Membership)
      .set(["member_room", userId, roomId], at)
      .sum(["room_member_count", roomId], ONE)
      .delete(["invite", roomId, userId])
      .delete(["user_invite", userId, roomId]);
  }

  async get(roomId: string): Promise<RoomRecord | null> {
    return (await this.#kv.get<RoomRecord>(["room", roomId])).value;
  }

  async getMany(roomIds: string[]): Promise<(RoomRecord | null)[]> {
    return (await getMany<RoomRecord>(this.#kv, roomIds.map((id) => ["room", id]))).map((e) =>
      e.value
    );
  }

  async head(roomId: string): Promise<RoomHead> {
    return (await this.#kv.get<RoomHead>(roomHeadKey(roomId))).value ?? { seq: 0, at: 0 };
  }

  async heads(roomIds: string[]): Promise<RoomHead[]> {
    const entries = await getMany<RoomHead>(this.#kv, roomIds.map(roomHeadKey));
    return entries.map((e) => e.value ?? { seq: 0, at: 0 });
  }

  async membership(roomId: string, userId: string): Promise<Membership | null> {
    return (await this.#kv.get<Membership>(["room_member", roomId, userId])).value;
  }

  /** Adds a member; false when they already were one (nothing changes then). */
  async addMember(roomId: string, userId: string, role: Role, at: number): Promise<boolean> {
    const key = ["room_member", roomId, userId];
    const op = this.#kv.atomic().check({ key, versionstamp: null });
    this.#addMember(op, roomId, userId, role, at);
    return (await op.commit()).ok;
  }

  /**
   * Joins a room that is not direct: as its owner when nobody is in it, else as a
   * member. Answers the role, "banned" (nothing changes), or null when they already
   * were a member. The commit checks the ban and the member counter (see the module doc).
   */
  async join(roomId: string, userId: string, at: number): Promise<Role | "banned" | null> {
    return await retryAtomic("Joining a room", async () => {
      const [member, count, ban] = await this.#kv.getMany<[Membership, Deno.KvU64, unknown]>([
        memberKey(roomId, userId),
        memberCountKey(roomId),
        banKey(roomId, userId),
      ]);
      if (member.value) return { role: null };
      if (ban.value) return { role: "banned" as const };
      const role: Role = Number(count.value?.value ?? 0n) === 0 ? "owner" : "member";
      const op = this.#kv.atomic().check(member).check(count).check(ban);
      this.#addMember(op, roomId, userId, role, at);
      return (await op.commit()).ok ? { role } : null;
    }).then((r) => r.role);
  }

  /**
   * Removes a member; null when they were not one. An owner leaving a room others
   * are still in hands ownership, in the same commit, to the first of the
   * candidates (the longest-standing admins, then members) that `pick` accepts
   * (an active account); the successor's id is answered.
   */
  async removeMember(
    roomId: string,
    userId: string,
    pick: (candidates: string[]) => Promise<string | undefined> = (c) => Promise.resolve(c[0]),
  ): Promise<{ successor?: string } | null> {
    return await retryAtomic("Leaving a room", async () => {
      const [entry, count] = await this.#kv.getMany<[Membership, Deno.KvU64]>([
        memberKey(roomId, userId),
        memberCountKey(roomId),
      ]);
      if (!entry.value) return { left: null };
      const op = this.#kv.atomic().check(entry).check(count);
      deleteMembership(op, roomId, userId);
      let successor: string | undefined;
      if (entry.value.role === "owner") {
        const ordered = await this.successors(roomId, userId);
        if (ordered.length) {
          successor = await pick(ordered.map((e) => e.key[2] as string));
          const chosen = ordered.find((e) => e.key[2] === successor);
          if (chosen) op.check(chosen).set(chosen.key, { ...chosen.value, role: "owner" });
          else successor = undefined;
        }
      }
      if (!(await op.commit()).ok) return null;
      return { left: successor ? { successor } : {} };
    }).then((r) => r.left);
  }

  /** A member's record as stored (for a check), or an empty entry. */
  async memberEntry(roomId: string, userId: string): Promise<Deno.KvEntryMaybe<Membership>> {
    return await this.#kv.get<Membership>(memberKey(roomId, userId));
  }

  /** Two members' new roles in one commit, over their records as read. */
  async swapRoles(
    ...changes: Array<{ entry: Deno.KvEntry<Membership>; role: Role }>
  ): Promise<boolean> {
    const op = this.#kv.atomic();
    for (const { entry, role } of changes) {
      op.check(entry).set(entry.key, { ...entry.value, role });
    }
    return (await op.commit()).ok;
  }

  /**
   * Who would take over from the room's owner `ownerId`, in order: the
   * longest-standing admins, then members. None while someone else owns it too.
   */
  async successors(roomId: string, ownerId: string): Promise<Deno.KvEntry<Membership>[]> {
    const others = (await listAll<Membership>(
      this.#kv,
      ["room_member", roomId],
      SUCCESSORS_SCANNED,
    )).filter((e) => e.key[2] !== ownerId);
    if (others.some((e) => e.value.role === "owner")) return [];
    const rank = (m: Membership) => m.role === "admin" ? 0 : 1;
    return others.sort((a, b) =>
      rank(a.value) - rank(b.value) || a.value.joinedAt - b.value.joinedAt
    );
  }

  /** Deletes my thread read markers of a room (after leaving it; best effort). */
  async dropThreadReads(userId: string, roomId: string): Promise<void> {
    const keys: Deno.KvKey[] = [];
    for await (const e of this.#kv.list({ prefix: ["thread_read", userId, roomId] })) {
      keys.push(e.key);
    }
    for (let i = 0; i < keys.length; i += 500) {
      const op = this.#kv.atomic();
      for (const key of keys.slice(i, i + 500)) op.delete(key);
      await op.commit();
    }
  }

  async members(roomId: string): Promise<Array<{ userId: string } & Membership>> {
    const entries = await listAll<Membership>(this.#kv, ["room_member", roomId], MEMBER_LIST_MAX);
    return entries.map((e) => ({ userId: e.key[2] as string, ...e.value }));
  }

  async memberCounts(roomIds: string[]): Promise<number[]> {
    const keys = roomIds.map((id) => ["room_member_count", id]);
    return (await getMany<Deno.KvU64>(this.#kv, keys)).map((e) => Number(e.value?.value ?? 0n));
  }

  /** The ids of the rooms a user belongs to. */
  async roomIdsOf(userId: string): Promise<string[]> {
    const entries = await listAll<number>(this.#kv, ["member_room", userId], MAX_ROOMS_PER_USER);
    return entries.map((e) => e.key[2] as string);
  }

  async countRoomsOf(userId: string): Promise<number> {
    return (await this.roomIdsOf(userId)).length;
  }

  /** A page of every room, in id order, from a cursor of the previous page. */
  async page(
    limit: number,
    cursor?: string,
  ): Promise<{ rooms: RoomRecord[]; nextCursor?: string }> {
    const iter = this.#kv.list<RoomRecord>({ prefix: ["room"] }, { limit, cursor });
    const rooms: RoomRecord[] = [];
    for await (const e of iter) rooms.push(e.value);
    return { rooms, nextCursor: rooms.length === limit ? iter.cursor : undefined };
  }

  async publicRoomIds(): Promise<string[]> {
    const entries = await listAll<number>(this.#kv, ["public_room"], DIRECTORY_MAX);
    return entries.map((e) => e.key[1] as string);
  }

  /** Invites a user (again: the newest inviter and time win), with my-invitations index. */
  async setInvite(roomId: string, userId: string, by: string, at: number): Promise<void> {
    const invite: Invite = { by, at };
    const result = await this.#kv.atomic()
      .set(["invite", roomId, userId], invite)
      .set(["user_invite", userId, roomId], invite)
      .commit();
    if (!result.ok) throw new Error("Storing an invite failed");
  }

  /** Withdraws an invitation (the invitee declined); false when there was none. */
  async dropInvite(roomId: string, userId: string): Promise<boolean> {
    const key = ["invite", roomId, userId];
    const entry = await this.#kv.get(key);
    if (entry.versionstamp === null) return false;
    const result = await this.#kv.atomic()
      .check(entry)
      .delete(key)
      .delete(["user_invite", userId, roomId])
      .commit();
    return result.ok;
  }

  /** A user's pending invitations, newest first (at most MAX_INVITES_LISTED). */
  async invitesOf(userId: string): Promise<Array<{ roomId: string } & Invite>> {
    const entries = await listAll<Invite>(this.#kv, ["user_invite", userId], MAX_INVITES_READ);
    return entries
      .map((e) => ({ roomId: e.key[2] as string, ...e.value }))
      .sort((a, b) => b.at - a.at)
      .slice(0, MAX_INVITES_LISTED);
  }

  /**
   * Indexes invites stored before ["user_invite"] existed, once per store (marked by
   * ["meta", "invite_index"]); safe to run on several isolates at once.
   */
  async indexInvites(): Promise<number> {
    if ((await this.#kv.get(["meta", "invite_index"])).versionstamp !== null) return 0;
    let indexed = 0;
    for await (const entry of this.#kv.list<Invite>({ prefix: ["invite"] })) {
      const [, roomId, userId] = entry.key as [string, string, string];
      const result = await this.#kv.atomic()
        .check(entry)
        .check({ key: ["user_invite", userId, roomId], versionstamp: null })
        .set(["user_invite", userId, roomId], entry.value)
        .commit();
      if (result.ok) indexed++;
    }
    await this.#kv.set(["meta", "invite_index"], { at: Date.now(), indexed });
    return indexed;
  }

  /**
   * Gives each public room a name of its own, once per store (marked by ["meta",
   * "room_names"]): rooms from before names were unique keep their name when it is
   * the first (oldest room) of its spelling, others become "Name (2)", "Name (3)"…
   * Also hands ownership on in rooms whose owner left before leaving did that.
   * Safe on several isolates at once (every write is checked). Answers the renames.
   */
  async indexNames(): Promise<Array<{ roomId: string; from: string; to: string }>> {
    if ((await this.#kv.get(["meta", "room_names"])).versionstamp !== null) return [];
    const rooms: RoomRecord[] = [];
    for await (const e of this.#kv.list<RoomRecord>({ prefix: ["room"] })) rooms.push(e.value);
    rooms.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const renamed: Array<{ roomId: string; from: string; to: string }> = [];
    for (const room of rooms) {
      if (room.kind !== "direct") await this.#adoptOwner(room.id);
      if (room.kind !== "public") continue;
      const to = await retryAtomic("Indexing a room name", () => this.#indexName(room.id));
      if (to.name && to.name !== room.name) {
        renamed.push({ roomId: room.id, from: room.name, to: to.name });
      }
    }
    await this.#kv.set(["meta", "room_names"], { at: Date.now(), renamed: renamed.length });
    return renamed;
  }

  async #indexName(roomId: string): Promise<{ name?: string } | null> {
    const entry = await this.#kv.get<RoomRecord>(["room", roomId]);
    if (!entry.value) return {};
    const base = entry.value.name;
    for (let n = 1; n < 10_000; n++) {
      const suffix = n === 1 ? "" : ` (${n})`;
      const name = n === 1
        ? base
        : Array.from(base).slice(0, 64 - suffix.length).join("").trimEnd() + suffix;
      const key = roomNameKey(name);
      const taken = await this.#kv.get<string>(key);
      if (taken.value === roomId) return { name };
      if (taken.value) continue;
      const op = this.#kv.atomic().check(entry).check(taken).set(key, roomId);
      if (name !== base) op.set(entry.key, { ...entry.value, name });
      return (await op.commit()).ok ? { name } : null;
    }
    return {};
  }

  /** A room with members and no owner (left before ownership was handed on) gets one. */
  async #adoptOwner(roomId: string): Promise<void> {
    const members = await listAll<Membership>(
      this.#kv,
      ["room_member", roomId],
      SUCCESSORS_SCANNED,
    );
    if (!members.length || members.some((e) => e.value.role === "owner")) return;
    const rank = (m: Membership) => m.role === "admin" ? 0 : 1;
    const [first] = members.sort((a, b) =>
      rank(a.value) - rank(b.value) || a.value.joinedAt - b.value.joinedAt
    );
    await this.#kv.atomic().check(first).set(first.key, { ...first.value, role: "owner" }).commit();
  }

  async isBanned(roomId: string, userId: string): Promise<boolean> {
    return (await this.#kv.get(banKey(roomId, userId))).versionstamp !== null;
  }

  async hasInvite(roomId: string, userId: string): Promise<boolean> {
    return (await this.#kv.get(["invite", roomId, userId])).versionstamp !== null;
  }

  /**
   * The direct room of a pair, created in one commit guarded by the pair key, so two
   * users asking at the same moment (on different isolates) still get one room.
   */
  async directRoom(
    a: string,
    b: string,
    create: () => RoomRecord,
  ): Promise<{ room: RoomRecord; created: boolean }> {
    const pair = pairKey(a, b);
    const key = ["dm", ...pair];
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.#kv.get<string>(key);
      if (existing.value) {
        const room = await this.get(existing.value);
        if (room) return { room, created: false };
      }
      const room = { ...create(), pair };
      const op = this.#kv.atomic()
        .check(existing)
        .set(key, room.id)
        .set(["room", room.id], room)
        .set(roomHeadKey(room.id), { seq: 0, at: room.createdAt } satisfies RoomHead);
      this.#addMember(op, room.id, pair[0], "member", room.createdAt);
      if (pair[1] !== pair[0]) this.#addMember(op, room.id, pair[1], "member", room.createdAt);
      if ((await op.commit()).ok) return { room, created: true };
    }
    throw new Error("Direct room creation kept conflicting");
  }

  /**
   * My read markers: where I said I read up to, or my newest message in the room
   * if that is further (a sender has read what they wrote; see `SenderRow`).
   */
  async readMarkers(userId: string, roomIds: string[]): Promise<number[]> {
    const [marks, rows] = await Promise.all([
      getMany<number>(this.#kv, roomIds.map((id) => ["read", userId, id])),
      getMany<SenderRow>(this.#kv, roomIds.map((id) => senderRowKey(id, userId))),
    ]);
    return marks.map((e, i) => Math.max(e.value ?? 0, rows[i].value?.seq ?? 0));
  }

  /** Moves a read marker forward (never back); answers the marker now in force. */
  async moveReadMarker(userId: string, roomId: string, seq: number): Promise<number> {
    const key = ["read", userId, roomId];
    for (let attempt = 0; attempt < 10; attempt++) {
      const [entry, row] = await getMany<number | SenderRow>(this.#kv, [
        key,
        senderRowKey(roomId, userId),
      ]) as [Deno.KvEntryMaybe<number>, Deno.KvEntryMaybe<SenderRow>];
      const current = Math.max(entry.value ?? 0, row.value?.seq ?? 0);
      if (seq <= current) return current;
      if ((await this.#kv.atomic().check(entry).set(key, seq).commit()).ok) return seq;
    }
    return seq;
  }
}
