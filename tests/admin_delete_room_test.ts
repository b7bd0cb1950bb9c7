/**
 * v2 "People, rooms and the server": deleting a room. Unreachable at once (HTTP and
 * WebSocket answer 404, every member's sockets are told, on another isolate too),
 * then every key that names it is gone: messages, reactions, edits, threads,
 * mentions, read markers, settings, invitations, bans, search index entries, files
 * (their bytes reaped); and a deletion cut short by kill -9 finishes after the
 * restart. The store is checked after each run.
 */

import "../lib/client/admin.ts";
import assert from "node:assert/strict";
import { ApiError, type ChatApi } from "../lib/client/http.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, RecordingSocket, sleep, waitFor } from "./_clients.ts";
import { startServer } from "./_server.ts";
import { makePng } from "./_images.ts";

const FAST = { SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000" };

async function rejects(promise: Promise<unknown>, status: number, pattern?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

async function problemsOf(kvPath: string): Promise<{ problems: string[]; notes: string[] }> {
  const kv = await Deno.openKv(kvPath);
  try {
    return await checkKv(kv);
  } finally {
    kv.close();
  }
}

/** How many keys anywhere in the store name `roomId`. */
async function keysNaming(kvPath: string, roomId: string): Promise<string[]> {
  const kv = await Deno.openKv(kvPath);
  try {
    const found: string[] = [];
    for await (const e of kv.list({ prefix: [] })) {
      if (e.key.includes(roomId)) found.push(JSON.stringify(e.key));
      const posted = (e.value as { posted?: { roomId?: string } } | null)?.posted;
      if (e.key[0] === "file" && posted?.roomId === roomId) found.push(JSON.stringify(e.key));
    }
    return found;
  } finally {
    kv.close();
  }
}

async function pending(kvPath: string): Promise<number> {
  const kv = await Deno.openKv(kvPath);
  try {
    let n = 0;
    for await (const _ of kv.list({ prefix: ["room_deleting"] })) n++;
    return n;
  } finally {
    kv.close();
  }
}

/** A room with something under every kind of key; answers what names it. */
async function busyRoom(alice: ChatApi, bob: ChatApi, carol: ChatApi) {
  const [bobName, carolName] = [(await bob.me()).username, (await carol.me()).username];
  const room = await alice.createRoom(`doomed-${crypto.randomUUID().slice(0, 6)}`, {
    topic: "soon gone",
  });
  await bob.join(room.id);
  const file = await alice.upload("dot.png", makePng(500, 300), { type: "image/png" });
  const root = await alice.send(room.id, `@${bobName} searchable zebra`, undefined, {
    files: [file.id],
  });
  await bob.send(room.id, "a reply", undefined, { threadRoot: root.seq });
  await bob.send(room.id, "quoting", undefined, { replyTo: root.seq });
  await alice.edit(room.id, root.seq, `@${bobName} edited zebra`);
  await bob.react(room.id, root.seq, "👍");
  await bob.setSettings(room.id, { muted: true });
  await alice.invite(room.id, carolName);
  const eve = await newUser(alice.baseUrl, "eve");
  await alice.ban(room.id, (await eve.me()).username);
  for (let i = 0; i < 30; i++) await alice.send(room.id, `zebra number ${i} @room`);
  return { room, file, root };
}

Deno.test({
  name: "delete a room: 404 at once everywhere, members told, and no key naming it remains",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const [alice, bob, carol] = await Promise.all([
        newUser(server.url, "alice"),
        newUser(server.url, "bob"),
        newUser(server.url, "carol"),
      ]);
      const { room, file } = await busyRoom(alice, bob, carol);
      const bobId = (await bob.me()).id;
      await alice.setRole(room.id, bobId, "admin");
      const watching = await RecordingSocket.open(bob);
      await watching.socket.subscribe(room.id);
      const idle = await RecordingSocket.open(bob); // a member's socket, not subscribed
      const outsider = await newUser(server.url, "outsider");

      // Only the owner.
      await rejects(bob.deleteRoom(room.id), 403, /owner/);
      await rejects(outsider.deleteRoom(room.id), 403);
      await rejects(alice.deleteRoom("nope0000000000000000"), 404);
      const res = await alice.download(file.url);
      await res.body?.cancel();

      // Sends racing the delete are stored or refused, never a 500.
      const racing = Array.from(
        { length: 20 },
        (_, i) => bob.send(room.id, `race ${i}`).then(() => 201, (err) => (err as ApiError).status),
      );
      await alice.deleteRoom(room.id);
      for (const status of await Promise.all(racing)) assert.ok([201, 403, 404].includes(status));

      for (const socket of [watching, idle]) {
        await waitFor("removed", () => socket.of("removed").some((f) => f.roomId === room.id));
        assert.equal(socket.of("removed")[0].reason, "deleted");
      }
      await rejects(alice.room(room.id), 404);
      await rejects(bob.messages(room.id), 404);
      await rejects(bob.send(room.id, "anyone?"), 404);
      await rejects(bob.join(room.id), 404);
      await rejects(alice.deleteRoom(room.id), 404);
      await rejects(alice.updateRoom(room.id, { name: "back" }), 404);
      await assert.rejects(watching.socket.send(room.id, "ws?"), /not found/i);
      await assert.rejects(idle.socket.subscribe(room.id), /not found/i);
      assert.ok(!(await bob.rooms()).some((r) => r.id === room.id));
      assert.ok(!(await carol.invites()).some((i) => i.room.id === room.id));
      assert.ok(!(await outsider.directory()).some((r) => r.id === room.id));
      assert.equal((await bob.mentions()).filter((m) => m.room.id === room.id).length, 0);
      assert.equal((await bob.search("zebra")).results.length, 0);
      // Its name is free again.
      assert.ok(await carol.createRoom(room.name));

      await waitFor("deletion finished", async () => (await pending(server.kvPath)) === 0);
      assert.deepEqual(await keysNaming(server.kvPath, room.id), []);
      // Its files went with its messages (the uploader's own link too).
      await rejects(alice.download(file.url), 404);
      watching.close();
      idle.close();
    } finally {
      await server.stop();
    }
    assert.deepEqual((await problemsOf(server.kvPath)).problems, []);
  },
});

Deno.test({
  name: "delete a room across isolates: the other isolate's sockets are told and stop",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2, env: { ...FAST, BUS_FAST_PATH: "0" } });
    try {
      const alice = await newUser(server.url, "alice");
      const bob = await newUser(server.url, "bob");
      const room = await alice.createRoom(`across-${crypto.randomUUID().slice(0, 6)}`);
      await bob.join(room.id);
      const a = await RecordingSocket.open(alice);
      const home = a.of("ready")[0].isolate;
      let b = await RecordingSocket.open(bob);
      for (let i = 0; i < 40 && b.of("ready")[0].isolate === home; i++) {
        b.close();
        b = await RecordingSocket.open(bob);
      }
      assert.notEqual(b.of("ready")[0].isolate, home);
      await b.socket.subscribe(room.id);
      await a.socket.send(room.id, "hello");
      await waitFor("bob has it", () => b.seqs(room.id).length === 1);
      await alice.deleteRoom(room.id);
      await waitFor("removed across", () => b.of("removed").length === 1);
      await assert.rejects(b.socket.send(room.id, "still?"), /not found/i);
      await sleep(200);
      assert.equal(b.seqs(room.id).length, 1);
      a.close();
      b.close();
      await waitFor("deletion finished", async () => (await pending(server.kvPath)) === 0);
    } finally {
      await server.stop();
    }
    assert.deepEqual((await problemsOf(server.kvPath)).problems, []);
  },
});

Deno.test({
  name: "a room deletion cut short by kill -9 finishes after the restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let server = await startServer({ env: FAST });
    const kvPath = server.kvPath;
    let roomId: string;
    try {
      const alice = await newUser(server.url, "alice");
      const bob = await newUser(server.url, "bob");
      const carol = await newUser(server.url, "carol");
      const { room } = await busyRoom(alice, bob, carol);
      roomId = room.id;
      // Enough to take a while: 3000 messages, indexed for search.
      for (let i = 0; i < 30; i++) {
        await Promise.all(
          Array.from({ length: 100 }, (_, j) => alice.send(room.id, `filler ${i}-${j} words`)),
        );
      }
      await alice.deleteRoom(room.id);
      await server.kill();
    } catch (err) {
      await server.kill();
      throw err;
    }
    const left = await keysNaming(kvPath, roomId);
    console.log(`  after kill -9: ${left.length} keys left, ${await pending(kvPath)} pending`);
    server = await startServer({ env: FAST, kvPath });
    try {
      await waitFor("deletion finished", async () => (await pending(kvPath)) === 0, 30_000);
      assert.deepEqual(await keysNaming(kvPath, roomId), []);
    } finally {
      await server.stop();
    }
    assert.deepEqual((await problemsOf(kvPath)).problems, []);
  },
});
