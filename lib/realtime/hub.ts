/**
 * @module This isolate's open sockets and the routing of bus events to them.
 */

import { CLOSE_SESSION_ENDED } from "../protocol/limits.ts";
import type { BusEvent, EventsHint } from "./events.ts";
import { type Connection, utf8Bytes } from "./connection.ts";
import { GroupMap } from "./group_map.ts";
import type { Feeds } from "./feeds.ts";
import { errorFields, log } from "../log.ts";
import type { Message } from "../protocol/types.ts";
import { PresenceFanout, type PresenceFanoutOptions } from "./presence_fanout.ts";

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  let set = map.get(key);
  if (!set) map.set(key, set = new Set());
  set.add(value);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}

export class Hub {
  readonly connections = new Map<string, Connection>();
  #byUser = new GroupMap<string, Connection>();
  #bySession = new GroupMap<string, Connection>();
  /** roomId → sockets of users who belong to the room. */
  #byRoom = new Map<string, Set<Connection>>();
  #feeds: Feeds;
  /**
   * Told when a user left a room anywhere, was removed from it or changed role in it
   * (membership caches forget it).
   */
  #onLeft: (roomId: string, userId: string) => void;
  /** Told when a room was deleted anywhere (caches forget all of it). */
  #onRoomDeleted: (roomId: string) => void;
  /** Told when a user's record changed anywhere (cached names and states go). */
  #onUserChanged: (userId: string) => void;
  /** Told when a room's members or someone's settings of it changed, anywhere. */
  #onSettings: (roomId: string) => void;
  #message: (roomId: string, seq: number) => Promise<Message | undefined>;
  #recent: (roomId: string, seq: number) => Message | undefined;
  /** A socket whose unsent data does not move for this long is dropped (0: never). */
  #stallMs: number;
  #pulseTimer?: ReturnType<typeof setInterval>;
  /** Presence frames: at once to small rooms, once per interval to big ones. */
  #presence: PresenceFanout;

  constructor(
    feeds: Feeds,
    onLeft: (roomId: string, userId: string) => void,
    options: {
      stallMs?: number;
      onRoomChanged?: (roomId: string) => void;
      /** Reads a message as served (for `notify` frames). */
      message?: (roomId: string, seq: number) => Promise<Message | undefined>;
      /** A message this isolate holds in memory, if it does. */
      recent?: (roomId: string, seq: number) => Message | undefined;
      onRoomDeleted?: (roomId: string) => void;
      onUserChanged?: (userId: string) => void;
      /** When a room's presence counts as big, and how often big rooms get it. */
      presenceFanout?: PresenceFanoutOptions;
    } = {},
  ) {
    this.#onRoomDeleted = options.onRoomDeleted ?? (() => {});
    this.#onUserChanged = options.onUserChanged ?? (() => {});
    this.#message = options.message ?? (() => Promise.resolve(undefined));
    this.#recent = options.recent ?? (() => undefined);
    this.#feeds = feeds;
    this.#onLeft = onLeft;
    this.#onSettings = options.onRoomChanged ?? (() => {});
    this.#stallMs = options.stallMs ?? 20_000;
    this.#presence = new PresenceFanout(
      (roomId) => this.#byRoom.get(roomId),
      options.presenceFanout,
    );
  }

  add(conn: Connection, roomIds: string[]): void {
    this.connections.set(conn.id, conn);
    // Liveness checks run while this isolate holds sockets (see Connection.checkPulse).
    this.#pulseTimer ??= setInterval(
      () => this.#checkPulses(),
      Math.max(250, Math.min(5_000, this.#stallMs / 4 || 5_000)),
    );
    this.#byUser.add(conn.user.id, conn);
    this.#bySession.add(conn.sessionId, conn);
    for (const roomId of roomIds) this.#join(conn, roomId);
  }

  remove(conn: Connection): void {
    this.connections.delete(conn.id);
    this.#byUser.delete(conn.user.id, conn);
    this.#bySession.delete(conn.sessionId, conn);
    for (const roomId of conn.rooms) removeFrom(this.#byRoom, roomId, conn);
    for (const roomId of conn.subscriptions) this.#feeds.unsubscribe(conn.id, roomId);
    conn.subscriptions.clear();
  }

  #checkPulses(): void {
    const now = Date.now();
    for (const conn of [...this.connections.values()]) {
      const verdict = conn.checkPulse(now, this.#stallMs);
      if (verdict) log.info("socket_dropped", { user: conn.user.id, conn: conn.id, verdict });
    }
    if (this.connections.size === 0) {
      clearInterval(this.#pulseTimer);
      this.#pulseTimer = undefined;
    }
  }

  socketsOf(userId: string): number {
    return this.#byUser.count(userId);
  }

  /** A socket proved its user belongs to a room (it subscribed): route the room's events to it. */
  noteMember(conn: Connection, roomId: string): void {
    this.#join(conn, roomId);
  }

  #join(conn: Connection, roomId: string): void {
    conn.rooms.add(roomId);
    addTo(this.#byRoom, roomId, conn);
  }

  #leave(conn: Connection, roomId: string): void {
    conn.rooms.delete(roomId);
    removeFrom(this.#byRoom, roomId, conn);
    if (conn.subscriptions.delete(roomId)) this.#feeds.unsubscribe(conn.id, roomId);
  }

  /** Routes one bus event to the sockets it concerns. */
  route(event: BusEvent | EventsHint): void {
    switch (event.kind) {
      case "events":
        this.#feeds.committed(event.roomId, event.events);
        return;
      case "presence":
        // Not one frame per member of each room per transition: see presence_fanout.ts.
        this.#presence.route(event);
        return;
      case "member":
      case "removed": {
        const { roomId, userId, username } = event;
        const joined = event.kind === "member" && event.event === "joined";
        this.#onSettings(roomId);
        if (joined) {
          for (const conn of this.#byUser.get(userId)) this.#join(conn, roomId);
        }
        const frame = {
          type: "member" as const,
          roomId,
          userId,
          username,
          ...(joined && event.kind === "member" && event.displayName
            ? { displayName: event.displayName }
            : {}),
          ...(joined && event.kind === "member" && event.avatarUrl
            ? { avatarUrl: event.avatarUrl }
            : {}),
          event: joined ? "joined" as const : "left" as const,
        };
        const audience = new Set([
          ...(this.#byRoom.get(roomId) ?? []),
          ...(this.#byUser.get(userId)),
        ]);
        for (const conn of audience) conn.send(frame);
        if (!joined) {
          this.#onLeft(roomId, userId);
          // Removed: every socket of theirs is told, and stops receiving the room now.
          for (const conn of this.#byUser.get(userId)) {
            if (event.kind === "removed") {
              conn.send({ type: "removed", roomId, reason: event.reason });
            }
            this.#leave(conn, roomId);
          }
        }
        return;
      }
      case "room_deleted": {
        const { roomId } = event;
        this.#onSettings(roomId);
        this.#onRoomDeleted(roomId);
        const audience = new Set(this.#byRoom.get(roomId) ?? []);
        for (const conn of this.connections.values()) {
          if (conn.subscriptions.has(roomId)) audience.add(conn);
        }
        for (const conn of audience) {
          conn.send({ type: "removed", roomId, reason: "deleted" });
          this.#leave(conn, roomId);
        }
        return;
      }
      case "room_changed": {
        const text = JSON.stringify({ type: "room", room: event.room });
        for (const conn of this.#byRoom.get(event.room.id) ?? []) conn.sendText(text);
        return;
      }
      case "role": {
        const { roomId, userId, username, role } = event;
        this.#onSettings(roomId);
        this.#onLeft(roomId, userId);
        const text = JSON.stringify({ type: "role", roomId, userId, username, role });
        for (const conn of this.#byRoom.get(roomId) ?? []) conn.sendText(text);
        return;
      }
      case "user_changed": {
        this.#onUserChanged(event.userId);
        if (!event.user) return;
        const audience = new Set(this.#byUser.get(event.userId));
        for (const roomId of event.roomIds ?? []) {
          for (const conn of this.#byRoom.get(roomId) ?? []) audience.add(conn);
        }
        const text = JSON.stringify({ type: "user", user: event.user });
        for (const conn of audience) conn.sendText(text);
        return;
      }
      case "typing":
        for (const conn of this.#byRoom.get(event.roomId) ?? []) {
          if (conn.user.id === event.userId || !conn.subscriptions.has(event.roomId)) continue;
          conn.sendEphemeral({
            type: "typing",
            roomId: event.roomId,
            userId: event.userId,
            username: event.username,
          });
        }
        return;
      case "read": {
        const frame = event.threadRoot
          ? {
            type: "read" as const,
            roomId: event.roomId,
            seq: event.seq,
            threadRoot: event.threadRoot,
          }
          : { type: "read" as const, roomId: event.roomId, seq: event.seq };
        for (const conn of this.#byUser.get(event.userId)) {
          if (conn.id === event.fromConn) continue;
          conn.send(frame);
        }
        return;
      }
      case "notify":
        void this.#notify(event);
        return;
      case "thread_activity": {
        const frame = {
          type: "thread_activity" as const,
          roomId: event.roomId,
          root: event.root,
          seq: event.seq,
          userId: event.userId,
        };
        for (const userId of event.recipients) {
          for (const conn of this.#byUser.get(userId)) conn.send(frame);
        }
        return;
      }
      case "settings":
        this.#onSettings(event.roomId);
        for (const conn of this.#byUser.get(event.userId)) {
          conn.send({ type: "settings", roomId: event.roomId, settings: event.settings });
        }
        return;
      case "room":
        for (const conn of this.#byUser.get(event.userId)) {
          if (event.room.kind === "direct") this.#join(conn, event.room.id);
          conn.send(
            event.invitation
              ? { type: "room", room: event.room, invitation: event.invitation }
              : { type: "room", room: event.room },
          );
        }
        return;
      case "invitation_declined":
        for (const conn of this.#byUser.get(event.userId)) {
          conn.send({ type: "invitation_declined", roomId: event.roomId });
        }
        return;
      case "session_ended":
        for (const conn of this.#bySession.get(event.sessionId)) {
          conn.close(CLOSE_SESSION_ENDED, "Session ended");
        }
        return;
      default: {
        // A new kind of event must be routed here, not dropped without a word. One
        // from a newer isolate (a rolling deploy) is logged and skipped.
        const unknown: never = event;
        log.warn("bus_event_unknown", { kind: String((unknown as { kind?: unknown }).kind) });
      }
    }
  }

  /** `notify` frames to this isolate's sockets of the recipients, with the message as it is now. */
  async #notify(event: Extract<BusEvent, { kind: "notify" }>): Promise<void> {
    const here = event.recipients.filter((r) => this.#byUser.has(r.userId));
    if (!here.length) return;
    // A message this isolate just stored goes out at once (in the batch of the
    // message itself); another isolate's is read.
    let message = this.#recent(event.roomId, event.seq);
    if (!message) {
      try {
        message = await this.#message(event.roomId, event.seq);
      } catch (err) {
        log.warn("notify_read_failed", { room: event.roomId, ...errorFields(err) });
        return;
      }
    }
    if (!message || message.deleted) return;
    // One serialization (and one count of its bytes) per reason, however many
    // sockets get it: in a small room every message notifies every other member.
    const texts = new Map<string, { text: string; bytes: number }>();
    for (const { userId, reason } of here) {
      let frame = texts.get(reason);
      if (frame === undefined) {
        const text = JSON.stringify({ type: "notify", roomId: event.roomId, message, reason });
        frame = { text, bytes: utf8Bytes(text) };
        texts.set(reason, frame);
      }
      for (const conn of this.#byUser.get(userId)) conn.sendText(frame.text, frame.bytes);
    }
  }

  /** Closes every socket with `code` (shutdown: 1012). */
  closeAll(code: number, reason: string): void {
    this.#presence.close();
    for (const conn of this.connections.values()) conn.close(code, reason);
  }
}
