/**
 * @module The search index in KV: its keys, and the reads a query makes of it (the
 * writes are index_writer.ts's).
 *
 * | key                                      | value                                      |
 * | ---------------------------------------- | ------------------------------------------ |
 * | ["sx", roomId, term, createdAt, seq]     | empty bytes: a posting (message has term)  |
 * | ["sx_dict", roomId, term]                | empty bytes: the room has postings of term |
 * | ["sx_doc", roomId, seq]                  | IndexedDoc: the terms the message posted   |
 * | ["sx_rev", roomId]                       | IndexMarker: indexed up to this revision   |
 * | ["meta", "search_key"]                   | 32 random bytes: the cursors' HMAC key     |
 *
 * The room comes first in every key, so a query reads only the rooms of the person
 * asking (leaving a room hides it at once: it is not asked), and a room's index is
 * one range to rebuild. Postings are ordered by (createdAt, seq): a list read
 * backwards is newest first, and `before:`/`after:` are bounds of the range. The
 * dictionary lists the terms a room has: a term absent from a room rules the room
 * out with one read (batched over rooms), and a prefix with many postings is
 * expanded from it. (It holds no counts: keeping them would cost a write per term of
 * every message; a query learns how frequent a term is by reading up to 65 of its
 * postings, which it needs anyway.) A message's doc lists exactly the terms it has
 * postings for (written in the same commits), so an edit removes what it no longer
 * says and a delete removes everything, without reading the postings.
 *
 * Every write to a room's index keys is in a commit that checks and moves the room's
 * marker: whoever reads the marker, then the docs and counts, and commits, knows
 * nobody else wrote them meanwhile (or the commit fails and is planned again).
 */

import { getMany } from "../store/kv.ts";
import { mentionKey, roomMentionKey } from "../store/keys.ts";
import type { RoomMention } from "../store/mention_index.ts";

/** Bumped when what a message indexes changes: rooms indexed by an older version are rebuilt. */
export const INDEX_VERSION = 1;

/** `["sx_rev", roomId]`: how far the room's index is. */
export interface IndexMarker {
  /** Every event of the room up to this revision is in the index. */
  rev: number;
  /** The INDEX_VERSION that wrote it. */
  v: number;
  /** The room's index is being rebuilt: everything under it is to be deleted first. */
  wipe?: true;
}

/** `["sx_doc", roomId, seq]`: what a message has postings for. */
export interface IndexedDoc {
  /** The message's createdAt (part of its postings' keys). */
  at: number;
  /** Its terms, joined by "\n" (no term holds one). */
  terms: string;
}

/** A posting's value: the key says it all. */
export const POSTED = new Uint8Array(0);

export function postingKey(roomId: string, term: string, at: number, seq: number): Deno.KvKey {
  return ["sx", roomId, term, at, seq];
}

export function dictKey(roomId: string, term: string): Deno.KvKey {
  return ["sx_dict", roomId, term];
}

export function docKey(roomId: string, seq: number): Deno.KvKey {
  return ["sx_doc", roomId, seq];
}

export function markerKey(roomId: string): Deno.KvKey {
  return ["sx_rev", roomId];
}

/** The prefixes of everything a room's index holds (a rebuild deletes them). */
export function roomIndexPrefixes(roomId: string): Deno.KvKey[] {
  return [["sx", roomId], ["sx_doc", roomId], ["sx_dict", roomId]];
}

export function docTerms(doc: IndexedDoc | null | undefined): string[] {
  return doc?.terms ? doc.terms.split("\n") : [];
}

/** A message as a query sees it before reading it: where its postings sort. */
export interface Candidate {
  room: string;
  at: number;
  seq: number;
}

/** The highest string a key part can hold: the end of a prefix's range. */
const TOP = "\u{10FFFF}";

/** The reads a query makes of the index. */
export class IndexStore {
  #kv: Deno.Kv;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** Which of the terms each room's dictionary has: one list per room, in order. */
  async presentIn(roomIds: string[], terms: string[]): Promise<boolean[][]> {
    const keys = roomIds.flatMap((r) => terms.map((t) => dictKey(r, t)));
    const entries = await getMany(this.#kv, keys);
    return roomIds.map((_, i) =>
      entries.slice(i * terms.length, (i + 1) * terms.length).map((e) => e.versionstamp !== null)
    );
  }

  /** Up to `limit` terms of a room that start with `prefix`, in term order. */
  async expand(roomId: string, prefix: string, limit: number): Promise<string[]> {
    const found: string[] = [];
    const iter = this.#kv.list({
      start: dictKey(roomId, prefix),
      end: dictKey(roomId, prefix + TOP),
    }, { limit, batchSize: limit });
    for await (const entry of iter) found.push(entry.key[2] as string);
    return found;
  }

  /**
   * Up to `limit` postings of a term in a room, newest first, with `lowAt` ≤
   * createdAt and key below `end` (a key under the term's prefix).
   */
  async postings(
    roomId: string,
    term: string,
    lowAt: number,
    end: Deno.KvKey,
    limit: number,
  ): Promise<Candidate[]> {
    const found: Candidate[] = [];
    const iter = this.#kv.list({ start: ["sx", roomId, term, lowAt], end }, {
      reverse: true,
      limit,
      batchSize: limit,
    });
    for await (const entry of iter) {
      found.push({ room: roomId, at: entry.key[3] as number, seq: entry.key[4] as number });
    }
    return found;
  }

  /**
   * Up to `limit` postings of every term of a room that starts with `prefix`, in
   * key order (by term, then time): a prefix with few postings, read in one range.
   */
  async prefixPostings(roomId: string, prefix: string, limit: number): Promise<Candidate[]> {
    const found: Candidate[] = [];
    const iter = this.#kv.list(
      { start: ["sx", roomId, prefix], end: ["sx", roomId, prefix + TOP] },
      {
        limit,
        batchSize: limit,
      },
    );
    for await (const entry of iter) {
      found.push({ room: roomId, at: entry.key[3] as number, seq: entry.key[4] as number });
    }
    return found;
  }

  /** For each candidate (all of one room), whether it has a posting of `term`. */
  async posted(roomId: string, term: string, candidates: Candidate[]): Promise<boolean[]> {
    const keys = candidates.map((c) => postingKey(roomId, term, c.at, c.seq));
    return (await getMany(this.#kv, keys)).map((e) => e.versionstamp !== null);
  }

  /**
   * Which of a room's messages mention the user, as the mention index says: by
   * name, or by an `@room`/`@here` of someone else that reached them.
   */
  async mentioned(userId: string, roomId: string, seqs: number[]): Promise<Set<number>> {
    const [named, all] = await Promise.all([
      getMany(this.#kv, seqs.map((seq) => mentionKey(userId, roomId, seq))),
      getMany<RoomMention>(this.#kv, seqs.map((seq) => roomMentionKey(roomId, seq))),
    ]);
    const found = new Set<number>();
    seqs.forEach((seq, i) => {
      if (named[i].versionstamp !== null) found.add(seq);
      const room = all[i].value;
      if (room && room.by !== userId && (!room.here || room.here.includes(userId))) found.add(seq);
    });
    return found;
  }
}
