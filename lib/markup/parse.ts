/**
 * @module The message formatting parser, shared by the server and the browser:
 * message text in, a small tree ({@linkcode Block}s of {@linkcode Inline}s) out.
 * Pure, dependency-free and linear in the length of the text; it never produces
 * HTML, so whatever renders the tree decides how text is escaped.
 *
 * The syntax is the chat kind (Slack, Discord), not Markdown: no headings, lists
 * or HTML; markers pair within one line; blank lines are kept as they were typed.
 *
 * - fenced code: a line starting with ```, optionally followed by a language word;
 *   the fence closes at a line ending with ``` (an unclosed fence runs to the end).
 *   "```x = 1```" on one line is a one-line block.
 * - quotes: consecutive lines starting with `> ` (or a lone `>`).
 * - everything else is paragraphs of lines with inline formatting (see `_inline.ts`).
 *
 * Mentions are the server's to decide (`message.mentions`): given the names a
 * message mentions, `@name` tokens naming one of them become `mention` nodes, found
 * by the server's rule (not after a username character or `@`; a trailing `.` or
 * `-` is tried without it; never inside code or links).
 */

import type { Block, Inline } from "./ast.ts";
import { parseLine } from "./_inline.ts";

export type { Block, Inline, Span } from "./ast.ts";

const FENCE = /^[ \t]*```(.*)$/;
const LANG = /^[\w+#.-]{1,32}$/;
const QUOTE = /^[ \t]*>(?:[ \t](.*))?$/;
const BLANK = /^\s*$/;

export interface ParseOptions {
  /** Lowercase names (usernames, `room`, `here`) whose `@name` is a mention. */
  mentions?: ReadonlySet<string>;
}

/** The inline formatting of lines, with a break between each two. */
export function parseLines(lines: string[], options: ParseOptions = {}): Inline[] {
  const children: Inline[] = [];
  lines.forEach((line, i) => {
    if (i > 0) children.push({ type: "break" });
    for (const node of parseLine(line, options.mentions)) children.push(node);
  });
  return children;
}

/** Lines without the blank ones at either end. */
function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && BLANK.test(lines[start])) start++;
  while (end > start && BLANK.test(lines[end - 1])) end--;
  return lines.slice(start, end);
}

/**
 * Reads a fenced block that opens at `lines[start]`; returns it and the next
 * line's index, or nothing when the fence is the last line (then it is text).
 */
function codeBlock(lines: string[], start: number, rest: string): [Block, number] | undefined {
  // "```x = 1```": a one-line block.
  if (rest.trimEnd().endsWith("```")) {
    return [{ type: "codeBlock", text: rest.trimEnd().slice(0, -3) }, start + 1];
  }
  const lang = LANG.test(rest.trim()) ? rest.trim() : undefined;
  const body = lang || BLANK.test(rest) ? [] : [rest];
  let i = start + 1;
  if (i === lines.length) return undefined;
  for (; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    if (line.endsWith("```")) {
      const last = line.slice(0, -3);
      if (!BLANK.test(last)) body.push(last);
      i++;
      break;
    }
    body.push(lines[i]);
  }
  const block: Block = { type: "codeBlock", text: body.join("\n") };
  if (lang) block.lang = lang;
  return [block, i];
}

/** Parses message text into blocks. Never throws; any string is valid. */
export function parse(text: string, options: ParseOptions = {}): Block[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    const kept = trimBlank(paragraph);
    if (kept.length > 0) blocks.push({ type: "paragraph", children: parseLines(kept, options) });
    paragraph = [];
  };
  for (let i = 0; i < lines.length;) {
    const fence = FENCE.exec(lines[i]);
    const code = fence && codeBlock(lines, i, fence[1]);
    if (code) {
      flush();
      blocks.push(code[0]);
      i = code[1];
      continue;
    }
    const quoted: string[] = [];
    let end = i;
    for (let match; end < lines.length && (match = QUOTE.exec(lines[end])); end++) {
      quoted.push(match[1] ?? "");
    }
    const kept = trimBlank(quoted);
    if (kept.length > 0) {
      flush();
      blocks.push({ type: "quote", children: parseLines(kept, options) });
      i = end;
    } else if (end > i) {
      // Only ">" lines: nothing to quote, so they are text.
      for (; i < end; i++) paragraph.push(lines[i]);
    } else {
      paragraph.push(lines[i]);
      i++;
    }
  }
  flush();
  return blocks;
}
