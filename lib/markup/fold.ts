/**
 * @module Folding long messages: the blocks to show at first and the ones behind
 * a "Show more" control. Pure and deterministic (it counts characters, never
 * measures the screen), so the server and a hydrated island fold a message the
 * same way.
 *
 * Lengths are counted in lines as they would roughly look: a line of prose
 * longer than {@linkcode WRAP_CHARS} counts once per that many characters (it
 * wraps); a line of code counts once (it scrolls sideways). A fold falls between
 * lines, splitting a block in two when it has to, or inside a long line of prose
 * (one 4000-character line would otherwise never fold).
 */

import type { Block, Inline } from "./ast.ts";

/** Messages longer than this many lines fold. */
export const FOLD_AFTER_LINES = 15;
/** How many lines a folded message shows. */
export const PREVIEW_LINES = 10;
/** Characters per line of wrapped prose, for counting. */
export const WRAP_CHARS = 80;

export interface Folded {
  shown: Block[];
  /** Empty when the message is short enough to show whole. */
  hidden: Block[];
}

function textLength(nodes: Inline[]): number {
  let n = 0;
  for (const node of nodes) {
    if ("children" in node) n += textLength(node.children);
    else if ("text" in node) n += node.text.length;
  }
  return n;
}

/** A paragraph's or quote's children, one array per line. */
function splitLines(children: Inline[]): Inline[][] {
  const lines: Inline[][] = [[]];
  for (const node of children) {
    if (node.type === "break") lines.push([]);
    else lines.at(-1)!.push(node);
  }
  return lines;
}

function joinLines(lines: Inline[][]): Inline[] {
  const children: Inline[] = [];
  lines.forEach((line, i) => {
    if (i > 0) children.push({ type: "break" });
    for (const node of line) children.push(node);
  });
  return children;
}

/** The weight of each line of a block. */
function lineWeights(block: Block): number[] {
  if (block.type === "codeBlock") return block.text.split("\n").map(() => 1);
  return splitLines(block.children).map((line) =>
    Math.max(1, Math.ceil(textLength(line) / WRAP_CHARS))
  );
}

/**
 * A line's first `chars` characters and the rest, cut at a space where one is
 * near. Spans are cut in two (both halves keep the formatting); code and links
 * are not, so they go whole to one side.
 */
function cutLine(nodes: Inline[], chars: number): [Inline[], Inline[]] {
  const head: Inline[] = [];
  const tail: Inline[] = [];
  let budget = chars;
  for (const node of nodes) {
    const length = textLength([node]);
    if (budget <= 0) tail.push(node);
    else if (length <= budget) head.push(node);
    else if (node.type === "text") {
      let at = node.text.lastIndexOf(" ", budget - 1) + 1;
      if (at < budget / 2) at = budget;
      // Never between the two halves of a surrogate pair.
      if (/[\ud800-\udbff]/.test(node.text[at - 1])) at--;
      head.push({ type: "text", text: node.text.slice(0, at) });
      tail.push({ type: "text", text: node.text.slice(at) });
    } else if ("children" in node) {
      const [first, rest] = cutLine(node.children, budget);
      if (first.length > 0) head.push({ type: node.type, children: first });
      if (rest.length > 0) tail.push({ type: node.type, children: rest });
    } else (head.length === 0 ? head : tail).push(node);
    budget -= length;
  }
  return [head, tail];
}

/** Splits a block before its line `line`, or inside it after `chars` characters. */
function splitBlock(block: Block, line: number, chars: number): [Block?, Block?] {
  if (block.type === "codeBlock") {
    const lines = block.text.split("\n");
    return [
      line > 0 ? { ...block, text: lines.slice(0, line).join("\n") } : undefined,
      { ...block, text: lines.slice(line).join("\n") },
    ];
  }
  const lines = splitLines(block.children);
  const [first, rest] = cutLine(lines[line], chars);
  const head = [...lines.slice(0, line), first];
  const tail = [rest, ...lines.slice(line + 1)];
  // No blank line either side of the fold.
  while (head.length > 0 && head.at(-1)!.length === 0) head.pop();
  while (tail.length > 0 && tail[0].length === 0) tail.shift();
  return [
    head.length > 0 ? { type: block.type, children: joinLines(head) } : undefined,
    tail.length > 0 ? { type: block.type, children: joinLines(tail) } : undefined,
  ];
}

/** Splits `blocks` into what a long message shows at first and what it folds away. */
export function fold(
  blocks: Block[],
  options: { after?: number; preview?: number } = {},
): Folded {
  const { after = FOLD_AFTER_LINES, preview = PREVIEW_LINES } = options;
  const weights = blocks.map(lineWeights);
  const total = weights.reduce((sum, lines) => sum + lines.reduce((a, b) => a + b, 0), 0);
  if (total <= after) return { shown: blocks, hidden: [] };
  let used = 0;
  for (let b = 0; b < blocks.length; b++) {
    for (let l = 0; l < weights[b].length; l++) {
      const weight = weights[b][l];
      if (used + weight <= preview) {
        used += weight;
        continue;
      }
      // Line l of block b does not fit: fold before it, or inside it when it is
      // prose that wraps and some of it fits.
      const [head, tail] = splitBlock(blocks[b], l, (preview - used) * WRAP_CHARS);
      const shown = blocks.slice(0, b);
      const hidden = blocks.slice(b + 1);
      if (head) shown.push(head);
      if (tail) hidden.unshift(tail);
      return hidden.length > 0 ? { shown, hidden } : { shown: blocks, hidden: [] };
    }
  }
  return { shown: blocks, hidden: [] };
}
