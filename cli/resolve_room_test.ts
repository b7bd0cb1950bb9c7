import assert from "node:assert/strict";
import type { Room } from "../lib/protocol/types.ts";
import { InvalidInputError, UsageError } from "./errors.ts";
import { ambiguousRoom, matchRooms, parseDmArg } from "./resolve_room.ts";

function room(id: string, name: string, kind: Room["kind"] = "public"): Room {
  return { id, name, kind, topic: "", createdAt: 0, lastSeq: 0, lastActivityAt: 0 };
}

const ROOMS = [room("r1", "General"), room("r2", "random"), room("r3", "general", "direct")];

Deno.test("matchRooms() finds by id first, then by name case-insensitively", () => {
  assert.deepEqual(matchRooms(ROOMS, "r2").map((r) => r.id), ["r2"]);
  assert.deepEqual(matchRooms(ROOMS, "GENERAL").map((r) => r.id), ["r1"]);
  assert.deepEqual(matchRooms(ROOMS, "#general").map((r) => r.id), ["r1"]);
  assert.deepEqual(matchRooms(ROOMS, "nope"), []);
});

Deno.test("matchRooms() returns every room of an ambiguous name", () => {
  const rooms = [...ROOMS, room("r4", "RANDOM", "private")];
  assert.deepEqual(matchRooms(rooms, "Random").map((r) => r.id), ["r2", "r4"]);
});

Deno.test("matchRooms() prefers the rooms of exactly that name over those differing in case", () => {
  const rooms = [room("p1", "Book club", "private"), room("p2", "book club", "private")];
  assert.deepEqual(matchRooms(rooms, "book club").map((r) => r.id), ["p2"]);
  assert.deepEqual(matchRooms(rooms, "#Book club").map((r) => r.id), ["p1"]);
  // Neither spelled so: both, ambiguous.
  assert.deepEqual(matchRooms(rooms, "BOOK CLUB").map((r) => r.id), ["p1", "p2"]);
  // An id wins over a room named like it.
  const named = [room("p3", "p1", "private"), ...rooms];
  assert.deepEqual(matchRooms(named, "p1").map((r) => r.id), ["p1"]);
});

Deno.test("ambiguousRoom() lists each candidate with its kind and id", () => {
  const err = ambiguousRoom("BOOK CLUB", [
    room("p1", "Book club", "private"),
    room("p2", "book club", "private"),
  ]);
  assert.ok(err instanceof InvalidInputError);
  assert.equal(
    err.message,
    'Room name is ambiguous: "BOOK CLUB" matches 2 rooms: #Book club (private, id p1), ' +
      "#book club (private, id p2): give its id",
  );
});

Deno.test("parseDmArg() validates the username after @", () => {
  assert.equal(parseDmArg("@bob_1"), "bob_1");
  assert.throws(() => parseDmArg("@b"), UsageError);
  assert.throws(() => parseDmArg("@bad name"), /Invalid user/);
});
