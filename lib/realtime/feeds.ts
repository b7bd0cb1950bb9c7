/**
 * @module Room feeds: in-order, gap-free, duplicate-free delivery of a room's
 * messages to this isolate's subscribed sockets.
 *
 * The truth is KV: the messages table and the room head ["room_seq", roomId]. A feed
 * knows the newest seq it has heard of (`head`) and keeps the newest messages in a
 * contiguous buffer. It hears of new messages three ways, all treated alike: a
 * commit on this isolate (with the messages), a fast-path hint from another isolate
 * (with the messages), and the KV watch on the head (a doorbell: the feed reads the
 * missing range itself, because a watch may skip values). The watch is only needed
 * while other isolates write to the same KV: a lone isolate hears of every message
 * from its own commits, so it turns the watches off (setWatching) and saves the
 * re-read of every watched head that each commit would otherwise cost.
 *
 * Each subscription remembers the last seq it sent (`sent`) and is pumped: it is
 * sent exactly the messages after `sent`, in order, from the buffer when they are
 * there and from KV when they are older. Nothing is ever sent twice because `sent`
 * only moves forward, and nothing is skipped because the pump only ever sends
 * `sent + 1` next. A subscribe with `since` is just a subscription starting at
 * `since`: it replays up to the head read at subscribe time, then says `subscribed`,
 * then goes live; messages stored during the replay are simply next in line.
 */

import { REPLAY_MAX } from "../protocol/limits.ts";
import type { Member, Message } from "../protocol/types.ts";
import { errorFields, log } from "../log.ts";
import { utf8Bytes } from "./connection.ts";

const BUFFER_MAX = 2000;
const IDLE_FEED_MS = 60_000;
const WATCH_CHUNK = 10;

/** What a feed needs from a socket. */
export interface FeedTarget {
  readonly id: string;
  /** Sends an already serialized frame; false when the socket is gone. */
  sendText(text: string, bytes?: number): boolean;
  isOpen(): boolean;
}

export interface FeedSource {
  head(roomId: string): Promise<number>;
  range(roomId: string, from: number, to: number, limit: number): Promise<Message[]>;
  members(roomId: string): Promise<Member[]>;
}

class Subscription {
  sent: number;
  /** Replay bound; null once live. */
  replayUntil: number | null;
  pumping = false;
  closed = false;
  onLive: (() => void) | null;

  constructor(readonly target: FeedTarget, sent: number, until: number, onLive: () => void) {
    this.sent = sent;
    this.replayUntil = until;
    this.onLive = onLive;
  }
}

interface Frame {
  text: string;
  /** Its UTF-8 size. */
  bytes: number;
}

/** A message's frame, serialized (and measured) once however many sockets receive it. */
const FRAMES = new WeakMap<Message, Frame>();
function frameOf(message: Message): Frame {
  let frame = FRAMES.get(message);
  if (frame === undefined) {
    const text = `{"type":"message","roomId":${JSON.stringify(message.roomId)},"message":${
      JSON.stringify(message)
    }}`;
    frame = { text, bytes: utf8Bytes(text) };
    FRAMES.set(message, frame);
  }
  return frame;
}

function sendFrame(target: FeedTarget, message: Message): boolean {
  const frame = frameOf(message);
  return target.sendText(frame.text, frame.bytes);
}

class RoomFeed {
  head = 0;
  /** buffer[i].seq === bufferStart + i */
  buffer: Message[] = [];
  bufferStart = 1;
  subs = new Map<string, Subscription>();
  fetching = false;
  idleTimer?: ReturnType<typeof setTimeout>;

  constructor(readonly roomId: string) {}

  get bufferEnd(): number {
    return this.bufferStart + this.buffer.length - 1;
  }
}

export class Feeds {
  #source: FeedSource;
  #feeds = new Map<string, RoomFeed>();
  #starting = new Map<string, Promise<RoomFeed>>();
  #chunks: Array<{ rooms: Set<string>; controller: AbortController }> = [];
  #kv: Deno.Kv;
  /** Whether room heads are watched (other writers may exist); on until told otherwise. */
  #watching = true;

  constructor(kv: Deno.Kv, source: FeedSource) {
    this.#kv = kv;
    this.#source = source;
  }

  /**
   * Subscribes a socket (membership was checked by the caller). Replays what came
   * after `since`, sends `subscribed` via `onSubscribed`, then delivers live.
   */
  async subscribe(
    target: FeedTarget,
    roomId: string,
    since: number | undefined,
    onSubscribed: (frame: { lastSeq: number; recovered: boolean; members: Member[] }) => void,
  ): Promise<void> {
    const feed = await this.#feed(roomId);
    const [lastSeq, members] = await Promise.all([
      this.#source.head(roomId),
      this.#source.members(roomId),
    ]);
    this.#advance(feed, lastSeq);
    let start = since === undefined ? lastSeq : Math.min(since, lastSeq);
    let recovered = true;
    if (lastSeq - start > REPLAY_MAX) {
      recovered = false;
      start = lastSeq;
    }
    const previous = feed.subs.get(target.id);
    if (previous) previous.closed = true;
    const sub = new Subscription(target, start, lastSeq, () => {
      onSubscribed({ lastSeq, recovered, members });
    });
    feed.subs.set(target.id, sub);
    clearTimeout(feed.idleTimer);
    this.#pump(feed, sub);
  }

  unsubscribe(targetId: string, roomId: string): void {
    const feed = this.#feeds.get(roomId);
    const sub = feed?.subs.get(targetId);
    if (!feed || !sub) return;
    sub.closed = true;
    feed.subs.delete(targetId);
    if (feed.subs.size === 0) {
      feed.idleTimer = setTimeout(() => this.#drop(roomId), IDLE_FEED_MS);
    }
  }

  /**
   * Stored messages (committed here, or hinted from another isolate), in seq order.
   * Ones the feed already has are ignored; a gap before them is fetched from KV.
   */
  committed(roomId: string, messages: Message[]): void {
    const feed = this.#feeds.get(roomId);
    if (!feed || messages.length === 0) return;
    const last = messages[messages.length - 1].seq;
    if (last <= feed.bufferEnd) return;
    const next = messages.findIndex((m) => m.seq > feed.bufferEnd);
    const fresh = next === 0 ? messages : messages.slice(next);
    const contiguous = fresh[0].seq === feed.bufferEnd + 1 &&
      fresh.every((m, i) => m.seq === fresh[0].seq + i);
    if (contiguous && !feed.fetching) {
      feed.buffer.push(...fresh);
      this.#trim(feed);
      feed.head = Math.max(feed.head, feed.bufferEnd);
      this.#pumpAll(feed);
    } else {
      this.#advance(feed, last);
    }
  }

  /**
   * Turns the head watches on (another isolate shares the KV and may write) or off
   * (this isolate is the only writer). Turned on, each watch first reports the
   * current heads, so whatever the others stored meanwhile is fetched then.
   */
  setWatching(on: boolean): void {
    if (on === this.#watching) return;
    this.#watching = on;
    if (on) {
      this.#watchRooms([...this.#feeds.keys()]);
    } else {
      for (const chunk of this.#chunks) chunk.controller.abort();
      this.#chunks = [];
    }
  }

  /** Whether the heads are watched (see setWatching). */
  get watching(): boolean {
    return this.#watching;
  }

  /** The room head is at least `seq`: fetch what the buffer lacks. */
  #advance(feed: RoomFeed, seq: number): void {
    if (seq > feed.head) feed.head = seq;
    if (feed.head > feed.bufferEnd) void this.#fetch(feed);
  }

  async #fetch(feed: RoomFeed): Promise<void> {
    if (feed.fetching) return;
    feed.fetching = true;
    try {
      while (feed.head > feed.bufferEnd) {
        const from = feed.bufferEnd + 1;
        // Far behind: skip ahead; subscriptions that need older ones read KV.
        if (feed.head - from >= BUFFER_MAX) {
          feed.buffer = [];
          feed.bufferStart = feed.head - BUFFER_MAX + 1;
          continue;
        }
        const page = await this.#source.range(feed.roomId, from, feed.head, 500);
        if (page.length === 0 || page[0].seq !== from) {
          log.warn("feed_gap", { room: feed.roomId, from, head: feed.head });
          break;
        }
        const contiguous = page.filter((m, i) => m.seq === from + i);
        feed.buffer.push(...contiguous);
        this.#trim(feed);
        this.#pumpAll(feed);
      }
    } catch (err) {
      log.warn("feed_fetch_failed", { room: feed.roomId, ...errorFields(err) });
      setTimeout(() => this.#advance(feed, feed.head), 500);
    } finally {
      feed.fetching = false;
    }
    this.#pumpAll(feed);
  }

  #trim(feed: RoomFeed): void {
    const excess = feed.buffer.length - BUFFER_MAX;
    if (excess > 0) {
      feed.buffer.splice(0, excess);
      feed.bufferStart += excess;
    }
  }

  #pumpAll(feed: RoomFeed): void {
    for (const sub of feed.subs.values()) this.#pump(feed, sub);
  }

  /**
   * Sends a subscription everything after `sent` it may have; one pump at a time.
   * What the buffer holds is sent at once; only older messages (a replay) need a
   * KV read, and only then does the pump go asynchronous.
   */
  #pump(feed: RoomFeed, sub: Subscription): void {
    if (sub.pumping || sub.closed) return;
    const step = this.#sendBuffered(feed, sub);
    if (step === "done") return;
    sub.pumping = true;
    void this.#pumpOlder(feed, sub);
  }

  /**
   * Sends from the buffer (and goes live when the replay is done) as far as it can
   * without reading KV: "done" when nothing is left to send for now, "older" when
   * the next message is older than the buffer.
   */
  #sendBuffered(feed: RoomFeed, sub: Subscription): "done" | "older" {
    while (!sub.closed && sub.target.isOpen()) {
      const limit = sub.replayUntil ?? feed.bufferEnd;
      if (sub.sent >= limit) {
        if (sub.replayUntil === null) return "done";
        sub.replayUntil = null;
        sub.onLive?.();
        sub.onLive = null;
        continue;
      }
      const next = sub.sent + 1;
      if (next > feed.bufferEnd) return "done"; // not fetched yet: #fetch pumps again
      if (next < feed.bufferStart) return "older";
      const end = Math.min(limit, feed.bufferEnd);
      for (let seq = next; seq <= end; seq++) {
        if (!sendFrame(sub.target, feed.buffer[seq - feed.bufferStart])) return "done";
        sub.sent = seq;
      }
    }
    return "done";
  }

  /** The slow part of a pump: reads what is older than the buffer, then carries on. */
  async #pumpOlder(feed: RoomFeed, sub: Subscription): Promise<void> {
    try {
      while (!sub.closed && sub.target.isOpen()) {
        const limit = sub.replayUntil ?? feed.bufferEnd;
        const next = sub.sent + 1;
        const to = Math.min(limit, feed.bufferStart - 1);
        const older = await this.#source.range(feed.roomId, next, to, 500);
        if (older.length === 0 || older[0].seq !== next) {
          log.warn("replay_gap", { room: feed.roomId, next });
          return; // tried again when the room's next message comes
        }
        for (const message of older) {
          if (sub.closed || message.seq !== sub.sent + 1) break;
          if (!sendFrame(sub.target, message)) return;
          sub.sent = message.seq;
        }
        if (this.#sendBuffered(feed, sub) === "done") break;
      }
    } catch (err) {
      log.warn("feed_pump_failed", { room: feed.roomId, ...errorFields(err) });
      setTimeout(() => this.#pump(feed, sub), 500);
      return;
    } finally {
      sub.pumping = false;
    }
    // Something may have arrived while the last step was finishing.
    const limit = sub.replayUntil ?? feed.bufferEnd;
    if (!sub.closed && sub.target.isOpen() && sub.sent < limit && limit <= feed.bufferEnd) {
      this.#pump(feed, sub);
    }
  }

  async #feed(roomId: string): Promise<RoomFeed> {
    const existing = this.#feeds.get(roomId);
    if (existing) return existing;
    let starting = this.#starting.get(roomId);
    if (!starting) {
      starting = (async () => {
        const feed = new RoomFeed(roomId);
        feed.head = await this.#source.head(roomId);
        feed.bufferStart = feed.head + 1;
        this.#feeds.set(roomId, feed);
        if (this.#watching) this.#watchRooms([roomId]);
        return feed;
      })().finally(() => this.#starting.delete(roomId));
      this.#starting.set(roomId, starting);
    }
    return await starting;
  }

  #drop(roomId: string): void {
    const feed = this.#feeds.get(roomId);
    if (!feed || feed.subs.size > 0) return;
    this.#feeds.delete(roomId);
    const chunk = this.#chunks.find((c) => c.rooms.has(roomId));
    if (chunk) {
      chunk.rooms.delete(roomId);
      this.#restartChunk(chunk);
    }
  }

  /** Watches the rooms' heads, ten rooms per KV watch; each changed watch restarts once. */
  #watchRooms(roomIds: string[]): void {
    const changed = new Set<{ rooms: Set<string>; controller: AbortController }>();
    for (const roomId of roomIds) {
      let chunk = this.#chunks.find((c) => c.rooms.size < WATCH_CHUNK);
      if (!chunk) {
        chunk = { rooms: new Set(), controller: new AbortController() };
        this.#chunks.push(chunk);
      }
      chunk.rooms.add(roomId);
      changed.add(chunk);
    }
    for (const chunk of changed) this.#restartChunk(chunk);
  }

  #restartChunk(chunk: { rooms: Set<string>; controller: AbortController }): void {
    chunk.controller.abort();
    chunk.controller = new AbortController();
    if (chunk.rooms.size === 0) {
      this.#chunks = this.#chunks.filter((c) => c !== chunk);
      return;
    }
    const rooms = [...chunk.rooms];
    const signal = chunk.controller.signal;
    void (async () => {
      try {
        const stream = this.#kv.watch<{ seq: number }[]>(rooms.map((id) => ["room_seq", id]));
        signal.addEventListener("abort", () => stream.cancel().catch(() => {}), { once: true });
        for await (const entries of stream) {
          if (signal.aborted) return;
          entries.forEach((entry, i) => {
            const feed = this.#feeds.get(rooms[i]);
            if (feed && entry.value) this.#advance(feed, entry.value.seq);
          });
        }
      } catch (err) {
        if (!signal.aborted) {
          log.warn("feed_watch_failed", errorFields(err));
          setTimeout(() => !signal.aborted && this.#restartChunk(chunk), 1000);
        }
      }
    })();
  }

  /** Stops every watch (shutdown). */
  close(): void {
    for (const chunk of this.#chunks) chunk.controller.abort();
    this.#chunks = [];
    for (const feed of this.#feeds.values()) clearTimeout(feed.idleTimer);
  }
}
