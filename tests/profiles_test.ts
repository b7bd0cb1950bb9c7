/**
 * v2 "People, rooms and the server", profiles, against the real server: display
 * names (validated like room names, the username until chosen), shown in `/api/me`,
 * members and profiles at once on every isolate (caches dropped through the bus),
 * a `user` frame to everyone who shares a room and no one else; messages keep their
 * username; changes are rate-limited. The store is checked after each run.
 */

import "../lib/client/admin.ts";
import assert from "node:assert/strict";
import { ApiError, type ChatApi } from "../lib/client/http.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, RecordingSocket, sleep, waitFor } from "./_clients.ts";
import { startServer } from "./_server.ts";

async function rejects(promise: Promise<unknown>, status: number) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
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

async function displayNameIn(viewer: ChatApi, roomId: string, userId: string) {
  return (await viewer.room(roomId)).members.find((m) => m.id === userId)?.displayName;
}

Deno.test({
  name: "display names: shown everywhere at once on every isolate, told to roommates only",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2, env: { BUS_FAST_PATH: "0" } });
    try {
      const [ada, bob, loner] = await Promise.all([
        newUser(server.url, "ada"),
        newUser(server.url, "bob"),
        newUser(server.url, "loner"),
      ]);
      const me = await ada.me();
      assert.equal(me.displayName, me.username, "the username until one is chosen");
      const room = await bob.createRoom(`profiles-${crypto.randomUUID().slice(0, 6)}`);
      await ada.join(room.id);
      const sent = await ada.send(room.id, "hello");
      assert.equal(await displayNameIn(bob, room.id, me.id), me.username);

      // Sockets on both isolates: bob's (shares a room) and loner's (does not).
      const bobSockets = [await RecordingSocket.open(bob), await RecordingSocket.open(bob)];
      for (
        let i = 0;
        i < 20 && bobSockets[0].of("ready")[0].isolate === bobSockets[1].of("ready")[0].isolate;
        i++
      ) {
        bobSockets[1].close();
        bobSockets[1] = await RecordingSocket.open(bob);
      }
      const lonerSocket = await RecordingSocket.open(loner);

      const user = await ada.updateProfile({ displayName: "  Ada Lovelace  " });
      assert.equal(user.displayName, "Ada Lovelace");
      assert.equal(user.username, me.username, "usernames never change");
      assert.equal((await ada.me()).displayName, "Ada Lovelace");
      for (const socket of bobSockets) {
        await waitFor("user frame", () => socket.of("user").some((f) => f.user.id === me.id));
        assert.equal(socket.of("user")[0].user.displayName, "Ada Lovelace");
      }
      // Member lists on either isolate show it (several reads: both isolates answer).
      for (let i = 0; i < 6; i++) {
        await waitFor(
          "member list",
          async () => (await displayNameIn(bob, room.id, me.id)) === "Ada Lovelace",
        );
      }
      assert.equal((await bob.user(me.username)).displayName, "Ada Lovelace");
      const { messages } = await bob.messages(room.id);
      assert.equal(messages.find((m) => m.seq === sent.seq)!.username, me.username);
      await sleep(300);
      assert.equal(lonerSocket.of("user").length, 0, "nobody who shares no room is told");

      // Back to the username.
      const reset = await ada.updateProfile({ displayName: null });
      assert.equal(reset.displayName, me.username);
      await waitFor(
        "reset shown",
        async () => (await displayNameIn(bob, room.id, me.id)) === me.username,
      );
      for (const socket of [...bobSockets, lonerSocket]) socket.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name:
    "display names: bidi, zero-width, control, empty or long names are refused; changes are limited",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const ada = await newUser(server.url, "ada");
      for (
        const bad of [
          "evil\u202Egnp.exe",
          "zero\u200Bwidth",
          "bell\u0007",
          "   ",
          "",
          "x".repeat(65),
          "\ud800",
          42,
          ["a"],
        ]
      ) {
        await rejects(ada.request("PATCH", "/api/me", { displayName: bad }), 400);
      }
      await rejects(ada.request("PATCH", "/api/me", {}), 400);
      assert.equal((await ada.updateProfile({ displayName: "👩‍💻 Ada" })).displayName, "👩‍💻 Ada");
      let limited = false;
      for (let i = 0; i < 15 && !limited; i++) {
        try {
          await ada.updateProfile({ displayName: `Ada ${i}` });
        } catch (err) {
          assert.ok(err instanceof ApiError);
          assert.equal(err.status, 429);
          limited = true;
        }
      }
      assert.ok(limited, "profile changes are rate-limited");
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});
