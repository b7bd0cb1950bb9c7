import assert from "node:assert/strict";
import { displayWidth, graphemes, padEnd, truncate, wrap } from "./width.ts";

Deno.test("displayWidth() counts wide characters, emoji and combining marks", () => {
  assert.equal(displayWidth("hello"), 5);
  assert.equal(displayWidth("日本語"), 6);
  assert.equal(displayWidth("e\u0301"), 1);
  assert.equal(displayWidth("👍"), 2);
  assert.equal(displayWidth("👩‍💻"), 2);
  assert.equal(displayWidth("🇫🇷"), 2);
  assert.equal(displayWidth("שלום"), 4);
});

Deno.test("graphemes() keeps emoji sequences together", () => {
  assert.deepEqual(graphemes("a👩‍💻b"), ["a", "👩‍💻", "b"]);
});

Deno.test("truncate() cuts to the width with an ellipsis, never mid-character", () => {
  assert.equal(truncate("hello", 10), "hello");
  assert.equal(truncate("hello world", 8), "hello w…");
  assert.equal(truncate("日本語テキスト", 6), "日本…");
  assert.equal(displayWidth(truncate("日本語テキスト", 6)) <= 6, true);
});

Deno.test("padEnd() pads by columns", () => {
  assert.equal(padEnd("日本", 6), "日本  ");
  assert.equal(padEnd("toolong", 3), "toolong");
});

Deno.test("wrap() breaks at spaces and inside words that are too long", () => {
  assert.deepEqual(wrap("the quick brown fox", 10), ["the quick", "brown fox"]);
  assert.deepEqual(wrap("abcdefghijkl", 5), ["abcde", "fghij", "kl"]);
  assert.deepEqual(wrap("short", 10), ["short"]);
  assert.deepEqual(wrap("", 10), [""]);
  for (const row of wrap("日本語のテキストを折り返す", 7)) {
    assert.equal(displayWidth(row) <= 7, true, row);
  }
});
