/**
 * @module Running a query over the index: one stream of candidates per room, merged
 * newest first, each candidate checked against the message as it is now.
 *
 * Order. Results are ordered by (createdAt, roomId, seq), descending: a room's
 * postings are keyed that way, so every room's stream is in that order and the
 * merge is exact; a page ends at a position and the next starts below it.
 *
 * Work is bounded and goes where the results are:
 * - A room's stream is driven by its rarest requirement (a term, a prefix, the
 *   `from:` authors, `#file`/`#link`, the mention terms, or `#all`): requirements of
 *   up to 64 postings in the room are read whole and compared in memory, bigger ones
 *   are read newest first in batches that grow (8, 16, … 256) and, as filters,
 *   probed for a whole batch at once (a big prefix expands to ≤ 20 words of the
 *   room's dictionary). A term absent from a room's dictionary rules the room out
 *   (one read for several rooms).
 * - Rooms are read best first: a room's first read waits until it could hold the
 *   next result (its newest message is newer than the best candidate so far), so a
 *   common word reads the few most active rooms, not all of them.
 * - Candidates are fetched and verified only when nothing unread can come before
 *   them, at most one page at a time: the text (and file names) must say every
 *   word and phrase, none of the exclusions, and the operators must hold. Deleted
 *   messages, old texts of edited ones and stale postings fall out here.
 * - A page stops at a budget of keys read and of time (a pathological query answers
 *   fewer results and a cursor to go on from, never a slow answer).
 */

import type { Message } from "../protocol/types.ts";
import { type Candidate, type IndexStore, postingKey } from "./index_store.ts";
import { highlights, matches, type Range } from "./match.ts";
import type { TextClause } from "./query.ts";
import { ALL, FILE, fromTerm, hasLink, LINK, MENTION_ALL, mentionTerm } from "./terms.ts";
import { analyze } from "./tokenize.ts";

/** Where a page ended: the next one holds what sorts strictly below it. */
export interface Position {
  at: number;
  room: string;
  seq: number;
}

/** A resolved query, as the engine runs it. */
export interface SearchSpec {
  /** Who asks (`is:mention`). */
  userId: string;
  /** The rooms to search, with when their newest message was stored. */
  rooms: Array<{ id: string; lastAt: number }>;
  include: TextClause[];
  exclude: TextClause[];
  /** Author ids, any of them (undefined: anyone); and none of `notFrom`. */
  from?: string[];
  notFrom: string[];
  /** createdAt < before, createdAt ≥ after. */
  before?: number;
  after?: number;
  file?: boolean;
  link?: boolean;
  mention?: boolean;
}

export interface Hit {
  message: Message;
  highlights: Range[];
}

export interface EngineStats {
  /** Index keys read (postings, counts, probes) and messages fetched. */
  keys: number;
  fetched: number;
  rooms: number;
  ms: number;
  /** The page stopped at the budget. */
  cut: boolean;
}

export interface EnginePage {
  hits: Hit[];
  next?: Position;
  stats: EngineStats;
}

export interface EngineDeps {
  index: IndexStore;
  /** Messages as served, by seq (missing ones left out). */
  bySeq(roomId: string, seqs: number[]): Promise<Map<number, Message>>;
}

export interface Budget {
  keys: number;
  ms: number;
}

/** Expansions of one prefix at most, of the first EXPANSION_SCAN terms it starts. */
export const EXPANSIONS_MAX = 20;
const EXPANSION_SCAN = 200;
/** Requirements of at most this many terms are probed; longer ones are verified. */
const PROBE_TERMS_MAX = 4;
/** Dictionary entries read in one go, at most (several rooms share a read). */
const PRESENCE_BATCH_KEYS = 40;
/**
 * A requirement (a term, a prefix) of at most this many postings in a room is read
 * whole, in one range, and compared in memory; a bigger one is streamed (a prefix
 * then expanded by the dictionary).
 */
const WHOLE_MAX = 64;
const FIRST_BATCH = 8;
const BATCH_MAX = 256;
/**
 * Rooms read at once: a few at first (a common word is found in the first ones),
 * more while many rooms could still hold something better than what was found (a
 * rare combination has to visit them all).
 */
const FILL_PARALLEL = 4;
const FILL_PARALLEL_MAX = 16;
/** A message is taken to be created no later than its room's head says, plus this. */
const CLOCK_SLACK_MS = 10 * 60_000;
export const DEFAULT_BUDGET: Budget = { keys: 20_000, ms: 300 };

/** Descending order of results: positive when `a` comes first. */
export function compare(a: Position, b: Position): number {
  return a.at - b.at || (a.room < b.room ? -1 : a.room > b.room ? 1 : 0) || a.seq - b.seq;
}

function lower(a: Position, b: Position): Position {
  return compare(a, b) <= 0 ? a : b;
}

/** Runs a query: up to `limit` hits after `cursor`, and where the next page starts. */
export async function runSearch(
  deps: EngineDeps,
  spec: SearchSpec,
  options: { limit: number; cursor?: Position; budget?: Budget },
): Promise<EnginePage> {
  const started = performance.now();
  const budget = options.budget ?? DEFAULT_BUDGET;
  const ctx = new Context(deps, spec);
  const streams: RoomStream[] = [];
  for (const room of spec.rooms) {
    const newest = {
      at: room.lastAt + CLOCK_SLACK_MS,
      room: room.id,
      seq: Number.MAX_SAFE_INTEGER,
    };
    const bound = options.cursor ? lower(options.cursor, newest) : newest;
    if (spec.after !== undefined && bound.at < spec.after) continue;
    streams.push(new RoomStream(room.id, bound));
  }
  streams.sort((a, b) => compare(b.frontier, a.frontier));
  ctx.streams = streams;
  const want = options.limit + 1;
  const out: Hit[] = [];
  let fills = 0;
  let cut = false;
  const over = () =>
    ctx.keys + 2 * ctx.fetched >= budget.keys || performance.now() - started >= budget.ms;
  while (out.length < want) {
    const best = bestOf(streams);
    const needs = streams.filter((s) =>
      !s.buffer.length && !s.exhausted && (!best || compare(s.frontier, best.buffer[0]) > 0)
    );
    if (needs.length) {
      if (fills > 0 && over()) {
        cut = true;
        break;
      }
      needs.sort((a, b) => compare(b.frontier, a.frontier));
      const parallel = fills === 0
        ? FILL_PARALLEL
        : Math.min(FILL_PARALLEL_MAX, Math.max(FILL_PARALLEL, Math.ceil(needs.length / 3)));
      await Promise.all(needs.slice(0, parallel).map((s) => s.fill(ctx)));
      fills++;
      continue;
    }
    if (!best) break;
    // Candidates nothing unread can precede, in order, at most what the page lacks.
    const batch: Candidate[] = [];
    while (batch.length < want - out.length) {
      const s = bestOf(streams);
      if (!s) break;
      const head = s.buffer[0];
      const blocked = streams.some((e) =>
        !e.buffer.length && !e.exhausted && compare(e.frontier, head) > 0
      );
      if (blocked) break;
      batch.push(s.buffer.shift()!);
    }
    if (!batch.length) continue;
    out.push(...await ctx.verify(batch));
    if (out.length < want && over()) {
      cut = true;
      break;
    }
  }
  let next: Position | undefined;
  let hits = out;
  if (out.length >= want) {
    hits = out.slice(0, options.limit);
    const last = hits.at(-1)!.message;
    next = { at: last.createdAt, room: last.roomId, seq: last.seq };
  } else if (cut) {
    // Everything above the highest unread or unverified candidate is done.
    for (const s of streams) {
      const head = s.buffer[0];
      const bound = head
        ? { at: head.at, room: head.room, seq: head.seq + 1 }
        : s.exhausted
        ? undefined
        : s.frontier;
      if (bound && (!next || compare(bound, next) > 0)) next = bound;
    }
  }
  return {
    hits,
    next,
    stats: {
      keys: ctx.keys,
      fetched: ctx.fetched,
      rooms: streams.filter((s) => s.read).length,
      ms: performance.now() - started,
      cut,
    },
  };
}

function bestOf(streams: RoomStream[]): RoomStream | undefined {
  let best: RoomStream | undefined;
  for (const s of streams) {
    if (s.buffer.length && (!best || compare(s.buffer[0], best.buffer[0]) > 0)) best = s;
  }
  return best;
}

/** What every room's stream shares: the query's requirements, the counters. */
class Context {
  readonly deps: EngineDeps;
  readonly spec: SearchSpec;
  /** Requirements: each is any of its terms; `prefix` ones are expanded per room. */
  readonly required: Array<{ terms: string[] } | { prefix: string }> = [];
  keys = 0;
  fetched = 0;
  /** The rooms' streams, best first (the order their counts are read in, batched). */
  streams: RoomStream[] = [];
  #terms: string[] = [];
  #present = new Map<string, Promise<Set<string>>>();

  constructor(deps: EngineDeps, spec: SearchSpec) {
    this.deps = deps;
    this.spec = spec;
    const single = new Set<string>();
    for (const clause of spec.include) {
      if (clause.kind === "phrase") { for (const t of clause.terms) single.add(t); }
      else if (!clause.prefix) single.add(clause.term);
    }
    if (spec.file) single.add(FILE);
    if (spec.link) single.add(LINK);
    for (const term of single) this.required.push({ terms: [term] });
    for (const clause of spec.include) {
      if (clause.kind === "word" && clause.prefix) this.required.push({ prefix: clause.term });
    }
    if (spec.from) this.required.push({ terms: spec.from.map(fromTerm) });
    if (spec.mention) this.required.push({ terms: [mentionTerm(spec.userId), MENTION_ALL] });
    if (!this.required.length) this.required.push({ terms: [ALL] });
    this.#terms = [...new Set(this.required.flatMap((r) => "terms" in r ? r.terms : []))];
  }

  /**
   * Which of the query's terms a room has. Read for several rooms at once (this one
   * and the next ones best first that are not known yet): a room ruled out costs a
   * share of one read, not a read of its own.
   */
  presentIn(room: string): Promise<Set<string>> {
    const known = this.#present.get(room);
    if (known) return known;
    const terms = this.#terms;
    const perRead = Math.max(1, Math.floor(PRESENCE_BATCH_KEYS / Math.max(1, terms.length)));
    const rooms = [room];
    for (const s of this.streams) {
      if (rooms.length >= perRead) break;
      if (s.room !== room && !this.#present.has(s.room) && !s.exhausted) rooms.push(s.room);
    }
    this.keys += rooms.length * terms.length;
    const all = this.deps.index.presentIn(rooms, terms);
    rooms.forEach((r, i) =>
      this.#present.set(r, all.then((found) => new Set(terms.filter((_, j) => found[i][j]))))
    );
    return this.#present.get(room)!;
  }

  /** The candidates that are results, in order, each with its highlights. */
  async verify(batch: Candidate[]): Promise<Hit[]> {
    const { spec } = this;
    const byRoom = new Map<string, number[]>();
    for (const c of batch) byRoom.set(c.room, [...byRoom.get(c.room) ?? [], c.seq]);
    const fetched = new Map<string, Map<number, Message>>();
    await Promise.all(
      [...byRoom].map(async ([room, seqs]) => fetched.set(room, await this.deps.bySeq(room, seqs))),
    );
    this.fetched += batch.length;
    const found: Array<{ message: Message; text: ReturnType<typeof analyze> }> = [];
    for (const c of batch) {
      const m = fetched.get(c.room)?.get(c.seq);
      if (!m || m.deleted || m.createdAt !== c.at) continue;
      if (spec.from && !spec.from.includes(m.userId)) continue;
      if (spec.notFrom.includes(m.userId)) continue;
      if (spec.before !== undefined && m.createdAt >= spec.before) continue;
      if (spec.after !== undefined && m.createdAt < spec.after) continue;
      if (spec.file !== undefined && !!m.files?.length !== spec.file) continue;
      if (spec.link !== undefined && hasLink(m.text) !== spec.link) continue;
      const text = analyze(m.text);
      const names = (m.files ?? []).map((f) => analyze(f.name));
      const says = (clause: TextClause) =>
        matches(text, clause) || names.some((name) => matches(name, clause));
      if (!spec.include.every(says) || spec.exclude.some(says)) continue;
      found.push({ message: m, text });
    }
    let kept = found;
    if (spec.mention !== undefined && found.length) {
      const mentioned = new Map<string, Set<number>>();
      const rooms = [...new Set(found.map((f) => f.message.roomId))];
      await Promise.all(rooms.map(async (room) => {
        const seqs = found.filter((f) => f.message.roomId === room).map((f) => f.message.seq);
        mentioned.set(room, await this.deps.index.mentioned(spec.userId, room, seqs));
      }));
      kept = found.filter((f) =>
        mentioned.get(f.message.roomId)!.has(f.message.seq) === spec.mention
      );
    }
    return kept.map((f) => ({ message: f.message, highlights: highlights(f.text, spec.include) }));
  }
}

/** A source of one room's candidates, newest first: `read(n)` answers fewer only at its end. */
interface Source {
  read(n: number, ctx: Context): Promise<Candidate[]>;
}

/** The end of a term's range (exclusive) for candidates below `bound` and `before`. */
function rangeEnd(room: string, term: string, bound: Position, before?: number): Deno.KvKey {
  let end: Deno.KvKey = bound.room === room
    ? postingKey(room, term, bound.at, bound.seq)
    : room < bound.room
    ? postingKey(room, term, bound.at, Number.MAX_SAFE_INTEGER)
    : ["sx", room, term, bound.at];
  if (before !== undefined && before <= bound.at) end = ["sx", room, term, before];
  return end;
}

class ListSource implements Source {
  #room: string;
  #term: string;
  #low: number;
  #end: Deno.KvKey;
  #done = false;

  constructor(room: string, term: string, bound: Position, spec: SearchSpec) {
    this.#room = room;
    this.#term = term;
    this.#low = spec.after ?? 0;
    this.#end = rangeEnd(room, term, bound, spec.before);
  }

  async read(n: number, ctx: Context): Promise<Candidate[]> {
    if (this.#done) return [];
    const got = await ctx.deps.index.postings(this.#room, this.#term, this.#low, this.#end, n);
    ctx.keys += got.length + 1;
    if (got.length < n) this.#done = true;
    const last = got.at(-1);
    if (last) this.#end = postingKey(this.#room, this.#term, last.at, last.seq);
    return got;
  }
}

/** Any of several terms (a prefix's expansions, several authors): a merge, once each. */
interface SubSource {
  source: ListSource;
  buffer: Candidate[];
  done: boolean;
}

class UnionSource implements Source {
  #subs: SubSource[];
  #last?: Candidate;

  constructor(sources: ListSource[]) {
    this.#subs = sources.map((source) => ({ source, buffer: [], done: false }));
  }

  async read(n: number, ctx: Context): Promise<Candidate[]> {
    const out: Candidate[] = [];
    while (out.length < n) {
      const empty = this.#subs.filter((s) => !s.buffer.length && !s.done);
      await Promise.all(empty.map(async (s) => {
        s.buffer = await s.source.read(n, ctx);
        if (s.buffer.length < n) s.done = true;
      }));
      let best: SubSource | undefined;
      for (const s of this.#subs) {
        if (s.buffer.length && (!best || compare(s.buffer[0], best.buffer[0]) > 0)) best = s;
      }
      if (!best) break;
      const next = best.buffer.shift()!;
      const last = this.#last;
      if (!last || last.seq !== next.seq || last.at !== next.at) out.push(next);
      this.#last = next;
    }
    return out;
  }
}

/** One room's candidates already in memory, newest first. */
class ArraySource implements Source {
  #items: Candidate[];
  #next = 0;

  constructor(items: Candidate[]) {
    this.#items = items;
  }

  read(n: number): Promise<Candidate[]> {
    const out = this.#items.slice(this.#next, this.#next + n);
    this.#next += out.length;
    return Promise.resolve(out);
  }
}

/** A requirement in one room: its terms and how many messages have any of them, or all of those. */
type RoomRequirement =
  | { terms: string[]; df: number; all?: undefined }
  | { all: Candidate[]; df: number; terms?: undefined };

/** A filter on a room's candidates: a set of them known in memory, or terms to probe. */
type Filter = { set: Set<string> } | { probe: string[] };

const idOf = (c: Candidate) => `${c.at}:${c.seq}`;

class RoomStream {
  readonly room: string;
  /** Everything of this room above it has been read (into `buffer` or out of the page). */
  frontier: Position;
  buffer: Candidate[] = [];
  exhausted = false;
  read = false;
  #driver?: Source;
  #filters: Filter[] = [];
  #batch = FIRST_BATCH;

  constructor(room: string, bound: Position) {
    this.room = room;
    this.frontier = bound;
  }

  async fill(ctx: Context): Promise<void> {
    if (!this.read) {
      this.read = true;
      await this.#setup(ctx);
      if (this.exhausted) return;
    }
    const n = this.#batch;
    this.#batch = Math.min(BATCH_MAX, n * 2);
    const got = await this.#driver!.read(n, ctx);
    if (got.length < n) this.exhausted = true;
    const last = got.at(-1);
    if (last) this.frontier = { at: last.at, room: this.room, seq: last.seq };
    let kept = got;
    for (const filter of this.#filters) {
      if (!kept.length) break;
      if ("set" in filter) {
        kept = kept.filter((c) => filter.set.has(idOf(c)));
        continue;
      }
      const found = await Promise.all(
        filter.probe.map((t) => ctx.deps.index.posted(this.room, t, kept)),
      );
      ctx.keys += kept.length * filter.probe.length;
      kept = kept.filter((_, i) => found.some((f) => f[i]));
    }
    this.buffer.push(...kept);
  }

  /**
   * Rules the room out (a term it does not have), or picks its driver and filters.
   * With several requirements, each is read up to WHOLE_MAX postings: one that fits
   * is kept whole (a prefix then covers every word it starts, without the
   * dictionary) and compared in memory; the smallest drives; bigger ones are
   * streamed or probed. A lone requirement drives without being measured.
   */
  async #setup(ctx: Context): Promise<void> {
    const { index } = ctx.deps;
    const { spec } = ctx;
    const low = spec.after ?? 0;
    const present = await ctx.presentIn(this.room);
    // A term absent from the room rules it out before anything else is read.
    if (ctx.required.some((r) => "terms" in r && !r.terms.some((t) => present.has(t)))) {
      this.exhausted = true;
      return;
    }
    const single = ctx.required.length === 1;
    const required: RoomRequirement[] = await Promise.all(ctx.required.map(async (r) => {
      if ("terms" in r) {
        const terms = r.terms.filter((t) => present.has(t));
        // Alone, it drives whatever its size; beside others, its size decides.
        if (single) return { terms, df: Infinity };
        const lists = await Promise.all(terms.map((t) =>
          index.postings(
            this.room,
            t,
            low,
            rangeEnd(this.room, t, this.frontier, spec.before),
            WHOLE_MAX + 1,
          )
        ));
        ctx.keys += lists.reduce((n, l) => n + l.length + 1, 0);
        if (lists.every((l) => l.length <= WHOLE_MAX)) {
          const all = this.#inRange(lists.flat(), spec);
          return { all, df: all.length };
        }
        return { terms, df: Infinity };
      }
      const all = await index.prefixPostings(this.room, r.prefix, WHOLE_MAX + 1);
      ctx.keys += all.length + 1;
      if (all.length <= WHOLE_MAX) {
        const inRange = this.#inRange(all, spec);
        return { all: inRange, df: inRange.length };
      }
      const found = await index.expand(this.room, r.prefix, EXPANSION_SCAN);
      ctx.keys += found.length + 1;
      return { terms: pickExpansions(r.prefix, found), df: Infinity };
    }));
    if (required.some((r) => r.df === 0 || (r.terms && !r.terms.length))) {
      this.exhausted = true;
      return;
    }
    // The smallest drives; of those too big to read whole, the one of fewest terms.
    required.sort((a, b) => a.df - b.df || (a.terms?.length ?? 0) - (b.terms?.length ?? 0));
    const [driver, ...rest] = required;
    if (driver.all) this.#driver = new ArraySource(driver.all);
    else {
      const sources = driver.terms.map((t) => new ListSource(this.room, t, this.frontier, spec));
      this.#driver = sources.length === 1 ? sources[0] : new UnionSource(sources);
    }
    this.#filters = rest.flatMap((r): Filter[] =>
      r.all
        ? [{ set: new Set(r.all.map(idOf)) }]
        : r.terms.length <= PROBE_TERMS_MAX
        ? [{ probe: r.terms }]
        : []
    );
  }

  /** Postings (of several terms, in term order) as this room's candidates, newest first, once each. */
  #inRange(all: Candidate[], spec: SearchSpec): Candidate[] {
    const seen = new Set<string>();
    const out: Candidate[] = [];
    for (const c of all) {
      if (spec.after !== undefined && c.at < spec.after) continue;
      if (spec.before !== undefined && c.at >= spec.before) continue;
      if (compare(c, this.frontier) >= 0) continue;
      const id = idOf(c);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(c);
    }
    return out.sort((a, b) => compare(b, a));
  }
}

/** The word itself when it is a term, then the first others: EXPANSIONS_MAX at most. */
function pickExpansions(prefix: string, found: string[]): string[] {
  const exact = found.filter((t) => t === prefix);
  return [...exact, ...found.filter((t) => t !== prefix)].slice(0, EXPANSIONS_MAX);
}
