import assert from "node:assert/strict";
import type { Message, Room } from "../../lib/protocol/types.ts";
import { Model, STATUS, TRANSCRIPT_MAX, TYPING_TTL_MS } from "./model.ts";

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
  return model.rooms.get(roomId)!.entries.map((e) =>
    e.kind === "message" ? e.seq : e.kind === "change" ? `~${e.seq}` : "n"
  );
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

Deno.test("applyUpdate() keeps the newest state and never counts as unread", () => {
  const model = setup();
  model.switchTo("r2");
  model.addMessages("r1", [msg(1), msg(2)]);
  assert.equal(
    model.applyUpdate("r1", msg(1, "u2", { text: "edited", editedAt: 5, rev: 3 })),
    true,
  );
  // The same state again, or an older one: nothing to do.
  assert.equal(
    model.applyUpdate("r1", msg(1, "u2", { text: "edited", editedAt: 5, rev: 3 })),
    false,
  );
  assert.equal(model.applyUpdate("r1", msg(1, "u2", { text: "old", rev: 2 })), false);
  // A message not held is not on screen: not kept.
  assert.equal(model.applyUpdate("r1", msg(9, "u2", { rev: 12 })), false);
  const view = model.rooms.get("r1")!;
  assert.equal(view.timeline.get(1)!.text, "edited");
  assert.equal(view.timeline.get(9), undefined);
  assert.equal(view.unread, 0);
  assert.equal(view.lastRev, 12);
  // A history page with an older state does not undo the edit.
  model.addMessages("r1", [msg(1, "u2", { rev: 1 })]);
  assert.equal(view.timeline.get(1)!.text, "edited");
});

Deno.test("a change off screen is reprinted once at the bottom; on screen, in place", () => {
  const model = setup();
  model.switchTo("r1");
  model.addMessages("r1", [msg(1), msg(2), msg(3)]);
  model.onScreen = { roomId: "r1", seqs: new Set([2, 3]) };
  model.applyUpdate("r1", msg(3, "u2", { text: "in place", rev: 4 }));
  assert.deepEqual(seqs(model), [1, 2, 3]);
  model.applyUpdate("r1", msg(1, "u2", { text: "scrolled away", rev: 5 }));
  model.notice("between");
  model.applyUpdate("r1", msg(1, "u2", { text: "again", rev: 6 }));
  assert.deepEqual(seqs(model), [1, 2, 3, "n", "~1"]);
  // In another room: every change is off screen.
  model.addMessages("r2", [msg(1)]);
  model.applyUpdate("r2", msg(1, "u2", { deleted: true, text: "", rev: 7 }));
  assert.deepEqual(seqs(model, "r2"), [1, "~1"]);
});

Deno.test("replies follow their original's edits and deletes", () => {
  const model = setup();
  const ref = { seq: 1, userId: "u2", username: "bob", excerpt: "text 1" };
  model.addMessages("r1", [msg(1, "u2", { rev: 1 }), msg(2, "u1", { rev: 2, replyTo: ref })]);
  model.applyUpdate("r1", msg(1, "u2", { text: "better", editedAt: 1, rev: 3 }));
  const view = model.rooms.get("r1")!;
  assert.equal(view.timeline.get(2)!.replyTo!.excerpt, "better");
  model.applyUpdate("r1", msg(1, "u2", { text: "", deleted: true, rev: 4 }));
  assert.deepEqual(view.timeline.get(2)!.replyTo, { ...ref, excerpt: "", deleted: true });
});

Deno.test("nthMessage() counts back from the latest, mine only when asked, skipping deletes", () => {
  const model = setup();
  model.addMessages("r1", [
    msg(1, "u1"),
    msg(2),
    msg(3, "u1", { deleted: true, text: "" }),
    msg(4, "u1"),
    msg(5),
  ]);
  assert.equal(model.nthMessage("r1", 1)?.seq, 5);
  assert.equal(model.nthMessage("r1", 2)?.seq, 4);
  assert.equal(model.nthMessage("r1", 3)?.seq, 2);
  assert.equal(model.nthMessage("r1", 1, { mine: true })?.seq, 4);
  assert.equal(model.nthMessage("r1", 2, { mine: true })?.seq, 1);
  assert.equal(model.nthMessage("r1", 3, { mine: true }), undefined);
  assert.equal(model.nthMessage("r2", 1), undefined);
});

Deno.test("a long transcript drops its oldest messages and their markers", () => {
  const model = setup();
  const many = Array.from({ length: TRANSCRIPT_MAX }, (_, i) => msg(i + 1));
  model.addMessages("r1", many);
  model.applyUpdate("r1", msg(1, "u2", { text: "x", rev: 99_999 }));
  model.addMessages("r1", [msg(TRANSCRIPT_MAX + 1)]);
  const view = model.rooms.get("r1")!;
  assert.ok(view.timeline.size < TRANSCRIPT_MAX);
  assert.equal(view.timeline.lastSeq, TRANSCRIPT_MAX + 1);
  assert.equal(view.timeline.get(1), undefined);
  assert.ok(view.entries.every((e) => e.kind === "notice" || view.timeline.get(e.seq)));
  assert.equal(view.hasMore, true);
});

Deno.test("a reply quoting a message older than the transcript follows its changes", () => {
  const model = setup();
  model.switchTo("r1");
  const ref = { seq: 1, userId: "u2", username: "bob", excerpt: "secret plan" };
  model.addMessages("r1", [msg(5, "u1", { rev: 5, replyTo: ref })]);
  const reply = model.rooms.get("r1")!.timeline.get(5)!;
  assert.equal(model.quoteOf(reply)!.excerpt, "secret plan");
  assert.equal(model.applyUpdate("r1", msg(1, "u2", { text: "", deleted: true, rev: 9 })), true);
  assert.deepEqual(model.quoteOf(reply), { ...ref, excerpt: "", deleted: true });
  // Not quoted by anything held: nothing kept.
  assert.equal(model.applyUpdate("r1", msg(2, "u2", { text: "x", rev: 10 })), false);
  assert.equal(model.rooms.get("r1")!.quoted.size, 1);
  // Loaded later (history): the timeline takes over.
  model.addMessages("r1", [msg(1, "u2", { text: "", deleted: true, rev: 9 })]);
  assert.equal(model.rooms.get("r1")!.quoted.size, 0);
  assert.equal(model.quoteOf(model.rooms.get("r1")!.timeline.get(5)!)!.deleted, true);
});

Deno.test("noticeAfter() puts a notice right after a message: a gap in the history", () => {
  const model = new Model("http://x");
  model.upsertRoom({
    id: "r",
    name: "r",
    topic: "",
    kind: "public",
    createdAt: 0,
    lastSeq: 90,
    lastActivityAt: 0,
  });
  const m = (seq: number) => ({
    id: `m${seq}`,
    roomId: "r",
    seq,
    userId: "u",
    username: "u",
    text: `t${seq}`,
    createdAt: seq,
  });
  model.addMessages("r", [m(80), m(90)]);
  model.addMessages("r", [m(10), m(11)]);
  model.noticeAfter("r", 11, "gap");
  const entries = model.rooms.get("r")!.entries;
  assert.deepEqual(
    entries.map((e) => e.kind === "notice" ? e.text : e.seq),
    [10, 11, "gap", 80, 90],
  );
});
