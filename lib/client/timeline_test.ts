import assert from "node:assert/strict";
import { replyRefOf, Timeline } from "./timeline.ts";
import type { Message } from "../protocol/types.ts";

function msg(seq: number, rev: number, fields: Partial<Message> = {}): Message {
  return {
    id: `r-${seq}`,
    roomId: "r",
    seq,
    userId: "u1",
    username: "ada",
    text: `text ${seq}`,
    createdAt: seq,
    rev,
    ...fields,
  };
}

Deno.test("Timeline keeps messages in seq order whatever order they arrive in", () => {
  const t = new Timeline();
  t.applyAll([msg(3, 3), msg(1, 1), msg(2, 2)]);
  assert.deepEqual(t.messages().map((m) => m.seq), [1, 2, 3]);
  assert.equal(t.firstSeq, 1);
  assert.equal(t.lastSeq, 3);
});

Deno.test("Timeline keeps the state with the highest rev", () => {
  const t = new Timeline();
  t.apply(msg(1, 1));
  assert.deepEqual(t.apply(msg(1, 5, { text: "edited", editedAt: 9, createdRev: 1 })), [1]);
  // An older state (a history page fetched before the edit) changes nothing.
  assert.deepEqual(t.apply(msg(1, 1)), []);
  assert.deepEqual(t.apply(msg(1, 5, { text: "edited", editedAt: 9, createdRev: 1 })), []);
  assert.equal(t.get(1)?.text, "edited");
});

Deno.test("Timeline updates the excerpt of held replies when the original changes", () => {
  const t = new Timeline();
  const original = msg(1, 1, { text: "the plan" });
  t.apply(original);
  t.apply(msg(2, 2, { text: "agreed", replyTo: replyRefOf(original) }));
  const changed = t.apply(msg(1, 3, { text: "the new plan", editedAt: 5, createdRev: 1 }));
  assert.deepEqual(changed, [1, 2]);
  assert.equal(t.get(2)?.replyTo?.excerpt, "the new plan");
  t.apply(msg(1, 4, { text: "", deleted: true, deletedAt: 6, createdRev: 1 }));
  assert.deepEqual(t.get(2)?.replyTo, {
    seq: 1,
    userId: "u1",
    username: "ada",
    excerpt: "",
    deleted: true,
  });
});

Deno.test("Timeline gives a reply that arrives late the original's current state", () => {
  const t = new Timeline();
  t.apply(msg(1, 3, { text: "", deleted: true, createdRev: 1 }));
  t.apply(msg(2, 2, { replyTo: { seq: 1, userId: "u1", username: "ada", excerpt: "old text" } }));
  assert.equal(t.get(2)?.replyTo?.excerpt, "");
  assert.equal(t.get(2)?.replyTo?.deleted, true);
});

Deno.test("replyRefOf() cuts the excerpt at 200 characters, not in a surrogate pair", () => {
  const ref = replyRefOf(msg(1, 1, { text: "😀".repeat(250) }));
  assert.equal(Array.from(ref.excerpt).length, 200);
  assert.equal(ref.excerpt, "😀".repeat(200));
});
