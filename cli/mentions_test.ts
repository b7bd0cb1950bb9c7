import assert from "node:assert/strict";
import type { Message } from "../lib/protocol/types.ts";
import { inThreadOnly, mentionsMe } from "./mentions.ts";

function msg(extra: Partial<Message> = {}): Message {
  return {
    id: "m1",
    roomId: "r1",
    seq: 1,
    userId: "u2",
    username: "alice",
    text: "hi",
    createdAt: 1,
    ...extra,
  };
}

Deno.test("mentionsMe() is true when my id is listed or @room reached everyone", () => {
  assert.equal(mentionsMe(msg(), "u1"), false);
  assert.equal(mentionsMe(msg({ mentions: ["u3", "u1"] }), "u1"), true);
  assert.equal(mentionsMe(msg({ mentions: ["u3"] }), "u1"), false);
  assert.equal(mentionsMe(msg({ mentionsAll: "room", mentions: [] }), "u1"), true);
  assert.equal(mentionsMe(msg({ mentions: ["u1"] }), undefined), false);
});

Deno.test("mentionsMe() counts an @here received live, or one whose list is full", () => {
  const here = msg({ mentionsAll: "here", mentions: ["u3"] });
  assert.equal(mentionsMe(here, "u1"), false);
  assert.equal(mentionsMe(here, "u1", { live: true }), true);
  const full = Array.from({ length: 100 }, (_, i) => `x${i}`);
  assert.equal(mentionsMe(msg({ mentionsAll: "here", mentions: full }), "u1"), true);
});

Deno.test("mentionsMe() is false for my own messages and deleted ones", () => {
  assert.equal(mentionsMe(msg({ userId: "u1", mentionsAll: "room" }), "u1"), false);
  assert.equal(mentionsMe(msg({ mentions: ["u1"], deleted: true }), "u1"), false);
});

Deno.test("inThreadOnly() is true for thread replies not also sent to the room", () => {
  assert.equal(inThreadOnly(msg()), false);
  assert.equal(inThreadOnly(msg({ threadRoot: 3 })), true);
  assert.equal(inThreadOnly(msg({ threadRoot: 3, alsoInRoom: true })), false);
});
