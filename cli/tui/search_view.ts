/**
 * @module The results of `/search` as the interactive client shows them: in place
 * of the transcript, one row per message (room, #seq, when, who, the text around
 * its first match, the matches emphasised), newest first, one of them selected
 * (↑/↓, PgUp/PgDn), more pages fetched as the selection nears the end. The state
 * is here with its drawing, both pure; `search_actions.ts` fetches and jumps.
 */

import type { SearchPage, SearchResult } from "../../lib/protocol/types.ts";
import { fileMarkers, formatDateTime, plural, roomLabel } from "../format.ts";
import { excerptPieces, highlightPieces } from "../highlight.ts";
import { sanitizeLine } from "../sanitize.ts";
import { displayWidth, padEnd, truncate } from "../width.ts";
import type { Styler } from "./colors.ts";

/** The most results a search view holds: beyond it, narrow the query. */
export const SEARCH_VIEW_MAX = 500;
/** Results fetched per page (the contract's largest). */
export const SEARCH_VIEW_PAGE = 50;
/** The next page is fetched when the selection is this close to the last result. */
const FETCH_AHEAD = 5;

export class SearchView {
  readonly query: string;
  results: SearchResult[] = [];
  /** The index of the selected result. */
  selected = 0;
  /** The index of the first result on screen (set when drawing). */
  top = 0;
  /** Where the next page starts; undefined once there is none. */
  nextCursor?: string;
  /** A page is being fetched. */
  loading = true;
  /** Why the last fetch failed. */
  error?: string;
  #seen = new Set<string>();

  constructor(query: string) {
    this.query = query;
  }

  /** Adds a page (a result held already is not added twice); answers how many were new. */
  add(page: SearchPage): number {
    let added = 0;
    for (const result of page.results) {
      const key = `${result.room.id} ${result.message.seq}`;
      if (this.#seen.has(key) || this.results.length >= SEARCH_VIEW_MAX) continue;
      this.#seen.add(key);
      this.results.push(result);
      added++;
    }
    // A page that brought nothing new would bring the same again: stop there.
    this.nextCursor = added && this.results.length < SEARCH_VIEW_MAX ? page.nextCursor : undefined;
    this.loading = false;
    this.error = undefined;
    return added;
  }

  get current(): SearchResult | undefined {
    return this.results[this.selected];
  }

  /** Moves the selection by `delta` rows, staying within the results. */
  move(delta: number): void {
    this.selected = Math.max(0, Math.min(this.results.length - 1, this.selected + delta));
  }

  /** The selection is near the end and the server has more: time to fetch them. */
  get wantsMore(): boolean {
    return !this.loading && this.nextCursor !== undefined &&
      this.selected >= this.results.length - FETCH_AHEAD;
  }

  /** `3 results`, `50+ results` while there are more. */
  get countText(): string {
    const more = this.nextCursor !== undefined ? "+" : "";
    return `${this.results.length}${more} ${
      this.results.length === 1 && !more ? "result" : "results"
    }`;
  }
}

/** The title bar while a search is on screen. */
export function searchTitle(search: SearchView): string {
  const q = truncate(sanitizeLine(search.query), 40);
  const count = search.loading && !search.results.length ? "searching…" : search.countText;
  return ` Search "${q}": ${count} – ↑/↓ select, Enter: go to it, Esc: back`;
}

/** The text a result shows: its text, or its files when it has none. */
function shown(result: SearchResult): { text: string; ranges: unknown } {
  const { message } = result;
  if (message.text.trim()) return { text: message.text, ranges: result.highlights };
  return { text: fileMarkers(message) || "(no text)", ranges: [] };
}

/** One result as a row of `columns`; the selected one in reverse video, marked `>`. */
function resultRow(
  result: SearchResult,
  widths: { room: number; seq: number; name: number },
  selected: boolean,
  columns: number,
  s: Styler,
): string {
  const base = selected ? s.reverse : "";
  const { room, message } = result;
  const name = truncate(sanitizeLine(message.username), widths.name);
  const head = `${selected ? ">" : " "} ${formatDateTime(message.createdAt)} ${
    padEnd(truncate(roomLabel(room), widths.room), widths.room)
  } ${padEnd(`#${message.seq}`, widths.seq)} `;
  const headWidth = displayWidth(head) + displayWidth(name) + 2;
  const { text, ranges } = shown(result);
  const pieces = excerptPieces(highlightPieces(text, ranges), Math.max(4, columns - headWidth));
  let used = headWidth;
  let row = `${base}${head}${s.bold}${s.user(message.username)}${name}${s.reset}${base}: `;
  for (const piece of pieces) {
    row += piece.hit ? `${s.hit}${piece.text}${s.reset}${base}` : piece.text;
    used += displayWidth(piece.text);
  }
  // The selection is a bar across the screen.
  if (selected && used < columns) row += " ".repeat(columns - used);
  return `${row}${s.reset}`;
}

/**
 * The rows of the results, `height` of them, the selection kept on screen (it
 * scrolls `search.top`), then a line that says what else there is: more to fetch,
 * the end, nothing found, an error.
 */
export function searchRows(
  search: SearchView,
  height: number,
  columns: number,
  s: Styler,
): string[] {
  const rows: string[] = [];
  const footer = footerText(search);
  const listHeight = Math.max(1, height - (footer ? 1 : 0));
  search.selected = Math.max(0, Math.min(search.selected, search.results.length - 1));
  if (search.selected < search.top) search.top = search.selected;
  if (search.selected >= search.top + listHeight) search.top = search.selected - listHeight + 1;
  search.top = Math.max(0, Math.min(search.top, search.results.length - listHeight));
  const visible = search.results.slice(search.top, search.top + listHeight);
  const widths = {
    room: Math.min(
      Math.max(4, Math.floor(columns / 5)),
      Math.max(1, ...visible.map((r) => displayWidth(roomLabel(r.room)))),
    ),
    seq: Math.max(2, ...visible.map((r) => String(r.message.seq).length + 1)),
    name: Math.min(16, Math.max(4, Math.floor(columns / 6))),
  };
  visible.forEach((result, i) => {
    rows.push(resultRow(result, widths, search.top + i === search.selected, columns, s));
  });
  if (footer) {
    const style = search.error ? s.red : s.dim;
    rows.push(`${style}${truncate(footer, columns)}${s.reset}`);
  }
  while (rows.length < height) rows.push("");
  return rows.slice(0, height);
}

function footerText(search: SearchView): string {
  if (search.error) return `Search failed: ${sanitizeLine(search.error)}`;
  if (search.loading) return search.results.length ? "──── loading more… ────" : "Searching…";
  if (!search.results.length) {
    return `No messages match "${sanitizeLine(search.query)}": Esc or /back to return`;
  }
  if (search.nextCursor !== undefined) return "──── more: ↓ at the end fetches them ────";
  if (search.results.length >= SEARCH_VIEW_MAX) {
    return `──── the first ${SEARCH_VIEW_MAX} only: narrow the query ────`;
  }
  return `──── ${plural(search.results.length, "result")}, the oldest last ────`;
}
