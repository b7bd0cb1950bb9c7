import assert from "node:assert/strict";
import { ChatApi } from "../../lib/client/http.ts";
import type { Member, Room } from "../../lib/protocol/types.ts";
import { AdminActions, removedText, roomChanges } from "./admin_actions.ts";
import { type Entry, Model, STATUS } from "./model.ts";

function room(id: string, name: string, extra: Partial<Room> = {}): Room {
  return {
    id,
    name,
    topic: "",
    kind: "public",
    createdAt: 0,
    lastSeq: 0,
    lastActivityAt: 0,
    ...extra,
  };
}

function member(id: string, username: string, displayName?: string): Member {
  return { id, username, displayName, role: "member", online: true, lastSeenAt: null };
}

function texts(entries: Entry[]): string[] {
  return entries.flatMap((e) => e.kind === "notice" ? [e.text] : []);
}

function setup() {
  const model = new Model("http://chat.example:8000");
  model.user = { id: "me", username: "me" };
  model.upsertRoom(room("r1", "general", { topic: "Hello" }));
  model.upsertRoom(room("r2", "random"));
  model.switchTo("r1");
  const forgotten: string[] = [];
  const opened: string[] = [];
  const actions = new AdminActions(model, {
    api: new ChatApi("http://chat.example:8000"),
    changed: () => {},
    forget: (id) => forgotten.push(id),
    open: (id) => {
      opened.push(id);
      model.switchTo(id);
      return Promise.resolve();
    },
  });
  return { model, actions, forgotten, opened };
}

Deno.test("removedText() says why I am out of a room", () => {
  assert.match(removedText("#general", "removed"), /^You were removed from #general/);
  assert.match(removedText("#general", undefined), /^You were removed from #general/);
  assert.match(removedText("#general", "banned"), /^You were banned from #general: you cannot/);
  assert.match(removedText("#general", "deleted"), /^#general was deleted by its owner/);
});

Deno.test("roomChanges() tells a rename and a new or cleared topic", () => {
  const before = room("r1", "general", { topic: "Hello" });
  assert.deepEqual(roomChanges(before, { ...before }), []);
  assert.deepEqual(roomChanges(before, { ...before, name: "lobby", topic: "Hi" }), [
    "#general is now called #lobby",
    "The topic is now: Hi",
  ]);
  assert.deepEqual(roomChanges(before, { ...before, topic: "" }), ["The topic was cleared"]);
});

Deno.test("removed() for the room on screen leaves it for the next, with the notice", async () => {
  const { model, actions, forgotten, opened } = setup();
  await actions.removed("r1", "banned");
  assert.equal(model.rooms.has("r1"), false);
  assert.deepEqual(model.order, ["r2"]);
  assert.equal(model.current, "r2");
  assert.deepEqual(forgotten, ["r1"]);
  assert.deepEqual(opened, ["r2"]);
  assert.match(texts(model.rooms.get("r2")!.entries).join("\n"), /You were banned from #general/);
  assert.match(texts(model.status).join("\n"), /You were banned from #general/);
});

Deno.test("removed() of the last room shows the status buffer; of another, only a notice", async () => {
  const { model, actions, opened } = setup();
  await actions.removed("r2", "deleted");
  assert.equal(model.current, "r1");
  assert.deepEqual(opened, [], "the room on screen stays");
  assert.match(texts(model.rooms.get("r1")!.entries).join("\n"), /#random was deleted/);
  await actions.removed("r1", "removed");
  assert.equal(model.current, STATUS);
  assert.match(texts(model.status).join("\n"), /You were removed from #general/);
  // A room I do not hold: nothing happens.
  await actions.removed("nope", "removed");
  assert.equal(model.current, STATUS);
});

Deno.test("roomChanged() updates the room (the header) and says what changed, once", () => {
  const { model, actions } = setup();
  actions.roomChanged(room("r1", "lobby", { topic: "New topic" }));
  assert.equal(model.view?.room.topic, "New topic");
  assert.equal(model.view?.room.name, "lobby");
  actions.roomChanged(room("r1", "lobby", { topic: "New topic" }));
  assert.deepEqual(texts(model.view!.entries), [
    "#general is now called #lobby",
    "The topic is now: New topic",
  ]);
});

Deno.test("roleChanged() sets the member's role and says so with their full name", () => {
  const { model, actions } = setup();
  model.setMembers("r1", [member("me", "me"), member("b", "bob", "Bobby")]);
  assert.equal(actions.roleChanged("r1", { id: "b", username: "bob" }, "admin"), true);
  assert.equal(model.view?.members.get("b")?.role, "admin");
  actions.roleChanged("r1", { id: "me", username: "me" }, "owner");
  assert.deepEqual(texts(model.view!.entries), [
    "Bobby (@bob) is now an admin of #general",
    "You are now the owner of #general",
  ]);
  assert.equal(actions.roleChanged("nope", { id: "b", username: "bob" }, "admin"), false);
});

Deno.test("profileChanged() renames someone everywhere, and tells the room on screen", () => {
  const { model, actions } = setup();
  model.setMembers("r1", [member("me", "me"), member("b", "bob")]);
  model.setMembers("r2", [member("b", "bob")]);
  actions.profileChanged({ id: "b", username: "bob", displayName: "Bobby" });
  assert.equal(model.rooms.get("r2")?.members.get("b")?.displayName, "Bobby");
  assert.equal(model.nameIn("r1", { id: "b", username: "bob" }), "Bobby");
  assert.deepEqual(texts(model.view!.entries), ["bob is now known as Bobby (@bob)"]);
  // Mine: the model's user follows.
  actions.profileChanged({ id: "me", username: "me", displayName: "Myself" });
  assert.equal(model.user?.displayName, "Myself");
});
