import assert from "node:assert/strict";
import type { Message, MyRoom, Room } from "../../lib/protocol/types.ts";
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
    text: `text ${seq}`,
    createdAt: seq * 1000,
    ...extra,
  };
}

function setup(): Model {
  const model = new Model("http://h");
  model.user = { id: "u1", username: "me" };
  model.upsertRoom(room("r1"));
  model.upsertRoom(room("r2"));
  model.upsertRoom(room("d1", { kind: "direct", peer: { id: "u2", username: "bob" } }));
  return model;
}

function entrySeqs(entries: { kind: string; seq?: number }[]): (number | string)[] {
  return entries.map((e) =>
    e.kind === "message" ? e.seq! : e.kind === "change" ? `~${e.seq}` : "n"
  );
}

Deno.test("a reply only in its thread stays out of the room's timeline", () => {
  const model = setup();
  model.switchTo("r1");
  model.addMessages("r1", [
    msg(1),
    msg(2, { threadRoot: 1 }),
    msg(3, { threadRoot: 1, alsoInRoom: true }),
  ]);
  const view = model.rooms.get("r1")!;
  assert.deepEqual(entrySeqs(view.entries), [1, 3]);
  assert.equal(view.replies.get(2)?.text, "text 2");
  assert.equal(model.lastSeq("r1"), 3);
  // /reply 1 and /edit count the messages on screen.
  assert.equal(model.nthMessage("r1", 2)?.seq, 1);
});

Deno.test("a thread view holds the root, the replies fetched and those that came live", () => {
  const model = setup();
  model.switchTo("r1");
  model.addMessages("r1", [msg(1), msg(4, { threadRoot: 1 }), msg(5, { threadRoot: 9 })]);
  const thread = model.openThread("r1", 1, [msg(1), msg(2, { threadRoot: 1 })]);
  assert.deepEqual(entrySeqs(model.entries), [1, 2, 4]);
  model.addMessages("r1", [msg(6, { threadRoot: 1 }), msg(7)], { live: true });
  assert.deepEqual(entrySeqs(model.entries), [1, 2, 4, 6]);
  assert.equal(thread.lastReply, 6);
  assert.equal(model.messageOf({ kind: "message", seq: 6 })?.text, "text 6");
  assert.equal(model.nthMessage("r1", 1)?.seq, 6);
  // What is said about the screen goes to the thread; the room keeps its own.
  model.notice("in the thread");
  assert.deepEqual(entrySeqs(model.entries), [1, 2, 4, 6, "n"]);
  assert.equal(model.applyUpdate("r1", msg(6, { threadRoot: 1, text: "fixed", rev: 9 })), true);
  assert.equal(thread.timeline.get(6)?.text, "fixed");
  // Pending sends show where they go.
  const out = { clientId: "c", roomId: "r1", text: "x", createdAt: 0 };
  assert.equal(model.shows({ ...out, threadRoot: 1 }), true);
  assert.equal(model.shows(out), false);
  model.closeThread();
  assert.deepEqual(entrySeqs(model.entries), [1, 7]);
  assert.equal(model.shows(out), true);
  assert.equal(model.shows({ ...out, threadRoot: 1, alsoInRoom: true }), true);
  // Switching rooms leaves the thread.
  model.openThread("r1", 1, [msg(1)]);
  model.switchTo("r2");
  assert.equal(model.thread, undefined);
});

Deno.test("mentions of me count apart from the unread; a direct room's all do", () => {
  const model = setup();
  model.switchTo("r2");
  model.addMessages("r1", [
    msg(1),
    msg(2, { mentions: ["u1"] }),
    msg(3, { mentionsAll: "here", mentions: ["u1"] }),
    msg(4, { userId: "u1", mentions: ["u1"] }),
  ], { live: true });
  const r1 = model.rooms.get("r1")!;
  assert.deepEqual([r1.unread, r1.mentions], [3, 2]);
  model.addMessages("d1", [msg(1, { roomId: "d1" }), msg(2, { roomId: "d1" })], { live: true });
  const d1 = model.rooms.get("d1")!;
  assert.deepEqual([d1.unread, d1.mentions], [2, 2]);
  assert.deepEqual(model.activity().map((v) => v.room.id), ["r1", "d1"]);
  model.switchTo("r1");
  assert.deepEqual([r1.unread, r1.mentions], [0, 0]);
});

Deno.test("a muted room counts only the mentions", () => {
  const model = setup();
  model.switchTo("r2");
  model.setPrefs("r1", { muted: true, notify: "all" });
  model.addMessages("r1", [msg(1), msg(2, { mentions: ["u1"] })], { live: true });
  const r1 = model.rooms.get("r1")!;
  assert.deepEqual([r1.unread, r1.mentions], [0, 1]);
  assert.deepEqual(model.activity().map((v) => v.room.id), ["r1"]);
});

Deno.test("rooms of GET /api/rooms bring their counts and my settings", () => {
  const model = setup();
  const mine: MyRoom = {
    ...room("r1"),
    unread: 4,
    readSeq: 0,
    mentions: 1,
    muted: true,
    notify: "mentions",
  };
  const view = model.upsertRoom(mine, mine.unread);
  assert.deepEqual([view.unread, view.mentions], [4, 1]);
  assert.deepEqual(view.prefs, { muted: true, notify: "mentions" });
});

Deno.test("thread replies count as unread from thread_activity, once", () => {
  const model = setup();
  model.switchTo("r2");
  // A reply in the thread only: the message frame counts nothing, the activity does.
  model.addMessages("r1", [msg(5, { threadRoot: 1 })], { live: true });
  const r1 = model.rooms.get("r1")!;
  assert.equal(r1.unread, 0);
  assert.equal(model.threadActivity("r1", 1, 5, "u2"), true);
  assert.equal(r1.unread, 1);
  assert.equal(r1.threadUnread.get(1), 1);
  // Also in the room: it comes both ways and counts once, in either order.
  model.addMessages("r1", [msg(6, { threadRoot: 1, alsoInRoom: true })], { live: true });
  model.threadActivity("r1", 1, 6, "u2");
  model.threadActivity("r1", 1, 7, "u2");
  model.addMessages("r1", [msg(7, { threadRoot: 1, alsoInRoom: true })], { live: true });
  assert.equal(r1.unread, 3);
  assert.equal(r1.threadUnread.get(1), 3);
  // Mine count nothing; a thread on screen counts nothing.
  assert.equal(model.threadActivity("r1", 1, 8, "u1"), false);
  model.switchTo("r1");
  model.openThread("r1", 1, [msg(1)]);
  assert.equal(r1.threadUnread.get(1), undefined);
  assert.equal(model.threadActivity("r1", 1, 9, "u2"), false);
  // Read elsewhere: nothing left.
  r1.threadUnread.set(3, 2);
  model.threadRead("r1", 3);
  assert.equal(r1.threadUnread.size, 0);
});

Deno.test("a replayed reply does not count again", () => {
  const model = setup();
  model.switchTo("r2");
  model.addMessages("r1", [msg(5, { threadRoot: 1, mentions: ["u1"] })], { live: true });
  model.addMessages("r1", [msg(5, { threadRoot: 1, mentions: ["u1"] })], { live: true });
  assert.equal(model.rooms.get("r1")!.mentions, 1);
});

Deno.test("my read marker moved elsewhere: what came after it stays unread", () => {
  const model = setup();
  model.switchTo("r2");
  model.addMessages("r1", [msg(1), msg(2, { mentions: ["u1"] }), msg(3)], { live: true });
  model.roomRead("r1", 2);
  const r1 = model.rooms.get("r1")!;
  assert.deepEqual([r1.unread, r1.mentions], [1, 1]);
  model.roomRead("r1", 3);
  assert.deepEqual([r1.unread, r1.mentions], [0, 0]);
});

Deno.test("a root's new summary changes it in place, without a marker", () => {
  const model = setup();
  model.switchTo("r1");
  model.addMessages("r1", [msg(1, { rev: 1 }), msg(2, { rev: 2 })]);
  model.onScreen = { roomId: "r1", seqs: new Set([2]) };
  const thread = { count: 1, lastSeq: 3, lastAt: 3000, users: ["u2"] };
  assert.equal(model.applyUpdate("r1", msg(1, { rev: 4, thread })), true);
  const view = model.rooms.get("r1")!;
  assert.deepEqual(entrySeqs(view.entries), [1, 2]);
  assert.equal(view.timeline.get(1)?.thread?.count, 1);
  // An edit is news.
  model.applyUpdate("r1", msg(1, { rev: 5, thread, text: "edited", editedAt: 5 }));
  assert.deepEqual(entrySeqs(view.entries), [1, 2, "~1"]);
});
