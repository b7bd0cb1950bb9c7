/**
 * @module Room administration (PROTOCOL v2 "People, rooms and the server"): rename
 * and topic, roles, removing and banning members, and deleting a room. The rules:
 *
 * - the owner may do everything: rename, set roles (promote to admin, demote, or
 *   hand ownership to another member), remove and ban anyone but themself, delete
 *   the room;
 * - an admin may rename, set the topic, and remove or ban plain members (not the
 *   owner, not another admin);
 * - a member may do none of it; direct conversations have no administration.
 *
 * Every commit checks the acting member's record as read here (never the
 * membership cache), so a request racing a demotion is decided on the new role.
 * Taking access away tells every isolate through the bus: the removed user's
 * sockets get `removed` and their subscriptions to the room end (hub.ts).
 */

import { BadRequestError, ConflictError, ForbiddenError, NotFoundError } from "../errors.ts";
import type { RemovedReason, Role, RoomBan, User } from "../protocol/types.ts";
import {
  isWellFormedId,
  validateRoomName,
  validateTopic,
  validateUsername,
} from "../protocol/validate.ts";
import type { Clock } from "../clock.ts";
import { errorFields, log } from "../log.ts";
import { retryAtomic } from "../store/kv.ts";
import type { Membership, RoomRecord } from "../store/rooms.ts";
import type { MemberEntry, RoomAdminStore } from "../store/room_admin.ts";
import type { RoomDeletion } from "../store/room_deletion.ts";
import type { UserStore } from "../store/users.ts";
import type { EventSink } from "../realtime/events.ts";
import type { RoomService } from "./rooms.ts";

const ROLES_SET = new Set(["owner", "admin", "member"]);
/** How often pending deletions are looked for (one whose sweeper died is taken over). */
const DELETION_SWEEP_MS = 15_000;

export interface RoomAdminDeps {
  store: RoomAdminStore;
  deletion: RoomDeletion;
  users: UserStore;
  rooms: RoomService;
  events: EventSink;
  clock: Clock;
  /** A deleted room's files were unpublished: reap their bytes soon. */
  onFilesUnpublished?(): void;
}

/** What an acting member read: the room, and their own membership record. */
interface Acting {
  room: Deno.KvEntry<RoomRecord>;
  actor: MemberEntry;
}

export class RoomAdminService {
  #deps: RoomAdminDeps;
  #timer: ReturnType<typeof setInterval> | undefined;
  #stopped = false;

  constructor(deps: RoomAdminDeps) {
    this.#deps = deps;
  }

  /** Finishes pending deletions now (in the background) and every little while. */
  start(): void {
    void this.sweepDeletions();
    this.#timer = setInterval(() => void this.sweepDeletions(), DELETION_SWEEP_MS);
    Deno.unrefTimer(this.#timer);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
  }

  /** Sweeps every pending room deletion this isolate may take (see room_deletion.ts). */
  async sweepDeletions(): Promise<void> {
    try {
      for (const roomId of await this.#deps.deletion.pending()) {
        if (this.#stopped) return;
        if (await this.#deps.deletion.sweep(roomId)) {
          log.info("room_deleted", { room: roomId });
          this.#deps.onFilesUnpublished?.();
        }
      }
    } catch (err) {
      log.warn("room_deletion_failed", errorFields(err));
    }
  }

  /** `PATCH /api/rooms/:id {name?, topic?}`: the owner or an admin. */
  async update(user: User, roomId: unknown, input: { name?: unknown; topic?: unknown }) {
    const name = input.name === undefined ? undefined : validateRoomName(input.name);
    const topic = input.topic === undefined ? undefined : validateTopic(input.topic);
    if (name === undefined && topic === undefined) {
      throw new BadRequestError('Nothing to change: give "name" or "topic"');
    }
    const updated = await retryAtomic("Updating a room", async () => {
      const { room, actor } = await this.#acting(user, roomId, ["owner", "admin"], "change it");
      const next = {
        ...room.value,
        name: name ?? room.value.name,
        topic: topic ?? room.value.topic,
      };
      if (next.name === room.value.name && next.topic === room.value.topic) return next;
      const result = await this.#deps.store.update(room, actor, next);
      if (result.nameTaken) throw new ConflictError(`A public room is already called "${name}"`);
      return result.ok ? next : null;
    });
    const view = await this.#deps.rooms.view(updated, user.id);
    await this.#deps.events.publish({ kind: "room_changed", room: view });
    return view;
  }

  /**
   * `PUT /api/rooms/:id/members/:userId {role}`: the owner only. "owner" (an
   * extension) hands ownership on: the target becomes owner, the owner an admin.
   */
  async setRole(user: User, roomId: unknown, targetId: unknown, roleInput: unknown): Promise<void> {
    if (typeof roleInput !== "string" || !ROLES_SET.has(roleInput)) {
      throw new BadRequestError('Field "role" must be "admin", "member" or "owner"');
    }
    const role = roleInput as Role;
    const changes = await retryAtomic("Changing a role", async () => {
      const { actor, target } = await this.#withTarget(
        user,
        roomId,
        targetId,
        ["owner"],
        "set roles",
      );
      if (target.key[2] === user.id) {
        throw new BadRequestError(
          'You are the owner: to step down, give another member the role "owner"',
        );
      }
      if (target.value.role === role) return [];
      const changes: Array<{ entry: MemberEntry; role: Role }> = [{ entry: target, role }];
      if (role === "owner") changes.push({ entry: actor, role: "admin" });
      return (await this.#deps.store.setRoles(actor, changes)) ? changes : null;
    });
    const ids = changes.map((c) => String(c.entry.key[2]));
    const users = await this.#deps.users.byIds(ids);
    for (const change of changes) {
      const userId = String(change.entry.key[2]);
      await this.#deps.events.publish({
        kind: "role",
        roomId: String(change.entry.key[1]),
        userId,
        username: users.get(userId)?.username ?? "unknown",
        role: change.role,
      });
    }
  }

  /** `DELETE /api/rooms/:id/members/:userId`: the owner, or an admin for plain members. */
  async remove(user: User, roomId: unknown, targetId: unknown): Promise<void> {
    const removed = await retryAtomic("Removing a member", async () => {
      const { room, actor, target } = await this.#withTarget(
        user,
        roomId,
        targetId,
        ["owner", "admin"],
        "remove members",
      );
      const userId = String(target.key[2]);
      this.#mayRemove(user.id, actor.value, userId, target.value, "remove");
      const ok = await this.#deps.store.remove(room.value.id, actor, { userId, entry: target });
      return ok ? { roomId: room.value.id, userId } : null;
    });
    await this.#announceRemoved(removed.roomId, removed.userId, "removed");
  }

  /**
   * `POST /api/rooms/:id/bans {username}`: removed if a member, and kept out until
   * unbanned (joining, by id or with an old invitation, is refused).
   */
  async ban(user: User, roomId: unknown, usernameInput: unknown): Promise<void> {
    const username = validateUsername(usernameInput);
    const target = await this.#deps.users.byName(username);
    if (!target) throw new NotFoundError(`User not found: "${username}"`);
    if (target.id === user.id) throw new BadRequestError("You cannot ban yourself");
    const outcome = await retryAtomic("Banning a member", async () => {
      const { room, actor } = await this.#acting(user, roomId, ["owner", "admin"], "ban members");
      const [entry] = (await this.#deps.store.read(room.value.id, [target.id])).members;
      const member = entry.value ? entry as MemberEntry : null;
      if (member) this.#mayRemove(user.id, actor.value, target.id, member.value, "ban");
      const ban = { by: user.id, at: this.#deps.clock.now() };
      const ok = await this.#deps.store.remove(room.value.id, actor, {
        userId: target.id,
        entry: member,
      }, ban);
      return ok ? { roomId: room.value.id, wasMember: member !== null } : null;
    });
    if (outcome.wasMember) await this.#announceRemoved(outcome.roomId, target.id, "banned");
  }

  /** `DELETE /api/rooms/:id/bans/:userId`: the owner or an admin; no ban is fine too. */
  async unban(user: User, roomId: unknown, targetId: unknown): Promise<void> {
    if (!isWellFormedId(targetId)) throw new NotFoundError("User not found");
    await retryAtomic("Lifting a ban", async () => {
      const { room, actor } = await this.#acting(user, roomId, ["owner", "admin"], "lift bans");
      if (!(await this.#deps.store.isBanned(room.value.id, targetId))) return true;
      return (await this.#deps.store.unban(room.value.id, actor, targetId)) || null;
    });
  }

  /** Extension `GET /api/rooms/:id/bans`: the owner or an admin. */
  async bans(user: User, roomId: unknown): Promise<RoomBan[]> {
    const { room } = await this.#acting(user, roomId, ["owner", "admin"], "see its bans");
    const bans = await this.#deps.store.bans(room.value.id);
    const users = await this.#deps.users.byIds([...new Set(bans.flatMap((b) => [b.userId, b.by]))]);
    const userOf = (id: string): User => ({ id, username: users.get(id)?.username ?? "unknown" });
    return bans.map((b) => ({ user: userOf(b.userId), by: userOf(b.by), at: b.at }));
  }

  /**
   * `DELETE /api/rooms/:id`: the owner. Unreachable at once (one commit), every
   * member's sockets told; its keys, messages and files go in the background.
   */
  async deleteRoom(user: User, roomId: unknown): Promise<void> {
    const id = await retryAtomic("Deleting a room", async () => {
      const { room, actor } = await this.#acting(user, roomId, ["owner"], "delete it");
      return (await this.#deps.deletion.begin(room, actor, user.id)) ? room.value.id : null;
    });
    await this.#deps.events.publish({ kind: "room_deleted", roomId: id });
    log.info("room_deleting", { room: id, by: user.id });
    void this.#deps.deletion.sweep(id).then((done) => {
      if (done) this.#deps.onFilesUnpublished?.();
    }).catch((err) => log.warn("room_deletion_failed", { room: id, ...errorFields(err) }));
  }

  /** Who may remove (or ban) whom: see the module doc. */
  #mayRemove(actorId: string, actor: Membership, userId: string, target: Membership, what: string) {
    if (userId === actorId) {
      throw new BadRequestError(`You cannot ${what} yourself: leave the room instead`);
    }
    if (target.role === "owner") {
      throw new ForbiddenError(`Nobody can ${what} the room's owner`);
    }
    if (actor.role === "admin" && target.role === "admin") {
      throw new ForbiddenError(`An admin cannot ${what} another admin: only the owner can`);
    }
  }

  /**
   * The room and my membership as stored, or the contract's answer: 404 for no room,
   * 403 for a room I am not in (or not allowed to administer), 403 for direct rooms.
   */
  async #acting(user: User, roomId: unknown, allowed: Role[], what: string): Promise<Acting> {
    if (!isWellFormedId(roomId)) throw new NotFoundError("Room not found");
    const { room, members: [actor] } = await this.#deps.store.read(roomId, [user.id]);
    if (!room.value) throw new NotFoundError("Room not found");
    if (room.value.kind === "direct") {
      throw new ForbiddenError("A direct conversation has no owner or admins");
    }
    if (!actor.value) throw new ForbiddenError("You are not a member of this room");
    if (!allowed.includes(actor.value.role)) {
      const who = allowed.length === 1 ? "the room's owner" : "the room's owner or an admin";
      throw new ForbiddenError(`Only ${who} can ${what}`);
    }
    return { room: room as Deno.KvEntry<RoomRecord>, actor: actor as MemberEntry };
  }

  async #withTarget(
    user: User,
    roomId: unknown,
    targetId: unknown,
    allowed: Role[],
    what: string,
  ): Promise<Acting & { target: MemberEntry }> {
    const acting = await this.#acting(user, roomId, allowed, what);
    if (!isWellFormedId(targetId)) throw new NotFoundError("Member not found");
    const [target] = (await this.#deps.store.read(acting.room.value.id, [targetId])).members;
    if (!target.value) throw new NotFoundError("Member not found: not in this room");
    return { ...acting, target: target as MemberEntry };
  }

  async #announceRemoved(
    roomId: string,
    userId: string,
    reason: Exclude<RemovedReason, "deleted">,
  ) {
    this.#deps.rooms.members.forget(roomId, userId);
    const username = (await this.#deps.users.byId(userId))?.username ?? "unknown";
    await this.#deps.events.publish({ kind: "removed", roomId, userId, username, reason });
    this.#deps.rooms.dropThreadReads(userId, roomId);
  }
}
