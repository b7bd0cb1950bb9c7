/**
 * @module A lean bench client for our servers (and the ceiling): what the fan-out
 * scenario needs of a socket and nothing more, so the load generator is not the
 * bottleneck it becomes with 200 `ChatSocket`s at 200,000+ deliveries/s.
 *
 * It speaks the same frames as `ChatSocket` (bearer auth, `?batch=1`, `subscribe` →
 * `subscribed`, `send` with a `clientId` → `ack` by `ref`) but has no reconnect, no
 * pings, no per-request timers, no event emitter and no per-room timeline: one
 * `JSON.parse` per WebSocket frame at most (frames of only messages are scanned
 * instead, see `#scan`), then each `message` is handed to the ledger as (roomId,
 * text) and its room revision (or seq) compared with the last one on this socket.
 * The ledger still counts loss and duplicates from the text; a revision that does
 * not grow (and is not a duplicate the ledger counts) is counted as `disorder`.
 * Scenarios that drop connections (reconnect) or edit messages (changes) keep the
 * client library; the big room replaces a churned socket with a new lean one that
 * subscribes with `since` (scenarios/big_room.ts).
 *
 * Presence frames are counted (into a shared {@linkcode PresenceTally}): each one,
 * and each WebSocket frame that carried at least one. A `subscribed` frame's member
 * list (5,000 entries in the big room) is not parsed: only the fields before it
 * (and a `ref` after it).
 */

import type { ServerFrame } from "../../lib/protocol/frames.ts";
import { createdRevOf } from "../../lib/protocol/types.ts";
import type { BenchClient } from "./clients.ts";

const TYPE = '"type":"';
const BATCH = '{"type":"batch"';
const MESSAGE = '{"type":"message","roomId":"';
const SEQ = '"seq":';
const TEXT = '"text":"';
const SUBSCRIBED = '{"type":"subscribed"';
const PRESENCE = '{"type":"presence"';
const MEMBERS = ',"members":';
const REF = '"ref":';

/** Presence frames received by a set of sockets (shared, so replaced sockets count). */
export interface PresenceTally {
  /** `presence` frames, a batch's each. */
  frames: number;
  /** WebSocket frames that carried at least one `presence` frame. */
  carriers: number;
}

export interface LeanClientOptions {
  tally?: PresenceTally;
  /** Told every presence frame (the big room's observer). */
  onPresence?: (userId: string, online: boolean) => void;
  /** Told when the connection closed, unless by `close()`. */
  onClose?: (code: number) => void;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

export class LeanChatClient implements BenchClient {
  onMessage: (roomId: string, text: string) => void = () => {};
  /** Messages whose room revision did not grow on this socket (repeats included). */
  libraryDuplicates = 0;
  #ws: WebSocket;
  #ready: Promise<void>;
  #pending = new Map<string, Waiter>();
  /** The newest room revision delivered per subscribed room. */
  #lastRev = new Map<string, number>();
  /** The same by seq, for the scanning fast path (which reads no revision). */
  #lastSeq = new Map<string, number>();
  #nextRef = 1;
  #closed = false;
  #tally?: PresenceTally;
  #onPresence?: (userId: string, online: boolean) => void;
  /** Presence frames in the WebSocket frame being read. */
  #presenceNow = 0;

  constructor(url: string, token: string, options: LeanClientOptions = {}) {
    this.#tally = options.tally;
    this.#onPresence = options.onPresence;
    const onClose = options.onClose;
    const wsUrl = url.replace(/^http/, "ws") + "/api/ws?batch=1";
    const headers = { authorization: `Bearer ${token}` };
    this.#ws = new WebSocket(wsUrl, { headers } as never);
    this.#ready = new Promise((resolve, reject) => {
      this.#pending.set("ready", { resolve, reject });
    });
    this.#ready.catch(() => {});
    this.#ws.onmessage = (event) => {
      const data = event.data as string;
      if (data.startsWith(SUBSCRIBED)) {
        const members = data.indexOf(MEMBERS);
        if (members !== -1) {
          const head = JSON.parse(data.slice(0, members) + "}");
          // Our server puts the ref before the list; the ceiling puts it last.
          const refAt = data.lastIndexOf(REF);
          if (head.ref === undefined && refAt > members) {
            head.ref = JSON.parse("{" + data.slice(refAt)).ref;
          }
          return this.#onFrame(head as ServerFrame);
        }
      }
      if (this.#scan(data)) return;
      const frame = JSON.parse(data) as ServerFrame;
      this.#presenceNow = 0;
      if (frame.type === "batch") {
        const frames = frame.frames;
        for (let i = 0; i < frames.length; i++) this.#onFrame(frames[i]);
      } else this.#onFrame(frame);
      if (this.#presenceNow && this.#tally) this.#tally.carriers++;
    };
    this.#ws.onclose = (event) => {
      const closedHere = this.#closed;
      this.#fail(new Error(`Connection closed: ${event.code}`));
      if (!closedHere) onClose?.(event.code);
    };
    this.#ws.onerror = () => {};
  }

  /**
   * The fast path, most of the generator's time saved: a frame (or batch) of
   * nothing but `message` frames as our server writes them is read by scanning
   * for roomId, seq and text, without `JSON.parse`. Bench texts hold no quotes or
   * escapes. Anything else (acks, other frames, another layout) answers false and
   * is parsed in full; a misread would show as lost deliveries in the ledger.
   * `presence` frames among them are only counted (the big room sends tens of
   * thousands a second), unless this socket is told each one (`onPresence`).
   */
  #scan(data: string): boolean {
    let frames = 0;
    for (let at = data.indexOf(TYPE); at !== -1; at = data.indexOf(TYPE, at + TYPE.length)) {
      frames++;
    }
    const batched = data.startsWith(BATCH);
    let presence = 0;
    for (let at = data.indexOf(PRESENCE); at !== -1; at = data.indexOf(PRESENCE, at + 1)) {
      presence++;
    }
    if (presence && this.#onPresence) return false;
    let at = data.indexOf(MESSAGE);
    const found: Array<[string, number, string]> = [];
    while (at !== -1) {
      const roomStart = at + MESSAGE.length;
      const roomEnd = data.indexOf('"', roomStart);
      const next = data.indexOf(MESSAGE, roomEnd);
      const end = next === -1 ? data.length : next;
      const seqAt = data.indexOf(SEQ, roomEnd);
      const textAt = data.indexOf(TEXT, roomEnd);
      if (seqAt === -1 || seqAt > end || textAt === -1 || textAt > end) return false;
      const textEnd = data.indexOf('"', textAt + TEXT.length);
      const seq = parseInt(data.slice(seqAt + SEQ.length, seqAt + SEQ.length + 12), 10);
      found.push([data.slice(roomStart, roomEnd), seq, data.slice(textAt + TEXT.length, textEnd)]);
      at = next;
    }
    if (!found.length && !presence) return false;
    if (found.length + presence + (batched ? 1 : 0) !== frames) return false;
    if (presence && this.#tally) {
      this.#tally.frames += presence;
      this.#tally.carriers++;
    }
    for (const [roomId, seq, text] of found) {
      const last = this.#lastSeq.get(roomId);
      if (last !== undefined) {
        if (seq <= last) this.libraryDuplicates++;
        else this.#lastSeq.set(roomId, seq);
      }
      this.onMessage(roomId, text);
    }
    return true;
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case "message": {
        const last = this.#lastRev.get(frame.roomId);
        if (last !== undefined) {
          const rev = createdRevOf(frame.message);
          if (rev <= last) this.libraryDuplicates++;
          else this.#lastRev.set(frame.roomId, rev);
          this.#lastSeq.set(frame.roomId, frame.message.seq);
        }
        this.onMessage(frame.roomId, frame.message.text);
        return;
      }
      case "ack":
        return this.#answer(frame.ref);
      case "subscribed":
        this.#lastRev.set(frame.roomId, frame.lastRev ?? frame.lastSeq);
        this.#lastSeq.set(frame.roomId, frame.lastSeq);
        return this.#answer(frame.ref);
      case "ready":
        return this.#answer("ready");
      case "presence":
        this.#presenceNow++;
        if (this.#tally) this.#tally.frames++;
        this.#onPresence?.(frame.userId, frame.online);
        return;
      case "error": {
        const waiter = frame.ref === undefined ? undefined : this.#pending.get(frame.ref);
        if (!waiter) return;
        this.#pending.delete(frame.ref!);
        waiter.reject(new Error(`${frame.code}: ${frame.message}`));
      }
    }
  }

  #answer(ref: string | undefined): void {
    if (ref === undefined) return;
    const waiter = this.#pending.get(ref);
    if (!waiter) return;
    this.#pending.delete(ref);
    waiter.resolve();
  }

  #request(frame: Record<string, unknown>): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("Socket is closed"));
    const ref = `r${this.#nextRef++}`;
    frame.ref = ref;
    return new Promise((resolve, reject) => {
      this.#pending.set(ref, { resolve, reject });
      this.#ws.send(JSON.stringify(frame));
    });
  }

  #fail(err: Error): void {
    this.#closed = true;
    for (const waiter of this.#pending.values()) waiter.reject(err);
    this.#pending.clear();
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  /** `since`: the newest seq already held; the server replays what came after it. */
  subscribe(roomId: string, since?: number): Promise<void> {
    return this.#request({ type: "subscribe", roomId, ...(since === undefined ? {} : { since }) });
  }

  /** The newest seq delivered on this socket in `roomId` (or its head at subscribe). */
  lastSeq(roomId: string): number | undefined {
    return this.#lastSeq.get(roomId);
  }

  send(roomId: string, text: string): Promise<void> {
    return this.#request({ type: "send", roomId, text, clientId: crypto.randomUUID() });
  }

  /** Not reconnecting, it cannot stand in for a network fault: use `ChatSocket`. */
  drop(): void {
    throw new Error("The lean bench client does not reconnect: drop() needs ChatSocket");
  }

  close(): void {
    this.#fail(new Error("Socket closed"));
    this.#ws.close(1000);
  }
}
