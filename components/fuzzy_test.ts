import assert from "node:assert/strict";
import {
  containsFolded,
  foldName,
  fuzzyScore,
  SCORE_CONTAINS,
  SCORE_LETTERS,
  SCORE_PREFIX,
  SCORE_WORD,
} from "./fuzzy.ts";

Deno.test("foldName() ignores case and diacritics", () => {
  assert.equal(foldName("Zoë"), "zoe");
  assert.equal(foldName("Crème BRÛLÉE"), "creme brulee");
  assert.equal(foldName("Straße"), "strasse");
  assert.equal(foldName("Ｆｕｌｌ"), "full");
});

Deno.test("fuzzyScore() ranks prefix, word start, substring, then letters in order", () => {
  assert.equal(fuzzyScore("gen", "general"), SCORE_PREFIX);
  assert.equal(fuzzyScore("rev", "design-reviews"), SCORE_WORD);
  assert.equal(fuzzyScore("rev", "design reviews"), SCORE_WORD);
  assert.equal(fuzzyScore("sign", "design-reviews"), SCORE_CONTAINS);
  assert.equal(fuzzyScore("gnrl", "general"), SCORE_LETTERS - 3);
  assert.equal(fuzzyScore("dsrv", "design-reviews"), SCORE_LETTERS - 3);
  assert.equal(fuzzyScore("xyz", "general"), -1);
  assert.equal(fuzzyScore("", "general"), 0);
  assert.equal(fuzzyScore("  ", "general"), 0);
});

Deno.test("fuzzyScore() folds both sides", () => {
  assert.equal(fuzzyScore("ZOE", "zoë"), SCORE_PREFIX);
  assert.equal(fuzzyScore("café", "CAFE-talk"), SCORE_PREFIX);
  assert.equal(fuzzyScore("strasse", "Straßenbahn"), SCORE_PREFIX);
});

Deno.test("fuzzyScore() finds a later word start after an earlier inner match", () => {
  // "ab" is inside "cab" first, then at the start of "about".
  assert.equal(fuzzyScore("ab", "cab about"), SCORE_WORD);
  assert.equal(fuzzyScore("ab", "cab"), SCORE_CONTAINS);
});

Deno.test("containsFolded() is case- and diacritic-insensitive", () => {
  assert.ok(containsFolded("Équipe de Montréal", "montreal"));
  assert.ok(containsFolded("Design reviews", " REVIEW "));
  assert.ok(!containsFolded("Design reviews", "ops"));
  assert.ok(containsFolded("anything", ""));
});
