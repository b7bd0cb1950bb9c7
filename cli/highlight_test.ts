import assert from "node:assert/strict";
import {
  emphasisFor,
  excerptPieces,
  highlightPieces,
  normalizeRanges,
  renderPieces,
  STARS,
} from "./highlight.ts";
import { displayWidth } from "./width.ts";

Deno.test("normalizeRanges() keeps sane ranges, sorted and merged, and drops the rest", () => {
  const text = "hello wide world";
  assert.deepEqual(normalizeRanges(text, [[6, 10], [0, 5]]), [[0, 5], [6, 10]]);
  assert.deepEqual(normalizeRanges(text, [[0, 5], [3, 8], [8, 9]]), [[0, 9]]);
  assert.deepEqual(normalizeRanges(text, [[10, 99], [-4, 2]]), [[0, 2], [10, 16]]);
  assert.deepEqual(normalizeRanges(text, [[5, 5], [7, 3], ["1", 2], [1.5, 3], [1], null]), []);
  assert.deepEqual(normalizeRanges(text, "0-5"), []);
  assert.deepEqual(normalizeRanges(text, undefined), []);
});

Deno.test("normalizeRanges() never splits a surrogate pair", () => {
  const text = "a😀b";
  // 😀 is two UTF-16 units at 1 and 2: an offset between them moves to its start.
  assert.deepEqual(normalizeRanges(text, [[2, 4]]), [[1, 4]]);
  assert.deepEqual(normalizeRanges(text, [[0, 2]]), [[0, 1]]);
});

Deno.test("highlightPieces() cuts the text at the matches, one printable line", () => {
  const text = "Who has read Dune?\nThe whole\tseries";
  assert.deepEqual(highlightPieces(text, [[13, 17]]), [
    { text: "Who has read ", hit: false },
    { text: "Dune", hit: true },
    { text: "? The whole series", hit: false },
  ]);
  assert.deepEqual(highlightPieces("plain", []), [{ text: "plain", hit: false }]);
  assert.deepEqual(highlightPieces("  both ends  ", [[2, 6]]), [
    { text: "both", hit: true },
    { text: " ends", hit: false },
  ]);
});

Deno.test("highlightPieces() sanitizes each piece: no escape reaches the terminal", () => {
  const text = "\x1b[2Jred\x1b[31m alert\u202e";
  const pieces = highlightPieces(text, [[4, 7]]);
  const line = renderPieces(pieces, STARS);
  assert.equal(line, "^[[2J*red*^[[31m alert");
  // deno-lint-ignore no-control-regex
  for (const p of pieces) assert.doesNotMatch(p.text, /[\x00-\x1f\x7f-\x9f\u202e]/);
});

Deno.test("excerptPieces() fits the width, starting near the first match when it is far in", () => {
  const text = `${"lorem ipsum dolor ".repeat(6)}the needle is here ${"and more words ".repeat(4)}`;
  const at = text.indexOf("needle");
  const pieces = excerptPieces(highlightPieces(text, [[at, at + 6]]), 40);
  const line = renderPieces(pieces, STARS);
  assert.ok(line.startsWith("…"), line);
  assert.ok(line.endsWith("…"), line);
  assert.ok(line.includes("*needle*"), line);
  assert.ok(displayWidth(pieces.map((p) => p.text).join("")) <= 40, line);
  // A match near the start: the text is shown from its start.
  const early = excerptPieces(highlightPieces(text, [[6, 11]]), 30);
  assert.equal(renderPieces(early, STARS), "lorem *ipsum* dolor lorem ipsum…");
  // Short enough: as it is.
  assert.deepEqual(excerptPieces([{ text: "short", hit: false }], 10), [
    { text: "short", hit: false },
  ]);
});

Deno.test("excerptPieces() counts wide characters as two columns", () => {
  const text = "我家在上海东边我家在上海东边我家在上海东边";
  const pieces = excerptPieces(highlightPieces(text, [[3, 5]]), 11);
  const shown = pieces.map((p) => p.text).join("");
  assert.ok(displayWidth(shown) <= 11, shown);
  assert.deepEqual(pieces.find((p) => p.hit), { text: "上海", hit: true });
});

Deno.test("emphasisFor() uses escapes only on a terminal that takes them", () => {
  const env = (vars: Record<string, string>) => (name: string) => vars[name];
  assert.equal(emphasisFor({ terminal: false, env: env({ TERM: "xterm" }) }), STARS);
  assert.equal(emphasisFor({ terminal: true, env: env({ TERM: "dumb" }) }), STARS);
  assert.equal(emphasisFor({ terminal: true, env: env({ TERM: "xterm" }) }).open, "\x1b[1;33m");
  const plain = emphasisFor({ terminal: true, env: env({ TERM: "xterm", NO_COLOR: "1" }) });
  assert.equal(plain.open, "\x1b[1;4m");
});
