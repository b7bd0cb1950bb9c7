import assert from "node:assert/strict";
import type { Message, Room } from "../../lib/protocol/types.ts";
import { Model, STATUS, TYPING_TTL_MS } from "./model.ts";

function room(id: string, lastSeq = 0): Room {
  return { id, name: id, topic: "", kind: "public", createdAt: 0, lastSeq, lastActivityAt: 0 };
}

function msg(seq: number, userId = "u2", extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId,
    username: userId === "u1" ? "me" : "bob",
    text: `text ${seq}`,
    createdAt: seq * 1000,
    ...extra,
  };
}

function seqs(model: Model, roomId = "r1"): (number | string)[] {
  return model.rooms.get(roomId)!.entries.map((e) => e.kind === "message" ? e.message.seq : "n");
}

function setup(): Model {
  const model = new Model("http://h");
  model.user = { id: "u1", username: "me" };
  model.upsertRoom(room("r1"));
  model.upsertRoom(room("r2"));
  return model;
}

Deno.test("addMessages() keeps seq order and ignores duplicates", () => {
  const model = setup();
  model.switchTo("r1");
  assert.equal(model.addMessages("r1", [msg(3), msg(4)]), 2);
  assert.equal(model.addMessages("r1", [msg(4), msg(5)]), 1);
  assert.equal(model.addMessages("r1", [msg(1), msg(2)]), 2);
  assert.deepEqual(seqs(model), [1, 2, 3, 4, 5]);
  assert.equal(model.lastSeq("r1"), 5);
  assert.equal(model.firstSeq("r1"), 1);
  model.notice("after");
  assert.equal(model.heldSeq("r1"), 5);
  // The server may know of newer messages than those held.
  model.upsertRoom(room("r1", 9));
  assert.equal(model.lastSeq("r1"), 9);
  assert.equal(model.heldSeq("r1"), 5);
  assert.equal(model.heldSeq("r2"), 0);
});

Deno.test("addMessages() puts live messages after notices and history before them", () => {
  const model = setup();
  model.switchTo("r1");
  model.addMessages("r1", [msg(5)]);
  model.notice("bob joined");
  model.addMessages("r1", [msg(6)]);
  model.addMessages("r1", [msg(2)]);
  assert.deepEqual(seqs(model), [2, 5, "n", 6]);
});

Deno.test("live messages from others count as unread only in rooms not on screen", () => {
  const model = setup();
  model.switchTo("r1");
  model.addMessages("r2", [msg(1), msg(2, "u1")], { live: true });
  model.addMessages("r1", [msg(1)], { live: true });
  model.addMessages("r2", [msg(3)]);
  assert.equal(model.rooms.get("r2")!.unread, 1);
  assert.equal(model.rooms.get("r1")!.unread, 0);
  assert.deepEqual(model.activity().map((v) => v.room.id), ["r2"]);
  model.switchTo("r2");
  assert.equal(model.rooms.get("r2")!.unread, 0);
});

Deno.test("an echoed message with my clientId leaves the outbox", () => {
  const model = setup();
  model.outbox.push({ clientId: "c1", roomId: "r1", text: "hi", createdAt: 0 });
  model.outbox.push({ clientId: "c2", roomId: "r1", text: "yo", createdAt: 0 });
  model.addMessages("r1", [msg(1, "u1", { clientId: "c1" })]);
  assert.deepEqual(model.outbox.map((o) => o.clientId), ["c2"]);
});

Deno.test("typing indicators expire and stop when the typist's message arrives", () => {
  const model = setup();
  model.typing("r1", "bob", 1000);
  model.typing("r1", "me", 1000);
  assert.deepEqual(model.typers("r1", 1500), ["bob"]);
  assert.deepEqual(model.typers("r1", 1000 + TYPING_TTL_MS), []);
  model.typing("r1", "bob");
  model.addMessages("r1", [msg(1)]);
  assert.deepEqual(model.typers("r1"), []);
});

Deno.test("presence() updates the member in every room it shares", () => {
  const model = setup();
  const bob = { id: "u2", username: "bob", role: "member" as const, online: false, lastSeenAt: 1 };
  model.setMembers("r1", [bob]);
  model.setMembers("r2", [bob]);
  assert.deepEqual(model.presence("u2", true, 5), ["r1", "r2"]);
  assert.equal(model.rooms.get("r2")!.members.get("u2")!.online, true);
  assert.deepEqual(model.presence("u9", true, 5), []);
});

Deno.test("cycle() goes through the rooms and the status buffer", () => {
  const model = setup();
  assert.equal(model.current, STATUS);
  model.cycle(1);
  assert.equal(model.current, "r1");
  model.cycle(1);
  model.cycle(1);
  assert.equal(model.current, STATUS);
  model.cycle(-1);
  assert.equal(model.current, "r2");
});

Deno.test("removeRoom() switches away and drops its queued messages", () => {
  const model = setup();
  model.switchTo("r2");
  model.outbox.push({ clientId: "c1", roomId: "r2", text: "hi", createdAt: 0 });
  model.removeRoom("r2");
  assert.equal(model.current, "r1");
  assert.equal(model.outbox.length, 0);
  assert.deepEqual(model.order, ["r1"]);
});
