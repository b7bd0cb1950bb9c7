/**
 * @module Rooms as the contract sees them: create, directory, my rooms with unread
 * counts, details with members, join, leave, invite, direct rooms, read markers.
 * Access rules live here and nowhere else.
 */

import { BadRequestError, ForbiddenError, NotFoundError } from "../errors.ts";
import type {
  DirectoryRoom,
  Invitation,
  InviteOutcome,
  Member,
  MyRoom,
  Room,
  User,
} from "../protocol/types.ts";
import {
  isWellFormedId,
  validateRoomName,
  validateTopic,
  validateUsername,
} from "../protocol/validate.ts";
import type { Clock } from "../clock.ts";
import { newId, retryAtomic } from "../store/kv.ts";
import {
  MAX_ROOMS_PER_USER,
  type Membership,
  type RoomHead,
  type RoomRecord,
  type RoomStore,
} from "../store/rooms.ts";
import type { UserStore } from "../store/users.ts";
import type { PresenceService } from "../presence/presence.ts";
import type { EventSink } from "../realtime/events.ts";
import { MembershipCache } from "./_membership_cache.ts";
import type { ThreadStore } from "../store/threads.ts";
import type { MemberDirectory } from "./messages.ts";
import { defaultLevel, settingsOf } from "./notify.ts";
import { errorFields, log } from "../log.ts";
import { avatarUrl } from "../store/avatars.ts";

/** How long a room's members are kept for resolving mentions. */
const DIRECTORY_MS = 2_000;

/** Usernames kept in memory (about 100 bytes each) before the cache starts over. */
const USERNAMES_KEPT = 100_000;

function peerOf(pair: [string, string], readerId: string): string {
  return pair[0] === readerId ? pair[1] : pair[0];
}

export class RoomService {
  #rooms: RoomStore;
  #users: UserStore;
  #presence: PresenceService;
  #events: EventSink;
  #clock: Clock;
  readonly members: MembershipCache;
  #memberLists = new Map<string, Promise<Member[]>>();
  #usernames = new Map<string, string>();
  /** Of the users in #usernames, those deactivated, and the display names they chose. */
  #deactivated = new Set<string>();
  #displayNames = new Map<string, string>();
  /** Of the users in #usernames, the version of their avatar, for those who have one. */
  #avatars = new Map<string, string>();

  #threads: ThreadStore;
  #directories = new Map<string, { at: number; directory: Promise<MemberDirectory> }>();

  constructor(
    stores: { rooms: RoomStore; users: UserStore; threads: ThreadStore },
    deps: { presence: PresenceService; events: EventSink; clock: Clock },
  ) {
    this.#rooms = stores.rooms;
    this.#users = stores.users;
    this.#threads = stores.threads;
    this.#presence = deps.presence;
    this.#events = deps.events;
    this.#clock = deps.clock;
    this.members = new MembershipCache(stores.rooms, deps.clock);
  }

  /** The room, or NotFoundError (also for ids that could never exist). */
  async record(roomId: unknown): Promise<RoomRecord> {
    const room = isWellFormedId(roomId) ? await this.#rooms.get(roomId) : null;
    if (!room) throw new NotFoundError("Room not found");
    return room;
  }

  /** Throws unless the user may read the room (public rooms: anyone). */
  async requireReadable(userId: string, roomId: unknown): Promise<RoomRecord> {
    const room = await this.record(roomId);
    if (room.kind !== "public" && !(await this.members.isMember(room.id, userId))) {
      throw new ForbiddenError("You are not a member of this room");
    }
    return room;
  }

  /** The room's head: newest seq, activity time, revision. */
  headOf(roomId: string): Promise<RoomHead> {
    return this.#rooms.head(roomId);
  }

  /** The user's role in the room, or null when they are not a member (cached briefly). */
  roleOf(roomId: string, userId: string): Promise<Member["role"] | null> {
    return this.members.roleOf(roomId, userId);
  }

  /**
   * Throws unless the room exists and the user is a member of it now, read from KV
   * (subscribing: the membership cache may lag a removal on another isolate).
   */
  async requireMemberNow(userId: string, roomId: unknown): Promise<RoomRecord> {
    // Both at once (one round trip): the membership of a room that is not there is
    // never looked at.
    const [room, membership] = await Promise.all([
      this.record(roomId),
      isWellFormedId(roomId) ? this.#rooms.membership(roomId, userId) : null,
    ]);
    if (!membership) {
      this.members.forget(room.id, userId);
      throw new ForbiddenError(
        room.kind === "public"
          ? "You are not a member of this room: join it first"
          : "You are not a member of this room",
      );
    }
    this.members.remember(room.id, userId, membership.role);
    return room;
  }

  /** Throws unless the user is a member (sending, subscribing, reading markers). */
  async requireMember(userId: string, roomId: unknown): Promise<RoomRecord> {
    if (isWellFormedId(roomId) && await this.members.isMember(roomId, userId)) {
      return { id: roomId } as RoomRecord; // membership implies the room exists
    }
    const room = await this.record(roomId);
    throw new ForbiddenError(
      room.kind === "public"
        ? "You are not a member of this room: join it first"
        : "You are not a member of this room",
    );
  }

  async view(room: RoomRecord, readerId: string, head?: RoomHead): Promise<Room> {
    const { seq, at } = head ?? await this.#rooms.head(room.id);
    const view: Room = {
      id: room.id,
      name: room.name,
      topic: room.topic,
      kind: room.kind,
      createdAt: room.createdAt,
      lastSeq: seq,
      lastActivityAt: Math.max(at, room.createdAt),
    };
    if (room.pair) {
      const peerId = peerOf(room.pair, readerId);
      const username = (await this.#usernamesOf([peerId])).get(peerId);
      if (username) {
        view.peer = {
          id: peerId,
          username,
          displayName: this.#displayNames.get(peerId) ?? username,
          ...this.#avatarOf(peerId),
        };
        view.name = username;
      }
    }
    return view;
  }

  async create(user: User, input: { name?: unknown; topic?: unknown; kind?: unknown }) {
    const name = validateRoomName(input.name);
    const topic = validateTopic(input.topic);
    const kind = input.kind ?? "public";
    if (kind !== "public" && kind !== "private") {
      throw new BadRequestError('Field "kind" must be "public" or "private"');
    }
    await this.#requireRoomSlot(user.id);
    const room: RoomRecord = {
      id: newId(),
      name,
      topic,
      kind,
      createdAt: this.#clock.now(),
      createdBy: user.id,
    };
    await this.#rooms.create(room);
    this.members.remember(room.id, user.id, "owner");
    // My open sockets (any isolate) start routing this room's events.
    await this.#announce(room.id, user, "joined");
    return await this.view(room, user.id, { seq: 0, at: room.createdAt });
  }

  async #requireRoomSlot(userId: string): Promise<void> {
    if (await this.#rooms.countRoomsOf(userId) >= MAX_ROOMS_PER_USER) {
      throw new BadRequestError(`You are in too many rooms: the limit is ${MAX_ROOMS_PER_USER}`);
    }
  }

  /** My rooms, most recent activity first, with unread counts. */
  async mine(userId: string): Promise<MyRoom[]> {
    const ids = await this.#rooms.roomIdsOf(userId);
    const [records, heads, marks, chosen, counts] = await Promise.all([
      this.#rooms.getMany(ids),
      this.#rooms.heads(ids),
      this.#rooms.readMarkers(userId, ids),
      this.#threads.settingsOf(userId, ids),
      this.#rooms.memberCounts(ids),
    ]);
    // One batched read for every direct-room peer; view() then finds them cached.
    await this.#usernamesOf(records.flatMap((r) => r?.pair ? [peerOf(r.pair, userId)] : []));
    const rooms: MyRoom[] = [];
    const counting: Promise<void>[] = [];
    for (let i = 0; i < ids.length; i++) {
      const record = records[i];
      if (!record) continue;
      const view = await this.view(record, userId, heads[i]);
      const readSeq = Math.min(marks[i], view.lastSeq);
      const settings = settingsOf(chosen[i], defaultLevel(record.kind, counts[i]));
      const room: MyRoom = {
        ...view,
        unread: view.lastSeq - readSeq,
        readSeq,
        mentions: 0,
        muted: settings.muted,
        notify: settings.notify,
      };
      rooms.push(room);
      if (room.unread > 0) counting.push(this.#countUnread(userId, room, record.kind));
    }
    await Promise.all(counting);
    return rooms.sort((a, b) => b.lastActivityAt - a.lastActivityAt);
  }

  /**
   * A room's unread and mentions after my read marker: thread replies count only
   * in threads I follow; in a direct room every unread one is a mention; a muted
   * room counts no unread.
   */
  async #countUnread(userId: string, room: MyRoom, kind: RoomRecord["kind"]): Promise<void> {
    const [unfollowed, mentions] = await Promise.all([
      this.#threads.unfollowedAfter(userId, room.id, room.readSeq),
      kind === "direct" ? 0 : this.#threads.mentionsAfter(userId, room.id, room.readSeq),
    ]);
    room.unread = Math.max(0, room.unread - unfollowed);
    room.mentions = kind === "direct" ? room.unread : mentions;
    if (room.muted) room.unread = 0;
  }

  /** Public rooms, most members first. */
  async directory(userId: string): Promise<DirectoryRoom[]> {
    const ids = await this.#rooms.publicRoomIds();
    const [records, heads, counts, mine] = await Promise.all([
      this.#rooms.getMany(ids),
      this.#rooms.heads(ids),
      this.#rooms.memberCounts(ids),
      this.#rooms.roomIdsOf(userId),
    ]);
    const joined = new Set(mine);
    const rooms: DirectoryRoom[] = [];
    for (let i = 0; i < ids.length; i++) {
      const record = records[i];
      if (!record) continue;
      const view = await this.view(record, userId, heads[i]);
      rooms.push({ ...view, memberCount: counts[i], joined: joined.has(record.id) });
    }
    return rooms.sort((a, b) =>
      b.memberCount - a.memberCount || b.lastActivityAt - a.lastActivityAt
    );
  }

  async details(userId: string, roomId: unknown): Promise<{ room: Room; members: Member[] }> {
    const record = await this.requireReadable(userId, roomId);
    return { room: await this.view(record, userId), members: await this.memberList(record.id) };
  }

  /**
   * The room's members with their presence. Concurrent calls for one room share the
   * read in flight (a reconnect storm resubscribes whole rooms at once): the answer
   * is then as fresh as a read begun a moment earlier, as any read racing a join is.
   */
  memberList(roomId: string): Promise<Member[]> {
    let list = this.#memberLists.get(roomId);
    if (!list) {
      list = this.#readMemberList(roomId).finally(() => this.#memberLists.delete(roomId));
      this.#memberLists.set(roomId, list);
    }
    return list;
  }

  async #readMemberList(roomId: string): Promise<Member[]> {
    const members = await this.#rooms.members(roomId);
    const ids = members.map((m) => m.userId);
    const [names, presence] = await Promise.all([
      this.#usernamesOf(ids),
      this.#presence.states(ids),
    ]);
    return members.flatMap((m) => {
      const username = names.get(m.userId);
      if (username === undefined) return [];
      const state = presence.get(m.userId) ?? { online: false, lastSeenAt: null };
      const member: Member = {
        id: m.userId,
        username,
        displayName: this.#displayNames.get(m.userId) ?? username,
        ...this.#avatarOf(m.userId),
        role: m.role,
        ...state,
      };
      if (this.#deactivated.has(m.userId)) member.deactivated = true;
      return [member];
    });
  }

  /**
   * The room's members by name, for resolving mentions: kept for a moment (a busy
   * room's mentions share one read), dropped when its membership changes.
   */
  mentionDirectory(roomId: string): Promise<MemberDirectory> {
    const now = this.#clock.now();
    const cached = this.#directories.get(roomId);
    if (cached && cached.at + DIRECTORY_MS > now) return cached.directory;
    const directory = this.memberList(roomId).then((members): MemberDirectory => {
      const byName = new Map(members.map((m) => [m.username.toLowerCase(), m.id]));
      const roles = new Map(members.map((m) => [m.id, m.role]));
      return {
        byName,
        // Room owners and admins may reach everyone.
        mayMentionAll: (userId) => roles.get(userId) === "owner" || roles.get(userId) === "admin",
        online: async () => {
          const states = await this.#presence.states(members.map((m) => m.id));
          return members.filter((m) => states.get(m.id)?.online).map((m) => m.id);
        },
      };
    });
    if (this.#directories.size > 10_000) this.#directories.clear();
    this.#directories.set(roomId, { at: now, directory });
    directory.catch(() => this.#directories.delete(roomId));
    return directory;
  }

  /** Forgets what is cached of a room's members (someone joined or left, anywhere). */
  forgetMembers(roomId: string): void {
    this.#directories.delete(roomId);
  }

  /**
   * Forgets what is cached of a user (deactivated, profile changed), anywhere; and
   * the member lists that show them (mention directories are rebuilt on next use).
   */
  forgetUser(userId: string): void {
    this.#usernames.delete(userId);
    this.#displayNames.delete(userId);
    this.#avatars.delete(userId);
    this.#deactivated.delete(userId);
  }

  /** `{avatarUrl}` of a user in #usernames who has an avatar, else nothing. */
  #avatarOf(userId: string): { avatarUrl?: string } {
    const version = this.#avatars.get(userId);
    return version ? { avatarUrl: avatarUrl(userId, version) } : {};
  }

  /** A user's display name as cached (their username until they chose one), or undefined. */
  async displayNameOf(userId: string): Promise<string | undefined> {
    const username = (await this.#usernamesOf([userId])).get(userId);
    return username === undefined ? undefined : this.#displayNames.get(userId) ?? username;
  }

  /**
   * Usernames never change: each is read once (a whole user record), then kept, with
   * the display name and whether the account is deactivated, which do change: a
   * change anywhere reaches every isolate through the bus (`user_changed`, then
   * `forgetUser`), so no delivered message costs a read for them.
   */
  async #usernamesOf(ids: string[]): Promise<Map<string, string>> {
    const names = new Map<string, string>();
    const missing: string[] = [];
    for (const id of ids) {
      const name = this.#usernames.get(id);
      if (name === undefined) missing.push(id);
      else names.set(id, name);
    }
    if (missing.length) {
      const users = await this.#users.byIds(missing);
      if (this.#usernames.size + users.size > USERNAMES_KEPT) {
        this.#usernames.clear();
        this.#displayNames.clear();
        this.#avatars.clear();
        this.#deactivated.clear();
      }
      for (const user of users.values()) {
        this.#usernames.set(user.id, user.username);
        if (user.displayName) this.#displayNames.set(user.id, user.displayName);
        if (user.avatar) this.#avatars.set(user.id, user.avatar);
        if (user.deactivatedAt) this.#deactivated.add(user.id);
        names.set(user.id, user.username);
      }
    }
    return names;
  }

  async join(user: User, roomId: unknown): Promise<Room> {
    const room = await this.record(roomId);
    if (room.kind === "direct") {
      throw new ForbiddenError("Direct conversations cannot be joined");
    }
    if (!(await this.#rooms.membership(room.id, user.id))) {
      if (room.kind === "private" && !(await this.#rooms.hasInvite(room.id, user.id))) {
        throw new ForbiddenError("This room is private: you need an invitation");
      }
      await this.#requireRoomSlot(user.id);
      // Banned: refused, with an old invitation too (a ban drops it, and the join's
      // commit checks the ban).
      const role = await this.#rooms.join(room.id, user.id, this.#clock.now());
      if (role === "banned") throw new ForbiddenError("You are banned from this room");
      if (role) {
        this.members.remember(room.id, user.id, role);
        await this.#announce(room.id, user, "joined");
        if (role === "owner") await this.#announceRole(room.id, user.id, "owner");
      }
    }
    return await this.view(room, user.id);
  }

  /**
   * Leaves a room. The owner leaving hands ownership to the longest-standing admin,
   * else member (an active account), in the same commit.
   */
  async leave(user: User, roomId: unknown): Promise<void> {
    const room = await this.record(roomId);
    const left = await this.#rooms.removeMember(
      room.id,
      user.id,
      async (candidates) => await this.#firstActive(candidates) ?? candidates[0],
    );
    if (!left) return;
    this.members.forget(room.id, user.id);
    await this.#announce(room.id, user, "left");
    if (left.successor) await this.#announceRole(room.id, left.successor, "owner");
    this.dropThreadReads(user.id, room.id);
  }

  /**
   * An account was deactivated: in every room it owns, ownership goes to the
   * longest-standing active admin, else member (as when an owner leaves), and the
   * deactivated account stays as a plain member (its messages stay). A room with
   * nobody active left keeps its owner. Answers how many rooms changed hands.
   */
  async handOnOwnership(userId: string): Promise<number> {
    let handed = 0;
    for (const roomId of await this.#rooms.roomIdsOf(userId)) {
      const successor = await retryAtomic("Handing on ownership", async () => {
        const entry = await this.#rooms.memberEntry(roomId, userId);
        if (entry.value?.role !== "owner") return { id: undefined };
        const ordered = await this.#rooms.successors(roomId, userId);
        const id = await this.#firstActive(ordered.map((e) => e.key[2] as string));
        const chosen = ordered.find((e) => e.key[2] === id);
        if (!chosen) return { id: undefined };
        const ok = await this.#rooms.swapRoles(
          { entry: entry as Deno.KvEntry<Membership>, role: "member" },
          { entry: chosen, role: "owner" },
        );
        return ok ? { id: chosen.key[2] as string } : null;
      });
      if (!successor.id) continue;
      handed++;
      await this.#announceRole(roomId, userId, "member");
      await this.#announceRole(roomId, successor.id, "owner");
    }
    return handed;
  }

  /** The first of these users whose account is active. */
  async #firstActive(candidates: string[]): Promise<string | undefined> {
    for (let i = 0; i < candidates.length; i += 100) {
      const slice = candidates.slice(i, i + 100);
      const users = await this.#users.byIds(slice);
      const active = slice.find((id) => users.get(id) && !users.get(id)!.deactivatedAt);
      if (active) return active;
    }
    return undefined;
  }

  /** Deletes a former member's thread read markers of a room, in the background. */
  dropThreadReads(userId: string, roomId: string): void {
    this.#rooms.dropThreadReads(userId, roomId).catch((err) =>
      log.warn("thread_reads_cleanup_failed", { room: roomId, ...errorFields(err) })
    );
  }

  /** Tells every isolate (caches) and the room's sockets (a `role` frame) of a new role. */
  async #announceRole(roomId: string, userId: string, role: Member["role"]): Promise<void> {
    const username = (await this.#usernamesOf([userId])).get(userId) ?? "unknown";
    await this.#events.publish({ kind: "role", roomId, userId, username, role });
  }

  #announce(roomId: string, user: User, event: "joined" | "left"): Promise<void> {
    return this.#events.publish({
      kind: "member",
      roomId,
      userId: user.id,
      username: user.username,
      // Who joined, as they show (an extension): the joiner's own view of themself.
      ...(event === "joined" && user.displayName ? { displayName: user.displayName } : {}),
      ...(event === "joined" && user.avatarUrl ? { avatarUrl: user.avatarUrl } : {}),
      event,
    });
  }

  /**
   * Invites a user to a room I am in. Inviting myself or a member changes nothing
   * and answers so; anyone else gets the invitation (again, if it was pending).
   */
  async invite(user: User, roomId: unknown, username: unknown): Promise<InviteOutcome> {
    const room = await this.record(roomId);
    if (room.kind === "direct") {
      throw new ForbiddenError("Nobody can be invited to a direct conversation");
    }
    if (!(await this.#rooms.membership(room.id, user.id))) {
      throw new ForbiddenError("Only members can invite to this room");
    }
    const invitee = await this.#users.byName(validateUsername(username));
    if (!invitee) throw new NotFoundError(`User not found: "${String(username)}"`);
    const answer = (outcome: InviteOutcome["outcome"]): InviteOutcome => ({
      roomId: room.id,
      user: { id: invitee.id, username: invitee.username },
      outcome,
    });
    if (invitee.id === user.id) return answer("self");
    if (await this.#rooms.membership(room.id, invitee.id)) return answer("already_member");
    if (await this.#rooms.isBanned(room.id, invitee.id)) {
      throw new ForbiddenError(`User is banned from this room: "${invitee.username}"`);
    }
    const invitedAt = this.#clock.now();
    await this.#rooms.setInvite(room.id, invitee.id, user.id, invitedAt);
    await this.#events.publish({
      kind: "room",
      userId: invitee.id,
      room: await this.view(room, invitee.id),
      invitation: { invitedBy: { id: user.id, username: user.username }, invitedAt },
    });
    return answer("invited");
  }

  /** The rooms I am invited to and have not joined, newest invitation first. */
  async invitations(userId: string): Promise<Invitation[]> {
    const invites = await this.#rooms.invitesOf(userId);
    if (!invites.length) return [];
    const ids = invites.map((i) => i.roomId);
    const [records, heads, names, mine] = await Promise.all([
      this.#rooms.getMany(ids),
      this.#rooms.heads(ids),
      this.#usernamesOf(invites.map((i) => i.by)),
      this.#rooms.roomIdsOf(userId),
    ]);
    // An invite racing my own join of a public room can outlive the join.
    const joined = new Set(mine);
    const list: Invitation[] = [];
    for (let i = 0; i < invites.length; i++) {
      const record = records[i];
      const inviter = names.get(invites[i].by);
      if (!record || inviter === undefined || joined.has(record.id)) continue;
      list.push({
        room: await this.view(record, userId, heads[i]),
        invitedBy: { id: invites[i].by, username: inviter },
        invitedAt: invites[i].at,
      });
    }
    return list;
  }

  /**
   * Declines an invitation; declining one that is gone (or never was) is fine too.
   * My other tabs and clients are told, so they stop offering it.
   */
  async decline(user: User, roomId: unknown): Promise<void> {
    const room = await this.record(roomId);
    if (await this.#rooms.dropInvite(room.id, user.id)) {
      await this.#events.publish({ kind: "invitation_declined", userId: user.id, roomId: room.id });
    }
  }

  /** The one direct room of a pair; the other user hears of a new one live. */
  async direct(user: User, username: unknown): Promise<{ room: Room; created: boolean }> {
    const other = await this.#users.byName(validateUsername(username));
    if (!other) throw new NotFoundError(`User not found: "${String(username)}"`);
    if (other.deactivatedAt) {
      throw new ForbiddenError(`This account is deactivated: "${other.username}"`);
    }
    const now = this.#clock.now();
    const { room, created } = await this.#rooms.directRoom(user.id, other.id, () => ({
      id: newId(),
      name: `${user.username} & ${other.username}`,
      topic: "",
      kind: "direct",
      createdAt: now,
      createdBy: user.id,
    }));
    // Someone who left the conversation is back in it when either side opens it.
    let rejoined = false;
    for (const id of new Set([user.id, other.id])) {
      if (await this.#rooms.addMember(room.id, id, "member", now)) rejoined = true;
      this.members.remember(room.id, id);
    }
    if (created || rejoined) {
      await this.#events.publish({
        kind: "room",
        userId: other.id,
        room: await this.view(room, other.id),
      });
    }
    return { room: await this.view(room, user.id), created };
  }

  /** Moves my read marker (clamped to the newest message); my other sockets hear of it. */
  async markRead(userId: string, roomId: unknown, seq: number, fromConn?: string): Promise<number> {
    const room = await this.requireMember(userId, roomId);
    const head = await this.#rooms.head(room.id);
    const marker = await this.#rooms.moveReadMarker(userId, room.id, Math.min(seq, head.seq));
    await this.#events.publish({ kind: "read", userId, roomId: room.id, seq: marker, fromConn });
    return marker;
  }

  roomIdsOf(userId: string): Promise<string[]> {
    return this.#rooms.roomIdsOf(userId);
  }
}
