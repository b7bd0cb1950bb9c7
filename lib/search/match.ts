/**
 * @module Whether a message's text says what a clause asks, and where (the
 * highlight ranges). Run on every candidate at query time, on the message as it is
 * now: the index only proposes candidates, this decides.
 */

import type { Analyzed } from "./tokenize.ts";
import { isNoSpace } from "./tokenize.ts";
import type { PhraseClause, TextClause, WordClause } from "./query.ts";

/** A highlight: UTF-16 offsets into the text, end exclusive. */
export type Range = [number, number];

/** Whether the analyzed text matches the clause. */
export function matches(text: Analyzed, clause: TextClause): boolean {
  return clause.kind === "word"
    ? matchesWord(text, clause)
    : phraseAt(text, clause, () => true) !== undefined;
}

function wordMatches(term: string, clause: WordClause): boolean {
  return clause.prefix ? term.startsWith(clause.text) : term === clause.text;
}

function matchesWord(text: Analyzed, clause: WordClause): boolean {
  if (clause.prefix && text.chars.has(clause.text)) return true;
  return text.tokens.some((t) => wordMatches(t.term, clause));
}

/**
 * Calls `found(flatStart, flatEnd)` for each place the phrase is in the text (at
 * word boundaries, or anywhere inside a run of a script without spaces) until it
 * answers true; answers that place's start, or undefined.
 */
function phraseAt(
  text: Analyzed,
  clause: PhraseClause,
  found: (start: number, end: number) => boolean,
): number | undefined {
  const { flat } = text;
  const needle = clause.flat;
  for (let i = flat.indexOf(needle); i >= 0; i = flat.indexOf(needle, i + 1)) {
    const end = i + needle.length;
    // Words and runs are separated by spaces in `flat`: a phrase that starts (ends)
    // in a script without spaces may start (end) anywhere inside a run.
    const startOk = i === 0 || flat[i - 1] === " " || clause.openStart;
    const endOk = end === flat.length || flat[end] === " " || clause.openEnd;
    if (startOk && endOk && found(i, end)) return i;
  }
  return undefined;
}

/** Where the clauses match in the text: merged, ascending. */
export function highlights(text: Analyzed, clauses: TextClause[]): Range[] {
  const ranges: Range[] = [];
  for (const clause of clauses) {
    if (clause.kind === "word") {
      for (const t of text.tokens) {
        if (t.kind === "bigram" && clause.prefix) continue; // by character, below
        if (wordMatches(t.term, clause)) ranges.push([t.start, t.end]);
      }
      if (clause.prefix && isNoSpace(clause.text)) {
        for (const [fs, fe, start, end] of text.spans) {
          if (text.flat.slice(fs, fe) === clause.text) ranges.push([start, end]);
        }
      }
      continue;
    }
    phraseAt(text, clause, (from, to) => {
      let start = Infinity;
      let end = -Infinity;
      for (const [fs, fe, s, e] of text.spans) {
        if (fe <= from || fs >= to) continue;
        start = Math.min(start, s);
        end = Math.max(end, e);
      }
      if (end > start) ranges.push([start, end]);
      return false; // every place
    });
  }
  return merge(ranges);
}

function merge(ranges: Range[]): Range[] {
  ranges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Range[] = [];
  for (const [start, end] of ranges) {
    const last = out.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else out.push([start, end]);
  }
  return out;
}
