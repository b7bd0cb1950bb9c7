/**
 * @module Inline formatting of one line: code spans, links, and the markers
 * `**strong**`, `*em*`, `_em_`, `~~strike~~`.
 *
 * Two passes, both linear. The first cuts the line into text, atoms (code spans
 * and links, which nothing can look inside) and marker runs, and decides from
 * the characters around each run whether it may open or close a span. The second
 * pairs closers with openers using one stack per marker character, the way
 * CommonMark's delimiter algorithm does, but without its search down the stack:
 * a closer only ever looks at the top of its character's stack, and pairing it
 * drops every opener of another character above the partner (those spans would
 * cross). Each opener is pushed and dropped once, so the whole line is O(n)
 * however the markers are arranged, and the tree is built from the pairs in a
 * last pass with a depth cap, so `**_~~*x*~~_**` nests but 2000 alternating
 * markers do not make a 2000-deep tree.
 *
 * Markers pair only on word boundaries: an opener follows the start, a space or
 * punctuation and precedes a non-space; a closer is the mirror image. So
 * `snake_case_name`, `2*3*4` and `a * b` stay literal. `_` and `~~` runs must be
 * exactly one and two long; `*` runs one to three (`***` is strong and em).
 *
 * Mentions are atoms too, and only of the names given (the server decided who a
 * message mentions): `@` not after a username character or another `@`, the
 * username's characters, a trailing `.` or `-` tried without it.
 */

import type { Inline, Span } from "./ast.ts";
import { linkMayFollow, matchLink } from "./links.ts";

/** Spans nested deeper than this show their markers as text instead. */
const MAX_DEPTH = 6;

type SpanType = Span["type"];

interface Delim {
  kind: "delim";
  ch: string;
  /** Characters not yet used by a pair; they are shown as text. */
  left: number;
  canOpen: boolean;
  canClose: boolean;
  /** Spans this run closes, innermost first. */
  closes: SpanType[];
  /** Spans this run opens, outermost first. */
  opens: SpanType[];
  /** Position in the line, to order openers of different characters. */
  at: number;
}

type Token = Inline | Delim;

const SPACE = /\s/u;
const NAME_CHAR = /[A-Za-z0-9_.-]/;
/** Longer than any username: a run this long is not a mention. */
const NAME_SCAN_MAX = 41;
const PUNCT = /[\p{P}\p{S}]/u;

function boundary(ch: string | undefined): boolean {
  return ch === undefined || SPACE.test(ch) || PUNCT.test(ch);
}

function validRun(ch: string, length: number): boolean {
  return ch === "*" ? length <= 3 : ch === "_" ? length === 1 : length === 2;
}

/** Backtick runs of a line, by length: their start positions, ascending. */
function backtickRuns(line: string): Map<number, number[]> {
  const runs = new Map<number, number[]>();
  for (let i = 0; i < line.length; i++) {
    if (line[i] !== "`") continue;
    let end = i;
    while (line[end] === "`") end++;
    const list = runs.get(end - i) ?? [];
    list.push(i);
    runs.set(end - i, list);
    i = end - 1;
  }
  return runs;
}

/** The length of the mention of one of `names` starting at `line[i]` (an `@`), or 0. */
function mentionAt(line: string, i: number, names: ReadonlySet<string>): number {
  const before = line[i - 1];
  if (before && (before === "@" || NAME_CHAR.test(before))) return 0;
  let end = i + 1;
  while (end < line.length && end - i <= NAME_SCAN_MAX && NAME_CHAR.test(line[end])) end++;
  if (line[end] === "@") return 0;
  for (let name = line.slice(i + 1, end); name;) {
    if (names.has(name.toLowerCase())) return name.length + 1;
    if (!/[.-]$/.test(name)) break;
    name = name.slice(0, -1);
  }
  return 0;
}

function tokenize(line: string, names?: ReadonlySet<string>): Token[] {
  const tokens: Token[] = [];
  const runs = backtickRuns(line);
  const cursors = new Map<number, number>();
  let text = "";
  const flush = () => {
    if (text) tokens.push({ type: "text", text });
    text = "";
  };
  for (let i = 0; i < line.length;) {
    const ch = line[i];
    if (ch === "`") {
      let end = i;
      while (line[end] === "`") end++;
      const length = end - i;
      // The next run of the same length closes the span; cursors only move forward.
      const starts = runs.get(length)!;
      let cursor = cursors.get(length) ?? 0;
      while (cursor < starts.length && starts[cursor] <= i) cursor++;
      cursors.set(length, cursor);
      if (cursor < starts.length) {
        let code = line.slice(end, starts[cursor]);
        // As in CommonMark, "`` `x` ``" is the code "`x`": one padding space goes.
        if (code.length > 2 && code[0] === " " && code.at(-1) === " " && /[^ ]/.test(code)) {
          code = code.slice(1, -1);
        }
        flush();
        tokens.push({ type: "code", text: code });
        i = starts[cursor] + length;
      } else {
        text += line.slice(i, end);
        i = end;
      }
    } else if (ch === "*" || ch === "_" || ch === "~") {
      let end = i;
      while (line[end] === ch) end++;
      const before = line[i - 1];
      const after = line[end];
      const ok = validRun(ch, end - i);
      flush();
      tokens.push({
        kind: "delim",
        ch,
        left: end - i,
        canOpen: ok && boundary(before) && after !== undefined && !SPACE.test(after),
        canClose: ok && boundary(after) && before !== undefined && !SPACE.test(before),
        closes: [],
        opens: [],
        at: i,
      });
      i = end;
    } else if (/[hwm]/i.test(ch) && linkMayFollow(line[i - 1] ?? "")) {
      const { link, skip } = matchLink(line, i);
      if (link) {
        flush();
        tokens.push({ type: "link", ...link });
      } else text += line.slice(i, i + skip);
      i += skip;
    } else {
      const length = ch === "@" && names ? mentionAt(line, i, names) : 0;
      if (length) {
        flush();
        const mention = line.slice(i, i + length);
        tokens.push({ type: "mention", name: mention.slice(1).toLowerCase(), text: mention });
      } else text += ch;
      i += length || 1;
    }
  }
  flush();
  return tokens;
}

/** Pairs closers with openers (see the module comment); records the result on the runs. */
function pair(tokens: Token[]): void {
  const stacks: Record<string, Delim[]> = { "*": [], "_": [], "~": [] };
  for (const token of tokens) {
    if (!("kind" in token)) continue;
    if (token.canClose) {
      const stack = stacks[token.ch];
      while (token.left > 0 && stack.length > 0) {
        const opener = stack.at(-1)!;
        for (const other of Object.values(stacks)) {
          if (other === stack) continue;
          while (other.length > 0 && other.at(-1)!.at > opener.at) other.pop();
        }
        const n = token.ch === "~" ? 2 : token.left >= 2 && opener.left >= 2 ? 2 : 1;
        const type: SpanType = token.ch === "~" ? "strike" : n === 2 ? "strong" : "em";
        opener.left -= n;
        token.left -= n;
        opener.opens.unshift(type);
        token.closes.push(type);
        if (opener.left === 0) stack.pop();
      }
    }
    if (token.canOpen && token.left > 0) stacks[token.ch].push(token);
  }
}

interface Frame {
  span?: Span;
  /** Set when the span is too deep: its markers become text around its content. */
  marker?: string;
  children: Inline[];
}

function append(children: Inline[], node: Inline): void {
  const last = children.at(-1);
  if (node.type === "text" && last?.type === "text") last.text += node.text;
  else if (node.type !== "text" || node.text) children.push(node);
}

function markerOf(ch: string, type: SpanType): string {
  return type === "em" ? ch : ch + ch;
}

function build(tokens: Token[]): Inline[] {
  const root: Frame = { children: [] };
  const frames: Frame[] = [root];
  let depth = 0;
  for (const token of tokens) {
    if (!("kind" in token)) {
      append(frames.at(-1)!.children, token);
      continue;
    }
    for (const _ of token.closes) {
      const frame = frames.pop()!;
      const parent = frames.at(-1)!.children;
      if (frame.span) {
        depth--;
        append(parent, frame.span);
      } else {
        append(parent, { type: "text", text: frame.marker! });
        for (const child of frame.children) append(parent, child);
        append(parent, { type: "text", text: frame.marker! });
      }
    }
    append(frames.at(-1)!.children, { type: "text", text: token.ch.repeat(token.left) });
    for (const type of token.opens) {
      if (depth < MAX_DEPTH) {
        const span: Span = { type, children: [] };
        frames.push({ span, children: span.children });
        depth++;
      } else frames.push({ marker: markerOf(token.ch, type), children: [] });
    }
  }
  return root.children;
}

/** The inline formatting of one line (no line breaks in it); `mentions` as in `parse()`. */
export function parseLine(line: string, mentions?: ReadonlySet<string>): Inline[] {
  const tokens = tokenize(line, mentions);
  pair(tokens);
  return build(tokens);
}
