import assert from "node:assert/strict";
import { RoomStore } from "./rooms.ts";

const ROOM = {
  id: "room1",
  name: "Quiet",
  topic: "",
  kind: "private" as const,
  createdAt: 1,
  createdBy: "owner",
};

async function withStore(fn: (kv: Deno.Kv, rooms: RoomStore) => Promise<void>) {
  const kv = await Deno.openKv(":memory:");
  try {
    await fn(kv, new RoomStore(kv));
  } finally {
    kv.close();
  }
}

Deno.test("an invite is listed for its invitee until joining or declining removes both keys", async () => {
  await withStore(async (kv, rooms) => {
    await rooms.create(ROOM);
    await rooms.create({ ...ROOM, id: "room2", name: "Loud" });
    await rooms.setInvite("room1", "u1", "owner", 10);
    await rooms.setInvite("room2", "u1", "owner", 20);
    assert.deepEqual(await rooms.invitesOf("u1"), [
      { roomId: "room2", by: "owner", at: 20 },
      { roomId: "room1", by: "owner", at: 10 },
    ]);
    assert.deepEqual(await rooms.invitesOf("owner"), []);

    assert.equal(await rooms.addMember("room1", "u1", "member", 30), true);
    assert.equal(await rooms.hasInvite("room1", "u1"), false);
    assert.equal((await kv.get(["user_invite", "u1", "room1"])).versionstamp, null);

    assert.equal(await rooms.dropInvite("room2", "u1"), true);
    assert.equal(await rooms.dropInvite("room2", "u1"), false);
    assert.equal(await rooms.hasInvite("room2", "u1"), false);
    assert.deepEqual(await rooms.invitesOf("u1"), []);
  });
});

Deno.test("invites stored before the index are indexed once, at start", async () => {
  await withStore(async (kv, rooms) => {
    await rooms.create(ROOM);
    // As the previous version wrote them: the invite key alone.
    await kv.set(["invite", "room1", "u1"], { by: "owner", at: 10 });
    await kv.set(["invite", "room1", "u2"], { by: "owner", at: 11 });
    assert.deepEqual(await rooms.invitesOf("u1"), []);

    assert.equal(await rooms.indexInvites(), 2);
    assert.deepEqual(await rooms.invitesOf("u1"), [{ roomId: "room1", by: "owner", at: 10 }]);
    assert.deepEqual(await rooms.invitesOf("u2"), [{ roomId: "room1", by: "owner", at: 11 }]);
    // Once: a later start reads the mark and scans nothing.
    await kv.set(["invite", "room1", "u3"], { by: "owner", at: 12 });
    assert.equal(await rooms.indexInvites(), 0);
    assert.deepEqual(await rooms.invitesOf("u3"), []);
  });
});
