/**
 * @module The events isolates tell each other, and the bus that carries them.
 *
 * Messages and their changes are not among them: the messages table, the revision
 * log and each room's head key are their truth, watched directly (see feeds.ts). An
 * `events` hint only lets an isolate deliver without waiting for the watch.
 */

import type { InvitationInfo, Room } from "../protocol/types.ts";
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
  | { kind: "member"; roomId: string; userId: string; username: string; event: "joined" | "left" }
  | { kind: "typing"; roomId: string; userId: string; username: string }
  | { kind: "read"; userId: string; roomId: string; seq: number; fromConn?: string }
  | { kind: "room"; userId: string; room: Room; invitation?: InvitationInfo }
  | { kind: "invitation_declined"; userId: string; roomId: string }
  | { kind: "session_ended"; sessionId: string; userId: string };

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
  subscribe(handler: (event: BusEvent | EventsHint) => void): () => void;
  close(): Promise<void>;
}

/** Where services send events; the server wires it to the bus. */
export interface EventSink {
  publish(event: BusEvent): Promise<void>;
}
