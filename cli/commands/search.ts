/**
 * @module `chat search QUERY [--limit N] [--all]`: the messages of my rooms that
 * match, newest first, one line each (room, #seq, who, when, the text with the
 * matches emphasised), or with `--json` one `{room, message, highlights}` per line
 * as the server gives them. Nothing found is exit 6, grep's "no match" (1 being a
 * server error in this client).
 */

import type { ChatApi } from "../../lib/client/http.ts";
import type { SearchResult } from "../../lib/protocol/types.ts";
import { type Context, outputWidth, requireLogin } from "../context.ts";
import { NoResultsError, UsageError } from "../errors.ts";
import { fileMarkers, formatDateTime, roomLabel } from "../format.ts";
import {
  type Emphasis,
  emphasisFor,
  excerptPieces,
  highlightPieces,
  renderPieces,
} from "../highlight.ts";
import { sanitizeLine } from "../sanitize.ts";
import { displayWidth, padEnd, truncate } from "../width.ts";

/** The contract's largest page (`limit` 1–50). */
export const SEARCH_PAGE_MAX = 50;
/** What `chat search` prints without `--limit`. */
export const SEARCH_DEFAULT = 20;
/** The most results fetched, `--all` included: beyond it, narrow the query. */
export const SEARCH_MAX = 1_000;
/** Columns of text a line shows when not printing to a terminal. */
const EXCERPT_SHOWN = 120;
/** Columns a room's label takes at most in a line. */
const ROOM_SHOWN = 24;

/** The query of the arguments, as one string; an empty one is a usage error. */
export function searchQuery(words: string[]): string {
  const q = words.join(" ").trim();
  if (!q) {
    throw new UsageError('Search needs a query: words, "a phrase", from:USER, in:ROOM, …');
  }
  return q;
}

/** The results of a query, `max` at most, and whether the server has more. */
export interface Collected {
  results: SearchResult[];
  more: boolean;
}

/**
 * Up to `max` results of `q`, newest first, following `nextCursor` page after
 * page (a result met twice is kept once; a page that brings nothing new ends it).
 */
export async function collectResults(api: ChatApi, q: string, max: number): Promise<Collected> {
  const results: SearchResult[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  do {
    const limit = Math.min(SEARCH_PAGE_MAX, max - results.length);
    const page = await api.search(q, { limit, ...(cursor ? { cursor } : {}) });
    let fresh = 0;
    for (const result of page.results) {
      const key = `${result.room.id} ${result.message.seq}`;
      if (seen.has(key) || results.length >= max) continue;
      seen.add(key);
      results.push(result);
      fresh++;
    }
    cursor = fresh ? page.nextCursor : undefined;
  } while (cursor && results.length < max);
  return { results, more: cursor !== undefined };
}

/** What a result shows as its text: the text, or its files when it has none. */
function shownText(result: SearchResult): { text: string; ranges: unknown } {
  const { message } = result;
  if (message.text.trim()) return { text: message.text, ranges: result.highlights };
  return { text: fileMarkers(message) || "(no text)", ranges: [] };
}

/**
 * The lines of `chat search`: `#room  #12  alice  2025-03-14 20:14  text`, the
 * columns aligned, the text cut to `width` columns in all (or to a fixed length
 * when not on a terminal) around its first match, the matches emphasised.
 */
export function searchLines(
  results: SearchResult[],
  options: { emphasis: Emphasis; width?: number },
): string[] {
  const heads = results.map(({ room, message }) => [
    truncate(roomLabel(room), ROOM_SHOWN),
    `#${message.seq}`,
    truncate(sanitizeLine(message.username), ROOM_SHOWN),
    formatDateTime(message.createdAt),
  ]);
  const widths = [0, 1, 2, 3].map((i) => Math.max(0, ...heads.map((h) => displayWidth(h[i]))));
  return results.map((result, n) => {
    const head = heads[n].map((cell, i) => padEnd(cell, widths[i])).join("  ") + "  ";
    const room = options.width === undefined
      ? EXCERPT_SHOWN
      : Math.max(20, options.width - displayWidth(head));
    const { text, ranges } = shownText(result);
    const pieces = excerptPieces(highlightPieces(text, ranges), room);
    return head + renderPieces(pieces, options.emphasis);
  });
}

/** `chat search QUERY [--limit N] [--all] [--json]`. */
export async function search(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const q = searchQuery(ctx.positionals);
  if (ctx.flags.all && ctx.flags.limit !== undefined) {
    throw new UsageError("Options --all and --limit do not go together: --all is every result");
  }
  if ((ctx.flags.limit ?? 0) > SEARCH_MAX) {
    throw new UsageError(`Option --limit of search is at most ${SEARCH_MAX}`);
  }
  const max = ctx.flags.all ? SEARCH_MAX : ctx.flags.limit ?? SEARCH_DEFAULT;
  const { results, more } = await collectResults(ctx.api, q, max);
  if (!results.length) throw new NoResultsError(q);
  if (ctx.flags.json) {
    for (const { room, message, highlights } of results) {
      ctx.out.json({ room, message, highlights: highlights ?? [] });
    }
  } else {
    const terminal = Deno.stdout.isTerminal();
    const emphasis = emphasisFor({ terminal, env: (name) => Deno.env.get(name) });
    for (const line of searchLines(results, { emphasis, width: outputWidth() })) {
      ctx.out.line(line);
    }
  }
  if (more && ctx.flags.all) {
    ctx.out.warn(`Showing the first ${SEARCH_MAX} results: narrow the query to see the others`);
  } else if (more && Deno.stderr.isTerminal()) {
    ctx.out.warn(`More results: --limit N (up to ${SEARCH_MAX}) or --all`);
  }
}
