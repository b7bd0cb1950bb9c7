/**
 * Matching names as people type them: case and diacritics ignored ("Zoë" is found
 * by "zoe", "Straße" by "strasse"), and a fuzzy score for the quick switcher, the
 * search box's suggestions and the directory's filter.
 *
 * The score is coarse on purpose, so that recency can decide among equals: a name
 * that starts with the query beats one with a word that does, which beats one that
 * merely contains it, which beats one holding its letters in order ("gnrl" in
 * "general"); within that last kind, fewer gaps score higher.
 */

/** Lowercased, diacritics stripped (NFKD, marks removed), ß as "ss". */
export function foldName(text: string): string {
  return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().replace(/ß/g, "ss");
}

export const SCORE_PREFIX = 300;
export const SCORE_WORD = 200;
export const SCORE_CONTAINS = 100;
/** The most a subsequence match scores (minus one per gap). */
export const SCORE_LETTERS = 50;

const WORD_START = /[\s\-_.·:/]/;

/**
 * How well `name` matches `query` (both as typed; folded here): above 0 when it
 * does, 0 for an empty query, -1 when it does not.
 */
export function fuzzyScore(query: string, name: string): number {
  const q = foldName(query.trim());
  if (!q) return 0;
  const n = foldName(name);
  const at = n.indexOf(q);
  if (at === 0) return SCORE_PREFIX;
  if (at > 0) {
    for (let i = at; i >= 0; i = n.indexOf(q, i + 1)) {
      if (i === 0 || WORD_START.test(n[i - 1])) return SCORE_WORD;
      if (i + 1 >= n.length) break;
    }
    return SCORE_CONTAINS;
  }
  // The query's letters in order, counting the gaps between them.
  let gaps = 0;
  let j = 0;
  let last = -1;
  for (let i = 0; i < n.length && j < q.length; i++) {
    if (n[i] !== q[j]) continue;
    if (last >= 0 && i !== last + 1) gaps++;
    last = i;
    j++;
  }
  return j === q.length ? Math.max(1, SCORE_LETTERS - gaps) : -1;
}

/** Whether `text` contains `query`, ignoring case and diacritics (the directory's filter). */
export function containsFolded(text: string, query: string): boolean {
  return foldName(text).includes(foldName(query.trim()));
}
