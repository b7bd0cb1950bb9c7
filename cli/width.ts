/**
 * @module How many terminal columns text takes: grapheme clusters, wide East Asian
 * characters and emoji (2 columns), combining marks and joiners (0). Used to lay
 * out tables, wrap messages and scroll the input line without breaking a character.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

const ZERO_WIDTH_RE = /^[\p{Mn}\p{Me}\p{Cf}]/u;
const EMOJI_RE = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\ufe0f|\p{Regional_Indicator}/u;

// East Asian Wide and Fullwidth blocks (Unicode 15, condensed).
const WIDE_RANGES: Array<[number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWide(code: number): boolean {
  for (const [lo, hi] of WIDE_RANGES) {
    if (code < lo) return false;
    if (code <= hi) return true;
  }
  return false;
}

/** The grapheme clusters of a string (what a user sees as one character). */
export function graphemes(text: string): string[] {
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Columns one grapheme cluster takes. */
export function graphemeWidth(grapheme: string): number {
  const code = grapheme.codePointAt(0) ?? 0;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (code < 0x300) return 1;
  if (EMOJI_RE.test(grapheme)) return 2;
  if (ZERO_WIDTH_RE.test(grapheme)) return 0;
  return isWide(code) ? 2 : 1;
}

/** Columns a (sanitized, single-line) string takes. */
export function displayWidth(text: string): number {
  // Fast path for plain ASCII.
  if (/^[\x20-\x7e]*$/.test(text)) return text.length;
  let width = 0;
  for (const g of graphemes(text)) width += graphemeWidth(g);
  return width;
}

/** Cuts text to at most `width` columns, ending with "…" when it was cut. */
export function truncate(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return "";
  let out = "";
  let used = 0;
  for (const g of graphemes(text)) {
    const w = graphemeWidth(g);
    if (used + w > width - 1) break;
    out += g;
    used += w;
  }
  return out + "…";
}

/** Pads with spaces to `width` columns (never cuts). */
export function padEnd(text: string, width: number): string {
  const missing = width - displayWidth(text);
  return missing > 0 ? text + " ".repeat(missing) : text;
}

/**
 * Wraps one line into rows of at most `width` columns, breaking after spaces when
 * it can and inside a word when the word alone is too long.
 */
export function wrap(text: string, width: number): string[] {
  if (width < 1) return [text];
  if (displayWidth(text) <= width) return [text];
  const rows: string[] = [];
  let row = "";
  let rowWidth = 0;
  // The row as it was after its last space: where a soft break can happen.
  let breakAt = -1;
  const cells = graphemes(text);
  for (let i = 0; i < cells.length; i++) {
    const g = cells[i];
    const w = graphemeWidth(g);
    if (rowWidth + w > width) {
      if (g === " ") {
        rows.push(row);
        row = "";
        rowWidth = 0;
        breakAt = -1;
        continue;
      }
      if (breakAt > 0) {
        const head = graphemes(row).slice(0, breakAt);
        const tail = graphemes(row).slice(breakAt);
        rows.push(head.join("").trimEnd());
        row = tail.join("");
        rowWidth = displayWidth(row);
      } else {
        rows.push(row);
        row = "";
        rowWidth = 0;
      }
      breakAt = -1;
    }
    row += g;
    rowWidth += w;
    if (g === " ") breakAt = graphemes(row).length;
  }
  if (row || rows.length === 0) rows.push(row);
  return rows;
}
