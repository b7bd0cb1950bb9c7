/**
 * @module Parsing a search query: words, `"quoted phrases"`, `-exclusions` and the
 * operators, into clauses the engine runs (resolving names is the service's part).
 *
 * A piece of the query is what stands between spaces (or between quotes). A piece
 * that is one word matches words that start with it (a prefix), except when it is
 * quoted, or one letter long: then the word itself. A piece that is several words
 * to the segmenter (`example.com`, `上海东边`, anything quoted) is a phrase: all of
 * its terms, next to each other, in that order. Everything is literal: quotes and
 * the operators are the only syntax, and nothing is ever a regular expression.
 *
 * Operators (names in any case): `from:username` (`@` allowed), `in:room` (a name,
 * quoted when it has spaces, or an id), `before:YYYY-MM-DD` and `after:YYYY-MM-DD`
 * (UTC days; both exclusive: `after:2026-05-01` starts on the 2nd), `has:file`,
 * `has:link`, `is:mention`. Several `from:` or `in:` mean any of them; `-` before an
 * operator (but a date) turns it around. A piece like `foo:bar` with another name
 * is plain text.
 */

import { BadRequestError } from "../errors.ts";
import { analyze, indexTerm, isNoSpace } from "./tokenize.ts";

/** The longest query, in UTF-16 units (a 5 KB paste is refused, not cut). */
export const QUERY_MAX = 512;
/** Distinct terms the words and phrases may need, at most. */
export const TERMS_MAX = 32;
/** Quoted phrases, exclusions and values of one operator, at most. */
export const PHRASES_MAX = 8;
export const EXCLUSIONS_MAX = 16;
export const VALUES_MAX = 10;

/** A word of the query (or a phrase that is one word). */
export interface WordClause {
  kind: "word";
  /** Folded, full length (what the text's words are compared with). */
  text: string;
  /** The term looked up in the index (`text`, cut to TERM_MAX). */
  term: string;
  /** Matches words that start with it. */
  prefix: boolean;
}

/** Several terms, next to each other. */
export interface PhraseClause {
  kind: "phrase";
  /** The phrase as `Analyzed.flat` spells text. */
  flat: string;
  /** The terms it needs in the index (all of them). */
  terms: string[];
  /** Whether it starts and ends in a script without spaces (matches inside a run). */
  openStart: boolean;
  openEnd: boolean;
}

export type TextClause = WordClause | PhraseClause;

export interface ParsedQuery {
  /** Every one must match. */
  include: TextClause[];
  /** None may match. */
  exclude: TextClause[];
  /** Usernames as written (without `@`), any of them; and none of `notFrom`. */
  from: string[];
  notFrom: string[];
  /** Room names or ids as written, any of them; and none of `notIn`. */
  in: string[];
  notIn: string[];
  /** createdAt < before, createdAt ≥ after (ms). */
  before?: number;
  after?: number;
  /** true: must have; false: must not. */
  file?: boolean;
  link?: boolean;
  mention?: boolean;
}

const OPERATOR = /^(from|in|before|after|has|is):/i;
const DAY_MS = 86_400_000;

/** Parses a query; a query that cannot be run is a BadRequestError saying why. */
export function parseQuery(input: unknown): ParsedQuery {
  if (typeof input !== "string") throw new BadRequestError('Parameter "q" is required');
  if (input.length > QUERY_MAX) {
    throw new BadRequestError(
      `Query is too long: ${input.length} characters, the limit is ${QUERY_MAX}`,
    );
  }
  const q = input.toWellFormed().trim();
  if (!q) throw new BadRequestError("Query must not be empty");
  const query: ParsedQuery = { include: [], exclude: [], from: [], notFrom: [], in: [], notIn: [] };
  let phrases = 0;
  let positive = false;
  for (const piece of pieces(q)) {
    if (piece.operator) {
      positive = operator(query, piece) || positive;
      continue;
    }
    const clause = textClause(piece.text, piece.quoted);
    if (!clause) continue;
    if (piece.quoted && ++phrases > PHRASES_MAX) {
      throw new BadRequestError(`Query has too many phrases: the limit is ${PHRASES_MAX}`);
    }
    if (piece.negated) query.exclude.push(clause);
    else {
      query.include.push(clause);
      positive = true;
    }
  }
  const terms = new Set(
    query.include.flatMap((c) => c.kind === "word" ? [c.term] : c.terms),
  );
  if (terms.size > TERMS_MAX) {
    throw new BadRequestError(`Query has too many words: ${terms.size}, the limit is ${TERMS_MAX}`);
  }
  if (query.exclude.length > EXCLUSIONS_MAX) {
    throw new BadRequestError(
      `Query has too many exclusions: ${query.exclude.length}, the limit is ${EXCLUSIONS_MAX}`,
    );
  }
  if (!positive) {
    throw new BadRequestError(
      "Query has nothing to look for: add a word, a phrase or an operator besides exclusions",
    );
  }
  return query;
}

interface Piece {
  text: string;
  quoted: boolean;
  negated: boolean;
  /** `from`, `in`, … (lowercase), when the piece is an operator. */
  operator?: string;
}

/**
 * Splits a query into pieces: runs of non-space, `"phrases"` (a quote opens one
 * only at the start of a piece; an unclosed one runs to the end), and operators,
 * whose value may be quoted (`in:"team chat"`).
 */
function pieces(q: string): Piece[] {
  const out: Piece[] = [];
  let i = 0;
  while (i < q.length) {
    if (/\s/.test(q[i])) {
      i++;
      continue;
    }
    let negated = false;
    let start = i;
    if (q[i] === "-" && i + 1 < q.length && !/\s/.test(q[i + 1])) {
      negated = true;
      start = ++i;
    }
    if (q[i] === '"') {
      const close = q.indexOf('"', i + 1);
      const end = close < 0 ? q.length : close;
      out.push({ text: q.slice(i + 1, end), quoted: true, negated });
      i = end + 1;
      continue;
    }
    const op = OPERATOR.exec(q.slice(i, i + 8));
    if (op) {
      const at = i + op[0].length;
      let value: string;
      if (q[at] === '"') {
        const close = q.indexOf('"', at + 1);
        const end = close < 0 ? q.length : close;
        value = q.slice(at + 1, end);
        i = end + 1;
      } else {
        let end = at;
        while (end < q.length && !/\s/.test(q[end])) end++;
        value = q.slice(at, end);
        i = end;
      }
      out.push({ text: value, quoted: false, negated, operator: op[1].toLowerCase() });
      continue;
    }
    while (i < q.length && !/\s/.test(q[i])) i++;
    out.push({ text: q.slice(start, i), quoted: false, negated });
  }
  return out;
}

/** Applies one operator; answers whether it is something to look for (not only a filter out). */
function operator(query: ParsedQuery, piece: Piece): boolean {
  const name = piece.operator!;
  const value = piece.text.trim();
  const shown = `${piece.negated ? "-" : ""}${name}:${value}`.slice(0, 80);
  if (!value) throw new BadRequestError(`Operator "${name}:" needs a value`);
  switch (name) {
    case "from":
    case "in": {
      const list = name === "from"
        ? (piece.negated ? query.notFrom : query.from)
        : (piece.negated ? query.notIn : query.in);
      const item = name === "from" ? value.replace(/^@/, "") : value.replace(/^#/, "");
      if (!list.includes(item)) list.push(item);
      if (list.length > VALUES_MAX) {
        throw new BadRequestError(`Too many "${name}:" operators: the limit is ${VALUES_MAX}`);
      }
      return !piece.negated;
    }
    case "before":
    case "after": {
      if (piece.negated) throw new BadRequestError(`Operator "${name}:" cannot be negated`);
      const day = parseDay(value, shown);
      if (name === "before") query.before = Math.min(query.before ?? Infinity, day);
      else query.after = Math.max(query.after ?? -Infinity, day + DAY_MS);
      return true;
    }
    case "has": {
      const what = value.toLowerCase();
      if (what !== "file" && what !== "link") {
        throw new BadRequestError(`Unknown operator value: "${shown}" (has:file or has:link)`);
      }
      query[what] = !piece.negated;
      return !piece.negated;
    }
    default: {
      if (value.toLowerCase() !== "mention") {
        throw new BadRequestError(`Unknown operator value: "${shown}" (is:mention)`);
      }
      query.mention = !piece.negated;
      return !piece.negated;
    }
  }
}

/** The start of a UTC day (ms), from YYYY-MM-DD; anything else is a 400 with the rule. */
function parseDay(value: string, shown: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const at = Date.UTC(y, mo - 1, d);
    const date = new Date(at);
    if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) {
      return at;
    }
  }
  throw new BadRequestError(
    `Invalid date in "${shown}": dates are YYYY-MM-DD, a day that exists (UTC)`,
  );
}

/** The clause a piece of text makes (undefined: no word in it, e.g. only punctuation). */
export function textClause(text: string, quoted: boolean): TextClause | undefined {
  const analyzed = analyze(text);
  const main = analyzed.tokens.filter((t) => t.kind !== "part");
  if (!main.length) return undefined;
  const single = main.length === 1 && analyzed.spans.length === 1;
  if (single || (main.length === 1 && main[0].kind !== "bigram")) {
    const { term: word, kind } = main[0];
    // One letter of a script with spaces is a word; one character of a script
    // without them starts its bigrams; an emoji is itself.
    const length = [...word].length;
    const prefix = !quoted && (kind === "bigram" ? length === 1 : kind === "word" && length >= 2);
    return { kind: "word", text: word, term: indexTerm(word), prefix };
  }
  const terms = [...new Set(main.map((t) => indexTerm(t.term)))];
  const flat = analyzed.flat;
  return {
    kind: "phrase",
    flat,
    terms,
    openStart: isNoSpace(flat),
    openEnd: isNoSpace([...flat].at(-1) ?? ""),
  };
}
