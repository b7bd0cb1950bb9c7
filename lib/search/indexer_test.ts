import assert from "node:assert/strict";
import { indexesRoom } from "./indexer.ts";

Deno.test("indexesRoom gives every room one indexer, spread out, moving only the leaver's rooms", () => {
  const three = ["isolate-a", "isolate-b", "isolate-c"];
  const rooms = Array.from({ length: 300 }, (_, i) => `room${i}`);
  const owners = new Map<string, string>();
  for (const room of rooms) {
    const mine = three.filter((id) => indexesRoom(room, id, three));
    assert.equal(mine.length, 1, `${room} has exactly one indexer`);
    owners.set(room, mine[0]);
  }
  for (const id of three) {
    const count = [...owners.values()].filter((o) => o === id).length;
    assert.ok(count > 60 && count < 140, `${id} indexes a fair share (${count} of 300)`);
  }
  const two = ["isolate-a", "isolate-c"];
  for (const room of rooms) {
    const owner = owners.get(room)!;
    if (owner !== "isolate-b") assert.ok(indexesRoom(room, owner, two), `${room} stays put`);
  }
  // Alone (or before any isolate is known), an isolate indexes everything.
  assert.ok(rooms.every((room) => indexesRoom(room, "isolate-a", ["isolate-a"])));
  assert.ok(indexesRoom("room1", "isolate-a", []));
});
