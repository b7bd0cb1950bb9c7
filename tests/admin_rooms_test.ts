/**
 * v2 "People, rooms and the server", room administration, against the real server:
 * roles (promote, demote, hand ownership on, on leaving too), rename and topic seen
 * live, removing and banning (the removed user's sockets are told and stop
 * receiving at once, on another isolate too), unique public names and the one-time
 * migration of old duplicates, admins' powers over messages and `@room`, and the
 * abuse the issue lists. The store is checked after each run.
 */

import "../lib/client/admin.ts";
import assert from "node:assert/strict";
import { ApiError, type ChatApi } from "../lib/client/http.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, RecordingSocket, sleep, waitFor } from "./_clients.ts";
import { startServer, type TestServer } from "./_server.ts";

const FAST = { SEND_RATE_BURST: "5000", SEND_RATE_PER_SEC: "5000" };

async function rejects(promise: Promise<unknown>, status: number, pattern?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

async function assertSound(kvPath: string): Promise<void> {
  const kv = await Deno.openKv(kvPath);
  try {
    assert.deepEqual((await checkKv(kv)).problems, []);
  } finally {
    kv.close();
  }
}

async function roleOf(api: ChatApi, roomId: string, userId: string): Promise<string | undefined> {
  return (await api.room(roomId)).members.find((m) => m.id === userId)?.role;
}

/** alice (owner), bob and carol in one public room. */
async function trio(server: TestServer, name = "team") {
  const [alice, bob, carol] = await Promise.all([
    newUser(server.url, "alice"),
    newUser(server.url, "bob"),
    newUser(server.url, "carol"),
  ]);
  const room = await alice.createRoom(`${name}-${crypto.randomUUID().slice(0, 8)}`);
  await bob.join(room.id);
  await carol.join(room.id);
  const [a, b, c] = await Promise.all([alice.me(), bob.me(), carol.me()]);
  return {
    alice,
    bob,
    carol,
    room,
    ids: { alice: a.id, bob: b.id, carol: c.id },
    names: { alice: a.username, bob: b.username, carol: c.username },
  };
}

function isolateOf(socket: RecordingSocket): string {
  const ready = socket.of("ready")[0];
  assert.ok(ready?.isolate, "ready frame names the isolate");
  return ready.isolate;
}

async function openOn(api: ChatApi, want: (isolate: string) => boolean): Promise<RecordingSocket> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const socket = await RecordingSocket.open(api);
    if (want(isolateOf(socket))) return socket;
    socket.close();
  }
  throw new Error("Could not land a socket on the wanted isolate");
}

Deno.test({
  name: "roles: the owner promotes and demotes, hands ownership on; members and admins cannot",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids } = await trio(server);
      assert.equal(await roleOf(alice, room.id, ids.alice), "owner");
      assert.equal(await roleOf(alice, room.id, ids.bob), "member");
      const watcher = await RecordingSocket.open(carol);

      // A member promoting themself, or anyone: 403. A bad role: 400.
      await rejects(bob.setRole(room.id, ids.bob, "admin"), 403, /owner/);
      await rejects(bob.setRole(room.id, ids.carol, "admin"), 403);
      await rejects(alice.setRole(room.id, ids.bob, "king" as "admin"), 400);
      await rejects(alice.setRole(room.id, "nobody0000000000000", "admin"), 404);
      await rejects(alice.setRole(room.id, ids.alice, "member"), 400, /owner/);

      await alice.setRole(room.id, ids.bob, "admin");
      assert.equal(await roleOf(carol, room.id, ids.bob), "admin");
      await waitFor("role frame", () => watcher.of("role").some((f) => f.userId === ids.bob));
      assert.equal(watcher.of("role").find((f) => f.userId === ids.bob)!.role, "admin");
      // An admin cannot set roles, itself included.
      await rejects(bob.setRole(room.id, ids.carol, "admin"), 403);
      await rejects(bob.setRole(room.id, ids.bob, "member"), 403);
      // Setting the role one has is fine.
      await alice.setRole(room.id, ids.bob, "admin");

      // Handing ownership on: carol owns it, alice is an admin.
      await alice.setRole(room.id, ids.carol, "owner");
      assert.equal(await roleOf(bob, room.id, ids.carol), "owner");
      assert.equal(await roleOf(bob, room.id, ids.alice), "admin");
      await rejects(alice.setRole(room.id, ids.bob, "member"), 403);
      await carol.setRole(room.id, ids.bob, "member");
      assert.equal(await roleOf(bob, room.id, ids.bob), "member");

      // Direct rooms have no administration.
      const dm = await alice.dm((await bob.me()).username);
      await rejects(alice.setRole(dm.id, ids.bob, "admin"), 403);
      await rejects(alice.updateRoom(dm.id, { name: "ours" }), 403);
      await rejects(alice.deleteRoom(dm.id), 403);
      watcher.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "the last owner leaving hands the room to the longest-standing admin, else member",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids } = await trio(server);
      const dave = await newUser(server.url, "dave");
      await dave.join(room.id);
      const daveId = (await dave.me()).id;
      await alice.setRole(room.id, daveId, "admin");
      const watcher = await RecordingSocket.open(bob);
      await alice.leave(room.id);
      // dave is the only admin: he owns it, though bob and carol joined before him.
      assert.equal(await roleOf(bob, room.id, daveId), "owner");
      await waitFor("role frame", () => watcher.of("role").some((f) => f.role === "owner"));
      // No admin: the longest-standing member.
      await dave.leave(room.id);
      assert.equal(await roleOf(bob, room.id, ids.bob), "owner");
      assert.equal(await roleOf(bob, room.id, ids.carol), "member");
      // Everyone gone: whoever joins the empty room owns it.
      await bob.leave(room.id);
      await carol.leave(room.id);
      await alice.join(room.id);
      assert.equal(await roleOf(alice, room.id, ids.alice), "owner");
      // Racing joins of an empty room: exactly one owner.
      await alice.leave(room.id);
      await Promise.all([alice, bob, carol, dave].map((api) => api.join(room.id)));
      const { members } = await alice.room(room.id);
      assert.equal(members.filter((m) => m.role === "owner").length, 1);
      watcher.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "rename and topic: owners and admins, seen live by every member; bad input refused",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids } = await trio(server);
      const outsider = await newUser(server.url, "outsider");
      const carolSocket = await RecordingSocket.open(carol); // not subscribed
      await alice.setRole(room.id, ids.bob, "admin");
      const renamed = await bob.updateRoom(room.id, { name: "  Launch  ", topic: "Friday" });
      assert.equal(renamed.name, "Launch");
      assert.equal(renamed.topic, "Friday");
      assert.equal((await carol.room(room.id)).room.name, "Launch");
      await waitFor(
        "room frame",
        () => carolSocket.of("room").some((f) => f.room.name === "Launch"),
      );
      assert.equal(carolSocket.of("room").at(-1)!.room.topic, "Friday");
      const topicOnly = await alice.updateRoom(room.id, { topic: "" });
      assert.equal(topicOnly.name, "Launch");

      await rejects(carol.updateRoom(room.id, { name: "Mine" }), 403);
      await rejects(outsider.updateRoom(room.id, { name: "Mine" }), 403);
      await rejects(alice.updateRoom(room.id, { name: "evil\u202Egnp" }), 400);
      await rejects(alice.updateRoom(room.id, { name: "zero\u200Bwidth" }), 400);
      await rejects(alice.updateRoom(room.id, { name: "   " }), 400);
      await rejects(alice.updateRoom(room.id, { name: "x".repeat(65) }), 400);
      await rejects(alice.updateRoom(room.id, { topic: "t".repeat(257) }), 400);
      await rejects(alice.updateRoom(room.id, {}), 400);
      await rejects(alice.request("PATCH", `/api/rooms/${room.id}`, { name: 42 }), 400);
      await rejects(alice.updateRoom("nope0000000000000000", { name: "x" }), 404);

      // Public names are unique ignoring case: renaming or creating onto one is 409.
      const other = await carol.createRoom("General Chat");
      await rejects(alice.updateRoom(room.id, { name: "general chat" }), 409);
      await rejects(bob.createRoom("GENERAL CHAT"), 409);
      // The room's own name in another case is fine; private rooms may share names.
      await carol.updateRoom(other.id, { name: "general chat" });
      assert.ok(await bob.createRoom("General Chat", { kind: "private" }));
      // A renamed room frees its old name.
      await alice.updateRoom(room.id, { name: "Launch 2" });
      assert.ok(await carol.createRoom("launch"));
      carolSocket.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "remove and ban: the user is told, stops receiving at once, cannot come back while banned",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids, names } = await trio(server);
      const dave = await newUser(server.url, "dave");
      await dave.join(room.id);
      const daveId = (await dave.me()).id;
      await alice.setRole(room.id, ids.bob, "admin");
      await alice.setRole(room.id, daveId, "admin");

      // Who may remove whom.
      await rejects(carol.removeMember(room.id, ids.bob), 403);
      await rejects(bob.removeMember(room.id, ids.alice), 403, /owner/);
      await rejects(bob.removeMember(room.id, daveId), 403, /admin/);
      await rejects(bob.ban(room.id, names.alice), 403, /owner/);
      await rejects(alice.removeMember(room.id, ids.alice), 400);
      await rejects(alice.ban(room.id, names.alice), 400);
      await rejects(alice.removeMember(room.id, "nobody0000000000000"), 404);
      await rejects(alice.ban(room.id, "no_such_user_here"), 404);
      await rejects(alice.ban(room.id, "\u202E"), 400);

      // carol watches the room on two sockets; bob (an admin) removes her.
      const c1 = await RecordingSocket.open(carol);
      const c2 = await RecordingSocket.open(carol);
      await c1.socket.subscribe(room.id);
      await c2.socket.subscribe(room.id);
      await alice.send(room.id, "before");
      await waitFor("carol sees it", () => c1.seqs(room.id).length === 1);
      await bob.removeMember(room.id, ids.carol);
      for (const socket of [c1, c2]) {
        await waitFor(
          "removed frame",
          () => socket.of("removed").some((f) => f.roomId === room.id),
        );
      }
      assert.equal(c1.of("removed")[0].reason, "removed");
      await alice.send(room.id, "after");
      await sleep(300);
      assert.deepEqual(c1.seqs(room.id), [1], "nothing after the removal");
      assert.deepEqual(c2.seqs(room.id), [1]);
      await rejects(carol.send(room.id, "still here?"), 403);
      await assert.rejects(c1.socket.subscribe(room.id));
      assert.ok(!(await carol.rooms()).some((r) => r.id === room.id));
      // Removed is not banned: a public room can be joined again.
      await carol.join(room.id);

      // Banned: removed at once, and kept out.
      await bob.ban(room.id, names.carol);
      await waitFor("banned frame", () => c1.of("removed").some((f) => f.reason === "banned"));
      await rejects(carol.join(room.id), 403, /banned/);
      const bans = await alice.bans(room.id);
      assert.deepEqual(bans.map((b) => [b.user.id, b.by.id]), [[ids.carol, ids.bob]]);
      await rejects(carol.bans(room.id), 403);
      // Banning twice, or someone who is not in the room, is fine.
      await bob.ban(room.id, names.carol);
      const eve = await newUser(server.url, "eve");
      const eveName = (await eve.me()).username;
      await bob.ban(room.id, eveName);
      await rejects(eve.join(room.id), 403, /banned/);
      await bob.unban(room.id, ids.carol);
      await bob.unban(room.id, ids.carol);
      await carol.join(room.id);
      c1.close();
      c2.close();

      // A private room: a banned user's old invitation is no way back in.
      const secret = await alice.createRoom("secret", { kind: "private" });
      await alice.invite(secret.id, names.carol);
      await alice.invite(secret.id, eveName);
      await alice.ban(secret.id, eveName);
      await rejects(eve.join(secret.id), 403);
      assert.ok(!(await eve.invites()).some((i) => i.room.id === secret.id));
      await carol.join(secret.id);
      await alice.ban(secret.id, names.carol);
      await rejects(carol.join(secret.id), 403);
      await rejects(alice.invite(secret.id, names.carol), 403, /banned/);
      await rejects(carol.messages(secret.id), 403);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "admins delete others' messages and may @room; plain members may not",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids } = await trio(server);
      const byCarol = await carol.send(room.id, "spam");
      const byAlice = await alice.send(room.id, "the owner's");
      await rejects(bob.deleteMessage(room.id, byCarol.seq), 403);
      await alice.setRole(room.id, ids.bob, "admin");
      await bob.deleteMessage(room.id, byCarol.seq);
      await bob.deleteMessage(room.id, byAlice.seq);
      const { messages } = await alice.messages(room.id);
      assert.ok(messages.every((m) => m.deleted));
      const all = await bob.send(room.id, "@room meeting");
      assert.equal(all.mentionsAll, "room");
      const plain = await carol.send(room.id, "@room me too");
      assert.equal(plain.mentionsAll, undefined);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name:
    "across isolates: a removed user's socket on the other isolate stops at once; renames reach it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2, env: { ...FAST, BUS_FAST_PATH: "0" } });
    try {
      const { alice, bob, room, ids, names } = await trio(server);
      const a = await RecordingSocket.open(alice);
      const home = isolateOf(a);
      const b = await openOn(bob, (iso) => iso !== home);
      await a.socket.subscribe(room.id);
      await b.socket.subscribe(room.id);
      await a.socket.send(room.id, "one");
      await waitFor("bob has one", () => b.seqs(room.id).length === 1);
      await alice.updateRoom(room.id, { topic: "across" });
      await waitFor("room frame across", () => b.of("room").some((f) => f.room.topic === "across"));

      // Removed: told on the other isolate, and alice's next sends do not reach him.
      await alice.removeMember(room.id, ids.bob);
      await waitFor("removed across", () => b.of("removed").length === 1);
      for (let i = 0; i < 5; i++) await a.socket.send(room.id, `after ${i}`);
      await sleep(500);
      assert.deepEqual(b.seqs(room.id), [1]);
      // Back in, then banned: the same.
      await bob.join(room.id);
      await b.socket.subscribe(room.id);
      await a.socket.send(room.id, "welcome back");
      await waitFor("bob back", () => b.seqs(room.id).length === 2);
      await alice.ban(room.id, names.bob);
      await waitFor("banned across", () => b.of("removed").length === 2);
      await a.socket.send(room.id, "gone");
      await sleep(500);
      assert.equal(b.seqs(room.id).length, 2);
      a.close();
      b.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "old public rooms named alike are told apart once at start-up: the oldest keeps its name",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let server = await startServer({ env: FAST });
    const kvPath = server.kvPath;
    let first: string;
    try {
      const alice = await newUser(server.url, "alice");
      first = (await alice.createRoom("General")).id;
    } finally {
      await server.stop();
    }
    // What an older version could store: two more public rooms called "general"
    // (any case), no name index, no migration marker; and an ownerless room.
    const kv = await Deno.openKv(kvPath);
    const aliceId = (await kv.list<string>({ prefix: ["user_by_name"] }).next()).value!.value;
    const legacy = ["gEneral", "GENERAL"].map((name, i) => ({
      id: `legacy${i}000000000000000`,
      name,
      topic: "",
      kind: "public",
      createdAt: Date.now() + i,
      createdBy: aliceId,
    }));
    for (const room of legacy) {
      await kv.atomic()
        .set(["room", room.id], room)
        .set(["room_seq", room.id], { seq: 0, at: room.createdAt })
        .set(["public_room", room.id], room.createdAt)
        .set(["room_member", room.id, aliceId], { role: "member", joinedAt: room.createdAt })
        .set(["member_room", aliceId, room.id], room.createdAt)
        .sum(["room_member_count", room.id], 1n)
        .commit();
    }
    await kv.delete(["meta", "room_names"]);
    kv.close();
    server = await startServer({ env: FAST, kvPath });
    try {
      const fresh = await newUser(server.url, "after");
      const names = (await fresh.directory()).map((r) => [r.id, r.name]).sort();
      assert.deepEqual(
        names,
        [[first!, "General"], [legacy[0].id, "gEneral (2)"], [legacy[1].id, "GENERAL (3)"]].sort(),
      );
      // Each is reachable, and owned again.
      for (const room of legacy) {
        const details = await fresh.room(room.id);
        assert.equal(details.members[0].role, "owner");
      }
      await rejects(fresh.createRoom("general (2)"), 409);
    } finally {
      await server.stop();
    }
    await assertSound(kvPath);
  },
});
