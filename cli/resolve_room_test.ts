import assert from "node:assert/strict";
import type { Room } from "../lib/protocol/types.ts";
import { UsageError } from "./errors.ts";
import { matchRooms, parseDmArg } from "./resolve_room.ts";

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
  const rooms = [...ROOMS, room("r4", "RANDOM")];
  assert.deepEqual(matchRooms(rooms, "random").map((r) => r.id), ["r2", "r4"]);
});

Deno.test("parseDmArg() validates the username after @", () => {
  assert.equal(parseDmArg("@bob_1"), "bob_1");
  assert.throws(() => parseDmArg("@b"), UsageError);
  assert.throws(() => parseDmArg("@bad name"), /Invalid user/);
});
