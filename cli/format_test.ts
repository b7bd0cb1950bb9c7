import assert from "node:assert/strict";
import type { Message } from "../lib/protocol/types.ts";
import { formatAgo, formatMessage, formatTable, roomLabel } from "./format.ts";

const AT = new Date(2024, 4, 1, 9, 5).getTime();

function message(text: string, username = "alice"): Message {
  return { id: "m1", roomId: "r1", seq: 1, userId: "u1", username, text, createdAt: AT };
}

Deno.test("formatMessage() prints time, sender and text, indenting further lines", () => {
  assert.equal(formatMessage(message("hi")), "2024-05-01 09:05 alice: hi");
  assert.equal(
    formatMessage(message("one\ntwo", "bob")),
    "2024-05-01 09:05 bob: one\n                      two",
  );
});

Deno.test("formatMessage() never lets an escape sequence through", () => {
  const out = formatMessage(message("\x1b[2J\x1b]0;x\x07", "ev\x1bil"));
  assert.equal(out.includes("\x1b"), false);
  assert.equal(out.includes("\x07"), false);
  assert.match(out, /ev\^\[il: \^\[\[2J/);
});

Deno.test("roomLabel() shows rooms with # and direct rooms with @peer", () => {
  assert.equal(roomLabel({ name: "General", kind: "public" }), "#General");
  assert.equal(
    roomLabel({ name: "dm", kind: "direct", peer: { id: "u2", username: "bob" } }),
    "@bob",
  );
});

Deno.test("formatAgo() rounds to a readable unit", () => {
  const now = AT + 5 * 60_000;
  assert.equal(formatAgo(AT, now), "5 min ago");
  assert.equal(formatAgo(now, now), "just now");
  assert.equal(formatAgo(AT - 2 * 86_400_000, AT), "2 days ago");
});

Deno.test("formatTable() aligns columns by display width", () => {
  assert.deepEqual(formatTable([["#日本", "x"], ["#ab", "y"]]), ["#日本  x", "#ab    y"]);
});
