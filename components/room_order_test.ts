import assert from "node:assert/strict";
import { compareRooms, type OrderedRoom, sidebarOrder } from "./room_order.ts";

function room(id: string, name: string, kind = "public", lastActivityAt = 0): OrderedRoom {
  return { id, name, kind, lastActivityAt };
}

const names = (rooms: OrderedRoom[]) => rooms.map((r) => r.name);

Deno.test("sidebarOrder() sorts rooms by name, whatever their case and accents, digits as numbers", () => {
  const rooms = [
    room("1", "zebra", "public", 9),
    room("2", "Émile"),
    room("3", "apple", "private", 5),
    room("4", "Banana"),
    room("5", "room 10"),
    room("6", "room 2"),
    room("7", "eclair"),
  ];
  assert.deepEqual(names(sidebarOrder(rooms)), [
    "apple",
    "Banana",
    "eclair",
    "Émile",
    "room 2",
    "room 10",
    "zebra",
  ]);
});

Deno.test("sidebarOrder() puts direct conversations after rooms, the latest activity first", () => {
  const rooms = [
    room("d1", "ada", "direct", 100),
    room("r1", "general", "public", 50),
    room("d2", "bob", "direct", 300),
    room("d3", "carol", "direct", 300),
    room("r2", "design", "private", 400),
  ];
  assert.deepEqual(names(sidebarOrder(rooms)), ["design", "general", "bob", "carol", "ada"]);
});

Deno.test("sidebarOrder() is total: case and accents break ties, then the id", () => {
  const rooms = [
    room("c", "Général"),
    room("z", "zeta"),
    room("a", "General"),
    room("x", "alpha"),
    room("b", "general"),
    room("t2", "team"),
    room("t1", "team"),
  ];
  const sorted = sidebarOrder(rooms);
  assert.deepEqual(
    sorted.map((r) => r.name.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()),
    ["alpha", "general", "general", "general", "team", "team", "zeta"],
  );
  assert.deepEqual(sorted.filter((r) => r.name === "team").map((r) => r.id), ["t1", "t2"]);
  for (const list of [[...rooms].reverse(), [...rooms.slice(3), ...rooms.slice(0, 3)]]) {
    assert.deepEqual(sidebarOrder(list), sorted, "the same whatever the input order");
  }
  assert.equal(compareRooms(rooms[0], rooms[0]), 0);
});

Deno.test("sidebarOrder() leaves its input as it was", () => {
  const rooms = [room("2", "b"), room("1", "a")];
  sidebarOrder(rooms);
  assert.deepEqual(names(rooms), ["b", "a"]);
});
