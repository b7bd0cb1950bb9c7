/**
 * @module Search as the contract sees it (`GET /api/search`): who may read what,
 * names resolved to ids, the cursor checked, the engine run, the results served.
 *
 * What is searched: the messages of the rooms I am a member of now, every one of
 * them (history from before I joined too: members can read all of it), each in its
 * current state. Not the public rooms I have not joined, not rooms I left (they are
 * not asked at all), never a deleted message, never the old text of an edited one
 * (every candidate is checked against the message as it is now).
 */

import { BadRequestError } from "../errors.ts";
import type { Message, Room, SearchPage, User } from "../protocol/types.ts";
import type { RoomHead } from "../store/revisions.ts";
import type { RoomRecord } from "../store/rooms.ts";
import type { RoomService } from "../chat/rooms.ts";
import { log } from "../log.ts";
import { CursorSigner } from "./cursor.ts";
import { type Budget, type EngineStats, runSearch, type SearchSpec } from "./engine.ts";
import type { IndexStore } from "./index_store.ts";
import { parseQuery } from "./query.ts";

export const SEARCH_LIMIT_DEFAULT = 20;
export const SEARCH_LIMIT_MAX = 50;
/** A page that took longer is logged (with what it cost). */
const SLOW_MS = 200;

export interface SearchDeps {
  kv: Deno.Kv;
  index: IndexStore;
  rooms: RoomService;
  /** Room records and heads, in the order asked (null/empty for missing ones). */
  records(roomIds: string[]): Promise<(RoomRecord | null)[]>;
  heads(roomIds: string[]): Promise<RoomHead[]>;
  /** A user's id by username (any case), or null. */
  userId(username: string): Promise<string | null>;
  bySeq(roomId: string, seqs: number[]): Promise<Map<number, Message>>;
  /** Per page (tests shorten it). */
  budget?: Budget;
}

export class SearchService {
  #deps: SearchDeps;
  #cursors: CursorSigner;
  /** What the last page cost (the bench reads it). */
  lastStats: EngineStats | undefined;

  constructor(deps: SearchDeps) {
    this.#deps = deps;
    this.#cursors = new CursorSigner(deps.kv);
  }

  async search(
    user: User,
    input: { q: unknown; limit?: unknown; cursor?: unknown },
  ): Promise<SearchPage> {
    const limit = parseLimit(input.limit);
    const query = parseQuery(input.q);
    const q = input.q as string;
    const cursor = input.cursor === undefined || input.cursor === ""
      ? undefined
      : await this.#cursors.open(user.id, q, input.cursor);
    const roomIds = await this.#roomsToSearch(user.id, query.in, query.notIn);
    let from: string[] | undefined;
    if (query.from.length) {
      from = (await Promise.all(query.from.map((name) => this.#deps.userId(name))))
        .filter((id): id is string => id !== null);
      // Nobody by those names: nothing they wrote.
      if (!from.length) return { results: [] };
    }
    const notFrom = (await Promise.all(query.notFrom.map((name) => this.#deps.userId(name))))
      .filter((id): id is string => id !== null);
    if (!roomIds.length) return { results: [] };
    const heads = await this.#deps.heads(roomIds);
    const spec: SearchSpec = {
      userId: user.id,
      rooms: roomIds.flatMap((id, i) => heads[i].seq > 0 ? [{ id, lastAt: heads[i].at }] : []),
      include: query.include,
      exclude: query.exclude,
      from,
      notFrom,
      before: query.before,
      after: query.after,
      file: query.file,
      link: query.link,
      mention: query.mention,
    };
    const page = await runSearch({ index: this.#deps.index, bySeq: this.#deps.bySeq }, spec, {
      limit,
      cursor,
      budget: this.#deps.budget,
    });
    this.lastStats = page.stats;
    if (page.stats.ms > SLOW_MS) {
      log.info("search_slow", { ...page.stats, ms: Math.round(page.stats.ms), q: q.slice(0, 80) });
    }
    const views = await this.#views(user.id, [...new Set(page.hits.map((h) => h.message.roomId))]);
    const results = page.hits.flatMap((hit) => {
      const room = views.get(hit.message.roomId);
      return room ? [{ room, message: hit.message, highlights: hit.highlights }] : [];
    });
    return page.next
      ? { results, nextCursor: await this.#cursors.sign(user.id, q, page.next) }
      : { results };
  }

  /** My rooms, narrowed by `in:` (ids, or names in any case: a direct room by its peer's). */
  async #roomsToSearch(userId: string, only: string[], not: string[]): Promise<string[]> {
    const mine = await this.#deps.rooms.roomIdsOf(userId);
    if (!only.length && !not.length) return mine;
    const names = await this.#names(userId, mine);
    const named = (values: string[]) => {
      const wanted = new Set(values.map((v) => v.toLowerCase()));
      return new Set(
        mine.filter((id) => wanted.has(id.toLowerCase()) || wanted.has(names.get(id)!)),
      );
    };
    const excluded = named(not);
    const included = only.length ? named(only) : new Set(mine);
    return mine.filter((id) => included.has(id) && !excluded.has(id));
  }

  /** Lowercased names of rooms as I see them. */
  async #names(userId: string, roomIds: string[]): Promise<Map<string, string>> {
    const records = await this.#deps.records(roomIds);
    const names = new Map<string, string>();
    await Promise.all(records.map(async (record, i) => {
      if (!record) return;
      const name = record.pair
        ? (await this.#deps.rooms.view(record, userId, { seq: 0, at: 0 })).name
        : record.name;
      names.set(roomIds[i], name.toLowerCase());
    }));
    return names;
  }

  async #views(userId: string, roomIds: string[]): Promise<Map<string, Room>> {
    const [records, heads] = await Promise.all([
      this.#deps.records(roomIds),
      this.#deps.heads(roomIds),
    ]);
    const views = new Map<string, Room>();
    await Promise.all(records.map(async (record, i) => {
      if (record) views.set(roomIds[i], await this.#deps.rooms.view(record, userId, heads[i]));
    }));
    return views;
  }
}

function parseLimit(value: unknown): number {
  if (value === undefined || value === null || value === "") return SEARCH_LIMIT_DEFAULT;
  const n = typeof value === "string" && /^\d{1,4}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > SEARCH_LIMIT_MAX) {
    throw new BadRequestError(`Parameter "limit" must be 1–${SEARCH_LIMIT_MAX}`);
  }
  return n;
}
