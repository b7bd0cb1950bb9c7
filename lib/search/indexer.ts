/**
 * @module The background indexer: keeps every room's search index up to its
 * revision, off the delivery path.
 *
 * A commit of messages only marks its room dirty (`touch`, from `onCommitted`: no
 * KV work, no waiting); shortly after, the indexer plans the dirty rooms from their
 * markers and commits them, several rooms per KV commit. Nothing is lost when it
 * does not get there: the marker is in KV, so a room whose marker is behind its head
 * (a kill -9 between the message's commit and its indexing, a room indexed by an
 * older version, messages from before search existed) is found by the sweep at
 * start-up and every `sweepMs`, and indexed as a backlog, with at most half of the
 * isolate's time, behind rooms with fresh activity. Any number of isolates can do
 * this at once: the marker's check decides (index_writer.ts).
 */

import { errorFields, log } from "../log.ts";
import { rendezvous } from "../realtime/rendezvous.ts";
import type { RoomHead } from "../store/revisions.ts";
import { headRev } from "../store/revisions.ts";
import { INDEX_VERSION, type IndexMarker } from "./index_store.ts";
import type { RoomEvent } from "../store/revisions.ts";
import type { IndexWriter } from "./index_writer.ts";

export interface IndexerOptions {
  /** How long after a commit its room is indexed (a burst shares one round). */
  debounceMs?: number;
  /** How often every room's marker is compared with its head (0: only at start). */
  sweepMs?: number;
}

/** Rooms planned at once. */
const ROUND_ROOMS = 64;
/** Events kept per room between rounds (beyond: the round reads the log). */
const KNOWN_MAX = 2000;
/** Tries of a room that keeps losing its marker to another writer before it waits. */
const CONTENDED_TRIES = 20;
/** A round of fresh work is followed by a pause this many times as long (see #loop). */
const FRESH_SHARE = 2;
/** How long a final flush at shutdown may take. */
const STOP_FLUSH_MS = 3000;

/**
 * Whether `isolateId` indexes `roomId` among the `live` isolates: rendezvous
 * hashing, so each room has one indexer and a room moves only when its own isolate
 * comes or goes. With several isolates on one KV, each indexing the rooms it
 * committed to meant both indexing every busy room: the same words found twice, and
 * one of the two commits failing its marker check. Any isolate may still index any
 * room (the marker decides; a sweep finds what nobody did), so a wrong guess while
 * isolates come and go costs work, never the index.
 */
export function indexesRoom(roomId: string, isolateId: string, live: Iterable<string>): boolean {
  const best = rendezvous(roomId, live);
  return best === "" || best === isolateId;
}

export class SearchIndexer {
  #kv: Deno.Kv;
  #writer: IndexWriter;
  #debounceMs: number;
  #sweepMs: number;
  #dirty = new Set<string>();
  /** Events this isolate committed, per dirty room, since its last round. */
  #known = new Map<string, RoomEvent[]>();
  #backlog = new Set<string>();
  #contended = new Map<string, number>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;
  #settled: Array<() => void> = [];
  /** Messages indexed since start (figures). */
  indexed = 0;

  constructor(kv: Deno.Kv, writer: IndexWriter, options: IndexerOptions = {}) {
    this.#kv = kv;
    this.#writer = writer;
    this.#debounceMs = options.debounceMs ?? 30;
    this.#sweepMs = options.sweepMs ?? 60_000;
  }

  /** Sweeps once now (in the background) and then every `sweepMs`. */
  start(): void {
    void this.sweep();
    if (this.#sweepMs > 0) {
      this.#sweepTimer = setInterval(() => void this.sweep(), this.#sweepMs);
      Deno.unrefTimer(this.#sweepTimer);
    }
  }

  /**
   * A commit changed the room: index it soon. `events` (what the commit stored, in
   * its current state) spare the round reading them back from the log when they
   * follow on from the room's marker.
   */
  touch(roomId: string, events?: RoomEvent[]): void {
    if (this.#stopped) return;
    this.#dirty.add(roomId);
    if (events?.length) {
      const known = this.#known.get(roomId);
      if (!known) this.#known.set(roomId, [...events]);
      else if (known.length + events.length <= KNOWN_MAX) known.push(...events);
      else this.#known.delete(roomId); // the log has them
    }
    this.#schedule();
  }

  /** Queues every room whose index is behind its head; answers how many. */
  async sweep(): Promise<number> {
    try {
      const markers = new Map<string, IndexMarker>();
      for await (const e of this.#kv.list<IndexMarker>({ prefix: ["sx_rev"] })) {
        markers.set(e.key[1] as string, e.value);
      }
      const behind: string[] = [];
      for await (const e of this.#kv.list<RoomHead>({ prefix: ["room_seq"] })) {
        const roomId = e.key[1] as string;
        const marker = markers.get(roomId);
        const stale = marker
          ? marker.wipe || marker.v < INDEX_VERSION || marker.rev < headRev(e.value)
          : headRev(e.value) > 0;
        if (stale && (!marker || marker.v <= INDEX_VERSION)) behind.push(roomId);
      }
      // Isolates sweeping at once start at different rooms.
      for (let i = behind.length - 1; i > 0; i--) {
        const j = Math.floor(Math.random() * (i + 1));
        [behind[i], behind[j]] = [behind[j], behind[i]];
      }
      for (const roomId of behind) if (!this.#dirty.has(roomId)) this.#backlog.add(roomId);
      if (behind.length) {
        log.info("search_backlog", { rooms: behind.length });
        this.#schedule();
      }
      return behind.length;
    } catch (err) {
      log.warn("search_sweep_failed", errorFields(err));
      return 0;
    }
  }

  /** Resolves once nothing is queued or being indexed (tests, the bench). */
  settled(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#settled.push(resolve));
  }

  /** Stops: indexes what is dirty for up to a few seconds, then does nothing more. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#sweepTimer);
    this.#backlog.clear();
    await this.#running;
    if (this.#dirty.size) await this.#loop(Date.now() + STOP_FLUSH_MS);
  }

  #idle(): boolean {
    return !this.#dirty.size && !this.#backlog.size && !this.#running && !this.#timer;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#running || this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#running = this.#loop(Infinity).finally(() => {
        this.#running = undefined;
        if (this.#dirty.size || this.#backlog.size) this.#schedule();
        else if (this.#idle()) { for (const resolve of this.#settled.splice(0)) resolve(); }
      });
    }, this.#debounceMs);
  }

  async #loop(deadline: number): Promise<void> {
    while (Date.now() < deadline) {
      let rooms = take(this.#dirty, ROUND_ROOMS);
      const backlog = !rooms.length && !this.#stopped;
      if (backlog) rooms = take(this.#backlog, ROUND_ROOMS / 4);
      if (!rooms.length) return;
      const started = performance.now();
      await this.#round(rooms, backlog ? this.#backlog : this.#dirty);
      // A backlog takes at most about half the time: delivery goes on meanwhile. Fresh
      // work waits a moment too, so that a busy server's commits share rounds, and
      // twice as long as its round took: under a heavy load the index takes at most a
      // third of the time and falls behind rather than slow delivery down (its
      // commits share SQLite's one writer with the messages'; at 2,000 messages a
      // second they needed most of it, and many rooms' p50 went from 8 to 77–95 ms),
      // then catches up when the load eases.
      if (backlog) await sleep(performance.now() - started);
      else if (this.#dirty.size && !this.#stopped) {
        await sleep(Math.max(this.#debounceMs, FRESH_SHARE * (performance.now() - started)));
      }
    }
  }

  /** Plans and applies one round of these rooms; rooms with more to do go back in `queue`. */
  async #round(rooms: string[], queue: Set<string>): Promise<void> {
    const known = rooms.map((roomId) => {
      const events = this.#known.get(roomId);
      this.#known.delete(roomId);
      return { roomId, known: events };
    });
    let results;
    let plans;
    try {
      plans = await this.#writer.planRooms(known);
    } catch (err) {
      log.warn("search_plan_failed", { rooms: rooms.length, ...errorFields(err) });
      for (const roomId of rooms) this.#later(roomId, 1000);
      return;
    }
    try {
      results = await this.#writer.apply(plans);
    } catch (err) {
      log.warn("search_apply_failed", { rooms: plans.length, ...errorFields(err) });
      for (const plan of plans) this.#later(plan.roomId, 1000);
      return;
    }
    for (const result of results) {
      const { roomId } = result;
      if (result.outcome === "contended") {
        const tries = (this.#contended.get(roomId) ?? 0) + 1;
        this.#contended.set(roomId, tries);
        // Another writer has it: it is moving along anyway, check back later.
        this.#later(roomId, tries > CONTENDED_TRIES ? 1000 : 5 + Math.random() * 20 * tries);
        continue;
      }
      this.#contended.delete(roomId);
      this.indexed += result.messages;
      if (result.outcome === "applied" && result.rev < result.head) queue.add(roomId);
      // A plan that only wiped or moved the marker has more to do too.
      else if (result.outcome === "applied" && result.messages === 0 && result.rev === 0) {
        queue.add(roomId);
      }
    }
  }

  #later(roomId: string, ms: number): void {
    if (this.#stopped) return;
    const timer = setTimeout(() => this.touch(roomId), ms);
    Deno.unrefTimer(timer);
  }
}

function take(set: Set<string>, n: number): string[] {
  const out: string[] = [];
  for (const item of set) {
    if (out.length >= n) break;
    out.push(item);
    set.delete(item);
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
