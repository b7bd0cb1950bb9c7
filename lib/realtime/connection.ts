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
import { metrics } from "../metrics.ts";

/** Past this many unsent bytes, ephemeral frames are dropped. */
const EPHEMERAL_BUFFER_MAX = 256 * 1024;
/** Past this many unsent bytes, the socket is closed as a slow consumer. */
const SEND_BUFFER_MAX = 4 * 1024 * 1024;
/** How many bytes may be handed to the socket between two looks at its unsent bytes. */
const CHECK_EVERY = 64 * 1024;
/**
 * How long a close may take before the connection is torn down without its close
 * event. Deno writes the close frame behind the unsent data, so for a peer that
 * stopped reading, `close()` never completes and `onclose` never fires.
 */
const CLOSE_GRACE_MS = 5_000;

/** A batch is sent early once it holds this many bytes (or BATCH_MAX_FRAMES frames). */
const BATCH_MAX_BYTES = 256 * 1024;
const BATCH_MAX_FRAMES = 500;

/**
 * The batch text last built. The sockets of one room get the same frames in the same
 * turn (a commit's messages), so the next socket's batch is usually the same text:
 * it is joined once, not once per socket.
 */
let lastBatch: { parts: string[]; text: string } | undefined;

function batchText(parts: string[]): string {
  const last = lastBatch;
  if (last && last.parts.length === parts.length && last.parts.every((p, i) => p === parts[i])) {
    return last.text;
  }
  const text = `{"type":"batch","frames":[${parts.join(",")}]}`;
  lastBatch = { parts, text };
  return text;
}

/** Why {@linkcode Connection.checkPulse} gave up on a socket. */
export type PulseVerdict = "stalled" | "close_timeout";

/** Anything but printable ASCII (and tabs and newlines): then count byte by byte. */
const NOT_PLAIN = /[^\t\n\r\x20-\x7e]/;

/** UTF-8 size of a string, as Deno counts it in `bufferedAmount`. */
export function utf8Bytes(text: string): number {
  if (!NOT_PLAIN.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else bytes += 2; // 3 bytes (a lone surrogate becomes U+FFFD, 3 bytes too)
  }
  return bytes;
}

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
  /** When this socket last announced typing, per room (made at its first `typing`). */
  typingAt?: Map<string, number>;
  #closing = false;
  /** Bytes handed to the socket so far; minus `bufferedAmount`, what left it. */
  #queuedBytes = 0;
  #drainedBytes = 0;
  /** `#queuedBytes` when `bufferedAmount` was last looked at (see sendText). */
  #checkedAt = -Infinity;
  #progressAt: number;
  #closingSince?: number;
  #gone = false;
  /** Set by the socket handler: releases the connection (hub, presence) once. */
  onGone?: () => void;
  /** PROTOCOL v2 "Batched frames": the client opened `/api/ws?batch=1`. */
  readonly batching: boolean;
  /** Frames handed over in this turn, sent together at its end (batching only). */
  #pending: string[] = [];
  #pendingBytes = 0;

  constructor(
    socket: WebSocket,
    auth: { user: User; sessionId: string; tokenHash: string },
    options: { batch?: boolean } = {},
  ) {
    this.socket = socket;
    this.batching = options.batch ?? false;
    this.user = auth.user;
    this.sessionId = auth.sessionId;
    this.tokenHash = auth.tokenHash;
    this.#progressAt = Date.now();
  }

  isOpen(): boolean {
    return !this.#closing && this.socket.readyState === WebSocket.OPEN;
  }

  /**
   * `bytes`, when the caller knows it (fan-out computes it once per message), saves a
   * count. A batching socket collects the frames of the current turn (a commit's
   * messages, a replay page) and sends them as one `batch` frame once the turn's
   * synchronous work is done: one send instead of one per frame, the order kept.
   */
  sendText(text: string, bytes?: number): boolean {
    if (!this.isOpen()) return false;
    metrics.frames.queued++;
    if (this.batching) {
      if (this.#pending.length === 0) queueMicrotask(() => this.flush());
      this.#pending.push(text);
      this.#pendingBytes += bytes ?? utf8Bytes(text);
      if (this.#pendingBytes >= BATCH_MAX_BYTES || this.#pending.length >= BATCH_MAX_FRAMES) {
        this.flush();
      }
      return true;
    }
    return this.#write(text, bytes);
  }

  /** Sends what a batching socket collected: one frame as it is, several as a batch. */
  flush(): void {
    const parts = this.#pending;
    if (parts.length === 0) return;
    const bytes = this.#pendingBytes;
    this.#pending = [];
    this.#pendingBytes = 0;
    if (parts.length === 1) this.#write(parts[0], bytes);
    else this.#write(batchText(parts), bytes + 30 + parts.length);
  }

  #write(text: string, bytes?: number): boolean {
    if (!this.isOpen()) return false;
    // Asking the socket for its unsent bytes is a call into the runtime: do it once
    // per CHECK_EVERY bytes handed over rather than for every frame.
    if (this.#queuedBytes - this.#checkedAt >= CHECK_EVERY) {
      this.#checkedAt = this.#queuedBytes;
      if (this.socket.bufferedAmount > SEND_BUFFER_MAX) {
        this.close(CLOSE_POLICY, "Too slow: the connection could not keep up");
        return false;
      }
    }
    try {
      this.socket.send(text);
      metrics.frames.written++;
      this.#queuedBytes += bytes ?? utf8Bytes(text);
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
    this.flush(); // what was handed over before the close goes before it
    this.#closing = true;
    this.#closingSince = Date.now();
    try {
      this.socket.close(code, reason);
    } catch {
      // already closed
    }
  }

  /**
   * Liveness check, run every few seconds by the hub. Deno's `idleTimeout` pings a
   * silent peer and closes it, but both the ping and the close frame queue behind
   * unsent data: a peer that stopped reading while its room is busy is never closed
   * that way, and a close that cannot be written never fires `onclose`. So:
   * - open, with unsent data, and not one byte drained for `stallMs`: closed as too
   *   slow, and given up on at once;
   * - closing (by us or by Deno's idle timeout) for longer than CLOSE_GRACE_MS
   *   without a close event: given up on.
   * Giving up runs `onGone` (the user's presence and the hub forget this socket);
   * what Deno still holds for the peer (the unsent data, at most about
   * SEND_BUFFER_MAX, and the TCP connection) goes when the peer reads or goes away.
   */
  checkPulse(now: number, stallMs: number): PulseVerdict | undefined {
    if (this.#gone) return undefined;
    if (this.#closing || this.socket.readyState !== WebSocket.OPEN) {
      this.#closingSince ??= now;
      if (now - this.#closingSince < CLOSE_GRACE_MS) return undefined;
      this.gone();
      return "close_timeout";
    }
    const buffered = this.socket.bufferedAmount;
    const drained = this.#queuedBytes - buffered;
    if (buffered === 0 || drained > this.#drainedBytes) {
      this.#drainedBytes = drained;
      this.#progressAt = now;
      return undefined;
    }
    if (stallMs <= 0 || now - this.#progressAt < stallMs) return undefined;
    this.close(CLOSE_POLICY, "Too slow: the connection could not keep up");
    this.gone();
    return "stalled";
  }

  /** Releases the connection once, whether its close event came or not. */
  gone(): void {
    if (this.#gone) return;
    this.#gone = true;
    this.onGone?.();
  }
}
