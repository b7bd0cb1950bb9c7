/**
 * @module The matched words of a search result, for a terminal: the server's
 * highlight ranges (UTF-16 offsets into the message's text, untrusted like all it
 * sends) checked, the text cut at them into pieces of one printable line, an
 * excerpt of a width around the first match, and the pieces emphasised with
 * escapes or `*…*`. Shared by `chat search` and the interactive `/search`.
 */

import { sanitizeLine } from "./sanitize.ts";
import { displayWidth, graphemes } from "./width.ts";

/** A run of the text, matched (`hit`) or not; printable as it is. */
export interface Piece {
  text: string;
  hit: boolean;
}

function isHigh(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** An offset moved off the middle of a surrogate pair (to the pair's start). */
function onBoundary(text: string, at: number): number {
  if (at > 0 && at < text.length && isLow(text.charCodeAt(at)) && isHigh(text.charCodeAt(at - 1))) {
    return at - 1;
  }
  return at;
}

/**
 * The ranges as they can be trusted: pairs of integers within the text, empty ones
 * dropped, sorted, overlapping or touching ones merged, none splitting a
 * surrogate pair. Anything malformed is ignored rather than refused: it only
 * decides what is emphasised.
 */
export function normalizeRanges(text: string, ranges: unknown): Array<[number, number]> {
  if (!Array.isArray(ranges)) return [];
  const valid: Array<[number, number]> = [];
  for (const range of ranges.slice(0, 1_000)) {
    if (!Array.isArray(range) || range.length !== 2) continue;
    const [a, b] = range;
    if (!Number.isInteger(a) || !Number.isInteger(b)) continue;
    const start = onBoundary(text, Math.max(0, Math.min(a, text.length)));
    const end = onBoundary(text, Math.max(0, Math.min(b, text.length)));
    if (end > start) valid.push([start, end]);
  }
  valid.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  const merged: Array<[number, number]> = [];
  for (const range of valid) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

/** One piece made printable on one line: controls in caret notation, runs of space as one. */
function clean(text: string): string {
  return sanitizeLine(text).replace(/\s{2,}/g, " ");
}

/**
 * The text as one line cut into pieces, the matched ones marked. Every piece is
 * sanitized on its own (after the cut: sanitizing changes lengths), new lines are
 * spaces, the line's ends trimmed.
 */
export function highlightPieces(text: string, ranges: unknown): Piece[] {
  const pieces: Piece[] = [];
  let at = 0;
  const push = (end: number, hit: boolean) => {
    const part = clean(text.slice(at, end));
    if (part) pieces.push({ text: part, hit });
    at = end;
  };
  for (const [start, end] of normalizeRanges(text, ranges)) {
    push(start, false);
    push(end, true);
  }
  push(text.length, false);
  if (pieces.length && !pieces[0].hit) pieces[0].text = pieces[0].text.trimStart();
  const last = pieces.at(-1);
  if (last && !last.hit) last.text = last.text.trimEnd();
  return pieces.filter((p) => p.text);
}

/** Where an excerpt starts when its first match is far in: this many columns before it. */
const LEAD_COLUMNS = 12;
const ELLIPSIS = "…";

/**
 * At most `width` columns of the pieces. When the first match would not show (it
 * starts past a third of the width), the excerpt starts a few words before it,
 * with `…` for what was cut; `…` ends it when the text goes on.
 */
export function excerptPieces(pieces: Piece[], width: number): Piece[] {
  const cells = pieces.flatMap((p) => graphemes(p.text).map((g) => ({ g, hit: p.hit })));
  const total = cells.reduce((n, c) => n + displayWidth(c.g), 0);
  if (total <= width) return pieces;
  const firstHit = cells.findIndex((c) => c.hit);
  let from = 0;
  if (firstHit > 0) {
    const before = cells.slice(0, firstHit).reduce((n, c) => n + displayWidth(c.g), 0);
    if (before > width / 3) {
      // Back from the match by about LEAD_COLUMNS, to the start of a word when there is one.
      from = firstHit;
      let lead = 0;
      while (from > 0 && lead < LEAD_COLUMNS) lead += displayWidth(cells[--from].g);
      const space = cells.slice(from, firstHit).findIndex((c) => c.g === " ");
      if (space >= 0 && from + space + 1 < firstHit) from += space + 1;
    }
  }
  const out: Array<{ g: string; hit: boolean }> = [];
  let used = 0;
  if (from > 0) {
    out.push({ g: ELLIPSIS, hit: false });
    used++;
  }
  let i = from;
  for (; i < cells.length; i++) {
    const w = displayWidth(cells[i].g);
    // Room for the closing `…` when something is left after this one.
    const reserve = i < cells.length - 1 ? 1 : 0;
    if (used + w + reserve > width) break;
    out.push(cells[i]);
    used += w;
  }
  if (i < cells.length) out.push({ g: ELLIPSIS, hit: false });
  const result: Piece[] = [];
  for (const cell of out) {
    const last = result.at(-1);
    if (last && last.hit === cell.hit) last.text += cell.g;
    else result.push({ text: cell.g, hit: cell.hit });
  }
  return result;
}

/** How a match is emphasised: around it, `open` and `close`. */
export interface Emphasis {
  open: string;
  close: string;
}

/** `*word*`, for output that is not a terminal (or a terminal that takes no escapes). */
export const STARS: Emphasis = { open: "*", close: "*" };

/**
 * The emphasis for a terminal: bold yellow, bold underlined without colours
 * (`NO_COLOR`), `*…*` on a dumb terminal or when not a terminal at all.
 */
export function emphasisFor(
  options: { terminal: boolean; env: (name: string) => string | undefined },
): Emphasis {
  if (!options.terminal || options.env("TERM") === "dumb") return STARS;
  if (options.env("NO_COLOR")) return { open: "\x1b[1;4m", close: "\x1b[22;24m" };
  return { open: "\x1b[1;33m", close: "\x1b[22;39m" };
}

/** The pieces as a string, the matches emphasised. */
export function renderPieces(pieces: Piece[], emphasis: Emphasis): string {
  return pieces.map((p) => p.hit ? `${emphasis.open}${p.text}${emphasis.close}` : p.text).join(
    "",
  );
}
