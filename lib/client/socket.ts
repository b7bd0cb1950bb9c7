/**
 * @module The WebSocket half of the client library: a socket that stays connected.
 *
 * It reconnects with exponential backoff and jitter, re-subscribes every room with
 * `since` set to the last seq it delivered (so nothing is missed or doubled across a
 * reconnect), re-sends unacknowledged messages with their `clientId` (which the
 * server deduplicates), and detects a silently dead connection with pings.
 * Works in Deno (bearer token in a header) and in browsers (session cookie).
 */

import { ChatError } from "../errors.ts";
import { CLOSE_SESSION_ENDED } from "../protocol/limits.ts";
import type {
  ClientFrame,
  ServerFrame,
  ServerFrameOf,
  ServerFrameType,
} from "../protocol/frames.ts";
import { createdRevOf, type Message, type User } from "../protocol/types.ts";
import type { SendOptions } from "./http.ts";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface ChatSocketOptions {
  /** ws:// or wss:// URL of `/api/ws`. */
  url: string;
  /** Bearer token (Deno only; browsers authenticate with the cookie). */
  token?: string;
  headers?: Record<string, string>;
  /** Reconnect after an unexpected close (default true). */
  reconnect?: boolean;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How often to ping when nothing arrives; a ping unanswered for as long reconnects. */
  pingIntervalMs?: number;
  /** Give up on a send that is not acknowledged after this long (default 30 s). */
  sendTimeoutMs?: number;
  /**
   * Ask for batched frames (`?batch=1`, default true): the server may then send
   * several frames as one, which this socket takes apart; listeners see each frame.
   */
  batch?: boolean;
}

/** The error frame a request was answered with. */
export class FrameRequestError extends ChatError {
  readonly retryAfterMs?: number;
  constructor(frame: ServerFrameOf<"error">) {
    super(frame.code, frame.message);
    this.name = "FrameRequestError";
    this.retryAfterMs = frame.retryAfterMs;
  }
}

interface Pending {
  frame: ClientFrame & { ref: string };
  resolve(frame: ServerFrame): void;
  reject(err: Error): void;
  /** Re-sent after a reconnect (sends and subscribes); others fail with the socket. */
  durable: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

type Events =
  & {
    [T in ServerFrameType]: ServerFrameOf<T>;
  }
  & {
    state: ConnectionState;
    /** Every frame as it arrived, before deduplication. */
    frame: ServerFrame;
    /** The server ended the session (4001): log in again. */
    sessionEnded: { code: number; reason: string };
    /** The connection closed (the socket may reconnect after it). */
    close: { code: number; reason: string };
  };

type Handler<T> = (value: T) => void;

interface RoomState {
  lastSeq: number;
  /** The newest room revision delivered (message or update frame); 0 when none yet. */
  lastRev: number;
  /** Set while a (re)subscribe is in flight: messages are still accepted in order. */
  subscribed: boolean;
}

export class ChatSocket {
  #options: Required<Omit<ChatSocketOptions, "token" | "headers">> & ChatSocketOptions;
  #ws?: WebSocket;
  #state: ConnectionState = "connecting";
  #handlers = new Map<string, Set<Handler<unknown>>>();
  #pending = new Map<string, Pending>();
  #rooms = new Map<string, RoomState>();
  #nextRef = 1;
  #attempt = 0;
  #reconnectTimer?: ReturnType<typeof setTimeout>;
  #pingTimer?: ReturnType<typeof setInterval>;
  #lastFrameAt = 0;
  #closedByUs = false;
  #readyWaiters: Array<{ resolve(): void; reject(err: Error): void }> = [];
  user?: User;
  /** Messages dropped because their seq was already delivered (should stay 0). */
  duplicates = 0;

  constructor(options: ChatSocketOptions) {
    this.#options = {
      reconnect: true,
      backoffInitialMs: 250,
      backoffMaxMs: 15_000,
      pingIntervalMs: 20_000,
      sendTimeoutMs: 30_000,
      ...options,
      batch: options.batch ?? true,
    };
    this.#connect();
  }

  get state(): ConnectionState {
    return this.#state;
  }

  /** Resolves once the server said `ready` (now, if it already has). */
  ready(): Promise<void> {
    if (this.#state === "open") return Promise.resolve();
    if (this.#state === "closed") return Promise.reject(new Error("Socket is closed"));
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  on<K extends keyof Events>(type: K, handler: Handler<Events[K]>): () => void {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, set = new Set());
    set.add(handler as Handler<unknown>);
    return () => set.delete(handler as Handler<unknown>);
  }

  /** The newest seq delivered for a room (0 when none). */
  lastSeq(roomId: string): number {
    return this.#rooms.get(roomId)?.lastSeq ?? 0;
  }

  /** The newest room revision delivered for a room (0 when none). */
  lastRev(roomId: string): number {
    return this.#rooms.get(roomId)?.lastRev ?? 0;
  }

  /**
   * Subscribes to a room. With `sinceRev`, the server first replays every event
   * after that revision (messages and updates); with `since` (a seq), the messages
   * after it and what changed since; without either, delivery starts with the next
   * event. Kept across reconnects, which resume from the last revision delivered.
   */
  subscribe(
    roomId: string,
    options: { since?: number; sinceRev?: number } = {},
  ): Promise<ServerFrameOf<"subscribed">> {
    const known = this.#rooms.get(roomId);
    const explicit = options.sinceRev !== undefined || options.since !== undefined;
    const sinceRev = explicit ? options.sinceRev : known?.lastRev || undefined;
    const since = explicit ? options.since : known?.lastSeq;
    this.#rooms.set(roomId, {
      lastSeq: since ?? 0,
      lastRev: sinceRev ?? 0,
      subscribed: false,
    });
    const from = sinceRev !== undefined ? { sinceRev } : since !== undefined ? { since } : {};
    const frame: ClientFrame = { type: "subscribe", roomId, ...from };
    return this.#request(frame, true) as Promise<ServerFrameOf<"subscribed">>;
  }

  /** Where a resubscription starts: the revision when one is known, else the seq. */
  #from(since: number, sinceRev: number): { since: number } | { sinceRev: number } {
    return sinceRev ? { sinceRev } : { since };
  }

  unsubscribe(roomId: string): Promise<ServerFrame> {
    this.#rooms.delete(roomId);
    return this.#request({ type: "unsubscribe", roomId }, false);
  }

  /** Sends a message; resolves with the stored message once the server acknowledged it. */
  async send(
    roomId: string,
    text: string,
    options: SendOptions & { clientId?: string } = {},
  ): Promise<Message> {
    const clientId = options.clientId ?? crypto.randomUUID();
    const frame: ClientFrame = { type: "send", roomId, text, clientId };
    if (options.replyTo) frame.replyTo = options.replyTo;
    if (options.files?.length) frame.files = options.files;
    if (options.threadRoot) frame.threadRoot = options.threadRoot;
    if (options.alsoInRoom) frame.alsoInRoom = true;
    const ack = await this.#request(frame, true);
    return (ack as ServerFrameOf<"ack">).message;
  }

  /** Edits one of my messages; resolves with it as edited. Safe to repeat (full text). */
  async edit(roomId: string, seq: number, text: string): Promise<Message> {
    const ack = await this.#request({ type: "edit", roomId, seq, text }, true);
    return (ack as ServerFrameOf<"ack">).message;
  }

  /** Deletes a message; resolves with the tombstone. Safe to repeat. */
  async delete(roomId: string, seq: number): Promise<Message> {
    const ack = await this.#request({ type: "delete", roomId, seq }, true);
    return (ack as ServerFrameOf<"ack">).message;
  }

  /** Adds (`on`) or removes my reaction; resolves with the message. Idempotent. */
  async react(roomId: string, seq: number, emoji: string, on = true): Promise<Message> {
    const ack = await this.#request({ type: "react", roomId, seq, emoji, on }, true);
    return (ack as ServerFrameOf<"ack">).message;
  }

  typing(roomId: string): void {
    this.#write({ type: "typing", roomId });
  }

  /** Moves my read marker in the room, or in one of its threads (`threadRoot`). */
  read(roomId: string, seq: number, threadRoot?: number): void {
    this.#write(
      threadRoot ? { type: "read", roomId, seq, threadRoot } : { type: "read", roomId, seq },
    );
  }

  ping(): Promise<ServerFrame> {
    return this.#request({ type: "ping" }, false);
  }

  /** Sends a raw frame or text as is (tests use it for malformed input). */
  sendRaw(data: string | ClientFrame): void {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(text);
  }

  /** Closes for good: no reconnect; pending requests fail. */
  close(): void {
    this.#closedByUs = true;
    this.#setState("closed");
    clearTimeout(this.#reconnectTimer);
    clearInterval(this.#pingTimer);
    this.#ws?.close(1000);
    this.#failAll(new Error("Socket closed"), true);
  }

  /**
   * Drops the connection as a network fault would; the socket reconnects. At once:
   * a dead connection's close handshake may never finish, so its events are
   * ignored from here (the browser's `offline`, or pings unanswered).
   */
  drop(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN || this.#closedByUs) return;
    this.#ws = undefined;
    ws.close(4000, "dropped by client");
    this.#onClose(4000, "dropped by client");
  }

  /** Waiting to reconnect: tries now (the browser's `online`: the network is back). */
  retryNow(): void {
    if (this.#state !== "reconnecting" || this.#ws?.readyState === WebSocket.CONNECTING) return;
    clearTimeout(this.#reconnectTimer);
    this.#connect();
  }

  #connect(): void {
    const { token, headers } = this.#options;
    const url = !this.#options.batch
      ? this.#options.url
      : this.#options.url + (this.#options.url.includes("?") ? "&" : "?") + "batch=1";
    const allHeaders = { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    // Deno accepts headers as a second argument; browsers must not be given any.
    const ws = Object.keys(allHeaders).length
      ? new WebSocket(url, { headers: allHeaders } as unknown as string[])
      : new WebSocket(url);
    this.#ws = ws;
    ws.onmessage = (event) => {
      if (ws !== this.#ws) return;
      this.#lastFrameAt = Date.now();
      let frame: ServerFrame;
      try {
        frame = JSON.parse(String(event.data));
      } catch {
        return;
      }
      if (frame.type === "batch") {
        for (const inner of frame.frames) {
          if (ws !== this.#ws) return; // a frame of the batch closed or replaced the socket
          this.#onFrame(inner);
        }
      } else this.#onFrame(frame);
    };
    ws.onclose = (event) => {
      if (ws !== this.#ws) return;
      this.#onClose(event.code, event.reason);
    };
    ws.onerror = () => {};
  }

  #onFrame(frame: ServerFrame): void {
    this.#emit("frame", frame);
    switch (frame.type) {
      case "ready":
        this.user = frame.user;
        this.#attempt = 0;
        this.#setState("open");
        this.#startPings();
        this.#resume();
        for (const waiter of this.#readyWaiters.splice(0)) waiter.resolve();
        break;
      case "message": {
        const room = this.#rooms.get(frame.roomId);
        if (room) {
          const rev = createdRevOf(frame.message);
          if (frame.message.seq <= room.lastSeq || (room.lastRev && rev <= room.lastRev)) {
            this.duplicates++;
            return;
          }
          room.lastSeq = frame.message.seq;
          room.lastRev = rev;
        }
        break;
      }
      case "update": {
        const room = this.#rooms.get(frame.roomId);
        if (room) {
          if (room.lastRev && frame.rev <= room.lastRev) {
            this.duplicates++;
            return;
          }
          room.lastRev = frame.rev;
        }
        break;
      }
      case "removed":
        // No longer in the room (removed, banned, deleted): not resubscribed on reconnect.
        this.#rooms.delete(frame.roomId);
        break;
      case "subscribed": {
        const room = this.#rooms.get(frame.roomId);
        if (room) {
          room.subscribed = true;
          // Without recovery the server skipped ahead: history is fetched over HTTP.
          if (!frame.recovered || room.lastSeq === 0) {
            room.lastSeq = Math.max(room.lastSeq, frame.lastSeq);
          }
          if (!frame.recovered || room.lastRev === 0) {
            room.lastRev = Math.max(room.lastRev, frame.lastRev ?? 0);
          }
        }
        break;
      }
    }
    const ref = (frame as { ref?: string }).ref;
    if (ref !== undefined && this.#pending.has(ref)) {
      const pending = this.#pending.get(ref)!;
      this.#pending.delete(ref);
      clearTimeout(pending.timer);
      if (frame.type === "error") pending.reject(new FrameRequestError(frame));
      else pending.resolve(frame);
    }
    this.#emit(frame.type, frame as never);
  }

  #onClose(code: number, reason: string): void {
    clearInterval(this.#pingTimer);
    this.#emit("close", { code, reason });
    for (const room of this.#rooms.values()) room.subscribed = false;
    if (this.#closedByUs) return;
    if (code === CLOSE_SESSION_ENDED) {
      this.#setState("closed");
      this.#failAll(new ChatError("unauthorized", "Session ended"), true);
      for (const waiter of this.#readyWaiters.splice(0)) {
        waiter.reject(new ChatError("unauthorized", "Session ended"));
      }
      this.#emit("sessionEnded", { code, reason });
      return;
    }
    // Durable requests wait for the reconnect to send them again; without one, they fail.
    this.#failAll(new Error("Connection lost"), !this.#options.reconnect);
    if (!this.#options.reconnect) {
      this.#setState("closed");
      for (const waiter of this.#readyWaiters.splice(0)) {
        waiter.reject(new Error(`Connection closed: ${code}`));
      }
      return;
    }
    this.#setState("reconnecting");
    // Full jitter: spreads a crowd of clients reconnecting after a restart.
    const ceiling = Math.min(
      this.#options.backoffMaxMs,
      this.#options.backoffInitialMs * 2 ** this.#attempt,
    );
    this.#attempt++;
    const delay = Math.random() * ceiling;
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
  }

  /** After `ready`: re-subscribe with `since`, then re-send what was not acknowledged. */
  #resume(): void {
    // First what was in flight when the connection dropped (same refs, same
    // clientIds: the server answers a repeated send with the stored message)…
    const resubscribing = new Set<string>();
    for (const pending of this.#pending.values()) {
      if (pending.frame.type === "subscribe") {
        const room = this.#rooms.get(pending.frame.roomId);
        if (room?.lastRev) pending.frame.sinceRev = room.lastRev;
        else if (room?.lastSeq) pending.frame.since = room.lastSeq;
        resubscribing.add(pending.frame.roomId);
      }
      this.#ws!.send(JSON.stringify(pending.frame));
    }
    // …then every other room, from the last seq delivered.
    for (const [roomId, room] of this.#rooms) {
      if (room.subscribed || resubscribing.has(roomId)) continue;
      const from = this.#from(room.lastSeq, room.lastRev);
      void this.#request({ type: "subscribe", roomId, ...from }, true).catch(() => {});
    }
  }

  #request(frame: ClientFrame, durable: boolean): Promise<ServerFrame> {
    const ref = `r${this.#nextRef++}`;
    const withRef = { ...frame, ref } as ClientFrame & { ref: string };
    return new Promise((resolve, reject) => {
      if (this.#state === "closed") {
        reject(new Error("Socket is closed"));
        return;
      }
      const pending: Pending = { frame: withRef, resolve, reject, durable };
      pending.timer = setTimeout(() => {
        this.#pending.delete(ref);
        reject(new Error(`No answer to "${frame.type}" in time`));
      }, this.#options.sendTimeoutMs);
      this.#pending.set(ref, pending);
      if (this.#state === "open") this.#ws!.send(JSON.stringify(withRef));
    });
  }

  #write(frame: ClientFrame): void {
    if (this.#state === "open" && this.#ws?.readyState === WebSocket.OPEN) {
      this.#ws.send(JSON.stringify(frame));
    }
  }

  #failAll(err: Error, includingDurable: boolean): void {
    for (const [ref, pending] of this.#pending) {
      if (pending.durable && !includingDurable) continue;
      clearTimeout(pending.timer);
      this.#pending.delete(ref);
      pending.reject(err);
    }
  }

  #startPings(): void {
    clearInterval(this.#pingTimer);
    this.#lastFrameAt = Date.now();
    const interval = this.#options.pingIntervalMs;
    this.#pingTimer = setInterval(() => {
      const quiet = Date.now() - this.#lastFrameAt;
      if (quiet > interval * 2) {
        this.drop();
      } else if (quiet >= interval) {
        this.#write({ type: "ping" });
      }
    }, Math.max(50, interval / 2));
  }

  #setState(state: ConnectionState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.#emit("state", state);
  }

  #emit<K extends keyof Events>(type: K, value: Events[K]): void {
    for (const handler of this.#handlers.get(type) ?? []) {
      try {
        handler(value);
      } catch (err) {
        console.error(`ChatSocket "${type}" handler failed:`, err);
      }
    }
  }
}
