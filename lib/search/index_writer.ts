/**
 * @module Bringing a room's search index up to its revision: read the revision log
 * from the room's marker on, diff each message's terms against what it indexed, and
 * commit postings, dictionary entries, docs and the moved marker together.
 *
 * The marker (`["sx_rev", roomId]`, see index_store.ts) is the only lock: every
 * commit checks the versionstamp it was planned on, so two indexers (isolates, or
 * the reindex task beside a server) never both apply the same events: the second
 * one's commit fails, and it plans again from where the first left the room. Each
 * commit is complete on its own (a message's postings and its doc change together),
 * so a crash between commits leaves an index that is behind, never wrong.
 *
 * Events are read in the message's current state, so an edit replaces what the
 * message indexed, a delete removes it all, and a message changed three times since
 * the marker is diffed once. A commit holds at most COMMIT_MUTATIONS mutations (KV
 * allows 1000); the marker moves to the last revision whose messages are all in it.
 * A message whose diff alone is bigger (an edit replacing 512 terms by 512 others)
 * goes in pieces, each leaving its doc equal to its postings. Several rooms' commits
 * are packed into one KV commit when they fit (`apply`): SQLite has one writer, and
 * many small commits are what it is slow at.
 *
 * Write cost. A message costs its postings and its doc; its terms' dictionary
 * entries only when the room has not got them yet. Which terms a room's dictionary
 * holds is remembered per room while nobody else writes the room's index (the
 * marker's versionstamp is the one this writer left), so a busy room stops paying
 * for its common words after their first message. A term whose last posting goes
 * (an edit, a delete) is looked up once more after the commit and its entry
 * deleted if it has none left: nothing of a deleted message stays in the index.
 */

import type { Message } from "../protocol/types.ts";
import { revOf } from "../protocol/types.ts";
import { getMany } from "../store/kv.ts";
import { roomHeadKey } from "../store/keys.ts";
import { headRev, type RoomEvent, type RoomHead } from "../store/revisions.ts";
import { errorFields, log } from "../log.ts";
import {
  dictKey,
  docKey,
  docTerms,
  INDEX_VERSION,
  type IndexedDoc,
  type IndexMarker,
  markerKey,
  POSTED,
  postingKey,
  roomIndexPrefixes,
} from "./index_store.ts";
import { termsOf } from "./terms.ts";

/** Mutations one room's commit may hold (KV's limit is 1000; packing adds the marker's). */
export const COMMIT_MUTATIONS = 900;
/** Bytes a packed commit may hold, about (KV's limit is 800 KiB). */
const COMMIT_BYTES = 400_000;
/** KV allows 100 checks per commit: one marker each. */
const PACK_ROOMS = 90;
/** Events read per round of a room. */
export const ROUND_EVENTS = 500;
/**
 * Planning gives the event loop back after this much work (ms): a round plans up
 * to 64 rooms, whose words, all found at once, held delivery up for 80–120 ms at
 * 2,000 messages a second.
 */
const SLICE_MS = 4;
let sliceStart = 0;
/** The planners waiting for a slice, in line: one slice per turn of the event loop. */
let line: Promise<void> = Promise.resolve();

/**
 * Gives the event loop back once a slice of planning is used up: the planners of a
 * round (one per room, all under way together) wait in line, each for a timer of its
 * own, so sockets and commits get a turn between any two slices.
 */
async function pace(): Promise<void> {
  if (performance.now() - sliceStart < SLICE_MS) return;
  const turn = line.then(() => new Promise<void>((resolve) => setTimeout(resolve, 0)));
  line = turn;
  await turn;
  sliceStart = performance.now();
}

/** Terms remembered as present in rooms' dictionaries, at most (about 60 B each). */
const KNOWN_TERMS_MAX = 200_000;

/** What the writer needs of the revision log. */
export interface EventReader {
  events(roomId: string, from: number, to: number, limit: number): Promise<RoomEvent[]>;
}

/** One commit of one room, planned over the marker's versionstamp. */
interface PlannedCommit {
  sets: Array<[Deno.KvKey, unknown]>;
  deletes: Deno.KvKey[];
  marker: IndexMarker;
  mutations: number;
  bytes: number;
}

/** A room's planned work: its commits, in order, over the marker as read. */
export interface RoomPlan {
  roomId: string;
  versionstamp: string | null;
  commits: PlannedCommit[];
  /** The marker's revision when planned, and the room's. */
  from: number;
  head: number;
  /** Nothing to do now (up to date, or left to a newer version). */
  idle: boolean;
  /** Messages whose terms changed (for the throughput figures). */
  messages: number;
  /** Terms whose dictionary entries the plan writes, and terms it removes postings of. */
  added: Set<string>;
  dropped: Set<string>;
}

export interface ApplyResult {
  roomId: string;
  /** "contended": another writer moved the marker; plan again. */
  outcome: "applied" | "contended" | "idle";
  /** The marker's revision after it, and the head when planned. */
  rev: number;
  head: number;
  messages: number;
}

export class IndexWriter {
  #kv: Deno.Kv;
  #events: EventReader;
  /** Per room: terms its dictionary holds, valid while the marker is at `stamp`. */
  #known = new Map<string, { stamp: string; terms: Set<string> }>();
  #knownCount = 0;

  constructor(kv: Deno.Kv, events: EventReader) {
    this.#kv = kv;
    this.#events = events;
  }

  /** Plans the next round of a room (at most `maxEvents` events of the log). */
  async plan(roomId: string, maxEvents = ROUND_EVENTS): Promise<RoomPlan> {
    return (await this.planRooms([{ roomId }], maxEvents))[0];
  }

  /**
   * Plans the next round of several rooms, their markers and heads read together.
   * `known` are events this isolate committed and was told of (`onCommitted`): when
   * they follow on from the marker, they are used as they are and the log is not
   * read (only what is missing after them is left for the next round).
   */
  async planRooms(
    rooms: Array<{ roomId: string; known?: RoomEvent[] }>,
    maxEvents = ROUND_EVENTS,
  ): Promise<RoomPlan[]> {
    const entries = await getMany<IndexMarker | RoomHead>(
      this.#kv,
      rooms.flatMap(({ roomId }) => [markerKey(roomId), roomHeadKey(roomId)]),
    );
    return await Promise.all(rooms.map(({ roomId, known }, i) =>
      this.#plan(
        roomId,
        entries[2 * i] as Deno.KvEntryMaybe<IndexMarker>,
        entries[2 * i + 1] as Deno.KvEntryMaybe<RoomHead>,
        known,
        maxEvents,
      )
    ));
  }

  async #plan(
    roomId: string,
    markerEntry: Deno.KvEntryMaybe<IndexMarker>,
    headEntry: Deno.KvEntryMaybe<RoomHead>,
    known: RoomEvent[] | undefined,
    maxEvents: number,
  ): Promise<RoomPlan> {
    const head = headEntry.value ? headRev(headEntry.value) : 0;
    const plan: RoomPlan = {
      roomId,
      versionstamp: markerEntry.versionstamp,
      commits: [],
      from: markerEntry.value?.rev ?? 0,
      head,
      idle: false,
      messages: 0,
      added: new Set(),
      dropped: new Set(),
    };
    const cached = this.#known.get(roomId);
    if (cached && cached.stamp !== markerEntry.versionstamp) this.#forget(roomId);
    const marker = markerEntry.value ?? { rev: 0, v: INDEX_VERSION };
    if (marker.v > INDEX_VERSION) return { ...plan, idle: true }; // a newer version's
    if (marker.v < INDEX_VERSION) {
      this.#forget(roomId);
      plan.commits.push(commit({ rev: 0, v: INDEX_VERSION, wipe: true }));
      return plan;
    }
    if (marker.wipe) return await this.#planWipe(plan);
    if (marker.rev >= head) return { ...plan, idle: true };
    let events = following(known ?? [], marker.rev, maxEvents);
    if (!events.length) events = await this.#events.events(roomId, marker.rev + 1, head, maxEvents);
    if (!events.length) {
      log.warn("search_index_gap", { room: roomId, from: marker.rev + 1, head });
      return { ...plan, idle: true };
    }
    await this.#planEvents(plan, events);
    return plan;
  }

  /** Deletes a room's index in chunks, then clears the wipe (indexing starts over). */
  async #planWipe(plan: RoomPlan): Promise<RoomPlan> {
    this.#forget(plan.roomId);
    const keys: Deno.KvKey[] = [];
    for (const prefix of roomIndexPrefixes(plan.roomId)) {
      const left = COMMIT_MUTATIONS - keys.length;
      if (left <= 0) break;
      for await (const entry of this.#kv.list({ prefix }, { limit: left, batchSize: left })) {
        keys.push(entry.key);
      }
    }
    const step = commit(
      keys.length ? { rev: 0, v: INDEX_VERSION, wipe: true } : { rev: 0, v: INDEX_VERSION },
    );
    step.deletes = keys;
    step.mutations += keys.length;
    step.bytes += keys.length * 80;
    plan.commits.push(step);
    return plan;
  }

  async #planEvents(plan: RoomPlan, events: RoomEvent[]): Promise<void> {
    const { roomId } = plan;
    // Each message once, at its first event, in its newest state read.
    const messages = new Map<number, { first: number; created: boolean; message: Message }>();
    for (const event of events) {
      const seen = messages.get(event.message.seq);
      if (!seen) {
        messages.set(event.message.seq, {
          first: event.rev,
          created: event.kind === "message",
          message: event.message,
        });
      } else if (revOf(event.message) > revOf(seen.message)) seen.message = event.message;
    }
    const seqs = [...messages.keys()];
    const wants: string[][] = [];
    for (const seq of seqs) {
      await pace();
      wants.push(termsOf(messages.get(seq)!.message));
    }
    // A message created after the marker has indexed nothing yet, unless it was too big
    // for one commit (then pieces of it may be in): only the others' docs are read.
    const read = seqs.filter((seq, i) =>
      !messages.get(seq)!.created || 2 * wants[i].length + 1 > COMMIT_MUTATIONS
    );
    const found = await getMany<IndexedDoc>(this.#kv, read.map((seq) => docKey(roomId, seq)));
    const bySeq = new Map(read.map((seq, i) => [seq, found[i].value]));
    const docs = seqs.map((seq) => ({ value: bySeq.get(seq) ?? null }));
    const known = this.#known.get(roomId)?.terms;
    let current = commit(marker(0));
    const close = (rev: number) => {
      if (!current.sets.length && !current.deletes.length) return;
      current.marker = marker(rev);
      plan.commits.push(current);
      current = commit(marker(rev));
    };
    seqs.forEach((seq, i) => {
      const { first, message } = messages.get(seq)!;
      const doc = docs[i].value;
      const have = docTerms(doc);
      const want = wants[i];
      const wanted = new Set(want);
      const had = new Set(have);
      const add = want.filter((t) => !had.has(t));
      const drop = have.filter((t) => !wanted.has(t));
      if (!add.length && !drop.length) return;
      plan.messages++;
      const at = doc?.at ?? message.createdAt;
      // At most: a posting and a dictionary entry per added term, a posting per dropped one.
      const cost = 2 * add.length + drop.length + 1;
      // Everything before this message's first event is in the commits so far.
      if (current.mutations + cost > COMMIT_MUTATIONS) close(first - 1);
      if (cost <= COMMIT_MUTATIONS) {
        change(current, plan, known, { seq, at, add, drop, terms: want });
        return;
      }
      // Too big for one commit: add in pieces, then drop in pieces; each piece's doc
      // lists exactly the postings the message has after it.
      const posted = new Set(have);
      const per = Math.floor((COMMIT_MUTATIONS - 1) / 2);
      for (let j = 0; j < add.length; j += per) {
        const piece = add.slice(j, j + per);
        for (const t of piece) posted.add(t);
        change(current, plan, known, { seq, at, add: piece, drop: [], terms: [...posted] });
        close(first - 1);
      }
      for (let j = 0; j < drop.length; j += per) {
        const piece = drop.slice(j, j + per);
        for (const t of piece) posted.delete(t);
        change(current, plan, known, { seq, at, add: [], drop: piece, terms: [...posted] });
        if (j + per < drop.length) close(first - 1);
      }
    });
    current.marker = marker(events.at(-1)!.rev);
    plan.commits.push(current);
  }

  /**
   * Applies plans: the first commit of every room packed into as few KV commits as
   * fit, then the second of those that have one, and so on. A packed commit that
   * fails is retried room by room, so one contended room fails only itself.
   */
  async apply(plans: RoomPlan[]): Promise<ApplyResult[]> {
    const results = new Map<string, ApplyResult>();
    const stamps = new Map<string, string | null>();
    for (const plan of plans) {
      stamps.set(plan.roomId, plan.versionstamp);
      results.set(plan.roomId, {
        roomId: plan.roomId,
        outcome: plan.idle ? "idle" : "applied",
        rev: plan.commits.at(-1)?.marker.rev ?? plan.from,
        head: plan.head,
        messages: plan.messages,
      });
    }
    const live = plans.filter((p) => !p.idle && p.commits.length);
    for (let round = 0; live.some((p) => p.commits.length > round); round++) {
      const due = live.filter((p) =>
        p.commits.length > round && results.get(p.roomId)!.outcome === "applied"
      );
      for (const pack of packs(due, round)) {
        const stamp = await this.#commit(pack.map((p) => ({
          roomId: p.roomId,
          versionstamp: stamps.get(p.roomId)!,
          step: p.commits[round],
        })));
        if (stamp) {
          for (const p of pack) stamps.set(p.roomId, stamp);
          continue;
        }
        for (const p of pack) {
          const alone = pack.length === 1 ? null : await this.#commit([{
            roomId: p.roomId,
            versionstamp: stamps.get(p.roomId)!,
            step: p.commits[round],
          }]);
          if (alone) stamps.set(p.roomId, alone);
          else {
            const result = results.get(p.roomId)!;
            result.outcome = "contended";
            result.rev = round > 0 ? p.commits[round - 1].marker.rev : p.from;
          }
        }
      }
    }
    for (const plan of live) {
      const result = results.get(plan.roomId)!;
      if (result.outcome !== "applied") {
        this.#forget(plan.roomId);
        continue;
      }
      let stamp = stamps.get(plan.roomId)!;
      const dead = await this.#cleanUp(plan, stamp);
      if (dead) stamp = dead.stamp;
      this.#remember(plan.roomId, stamp, plan.added, dead?.terms ?? []);
    }
    return plans.map((p) => results.get(p.roomId)!);
  }

  /**
   * Deletes the dictionary entries of the terms a plan removed postings of and that
   * have none left; answers which, and the marker's versionstamp after (undefined
   * when there were none, or when another writer got there first: then the entries
   * stay, harmless, until that term is removed again or the room is reindexed).
   */
  async #cleanUp(
    plan: RoomPlan,
    stamp: string,
  ): Promise<{ terms: string[]; stamp: string } | undefined> {
    const candidates = [...plan.dropped].filter((t) => !plan.added.has(t));
    if (!candidates.length) return undefined;
    const left = await Promise.all(candidates.map(async (term) => {
      for await (const _ of this.#kv.list({ prefix: ["sx", plan.roomId, term] }, { limit: 1 })) {
        return true;
      }
      return false;
    }));
    const dead = candidates.filter((_, i) => !left[i]);
    if (!dead.length) return undefined;
    const op = this.#kv.atomic().check({ key: markerKey(plan.roomId), versionstamp: stamp });
    for (const term of dead) op.delete(dictKey(plan.roomId, term));
    op.set(markerKey(plan.roomId), plan.commits.at(-1)!.marker);
    const done = await op.commit().catch(() => ({ ok: false as const }));
    return done.ok ? { terms: dead, stamp: done.versionstamp } : undefined;
  }

  #remember(roomId: string, stamp: string, added: Set<string>, removed: string[]): void {
    const entry = this.#known.get(roomId);
    const terms = entry?.terms ?? new Set<string>();
    this.#known.delete(roomId); // re-inserted: the least recently used rooms go first
    const before = terms.size;
    for (const t of added) terms.add(t);
    for (const t of removed) terms.delete(t);
    this.#knownCount += terms.size - before;
    this.#known.set(roomId, { stamp, terms });
    for (const [id, other] of this.#known) {
      if (this.#knownCount <= KNOWN_TERMS_MAX || id === roomId) break;
      this.#known.delete(id);
      this.#knownCount -= other.terms.size;
    }
  }

  #forget(roomId: string): void {
    const entry = this.#known.get(roomId);
    if (!entry) return;
    this.#known.delete(roomId);
    this.#knownCount -= entry.terms.size;
  }

  /** One KV commit of these rooms' steps; its versionstamp, or null when a check failed. */
  async #commit(
    parts: Array<{ roomId: string; versionstamp: string | null; step: PlannedCommit }>,
  ): Promise<string | null> {
    const op = this.#kv.atomic();
    for (const { roomId, versionstamp, step } of parts) {
      op.check({ key: markerKey(roomId), versionstamp });
      for (const [key, value] of step.sets) op.set(key, value);
      for (const key of step.deletes) op.delete(key);
      op.set(markerKey(roomId), step.marker);
    }
    try {
      const result = await op.commit();
      return result.ok ? result.versionstamp : null;
    } catch (err) {
      log.warn("search_index_commit_failed", { rooms: parts.length, ...errorFields(err) });
      return null;
    }
  }

  /** Marks a room's index for rebuilding (everything deleted, then indexed anew). */
  async rebuild(roomId: string): Promise<void> {
    for (let i = 0; i < 20; i++) {
      const entry = await this.#kv.get<IndexMarker>(markerKey(roomId));
      const marker: IndexMarker = { rev: 0, v: INDEX_VERSION, wipe: true };
      const done = await this.#kv.atomic().check(entry).set(markerKey(roomId), marker).commit();
      if (done.ok) return;
    }
    throw new Error(`Cannot mark room ${roomId} for reindexing: too much contention`);
  }
}

/** The events right after revision `after`, in order and without a gap (at most `max`). */
function following(events: RoomEvent[], after: number, max: number): RoomEvent[] {
  const sorted = events.filter((e) => e.rev > after).sort((a, b) => a.rev - b.rev);
  const out: RoomEvent[] = [];
  for (const event of sorted) {
    const expected = after + out.length + 1;
    if (event.rev < expected) continue; // told twice
    if (event.rev > expected || out.length >= max) break;
    out.push(event);
  }
  return out;
}

function marker(rev: number): IndexMarker {
  return { rev, v: INDEX_VERSION };
}

function commit(next: IndexMarker): PlannedCommit {
  return { sets: [], deletes: [], marker: next, mutations: 1, bytes: 100 };
}

/**
 * Adds one message's postings and drops others, leaving its doc as `terms`; a term
 * the room's dictionary may not have yet gets its entry (a set: idempotent).
 */
function change(
  step: PlannedCommit,
  plan: RoomPlan,
  known: Set<string> | undefined,
  c: { seq: number; at: number; add: string[]; drop: string[]; terms: string[] },
): void {
  const { roomId } = plan;
  for (const term of c.add) {
    step.sets.push([postingKey(roomId, term, c.at, c.seq), POSTED]);
    step.bytes += 60 + term.length * 3;
    if (!known?.has(term) && !plan.added.has(term)) {
      plan.added.add(term);
      step.sets.push([dictKey(roomId, term), POSTED]);
      step.mutations++;
    }
  }
  for (const term of c.drop) {
    step.deletes.push(postingKey(roomId, term, c.at, c.seq));
    plan.dropped.add(term);
    step.bytes += 60 + term.length * 3;
  }
  if (c.terms.length) {
    const doc: IndexedDoc = { at: c.at, terms: c.terms.join("\n") };
    step.sets.push([docKey(roomId, c.seq), doc]);
    step.bytes += 60 + doc.terms.length * 3;
  } else step.deletes.push(docKey(roomId, c.seq));
  step.mutations += c.add.length + c.drop.length + 1;
}

/** Groups the rooms' `round`-th commits into KV commits within its limits. */
function packs(plans: RoomPlan[], round: number): RoomPlan[][] {
  const out: RoomPlan[][] = [];
  let pack: RoomPlan[] = [];
  let mutations = 0;
  let bytes = 0;
  for (const plan of plans) {
    const step = plan.commits[round];
    const m = step.mutations + 1;
    if (
      pack.length &&
      (mutations + m > COMMIT_MUTATIONS + 90 || bytes + step.bytes > COMMIT_BYTES ||
        pack.length >= PACK_ROOMS)
    ) {
      out.push(pack);
      pack = [];
      mutations = 0;
      bytes = 0;
    }
    pack.push(plan);
    mutations += m;
    bytes += step.bytes;
  }
  if (pack.length) out.push(pack);
  return out;
}
