import assert from "node:assert/strict";
import { deletingKey, LEASE_MS, RoomDeletion } from "./room_deletion.ts";
import { memberKey, type Membership, RoomStore } from "./rooms.ts";
import type { RoomRecord } from "./rooms.ts";

const ROOM: RoomRecord = {
  id: "room1",
  name: "Doomed",
  topic: "",
  kind: "public",
  createdAt: 1,
  createdBy: "u1",
};

async function withRoom(
  fn: (kv: Deno.Kv, deletion: (isolateId: string, now?: () => number) => RoomDeletion) => Promise<
    void
  >,
) {
  const kv = await Deno.openKv(":memory:");
  try {
    const rooms = new RoomStore(kv);
    await rooms.create(ROOM);
    await rooms.join(ROOM.id, "u2", 2);
    // Something under every kind of key a room has, including ones that name it second.
    const message = {
      id: "m1",
      roomId: ROOM.id,
      seq: 1,
      userId: "u1",
      username: "one",
      text: "hi @two",
      createdAt: 5,
      mentions: ["u2"],
      files: [{ id: "f1", name: "a.txt", size: 1, type: "text/plain", url: "/x", sha256: "0" }],
    };
    const op = kv.atomic()
      .set(["msg", ROOM.id, 1], message)
      .set(["mention", "u2", ROOM.id, 1], 5)
      .set(["mention_at", "u2", 5, ROOM.id, 1], true)
      .set(["file", "f1"], { id: "f1", posted: { roomId: ROOM.id, seq: 1 } })
      .set(["follower", ROOM.id, 1, "u2"], 5)
      .set(["follow", "u2", ROOM.id, 1], 5)
      .set(["thread_read", "u2", ROOM.id, 1], 1)
      .set(["read", "u2", ROOM.id], 1)
      .set(["sent", ROOM.id, "u1"], { seq: 1 })
      .set(["room_settings", ROOM.id, "u2"], { muted: true })
      .set(["invite", ROOM.id, "u3"], { by: "u1", at: 3 })
      .set(["user_invite", "u3", ROOM.id], { by: "u1", at: 3 })
      .set(["sx", ROOM.id, "hi", 5, 1], new Uint8Array())
      .set(["sx_rev", ROOM.id], { rev: 1, v: 1 });
    for (let i = 2; i <= 600; i++) op.set(["msg_rev", ROOM.id, i], { seq: 1, headSeq: 1 });
    await op.commit();
    await fn(kv, (isolateId, now = () => Date.now()) => new RoomDeletion(kv, { isolateId, now }));
  } finally {
    kv.close();
  }
}

async function keysNaming(kv: Deno.Kv, roomId: string): Promise<string[]> {
  const found: string[] = [];
  for await (const e of kv.list({ prefix: [] })) {
    if (e.key.includes(roomId)) found.push(JSON.stringify(e.key));
    if (e.key[0] === "file") found.push(JSON.stringify(e.key));
  }
  return found;
}

async function begin(kv: Deno.Kv, deletion: RoomDeletion): Promise<void> {
  const room = await kv.get<RoomRecord>(["room", ROOM.id]);
  const actor = await kv.get<Membership>(memberKey(ROOM.id, "u1"));
  assert.ok(
    await deletion.begin(
      room as Deno.KvEntry<RoomRecord>,
      actor as Deno.KvEntry<Membership>,
      "u1",
    ),
  );
}

Deno.test("begin() makes the room unreachable in one commit; sweep() leaves no key naming it", async () => {
  await withRoom(async (kv, deletion) => {
    const sweeper = deletion("iso1");
    await begin(kv, sweeper);
    assert.equal((await kv.get(["room", ROOM.id])).value, null);
    assert.equal((await kv.get(["room_seq", ROOM.id])).value, null);
    assert.equal((await kv.get(["room_name", "doomed"])).value, null);
    assert.deepEqual(await sweeper.pending(), [ROOM.id]);
    assert.ok(await sweeper.sweep(ROOM.id));
    assert.deepEqual(await keysNaming(kv, ROOM.id), []);
    // The file's bytes are left to the reaper, marked as trash.
    assert.notEqual((await kv.get(["blob_trash", "f1"])).value, null);
    assert.deepEqual(await sweeper.pending(), []);
  });
});

Deno.test("begin() fails when what it read moved (a racing demotion), and changes nothing", async () => {
  await withRoom(async (kv, deletion) => {
    const room = await kv.get<RoomRecord>(["room", ROOM.id]);
    const actor = await kv.get<Membership>(memberKey(ROOM.id, "u1"));
    await kv.set(memberKey(ROOM.id, "u1"), { role: "admin", joinedAt: 1 });
    const ok = await deletion("iso1").begin(
      room as Deno.KvEntry<RoomRecord>,
      actor as Deno.KvEntry<Membership>,
      "u1",
    );
    assert.equal(ok, false);
    assert.notEqual((await kv.get(["room", ROOM.id])).value, null);
    assert.equal((await kv.get(deletingKey(ROOM.id))).value, null);
  });
});

Deno.test("a sweep whose sweeper died is taken over once its lease lapsed", async () => {
  await withRoom(async (kv, deletion) => {
    let now = 1_000_000;
    const dead = deletion("dead", () => now);
    await begin(kv, dead);
    // The dead sweeper claimed it (a crash right after its first step).
    const marker = await kv.get<{ at: number; by: string; touchedAt: number }>(
      deletingKey(ROOM.id),
    );
    await kv.set(deletingKey(ROOM.id), { ...marker.value!, sweeper: "dead", touchedAt: now });
    const other = deletion("alive", () => now);
    assert.equal(await other.sweep(ROOM.id), false, "the lease is held");
    now += LEASE_MS + 1;
    assert.equal(await other.sweep(ROOM.id), true);
    assert.deepEqual(await keysNaming(kv, ROOM.id), []);
  });
});
