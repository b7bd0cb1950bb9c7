/**
 * @module The events isolates tell each other, and the bus that carries them.
 *
 * Messages and their changes are not among them: the messages table, the revision
 * log and each room's head key are their truth, watched directly (see feeds.ts). An
 * `events` hint only lets an isolate deliver without waiting for the watch.
 */

import type {
  InvitationInfo,
  NotifyReason,
  Role,
  Room,
  RoomSettings,
  User,
} from "../protocol/types.ts";
import type { RoomEvent } from "../store/revisions.ts";

export type BusEvent =
  | {
    kind: "presence";
    userId: string;
    username: string;
    online: boolean;
    lastSeenAt: number;
    /** The rooms the user is in: whoever shares one is told. */
    roomIds: string[];
  }
  | {
    kind: "member";
    roomId: string;
    userId: string;
    username: string;
    displayName?: string;
    avatarUrl?: string;
    event: "joined" | "left";
  }
  | { kind: "typing"; roomId: string; userId: string; username: string }
  | {
    kind: "read";
    userId: string;
    roomId: string;
    seq: number;
    /** A read marker in this thread of the room. */
    threadRoot?: number;
    fromConn?: string;
  }
  /**
   * A new message meant for these users (each gets a `notify` frame on every socket).
   * It names the message rather than carrying it: bus events are kept in KV for a
   * while, and a message deleted meanwhile must leave no copy of its text behind.
   */
  | {
    kind: "notify";
    roomId: string;
    seq: number;
    recipients: Array<{ userId: string; reason: NotifyReason }>;
  }
  /** A reply in a thread these users follow. */
  | {
    kind: "thread_activity";
    roomId: string;
    root: number;
    seq: number;
    userId: string;
    recipients: string[];
  }
  | { kind: "settings"; userId: string; roomId: string; settings: RoomSettings }
  | { kind: "room"; userId: string; room: Room; invitation?: InvitationInfo }
  | { kind: "invitation_declined"; userId: string; roomId: string }
  | { kind: "session_ended"; sessionId: string; userId: string }
  /** A member was removed (or banned) by a room admin: like `member` left, and told so. */
  | {
    kind: "removed";
    roomId: string;
    userId: string;
    username: string;
    reason: "removed" | "banned";
  }
  /** A room was deleted: every socket in it is told and leaves it. */
  | { kind: "room_deleted"; roomId: string }
  /** A room's name or topic changed: its members' sockets get a `room` frame. */
  | { kind: "room_changed"; room: Room }
  /** A member's role changed. */
  | { kind: "role"; roomId: string; userId: string; username: string; role: Role }
  /**
   * A user's record changed (deactivated, profile): caches of it are dropped; with
   * `user`, whoever shares one of `roomIds` with them (and they) get a `user` frame.
   */
  | { kind: "user_changed"; userId: string; user?: User; roomIds?: string[] };

/** A hint that a room has new events (fast path only; never the truth). */
export interface EventsHint {
  kind: "events";
  roomId: string;
  events: RoomEvent[];
}

/**
 * Cross-isolate delivery. `publish` reaches every isolate, this one included, once,
 * in publish order per publisher. `hint` is best effort (fast path only).
 */
export interface Bus {
  publish(event: BusEvent): Promise<void>;
  hint(hint: EventsHint): void;
  /**
   * An event that may be lost without harm: on the fast path only (this isolate and,
   * where BroadcastChannel reaches them, the others), never written to KV. Without a
   * fast path it is published like any event.
   */
  ephemeral(event: BusEvent): void;
  subscribe(handler: (event: BusEvent | EventsHint) => void): () => void;
  close(): Promise<void>;
}

/** Where services send events; the server wires it to the bus. */
export interface EventSink {
  publish(event: BusEvent): Promise<void>;
  /** See Bus.ephemeral. */
  ephemeral?(event: BusEvent): void;
}
