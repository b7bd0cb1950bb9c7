import assert from "node:assert/strict";
import type { Member, Message, Room } from "../../lib/protocol/types.ts";
import { createStyler, stripStyles } from "./colors.ts";
import { InputLine } from "./input_line.ts";
import { Model } from "./model.ts";
import { applyProfile, fullName, People, shortName } from "./people.ts";
import { promptFor, renderFrame } from "./view.ts";

function member(id: string, username: string, displayName?: string): Member {
  return { id, username, displayName, role: "member", online: true, lastSeenAt: null };
}

function room(id: string, name: string): Room {
  return { id, name, topic: "", kind: "public", createdAt: 0, lastSeq: 0, lastActivityAt: 0 };
}

function msg(seq: number, text: string, userId: string, username: string): Message {
  const createdAt = new Date(2024, 4, 1, 9, seq).getTime();
  return { id: `m${seq}`, roomId: "r1", seq, userId, username, text, createdAt };
}

function screen(model: Model): string[] {
  const frame = renderFrame(model, { prompt: promptFor(model), line: new InputLine() }, {
    size: { columns: 70, rows: 10 },
    styler: createStyler(),
    now: 0,
  });
  return frame.rows.map(stripStyles);
}

Deno.test("shortName() is the display name, with @username only where two could be confused", () => {
  const people = new People();
  const members = [
    member("a", "alice", "Alice Smith"),
    member("b", "bob", "Bob"),
    member("c", "bobby", "bob"),
    member("d", "dana"),
    member("e", "erin", "carol"),
    member("f", "carol"),
  ];
  people.learnAll(members);
  assert.equal(shortName(people, members, { id: "a", username: "alice" }), "Alice Smith");
  // "Bob" and "bob" are the same name to a reader: both say who they are.
  assert.equal(shortName(people, members, { id: "b", username: "bob" }), "Bob (@bob)");
  assert.equal(shortName(people, members, { id: "c", username: "bobby" }), "bob (@bobby)");
  // No display name: the username, as ever.
  assert.equal(shortName(people, members, { id: "d", username: "dana" }), "dana");
  // Named like someone else's username.
  assert.equal(shortName(people, members, { id: "e", username: "erin" }), "carol (@erin)");
  assert.equal(shortName(people, members, { id: "f", username: "carol" }), "carol");
  // Someone never seen: their username.
  assert.equal(shortName(people, members, { id: "z", username: "zed" }), "zed");
  // By username alone (the typing line).
  assert.equal(shortName(people, members, { username: "alice" }), "Alice Smith");
});

Deno.test("fullName() puts the username beside a display name that differs", () => {
  assert.equal(fullName({ username: "alice", displayName: "Alice Smith" }), "Alice Smith (@alice)");
  assert.equal(fullName({ username: "bob", displayName: "bob" }), "bob");
  assert.equal(fullName({ username: "bob" }), "bob");
  const hostile = fullName({ username: "eve", displayName: "\x1b[31mred" });
  assert.ok(!hostile.includes("\x1b"), hostile);
  assert.match(hostile, /red \(@eve\)$/);
});

Deno.test("People.learn() keeps a known display name when a nested user leaves it out", () => {
  const people = new People();
  assert.equal(people.learn({ id: "a", username: "alice", displayName: "Alice" }), true);
  assert.equal(people.learn({ id: "a", username: "alice" }), false);
  assert.equal(people.displayName("a", "alice"), "Alice");
  assert.equal(people.learn({ id: "a", username: "alice", displayName: "Al" }), true);
  assert.equal(people.displayName(undefined, "ALICE"), "Al");
});

Deno.test("applyProfile() updates the member in every room that lists them", () => {
  const one = { members: new Map([["a", member("a", "alice", "Alice")]]) };
  const two = { members: new Map([["b", member("b", "bob")]]) };
  applyProfile([one, two], { id: "a", username: "alice", displayName: "Ally", avatarUrl: "/x" });
  assert.equal(one.members.get("a")?.displayName, "Ally");
  assert.equal(one.members.get("a")?.avatarUrl, "/x");
  assert.equal(two.members.has("a"), false);
  applyProfile([one], { id: "a", username: "alice", displayName: "Ally" });
  assert.equal(one.members.get("a")?.avatarUrl, undefined);
});

Deno.test("messages on screen show the current display name, and the typing line too", () => {
  const model = new Model("http://chat.example:8000");
  model.user = { id: "me", username: "me" };
  model.connection = "open";
  model.upsertRoom(room("r1", "general"));
  model.switchTo("r1");
  model.setMembers("r1", [member("me", "me"), member("a", "alice", "Alice Smith")]);
  model.addMessages("r1", [msg(1, "hello", "a", "alice"), msg(2, "hi", "me", "me")]);
  let rows = screen(model);
  assert.ok(rows.includes("09:01 Alice Smith: hello"), rows.join("\n"));
  assert.ok(rows.includes("09:02 me: hi"), rows.join("\n"));
  // A new name: every message shows it at the next draw, no request needed.
  model.people.learn({ id: "a", username: "alice", displayName: "Ally" });
  applyProfile(model.rooms.values(), { id: "a", username: "alice", displayName: "Ally" });
  model.typing("r1", "alice", Date.now());
  const frame = renderFrame(model, { prompt: promptFor(model), line: new InputLine() }, {
    size: { columns: 70, rows: 10 },
    styler: createStyler(),
  });
  rows = frame.rows.map(stripStyles);
  assert.ok(rows.includes("09:01 Ally: hello"), rows.join("\n"));
  assert.match(rows[8], /Ally is typing…/);
});
