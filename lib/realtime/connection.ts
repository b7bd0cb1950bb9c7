/**
 * @module One open WebSocket of a signed-in user: identity from the session (never
 * from frames), what it subscribed to, and a bounded send buffer. A reader too slow
 * to keep up first loses ephemeral frames (typing), then is disconnected, so one
 * stalled client never holds memory or slows the others.
 */

import type { ServerFrame } from "../protocol/frames.ts";
import type { User } from "../protocol/types.ts";
import { newId } from "../store/kv.ts";
import type { FeedTarget } from "./feeds.ts";
import { CLOSE_POLICY } from "../protocol/limits.ts";

/** Past this many unsent bytes, ephemeral frames are dropped. */
const EPHEMERAL_BUFFER_MAX = 256 * 1024;
/** Past this many unsent bytes, the socket is closed as a slow consumer. */
const SEND_BUFFER_MAX = 4 * 1024 * 1024;

export class Connection implements FeedTarget {
  readonly id: string = newId();
  readonly user: User;
  readonly sessionId: string;
  readonly tokenHash: string;
  readonly socket: WebSocket;
  /** Rooms this socket is subscribed to. */
  readonly subscriptions = new Set<string>();
  /** Rooms the user belongs to (routes presence and membership events). */
  readonly rooms = new Set<string>();
  /** Bad frames in a row, and rate-limited sends in the current window. */
  strikes = 0;
  floodStrikes = 0;
  floodWindowAt = 0;
  readonly typingAt = new Map<string, number>();
  #closing = false;

  constructor(socket: WebSocket, auth: { user: User; sessionId: string; tokenHash: string }) {
    this.socket = socket;
    this.user = auth.user;
    this.sessionId = auth.sessionId;
    this.tokenHash = auth.tokenHash;
  }

  isOpen(): boolean {
    return !this.#closing && this.socket.readyState === WebSocket.OPEN;
  }

  sendText(text: string): boolean {
    if (!this.isOpen()) return false;
    if (this.socket.bufferedAmount > SEND_BUFFER_MAX) {
      this.close(CLOSE_POLICY, "Too slow: the connection could not keep up");
      return false;
    }
    try {
      this.socket.send(text);
      return true;
    } catch {
      return false;
    }
  }

  send(frame: ServerFrame): boolean {
    return this.sendText(JSON.stringify(frame));
  }

  /** Frames that may be lost without harm (typing): dropped when the buffer is full. */
  sendEphemeral(frame: ServerFrame): void {
    if (this.socket.bufferedAmount > EPHEMERAL_BUFFER_MAX) return;
    this.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    try {
      this.socket.close(code, reason);
    } catch {
      // already closed
    }
  }
}
