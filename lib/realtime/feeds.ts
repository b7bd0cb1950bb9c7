/**
 * @module Room feeds: in-order, gap-free, duplicate-free delivery of a room's
 * events (new messages and changes, by room revision) to this isolate's subscribed
 * sockets.
 *
 * The truth is KV: the messages table, the revision log (see store/revisions.ts) and
 * the room head ["room_seq", roomId]. A feed knows the newest revision it has heard
 * of (`head`) and keeps the newest events in a contiguous buffer. It hears of new messages three ways, all treated alike: a
 * commit on this isolate (with the events), a fast-path hint from another isolate
 * (with the events), and the KV watch on the head (a doorbell: the feed reads the
 * missing range itself, because a watch may skip values). The watch is only needed
 * while other isolates write to the same KV: a lone isolate hears of every message
 * from its own commits, so it turns the watches off (setWatching) and saves the
 * re-read of every watched head that each commit would otherwise cost.
 *
 * Each subscription remembers the last revision it sent (`sent`) and is pumped: it
 * is sent exactly the events after `sent`, in order, from the buffer when they are
 * there and from KV when they are older. Nothing is ever sent twice because `sent`
 * only moves forward, and nothing is skipped because the pump only ever sends
 * `sent + 1` next. A subscribe with `sinceRev` is just a subscription starting
 * there (with v1's `since`, a seq, at the revision that message was created): it
 * replays up to the head read at subscribe time, then says `subscribed`, then goes
 * live; events stored during the replay are simply next in line.
 *
 * A delete scrubs the buffer: events that hold the deleted message's text (its
 * creation and edits, and replies quoting it) get the tombstone's state instead, so
 * a replay never sends the old text again.
 */

import { REPLAY_MAX } from "../protocol/limits.ts";
import { type Member, type Message, replyRefOf } from "../protocol/types.ts";
import type { RoomEvent } from "../store/revisions.ts";
import { roomHeadKey } from "../store/keys.ts";
import { errorFields, log } from "../log.ts";
import { utf8Bytes } from "./connection.ts";

const BUFFER_MAX = 2000;
const IDLE_FEED_MS = 60_000;
const WATCH_CHUNK = 10;

/** A room's head and members, asked for (see Feeds.look). */
export interface RoomState {
  head: Promise<{ seq: number; rev: number }>;
  members: Promise<Member[]>;
}

/** What a feed needs from a socket. */
export interface FeedTarget {
  readonly id: string;
  /** Sends an already serialized frame; false when the socket is gone. */
  sendText(text: string, bytes?: number): boolean;
  isOpen(): boolean;
}

export interface FeedSource {
  /** The room's newest seq and revision. */
  head(roomId: string): Promise<{ seq: number; rev: number }>;
  /** Events with from ≤ rev ≤ to, ascending, each revision once. */
  range(roomId: string, from: number, to: number, limit: number): Promise<RoomEvent[]>;
  /** The revision at which message `seq` was created (v1's `since`). */
  revOfSeq(roomId: string, seq: number): Promise<number>;
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

/** An event's frame, serialized (and measured) once however many sockets receive it. */
const FRAMES = new WeakMap<RoomEvent, Frame>();
function frameOf(event: RoomEvent): Frame {
  let frame = FRAMES.get(event);
  if (frame === undefined) {
    const { message } = event;
    const room = JSON.stringify(message.roomId);
    const text = event.kind === "message"
      ? `{"type":"message","roomId":${room},"message":${JSON.stringify(message)}}`
      : `{"type":"update","roomId":${room},"rev":${event.rev},"message":${
        JSON.stringify(message)
      }}`;
    frame = { text, bytes: utf8Bytes(text) };
    FRAMES.set(event, frame);
  }
  return frame;
}

function sendFrame(target: FeedTarget, event: RoomEvent): boolean {
  const frame = frameOf(event);
  return target.sendText(frame.text, frame.bytes);
}

/** The state a buffered event may still show once `tombstone` was deleted. */
function scrubbed(event: RoomEvent, tombstone: Message): RoomEvent {
  const { message } = event;
  if (message.seq === tombstone.seq && !message.deleted) return { ...event, message: tombstone };
  if (message.replyTo?.seq === tombstone.seq && !message.replyTo.deleted) {
    return { ...event, message: { ...message, replyTo: replyRefOf(tombstone) } };
  }
  return event;
}

class RoomFeed {
  /** The newest revision heard of. */
  head = 0;
  /** buffer[i].rev === bufferStart + i */
  buffer: RoomEvent[] = [];
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
   * after `from` (a revision, or v1's seq), sends `subscribed` via `onSubscribed`,
   * then delivers live.
   */
  async subscribe(
    target: FeedTarget,
    roomId: string,
    from: { since?: number; sinceRev?: number },
    onSubscribed: (
      frame: { lastSeq: number; lastRev: number; recovered: boolean; members: Member[] },
    ) => void,
    state: RoomState = this.look(roomId),
  ): Promise<void> {
    const [feed, head, members] = await Promise.all([
      this.#feed(roomId),
      state.head,
      state.members,
    ]);
    const { seq: lastSeq, rev: lastRev } = head;
    this.#advance(feed, lastRev);
    let start = lastRev;
    let recovered = true;
    if (from.sinceRev !== undefined) {
      // v2: more than REPLAY_MAX events missed are not replayed (GET …/changes is).
      start = Math.min(from.sinceRev, lastRev);
      if (lastRev - start > REPLAY_MAX) recovered = false;
    } else if (from.since !== undefined) {
      // v1 counts missed messages, not events: within the limit, every event after
      // the message `since` is replayed, changes included.
      const since = Math.min(from.since, lastSeq);
      if (lastSeq - since > REPLAY_MAX) recovered = false;
      else start = await this.#source.revOfSeq(roomId, since);
    }
    if (!recovered) start = lastRev;
    const previous = feed.subs.get(target.id);
    if (previous) previous.closed = true;
    const sub = new Subscription(target, start, lastRev, () => {
      onSubscribed({ lastSeq, lastRev, recovered, members });
    });
    feed.subs.set(target.id, sub);
    clearTimeout(feed.idleTimer);
    this.#pump(feed, sub);
  }

  /**
   * Asks for what a subscribe to the room reads (its head and members), so that a
   * caller can ask for it alongside its own checks and hand it to `subscribe`: read
   * once the subscribe was asked for, it bounds the replay as well as one read later.
   * Unused (the check failed), its failure is nobody's.
   */
  look(roomId: string): RoomState {
    const state = { head: this.#source.head(roomId), members: this.#source.members(roomId) };
    state.head.catch(() => {});
    state.members.catch(() => {});
    return state;
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
   * Stored events (committed here, or hinted from another isolate), in rev order.
   * Ones the feed already has are ignored; a gap before them is fetched from KV.
   */
  committed(roomId: string, events: RoomEvent[]): void {
    const feed = this.#feeds.get(roomId);
    if (!feed || events.length === 0) return;
    for (const event of events) {
      if (event.message.deleted) this.#scrub(feed, event.message);
    }
    const last = events[events.length - 1].rev;
    if (last <= feed.bufferEnd) return;
    const next = events.findIndex((e) => e.rev > feed.bufferEnd);
    const fresh = next === 0 ? events : events.slice(next);
    const contiguous = fresh[0].rev === feed.bufferEnd + 1 &&
      fresh.every((e, i) => e.rev === fresh[0].rev + i);
    if (contiguous && !feed.fetching) {
      feed.buffer.push(...fresh);
      this.#trim(feed);
      feed.head = Math.max(feed.head, feed.bufferEnd);
      this.#pumpAll(feed);
    } else {
      this.#advance(feed, last);
    }
  }

  /** Replaces what buffered events hold of a deleted message by its tombstone. */
  #scrub(feed: RoomFeed, tombstone: Message): void {
    const buffer = feed.buffer;
    for (let i = 0; i < buffer.length; i++) {
      const event = buffer[i];
      const clean = scrubbed(event, tombstone);
      if (clean !== event) buffer[i] = clean;
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
        if (page.length === 0 || page[0].rev !== from) {
          log.warn("feed_gap", { room: feed.roomId, from, head: feed.head });
          break;
        }
        const contiguous = page.filter((e, i) => e.rev === from + i);
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
      for (let rev = next; rev <= end; rev++) {
        if (!sendFrame(sub.target, feed.buffer[rev - feed.bufferStart])) return "done";
        sub.sent = rev;
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
        if (older.length === 0 || older[0].rev !== next) {
          log.warn("replay_gap", { room: feed.roomId, next });
          return; // tried again when the room's next event comes
        }
        for (const event of older) {
          if (sub.closed || event.rev !== sub.sent + 1) break;
          if (!sendFrame(sub.target, event)) return;
          sub.sent = event.rev;
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
        feed.head = (await this.#source.head(roomId)).rev;
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
        const stream = this.#kv.watch<{ seq: number; rev?: number }[]>(
          rooms.map(roomHeadKey),
        );
        signal.addEventListener("abort", () => stream.cancel().catch(() => {}), { once: true });
        for await (const entries of stream) {
          if (signal.aborted) return;
          entries.forEach((entry, i) => {
            const feed = this.#feeds.get(rooms[i]);
            if (feed && entry.value) this.#advance(feed, entry.value.rev ?? entry.value.seq);
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
