import assert from "node:assert/strict";
import { BadRequestError } from "../errors.ts";
import { parseQuery, QUERY_MAX } from "./query.ts";

function refused(q: unknown, pattern: RegExp): void {
  assert.throws(() => parseQuery(q), (err: unknown) => {
    assert.ok(err instanceof BadRequestError, `a BadRequestError, got ${err}`);
    assert.match(err.message, pattern);
    return true;
  });
}

Deno.test("words are prefixes, quoted words and one letter are exact, phrases keep order", () => {
  const q = parseQuery('Deploy "release" a "quick brown fox"');
  assert.deepEqual(q.include, [
    { kind: "word", text: "deploy", term: "deploy", prefix: true },
    { kind: "word", text: "release", term: "release", prefix: false },
    { kind: "word", text: "a", term: "a", prefix: false },
    {
      kind: "phrase",
      flat: "quick brown fox",
      terms: ["quick", "brown", "fox"],
      openStart: false,
      openEnd: false,
    },
  ]);
});

Deno.test("a word the segmenter splits is a phrase; a run without spaces too", () => {
  const q = parseQuery("example.com 上海东边 海");
  assert.equal(q.include[0].kind, "phrase");
  assert.deepEqual(q.include[1], {
    kind: "phrase",
    flat: "上海东边",
    terms: ["上海", "海东", "东边"],
    openStart: true,
    openEnd: true,
  });
  assert.deepEqual(q.include[2], { kind: "word", text: "海", term: "海", prefix: true });
});

Deno.test("operators: from, in (quoted names), has, is, dates as UTC days, exclusive", () => {
  const q = parseQuery(
    'From:@Bob in:"team chat" in:#general has:FILE has:link is:mention ' +
      "before:2026-05-10 after:2026-05-01 -from:eve -in:random -has:file deploy",
  );
  assert.deepEqual(q.from, ["Bob"]);
  assert.deepEqual(q.notFrom, ["eve"]);
  assert.deepEqual(q.in, ["team chat", "general"]);
  assert.deepEqual(q.notIn, ["random"]);
  assert.equal(q.file, false); // the later -has:file wins
  assert.equal(q.link, true);
  assert.equal(q.mention, true);
  assert.equal(q.before, Date.UTC(2026, 4, 10));
  assert.equal(q.after, Date.UTC(2026, 4, 2));
  assert.equal(q.include.length, 1);
});

Deno.test("exclusions: words and phrases after a minus; a lone minus is nothing", () => {
  const q = parseQuery('deploy -staging -"dry run" - x-ray');
  assert.deepEqual(q.exclude.map((c) => c.kind), ["word", "phrase"]);
  assert.equal(q.include.length, 2);
});

Deno.test("other names with a colon are plain text; metacharacters are literal", () => {
  const q = parseQuery("foo:bar (a|b)* [x] $^.+? \\d");
  assert.ok(q.include.length >= 3);
  assert.deepEqual(q.from, []);
  const only = parseQuery("a.*b");
  assert.equal(only.include[0].kind, "phrase");
});

Deno.test("bad queries are refused with the rule", () => {
  refused(undefined, /"q" is required/);
  refused("   ", /must not be empty/);
  refused("x".repeat(QUERY_MAX + 1), /too long: 513 characters, the limit is 512/);
  refused("x ".repeat(2500), /too long/);
  refused(Array.from({ length: 200 }, (_, i) => `w${i}`).join(" ").slice(0, 500), /too many words/);
  refused(Array.from({ length: 100 }, (_, i) => `"p${i}"`).join(" ").slice(0, 500), /phrases/);
  refused("before:2026-13-45", /Invalid date in "before:2026-13-45": dates are YYYY-MM-DD/);
  refused("after:2026-02-30", /Invalid date/);
  refused("after:yesterday", /Invalid date/);
  refused("has:image", /"has:image" \(has:file or has:link\)/);
  refused("is:unread", /is:mention/);
  refused("from:", /needs a value/);
  refused("-before:2026-01-01 x", /cannot be negated/);
  refused("-deploy -staging", /nothing to look for/);
  refused("!!! ...", /nothing to look for/);
  refused("-from:bob", /nothing to look for/);
});

Deno.test("a query of operators only is fine, and so are unicode oddities", () => {
  assert.deepEqual(parseQuery("in:general").in, ["general"]);
  assert.equal(parseQuery("before:2026-01-01").before, Date.UTC(2026, 0, 1));
  const odd = parseQuery("\ud800 hel\u200dlo \u202eabc \u200f");
  assert.deepEqual(odd.include.map((c) => c.kind === "word" && c.text), ["hello", "abc"]);
});
