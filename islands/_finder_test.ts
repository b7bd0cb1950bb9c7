import assert from "node:assert/strict";
import type { User } from "../lib/protocol/types.ts";
import { type FinderRoom, places } from "./_finder.ts";

const ada: User = { id: "u-ada", username: "ada" };
const bob: User = { id: "u-bob", username: "bob" };
const zoe: User = { id: "u-zoe", username: "zoë" };

const rooms: FinderRoom[] = [
  { id: "r1", name: "general", kind: "public", lastActivityAt: 100 },
  { id: "r2", name: "design-reviews", kind: "private", lastActivityAt: 300 },
  { id: "r3", name: "deploys", kind: "public", lastActivityAt: 200 },
  { id: "r4", name: "bob", kind: "direct", lastActivityAt: 50, peer: bob },
  { id: "r5", name: "invited-here", kind: "private", lastActivityAt: 999, invited: true },
];

Deno.test("places() with no query: rooms most recent first, then people by name", () => {
  const found = places("", rooms, [ada, bob, zoe]);
  assert.deepEqual(found.map((p) => p.id), ["r2", "r3", "r1", "r4", "u-ada", "u-zoe"]);
});

Deno.test("places() leaves out invitations and people I already have a conversation with", () => {
  const found = places("", rooms, [bob]);
  assert.ok(!found.some((p) => p.id === "r5"));
  assert.ok(!found.some((p) => p.id === "u-bob"));
  assert.ok(found.some((p) => p.id === "r4" && p.kind === "direct"));
});

Deno.test("places() ranks a better match first, recency among equals", () => {
  // Both start with "de": the more recent first; "general" does not match.
  assert.deepEqual(places("de", rooms, []).map((p) => p.name), ["design-reviews", "deploys"]);
  // "rev" starts a word of design-reviews only.
  assert.deepEqual(places("rev", rooms, []).map((p) => p.name), ["design-reviews"]);
  // Letters in order: "gnrl".
  assert.deepEqual(places("gnrl", rooms, []).map((p) => p.name), ["general"]);
});

Deno.test("places() finds people by name, diacritics ignored, and honours the limit", () => {
  assert.deepEqual(places("zoe", rooms, [ada, zoe]).map((p) => p.id), ["u-zoe"]);
  assert.equal(places("", rooms, [ada, zoe], 2).length, 2);
});
