/**
 * @module A short-lived per-isolate cache of "user X is a member of room Y, with
 * role R", so a busy sender does not cost a KV read per message. Leaving, being
 * removed or banned, a role change and a room's deletion forget entries here and,
 * through the bus, on every other isolate; the TTL bounds any staleness. What
 * grants administration (renaming, removing, banning, deleting) never trusts it:
 * those commits check the actor's membership record in KV.
 */

import type { Clock } from "../clock.ts";
import type { Role } from "../protocol/types.ts";
import type { RoomStore } from "../store/rooms.ts";

const TTL_MS = 10_000;
const MAX_ENTRIES = 100_000;

interface Known {
  role: Role;
  until: number;
}

export class MembershipCache {
  #rooms: RoomStore;
  #clock: Clock;
  /** roomId → userId → role, until when. */
  #known = new Map<string, Map<string, Known>>();
  #size = 0;

  constructor(rooms: RoomStore, clock: Clock) {
    this.#rooms = rooms;
    this.#clock = clock;
  }

  async isMember(roomId: string, userId: string): Promise<boolean> {
    return (await this.roleOf(roomId, userId)) !== null;
  }

  /** The user's role in the room (null: not a member), from the cache when fresh. */
  async roleOf(roomId: string, userId: string): Promise<Role | null> {
    const known = this.#known.get(roomId)?.get(userId);
    if (known !== undefined && known.until > this.#clock.now()) return known.role;
    const role = (await this.#rooms.membership(roomId, userId))?.role ?? null;
    if (role) this.remember(roomId, userId, role);
    else this.forget(roomId, userId);
    return role;
  }

  remember(roomId: string, userId: string, role: Role = "member"): void {
    if (this.#size >= MAX_ENTRIES) {
      this.#known.clear();
      this.#size = 0;
    }
    let room = this.#known.get(roomId);
    if (!room) this.#known.set(roomId, room = new Map());
    if (!room.has(userId)) this.#size++;
    room.set(userId, { role, until: this.#clock.now() + TTL_MS });
  }

  forget(roomId: string, userId: string): void {
    const room = this.#known.get(roomId);
    if (room?.delete(userId)) {
      this.#size--;
      if (room.size === 0) this.#known.delete(roomId);
    }
  }

  /** Forgets every member of a room (it was deleted). */
  forgetRoom(roomId: string): void {
    const room = this.#known.get(roomId);
    if (!room) return;
    this.#size -= room.size;
    this.#known.delete(roomId);
  }
}
