/**
 * @module Presence frames to this isolate's sockets, with the changes of big rooms
 * held and sent once per interval, so that a transition does not cost one frame per
 * member of every room the user is in.
 *
 * A transition (a user went online or offline) names the user's rooms. For a room
 * where this isolate holds at most `bigRoom` sockets, the frame goes at once, as in
 * v1. For a bigger one (a 5,000-member room where hundreds of members come and go a
 * minute), the change is held: the room's sockets get every change held for it in
 * one synchronous turn every `flushMs`. A socket opened with `?batch=1` collects one
 * turn's frames into one `batch` frame (see Connection.sendText), so a flush costs
 * one WebSocket frame per socket and interval, however many users changed, and each
 * frame's JSON is built once per change, not once per socket.
 *
 * Held changes are by user, latest state wins: a user who goes offline and comes
 * back within one interval is announced once, as online, with the newest
 * `lastSeenAt` (a repeat of a state a client already shows is harmless; telling
 * "nothing changed" apart per socket would cost what this saves). A socket in several
 * big rooms gets a user's frame once per flush. A socket that also shares a small
 * room with the user got the frame at once and gets the latest state again at the
 * flush. A socket that left the room (or closed) before the flush gets nothing.
 *
 * The timer runs only while something is held, is unref'd (it never keeps the
 * process alive), and {@linkcode PresenceFanout.close} clears it.
 */

import { metrics } from "../metrics.ts";
import { type Connection, utf8Bytes } from "./connection.ts";

/** Above this many local sockets in a room, its presence changes are held. */
export const PRESENCE_BIG_ROOM = 200;
/** How often held presence changes are sent. */
export const PRESENCE_FLUSH_MS = 1_000;

/** One transition, as the bus carries it. */
export interface PresenceChange {
  userId: string;
  username: string;
  online: boolean;
  lastSeenAt: number;
  /** The rooms the user is in: whoever shares one is told. */
  roomIds: string[];
}

export interface PresenceFanoutOptions {
  /** A room with more local sockets than this is big (default PRESENCE_BIG_ROOM). */
  bigRoom?: number;
  /** How long a big room's change is held at most (default PRESENCE_FLUSH_MS). */
  flushMs?: number;
}

/** A user's latest frame, and the big rooms it is held for. */
interface Held {
  userId: string;
  text: string;
  bytes: number;
  roomIds: Set<string>;
}

export class PresenceFanout {
  readonly bigRoom: number;
  readonly flushMs: number;
  /** The sockets of a room on this isolate (the hub's index, read at each use). */
  #sockets: (roomId: string) => ReadonlySet<Connection> | undefined;
  /** userId → latest frame held for big rooms. */
  #held = new Map<string, Held>();
  #timer?: ReturnType<typeof setTimeout>;
  #closed = false;

  constructor(
    sockets: (roomId: string) => ReadonlySet<Connection> | undefined,
    options: PresenceFanoutOptions = {},
  ) {
    this.#sockets = sockets;
    this.bigRoom = options.bigRoom ?? PRESENCE_BIG_ROOM;
    this.flushMs = options.flushMs ?? PRESENCE_FLUSH_MS;
  }

  /** How many users have a change held (for tests and stats). */
  get held(): number {
    return this.#held.size;
  }

  /** Whether a flush is due (the timer runs only while something is held). */
  get scheduled(): boolean {
    return this.#timer !== undefined;
  }

  /** Sends a transition to the sockets of small rooms now; holds it for big ones. */
  route(change: PresenceChange): void {
    metrics.presence.changes++;
    const text = JSON.stringify({
      type: "presence",
      userId: change.userId,
      username: change.username,
      online: change.online,
      lastSeenAt: change.lastSeenAt,
    });
    const bytes = utf8Bytes(text);
    let told: Set<Connection> | undefined;
    let big: string[] | undefined;
    for (const roomId of change.roomIds) {
      const sockets = this.#sockets(roomId);
      if (!sockets?.size) continue;
      if (sockets.size > this.bigRoom) {
        (big ??= []).push(roomId);
        continue;
      }
      told ??= new Set();
      for (const conn of sockets) {
        if (conn.user.id === change.userId || told.has(conn)) continue;
        told.add(conn);
        if (conn.sendText(text, bytes)) metrics.presence.frames++;
      }
    }
    const held = this.#held.get(change.userId);
    if (held) {
      // Latest state wins, for every room it was held for so far too.
      held.text = text;
      held.bytes = bytes;
      for (const roomId of big ?? []) held.roomIds.add(roomId);
    } else if (big && !this.#closed) {
      this.#held.set(change.userId, { userId: change.userId, text, bytes, roomIds: new Set(big) });
    }
    if (this.#held.size > 0 && this.#timer === undefined && !this.#closed) {
      const timer = setTimeout(() => {
        this.#timer = undefined;
        this.flush();
      }, this.flushMs);
      Deno.unrefTimer(timer);
      this.#timer = timer;
    }
  }

  /**
   * Sends every held change now, in one synchronous turn. Room by room, each socket
   * gets the room's changes in the same order, so batching sockets of a room build
   * the same batch text (joined once, see Connection). A socket is skipped for a
   * user it already got from an earlier room of this flush.
   */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#held.size === 0) return;
    const byRoom = new Map<string, Held[]>();
    for (const held of this.#held.values()) {
      for (const roomId of held.roomIds) {
        let list = byRoom.get(roomId);
        if (!list) byRoom.set(roomId, list = []);
        list.push(held);
      }
    }
    this.#held.clear();
    const order = new Map([...byRoom.keys()].map((roomId, i) => [roomId, i]));
    let i = 0;
    for (const [roomId, changes] of byRoom) {
      for (const conn of this.#sockets(roomId) ?? []) {
        for (const held of changes) {
          if (conn.user.id === held.userId) continue;
          if (held.roomIds.size > 1 && toldEarlier(conn, held, order, i)) continue;
          if (conn.sendText(held.text, held.bytes)) metrics.presence.frames++;
        }
      }
      i++;
    }
  }

  /** Drops what is held and stops the timer (the hub is shutting down). */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#held.clear();
  }
}

/** Whether `conn` is in a room flushed before the `i`th that held the same change. */
function toldEarlier(
  conn: Connection,
  held: Held,
  order: Map<string, number>,
  i: number,
): boolean {
  for (const roomId of held.roomIds) {
    if (order.get(roomId)! < i && conn.rooms.has(roomId)) return true;
  }
  return false;
}
