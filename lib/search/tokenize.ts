/**
 * @module Text as the search index sees it: words found by `Intl.Segmenter`, folded
 * for case and diacritics, overlapping bigrams for scripts written without spaces,
 * emoji, and the same text as one normalized string for phrases. The index, the
 * query parser and the highlighter all read text through `analyze`, so a word is
 * spelled the same way on both sides.
 *
 * Folding: NFKD (so `ﬁ` is `fi`, full-width `Ａ` is `a`, half-width kana are full
 * width), combining marks dropped after Latin, Greek, Cyrillic, Hebrew and Arabic
 * letters (`é` is `e`, niqqud and harakat go) but kept elsewhere, where they are
 * letters' vowels and tones (Thai, Devanagari) or voicing (Japanese `が` stays `が`:
 * NFC puts it back together), invisible format characters dropped (zero-width
 * joiners, bidi marks, soft hyphens), lowercase, and a few letters NFKD leaves alone
 * spelled out (`ß` is `ss`, `ø` is `o`, `æ` is `ae`, final `ς` is `σ`).
 *
 * Scripts without spaces (Chinese, Japanese kana and kanji, Thai, Lao, Khmer,
 * Myanmar): the segmenter's dictionary words are joined back into runs and every
 * two neighbouring characters of a run are a term, so any two or more characters
 * of a run are found, whatever the dictionary thought the words were.
 */

/** Made on first use: ICU's word breaker takes ~20 ms to build, which a start need not wait for. */
let segmenter: Intl.Segmenter | undefined;

/** Scripts written without spaces between words: indexed as character bigrams. */
const NO_SPACE =
  /^[\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Thai}\p{scx=Lao}\p{scx=Khmer}\p{scx=Myanmar}]/u;
/** Marks dropped after letters of these scripts (diacritics); kept after others. */
const DIACRITICS =
  /([\p{sc=Latin}\p{sc=Greek}\p{sc=Cyrillic}\p{sc=Hebrew}\p{sc=Arabic}\p{sc=Common}])\p{Mn}+/gu;
const INVISIBLE = /[\p{Cf}\p{Cc}]/gu;
const FOLD: Record<string, string> = {
  "ß": "ss",
  "ſ": "s",
  "ø": "o",
  "đ": "d",
  "ð": "d",
  "ł": "l",
  "ħ": "h",
  "æ": "ae",
  "œ": "oe",
  "þ": "th",
  "ı": "i",
  "ς": "σ",
  "’": "'",
  "ʼ": "'",
};
const FOLD_RE = /[ßſøđðłħæœþıς’ʼ]/g;
/** Inside a word: the places it is also split at (`don't`, `snake_case`, `1,000`). */
const INNER = /[._'’,:·]+/;
const PICTOGRAPH = /\p{Extended_Pictographic}/u;
const EMOJI_NOISE = /[\uFE0E\uFE0F\u{1F3FB}-\u{1F3FF}]/gu;

/** A term longer than this (UTF-16 units) is indexed by its start. */
export const TERM_MAX = 32;

/** A word folded for search (see the module's note); "" when nothing is left. */
export function fold(word: string): string {
  let text = word.normalize("NFKD").replace(INVISIBLE, "");
  if (/\p{Mn}/u.test(text)) text = text.replace(DIACRITICS, "$1").normalize("NFC");
  text = text.toLowerCase();
  return /[^ -~]/.test(text) ? text.replace(FOLD_RE, (c) => FOLD[c]) : text;
}

/** A term as the index stores it: at most TERM_MAX units, never half a surrogate pair. */
export function indexTerm(term: string): string {
  if (term.length <= TERM_MAX) return term;
  const cut = term.charCodeAt(TERM_MAX - 1);
  return term.slice(0, cut >= 0xd800 && cut <= 0xdbff ? TERM_MAX - 1 : TERM_MAX);
}

/** Whether a (folded or not) string starts in a script without spaces. */
export function isNoSpace(text: string): boolean {
  return NO_SPACE.test(text);
}

/** One term of a text, with where it is (UTF-16 offsets into the text, end exclusive). */
export interface Token {
  /** Folded, full length (the index keeps `indexTerm(term)`). */
  term: string;
  start: number;
  end: number;
  kind: "word" | "part" | "bigram" | "emoji";
}

/** A text analyzed: its terms, and the normalized form phrases are matched against. */
export interface Analyzed {
  tokens: Token[];
  /**
   * The folded words separated by single spaces; a run of a script without spaces
   * is one word, its characters kept together.
   */
  flat: string;
  /** For each piece of `flat`: [flatStart, flatEnd, start, end] (text offsets). */
  spans: Array<[number, number, number, number]>;
  /** The folded characters of runs without spaces: a 1-character word is one of these. */
  chars: Set<string>;
}

/**
 * Analyzes a text. Lone surrogates become U+FFFD first (they are no word), so
 * whatever arrives, offsets stay offsets into the text as given.
 */
export function analyze(input: string): Analyzed {
  const text = input.isWellFormed() ? input : input.toWellFormed();
  const tokens: Token[] = [];
  const spans: Array<[number, number, number, number]> = [];
  const chars = new Set<string>();
  let flat = "";
  /** Where the current run without spaces ended (-1: none open), and its characters. */
  let runEnd = -1;
  let run: Array<{ norm: string; start: number; end: number }> = [];
  const addFlat = (norm: string, start: number, end: number, joined: boolean) => {
    if (flat && !joined) flat += " ";
    spans.push([flat.length, flat.length + norm.length, start, end]);
    flat += norm;
  };
  const closeRun = () => {
    // A lone character is a term of its own (else it could never be found).
    if (run.length === 1) {
      const { norm, start, end } = run[0];
      tokens.push({ term: norm, start, end, kind: "bigram" });
    }
    for (let i = 0; i < run.length; i++) {
      const unit = run[i];
      addFlat(unit.norm, unit.start, unit.end, i > 0);
      chars.add(unit.norm);
      const next = run[i + 1];
      if (next) {
        tokens.push({
          term: unit.norm + next.norm,
          start: unit.start,
          end: next.end,
          kind: "bigram",
        });
      }
    }
    run = [];
    runEnd = -1;
  };
  segmenter ??= new Intl.Segmenter("en", { granularity: "word" });
  for (const { segment, index, isWordLike } of segmenter.segment(text)) {
    const end = index + segment.length;
    if (!isWordLike) {
      if (PICTOGRAPH.test(segment)) {
        closeRun();
        const term = segment.replace(EMOJI_NOISE, "");
        if (term) {
          tokens.push({ term, start: index, end, kind: "emoji" });
          addFlat(term, index, end, false);
        }
      } else if (run.length && /\S/.test(segment)) closeRun();
      continue;
    }
    if (isNoSpace(segment)) {
      if (runEnd !== index) closeRun();
      pushUnits(segment, index, run);
      runEnd = end;
      continue;
    }
    closeRun();
    const term = fold(segment);
    if (!term) continue;
    tokens.push({ term, start: index, end, kind: "word" });
    addFlat(term, index, end, false);
    if (INNER.test(segment)) {
      let offset = index;
      for (const piece of segment.split(INNER)) {
        const at = text.indexOf(piece, offset);
        const part = piece ? fold(piece) : "";
        if (part && part !== term) {
          tokens.push({ term: part, start: at, end: at + piece.length, kind: "part" });
        }
        offset = at + piece.length;
      }
    }
  }
  closeRun();
  return { tokens, flat, spans, chars };
}

/** A segment of a script without spaces as its characters (a base and its marks each). */
function pushUnits(
  segment: string,
  index: number,
  run: Array<{ norm: string; start: number; end: number }>,
): void {
  let start = 0;
  const flush = (end: number) => {
    if (end <= start) return;
    const norm = fold(segment.slice(start, end));
    if (norm) run.push({ norm, start: index + start, end: index + end });
    start = end;
  };
  let i = 0;
  for (const ch of segment) {
    // Half-width voicing marks are letters, but belong to the kana before them.
    if (i > start && !/[\p{M}\uFF9E\uFF9F]/u.test(ch)) flush(i);
    i += ch.length;
  }
  flush(segment.length);
}
