/**
 * A search result's text with its matched words in `<mark>`: the search API's
 * `highlights` ([start, end) UTF-16 offsets into the text). A long text is cut to
 * a window around its first match, with "…" where it was cut; never between the
 * two halves of a surrogate pair, and ranges that fall outside it are clipped.
 * Text only: Preact escapes it, nothing is set as HTML.
 */

/** A long text shows about this many characters. */
export const SNIPPET_CHARS = 280;
/** Shown before the first match, at most, when the text is cut. */
const LEAD_CHARS = 80;

export interface Snippet {
  /** Pieces in order; `mark` ones are matches. */
  parts: Array<{ text: string; mark: boolean }>;
  cutStart: boolean;
  cutEnd: boolean;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/** Moves `at` off the middle of a surrogate pair (forwards). */
function onBoundary(text: string, at: number): number {
  return at > 0 && at < text.length && isHighSurrogate(text.charCodeAt(at - 1)) ? at + 1 : at;
}

/** The window of `text` to show and the marked pieces in it. */
export function snippet(
  text: string,
  highlights: ReadonlyArray<readonly [number, number]>,
  max = SNIPPET_CHARS,
): Snippet {
  const ranges = highlights
    .map(([s, e]) => [Math.max(0, s), Math.min(text.length, e)] as const)
    .filter(([s, e]) => Number.isInteger(s) && Number.isInteger(e) && e > s)
    .sort((a, b) => a[0] - b[0])
    // Overlapping or touching ranges are one mark.
    .reduce<Array<[number, number]>>((merged, [s, e]) => {
      const last = merged.at(-1);
      if (last && s <= last[1]) last[1] = Math.max(last[1], e);
      else merged.push([s, e]);
      return merged;
    }, []);
  let start = 0;
  let end = text.length;
  if (text.length > max) {
    const first = ranges[0]?.[0] ?? 0;
    start = first > LEAD_CHARS ? first - LEAD_CHARS : 0;
    // Start at a word when there is one near.
    const space = text.lastIndexOf(" ", start + 20);
    if (start > 0 && space > start - 20 && space < first) start = space + 1;
    start = onBoundary(text, start);
    end = onBoundary(text, Math.min(text.length, start + max));
    if (end === text.length) start = onBoundary(text, Math.max(0, end - max));
  }
  const parts: Snippet["parts"] = [];
  let at = start;
  for (const [s, e] of ranges) {
    const from = Math.max(s, at);
    const to = Math.min(e, end);
    if (to <= from) continue;
    if (from > at) parts.push({ text: text.slice(at, from), mark: false });
    parts.push({ text: text.slice(from, to), mark: true });
    at = to;
  }
  if (at < end) parts.push({ text: text.slice(at, end), mark: false });
  return { parts, cutStart: start > 0, cutEnd: end < text.length };
}

export function HighlightedText(
  { text, highlights, max }: {
    text: string;
    highlights: ReadonlyArray<readonly [number, number]>;
    max?: number;
  },
) {
  const { parts, cutStart, cutEnd } = snippet(text, highlights, max);
  return (
    <span dir="auto" class="whitespace-pre-line break-words [overflow-wrap:anywhere]">
      {cutStart && "…"}
      {parts.map((part) =>
        part.mark
          ? (
            <mark class="rounded-sm bg-amber-200 px-0.5 text-gray-900 dark:bg-amber-600 dark:text-white">
              {part.text}
            </mark>
          )
          : part.text
      )}
      {cutEnd && "…"}
    </span>
  );
}
