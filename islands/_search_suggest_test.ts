import assert from "node:assert/strict";
import type { User } from "../lib/protocol/types.ts";
import type { FinderRoom } from "./_finder.ts";
import { suggestions, type Token, tokenAt } from "./_search_suggest.tsx";

const me: User = { id: "u-me", username: "mia" };
const people: User[] = [{ id: "u-ada", username: "ada" }, { id: "u-adam", username: "adam" }];
const rooms: FinderRoom[] = [
  { id: "r1", name: "general", kind: "public", lastActivityAt: 1 },
  { id: "r2", name: "team plans", kind: "private", lastActivityAt: 2 },
  { id: "r3", name: "ada", kind: "direct", lastActivityAt: 3, peer: people[0] },
];
const from = { rooms, people, me, now: Date.UTC(2026, 4, 7) };

function at(value: string): Token {
  const token = tokenAt(value, value.length);
  assert.ok(token, value);
  return token;
}

const values = (value: string) => suggestions(at(value), from).map((s) => s.value);

Deno.test("tokenAt() finds the piece at the caret, after a minus", () => {
  assert.deepEqual(tokenAt("cache from:a", 12), { start: 6, end: 12, text: "from:a" });
  assert.deepEqual(tokenAt("cache -in:gen", 13), { start: 7, end: 13, text: "in:gen" });
  assert.deepEqual(tokenAt("", 0), { start: 0, end: 0, text: "" });
  // The caret inside a word: nothing to complete.
  assert.equal(tokenAt("cache", 2), null);
});

Deno.test("suggestions() completes operator names by their first letters", () => {
  assert.deepEqual(values("fr"), ["from:"]);
  assert.deepEqual(values("h"), ["has:file", "has:link"]);
  assert.deepEqual(values("i"), ["in:", "is:mention"]);
  assert.deepEqual(values("cache"), []);
  assert.deepEqual(values(""), []);
});

Deno.test("suggestions() completes from: with people (and me), in: with rooms", () => {
  assert.deepEqual(values("from:ad"), ["from:ada ", "from:adam "]);
  assert.deepEqual(values("from:@ada"), ["from:ada ", "from:adam "]);
  assert.ok(values("from:").includes("from:mia "));
  assert.deepEqual(values("in:gen"), ["in:general "]);
  // A name with spaces is quoted; a direct conversation by its peer's name.
  assert.deepEqual(values("in:team"), ['in:"team plans" ']);
  assert.deepEqual(values("in:ad"), ["in:ada "]);
});

Deno.test("suggestions() completes values of has:, is:, and dates", () => {
  assert.deepEqual(values("has:f"), ["has:file "]);
  assert.deepEqual(values("is:"), ["is:mention "]);
  assert.deepEqual(values("before:"), ["before:2026-05-07 "]);
  assert.deepEqual(values("after:2026"), []);
  // Nothing once it is complete.
  assert.deepEqual(values("from:adam"), []);
});
