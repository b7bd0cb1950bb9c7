/**
 * @module A short-lived per-isolate cache of "user X is a member of room Y", so a
 * busy sender does not cost a KV read per message. Leaving forgets the entry here
 * and, through the bus, on every other isolate; the TTL bounds any staleness.
 */

import type { Clock } from "../clock.ts";
import type { RoomStore } from "../store/rooms.ts";

const TTL_MS = 10_000;
const MAX_ENTRIES = 100_000;

export class MembershipCache {
  #rooms: RoomStore;
  #clock: Clock;
  #known = new Map<string, number>();

  constructor(rooms: RoomStore, clock: Clock) {
    this.#rooms = rooms;
    this.#clock = clock;
  }

  async isMember(roomId: string, userId: string): Promise<boolean> {
    const key = `${roomId}:${userId}`;
    const until = this.#known.get(key);
    if (until !== undefined && until > this.#clock.now()) return true;
    const member = (await this.#rooms.membership(roomId, userId)) !== null;
    if (member) this.remember(roomId, userId);
    else this.#known.delete(key);
    return member;
  }

  remember(roomId: string, userId: string): void {
    if (this.#known.size >= MAX_ENTRIES) this.#known.clear();
    this.#known.set(`${roomId}:${userId}`, this.#clock.now() + TTL_MS);
  }

  forget(roomId: string, userId: string): void {
    this.#known.delete(`${roomId}:${userId}`);
  }
}
