import assert from "node:assert/strict";
import type { Message, Room } from "../../lib/protocol/types.ts";
import { Attention } from "./attention.ts";
import { Model } from "./model.ts";

function room(id: string, extra: Partial<Room> = {}): Room {
  return {
    id,
    name: id,
    topic: "",
    kind: "public",
    createdAt: 0,
    lastSeq: 0,
    lastActivityAt: 0,
    ...extra,
  };
}

function msg(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId: "u2",
    username: "bob",
    text: "hi",
    createdAt: 0,
    ...extra,
  };
}

function setup() {
  const model = new Model("http://h");
  model.user = { id: "u1", username: "me" };
  model.upsertRoom(room("r1"));
  model.upsertRoom(room("r2"));
  model.upsertRoom(room("d1", { kind: "direct" }));
  model.switchTo("r1");
  let rings = 0;
  const attention = new Attention(model, () => rings++);
  return { model, attention, rings: () => rings };
}

Deno.test("a mention of me or a direct message rings, once, wherever it is", () => {
  const { attention, rings } = setup();
  attention.message("r1", msg(1));
  assert.equal(rings(), 0);
  attention.message("r1", msg(2, { mentions: ["u1"] }));
  assert.equal(rings(), 1);
  // The same message again, as a notification: no second ring.
  attention.notify("r1", msg(2), "mention");
  assert.equal(rings(), 1);
  attention.message("d1", msg(1, { roomId: "d1" }));
  assert.equal(rings(), 2);
  // Mine never ring.
  attention.message("d1", msg(2, { roomId: "d1", userId: "u1" }));
  assert.equal(rings(), 2);
});

Deno.test("notifications ring for rooms not on screen; on screen, only mentions and DMs", () => {
  const { attention, rings } = setup();
  attention.notify("r1", msg(1), "message");
  attention.notify("r1", msg(2), "thread");
  assert.equal(rings(), 0);
  attention.notify("r1", msg(3), "mention");
  attention.notify("r2", msg(1, { roomId: "r2" }), "message");
  assert.equal(rings(), 2);
});

Deno.test("my settings of a room silence what they say", () => {
  const { model, attention, rings } = setup();
  model.setPrefs("r2", { muted: false, notify: "none" });
  attention.message("r2", msg(1, { roomId: "r2", mentions: ["u1"] }));
  model.setPrefs("d1", { muted: true, notify: "all" });
  attention.message("d1", msg(1, { roomId: "d1" }));
  assert.equal(rings(), 0);
  // Muted, a mention still rings.
  attention.message("d1", msg(2, { roomId: "d1", mentions: ["u1"] }));
  assert.equal(rings(), 1);
});
