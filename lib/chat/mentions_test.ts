import assert from "node:assert/strict";
import { MENTIONS_NAMED_MAX, mentionTokens, resolveMentions } from "./mentions.ts";

const names = (text: string) => mentionTokens(text).names.map((forms) => forms[0]);

Deno.test("mentionTokens() finds @names on word boundaries, in any case", () => {
  assert.deepEqual(names("@alice can you look? cc @Bob_2, @carol-x."), [
    "alice",
    "bob_2",
    "carol-x.",
  ]);
  assert.deepEqual(names('(@alice) [@bob] "@carol" @dave!'), ["alice", "bob", "carol", "dave"]);
  assert.deepEqual(names("@ALICE and @alice"), ["alice"]);
});

Deno.test("mentionTokens() leaves e-mail addresses, unicode names and code alone", () => {
  assert.deepEqual(names("write to a@b.c or alice@example.com"), []);
  assert.deepEqual(names("@ålice @al"), []);
  assert.deepEqual(names("`@alice` and\n```\n@bob\n```\n@carol"), ["carol"]);
  assert.deepEqual(names("@@alice @alice@example.com"), []);
  assert.deepEqual(names("@" + "a".repeat(5000)), []);
});

Deno.test("mentionTokens() tries a name without its trailing punctuation", () => {
  assert.deepEqual(mentionTokens("thanks @alice.").names, [["alice.", "alice"]]);
  assert.deepEqual(mentionTokens("@a.b.- ok").names, [["a.b.-", "a.b.", "a.b"]]);
});

Deno.test("mentionTokens() sees @room and @here", () => {
  assert.deepEqual(mentionTokens("@room lunch!"), { names: [["room"]], room: true, here: false });
  assert.equal(mentionTokens("@here?").here, true);
  assert.equal(mentionTokens("x@here").here, false);
});

const members = new Map([["alice", "A"], ["bob", "B"], ["a.b", "AB"], ["me", "M"], ["carol", "C"]]);
const ctx = (mayMentionAll = false) => ({
  members,
  mayMentionAll,
  senderId: "M",
  online: () => Promise.resolve(["A", "M", "Z"]),
});

Deno.test("resolveMentions() keeps members only, @room/@here for those allowed", async () => {
  assert.deepEqual(await resolveMentions(mentionTokens("@alice @zed @a.b. @bob"), ctx()), {
    named: ["A", "AB", "B"],
    listed: ["A", "AB", "B"],
  });
  assert.deepEqual(await resolveMentions(mentionTokens("@room hi"), ctx()), {
    named: [],
    listed: [],
  });
  const room = await resolveMentions(mentionTokens("@room @bob hi"), ctx(true));
  assert.equal(room.all, "room");
  assert.deepEqual(room.listed, ["B", "A", "AB", "C"]);
  const here = await resolveMentions(mentionTokens("@here"), ctx(true));
  assert.deepEqual([here.all, here.hereIds, here.listed], ["here", ["A"], ["A"]]);
});

Deno.test("resolveMentions() names at most 50 users", async () => {
  const many = new Map(Array.from({ length: 500 }, (_, i) => [`user${i}`, `U${i}`]));
  const text = Array.from({ length: 500 }, (_, i) => `@user${i}`).join(" ");
  const got = await resolveMentions(mentionTokens(text), { ...ctx(), members: many });
  assert.equal(got.named.length, MENTIONS_NAMED_MAX);
  assert.deepEqual(got.named.slice(0, 2), ["U0", "U1"]);
});
