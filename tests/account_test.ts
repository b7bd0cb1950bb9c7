/**
 * v2 "People, rooms and the server", account security, against the real server:
 * changing my password (the current one checked and throttled like a login; every
 * other session ends, its sockets on another isolate closing with 4001), my
 * sessions (user agent, created, last used, current) and ending one or all others,
 * and deactivating my own account. The store is checked after each run.
 */

import "../lib/client/admin.ts";
import assert from "node:assert/strict";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import { checkKv } from "./_invariants.ts";
import { RecordingSocket, waitFor } from "./_clients.ts";
import { startServer } from "./_server.ts";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "a much longer passphrase";

async function rejects(promise: Promise<unknown>, status: number, code?: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
    if (code) assert.equal(err.code, code, err.message);
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

/** A user signed in `n` times, each with its own User-Agent. */
async function signedIn(url: string, n: number) {
  const username = `u_${crypto.randomUUID().slice(0, 8)}`;
  await new ChatApi(url, { headers: { "user-agent": "device-0" } }).register(username, PASSWORD);
  const apis: ChatApi[] = [];
  for (let i = 1; i <= n; i++) {
    const api = new ChatApi(url, { headers: { "user-agent": `device-${i}` } });
    await api.login(username, PASSWORD);
    apis.push(api);
  }
  return { username, apis };
}

Deno.test({
  name:
    "change password: the current one is required (401, throttled); other sessions end everywhere",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2, env: { BUS_FAST_PATH: "0" } });
    try {
      const { username, apis: [mine, other] } = await signedIn(server.url, 2);
      const sockets = [];
      for (let i = 0; i < 6; i++) sockets.push(await RecordingSocket.open(i % 2 ? mine : other));
      const isolates = new Set(sockets.map((s) => s.of("ready")[0].isolate));
      assert.equal(isolates.size, 2, "sockets on both isolates");

      await rejects(
        mine.changePassword("wrong password", NEW_PASSWORD),
        401,
        "invalid_credentials",
      );
      await rejects(mine.changePassword(PASSWORD, "short"), 400);
      await rejects(mine.request("POST", "/api/me/password", { password: NEW_PASSWORD }), 400);
      await rejects(mine.request("POST", "/api/me/password", { current: 1, password: "x" }), 400);
      await rejects(mine.changePassword("x".repeat(600), NEW_PASSWORD), 400);
      await mine.changePassword(PASSWORD, NEW_PASSWORD);

      // This session goes on, with its sockets; every other one ended at once.
      assert.equal((await mine.me()).username, username);
      await rejects(other.me(), 401, "unauthorized");
      for (const socket of sockets.filter((_, i) => i % 2 === 0)) {
        await waitFor("other session's socket closed", () => socket.closes.includes(4001));
      }
      for (const socket of sockets.filter((_, i) => i % 2 === 1)) {
        assert.deepEqual(socket.closes, []);
        socket.close();
      }
      await rejects(new ChatApi(server.url).login(username, PASSWORD), 401, "invalid_credentials");
      await new ChatApi(server.url).login(username, NEW_PASSWORD);

      // Wrong current passwords are throttled like logins of the account.
      let limited = false;
      for (let i = 0; i < 10 && !limited; i++) {
        try {
          await mine.changePassword(`wrong ${i} password`, PASSWORD);
          assert.fail("a wrong password was accepted");
        } catch (err) {
          assert.ok(err instanceof ApiError);
          if (err.status === 429) limited = true;
          else assert.equal(err.status, 401);
        }
      }
      assert.ok(limited, "wrong current passwords were throttled");
      await rejects(new ChatApi(server.url).login(username, NEW_PASSWORD), 429);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "my sessions: listed with user agent and times; one or all others end at once",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const { apis: [a, b, c] } = await signedIn(server.url, 3);
      const sessions = await a.sessions();
      assert.equal(sessions.length, 4, "the registration's session and three logins");
      assert.equal(sessions.filter((s) => s.current).length, 1);
      assert.equal(sessions[0].current, true, "the current one first");
      assert.equal(sessions[0].userAgent, "device-1");
      assert.deepEqual(
        sessions.map((s) => s.userAgent).sort(),
        ["device-0", "device-1", "device-2", "device-3"],
      );
      for (const s of sessions) {
        assert.ok(s.createdAt > 0 && s.lastUsedAt >= s.createdAt && /^[0-9a-v]+$/.test(s.id));
      }
      const bSocket = await RecordingSocket.open(b);
      const bSession = sessions.find((s) => s.userAgent === "device-2")!;
      await a.endSession(bSession.id);
      await waitFor("b's socket closed", () => bSocket.closes.includes(4001));
      await rejects(b.me(), 401);
      await rejects(a.endSession(bSession.id), 404);
      await rejects(a.endSession("nope0000000000000000"), 404);
      await rejects(a.endSession("../../x"), 404);
      // Another user's session id is not mine to end.
      const { apis: [stranger] } = await signedIn(server.url, 1);
      const theirs = (await stranger.sessions())[0];
      await rejects(a.endSession(theirs.id), 404);
      assert.equal((await stranger.me()).username.length > 0, true);

      const cSocket = await RecordingSocket.open(c);
      await a.endOtherSessions();
      await waitFor("c's socket closed", () => cSocket.closes.includes(4001));
      await rejects(c.me(), 401);
      assert.deepEqual((await a.sessions()).map((s) => s.current), [true]);
      // Ending my own session is a logout.
      const current = (await a.sessions())[0];
      await a.endSession(current.id);
      await rejects(a.me(), 401);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "deactivating my own account takes my password; then every session ends",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const admin = new ChatApi(server.url);
      await admin.register(`admin_${crypto.randomUUID().slice(0, 6)}`, PASSWORD);
      await rejects(admin.deactivate(PASSWORD), 403);
      const { username, apis: [a, b] } = await signedIn(server.url, 2);
      const socket = await RecordingSocket.open(b);
      await rejects(a.deactivate("wrong password"), 401, "invalid_credentials");
      await rejects(a.request("POST", "/api/me/deactivate", {}), 400);
      await a.deactivate(PASSWORD);
      await waitFor("socket closed", () => socket.closes.includes(4001));
      await rejects(b.me(), 401);
      await rejects(new ChatApi(server.url).login(username, PASSWORD), 401, "unauthorized");
      await rejects(new ChatApi(server.url).register(username, PASSWORD), 409);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});
