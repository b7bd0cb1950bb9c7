/**
 * v2 "People, rooms and the server", the server's owner, against the real server:
 * the first account is the server's admin; `REGISTRATION` open, invite (codes of
 * one or N uses, revoked, used up, guessed: throttled) and closed (403 through the
 * API and the form); deactivating an account ends its sessions everywhere (its
 * sockets on another isolate close with 4001), keeps its messages and its name;
 * the admin page's lists. The store is checked after each run.
 */

import "../lib/client/admin.ts";
import assert from "node:assert/strict";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, RecordingSocket, waitFor } from "./_clients.ts";
import { startServer } from "./_server.ts";

const PASSWORD = "correct horse battery";

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

function name(prefix: string): string {
  return `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
}

/** Registers through the HTML form, as a browser without JavaScript does. */
async function registerByForm(base: string, fields: Record<string, string>): Promise<Response> {
  return await fetch(`${base}/register`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });
}

Deno.test({
  name: "the first account is the server's admin; admin endpoints are theirs alone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const admin = new ChatApi(server.url);
      const { user } = await admin.register(name("admin"), PASSWORD);
      assert.equal(user.serverAdmin, true);
      assert.equal((await admin.me()).serverAdmin, true);
      const bob = await newUser(server.url, "bob");
      assert.equal((await bob.me()).serverAdmin, undefined);
      assert.equal((await admin.config()).registration, "open");

      for (
        const call of [
          () => bob.createServerInvite(),
          () => bob.serverInvites(),
          () => bob.adminUsers(),
          () => bob.adminRooms(),
          () => bob.deactivateUser(user.id),
          () => bob.revokeServerInvite("0".repeat(20)),
          () => bob.adminStats(),
        ]
      ) await rejects(call(), 403);
      await rejects(new ChatApi(server.url).adminUsers(), 401);

      // The lists of the admin page, paged.
      const room = await bob.createRoom(name("room"));
      await admin.join(room.id);
      const first = await admin.adminUsers({ limit: 1 });
      assert.equal(first.users.length, 1);
      assert.ok(first.nextCursor);
      const rest = await admin.adminUsers({ cursor: first.nextCursor, limit: 100 });
      const all = [...first.users, ...rest.users];
      assert.equal(all.length, 2);
      assert.ok(all.every((u) => typeof u.createdAt === "number" && "lastSeenAt" in u));
      assert.equal(all.find((u) => u.id === user.id)!.serverAdmin, true);
      const { rooms } = await admin.adminRooms();
      assert.equal(rooms.find((r) => r.id === room.id)!.memberCount, 2);
      await rejects(admin.adminUsers({ limit: 0 }), 400);
      await rejects(admin.adminUsers({ limit: 501 }), 400);
      await rejects(admin.adminUsers({ cursor: "not a cursor!" }), 400);

      // The isolate's counters: messages stored, the commits that held them, sockets.
      const before = await admin.adminStats();
      assert.equal(typeof before.isolateId, "string");
      const recording = await RecordingSocket.open(admin);
      await recording.socket.subscribe(room.id);
      for (let i = 0; i < 3; i++) await recording.socket.send(room.id, `counted ${i}`);
      const after = await admin.adminStats();
      assert.equal(after.isolateId, before.isolateId);
      assert.equal(after.messages.stored - before.messages.stored, 3);
      assert.ok(after.messages.commits - before.messages.commits >= 1);
      assert.ok(after.messages.commits - before.messages.commits <= 3);
      assert.ok(
        after.kv.commits - before.kv.commits >= after.messages.commits - before.messages.commits,
      );
      assert.equal(after.sockets.opened - before.sockets.opened, 1);
      assert.ok(after.frames.written > before.frames.written);
      assert.ok(after.at >= before.at && after.startedAt === before.startedAt);
      const text = JSON.stringify(after);
      assert.ok(!text.includes("counted") && !text.includes(admin.token!), "counts only");
      recording.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name:
    "REGISTRATION=invite: codes of one or N uses, used up, revoked, guessed (throttled), hashed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: { REGISTRATION: "invite" } });
    const codes: string[] = [];
    try {
      // The first account may always register: someone must make the codes.
      const admin = new ChatApi(server.url);
      await admin.register(name("admin"), PASSWORD);
      assert.equal((await admin.config()).registration, "invite");
      await rejects(new ChatApi(server.url).register(name("nope"), PASSWORD), 403, /invit/);
      const byForm = await registerByForm(server.url, {
        username: name("form"),
        password: PASSWORD,
      });
      assert.equal(byForm.status, 403);
      assert.match(await byForm.text(), /invit/i);

      const once = await admin.createServerInvite();
      codes.push(once.code);
      assert.match(once.code, /^[a-z2-7]{26}$/, "128 random bits");
      assert.ok(once.expiresAt > Date.now() + 6 * 24 * 3600_000, "a week by default");
      const alice = new ChatApi(server.url);
      const { user } = await alice.registerWithInvite(name("alice"), PASSWORD, once.code);
      assert.equal(user.serverAdmin, undefined);
      await rejects(
        new ChatApi(server.url).registerWithInvite(name("again"), PASSWORD, once.code),
        403,
        /used up/,
      );
      // Through the form, with the code.
      const twice = await admin.createServerInvite({ uses: 2, expiresInDays: 1 });
      codes.push(twice.code);
      const formUser = name("form");
      const res = await registerByForm(server.url, {
        username: formUser,
        password: PASSWORD,
        invite: twice.code,
      });
      assert.equal(res.status, 303);
      await new ChatApi(server.url).registerWithInvite(name("bob"), PASSWORD, twice.code);
      await rejects(
        new ChatApi(server.url).registerWithInvite(name("carol"), PASSWORD, twice.code),
        403,
      );
      // A bad username is a 400 before the code is spent.
      const third = await admin.createServerInvite({ uses: 3 });
      codes.push(third.code);
      await rejects(new ChatApi(server.url).registerWithInvite("x", PASSWORD, third.code), 400);
      const listed = await admin.serverInvites();
      const byId = new Map(listed.map((i) => [i.id, i]));
      assert.deepEqual(
        [byId.get(once.invite.id)!.used, byId.get(once.invite.id)!.spent],
        [1, true],
      );
      assert.deepEqual([byId.get(third.invite.id)!.used, byId.get(third.invite.id)!.spent], [
        0,
        false,
      ]);
      // Revoked: the code stops working.
      await admin.revokeServerInvite(third.invite.id);
      await rejects(
        new ChatApi(server.url).registerWithInvite(name("late"), PASSWORD, third.code),
        403,
      );
      await rejects(admin.revokeServerInvite("f".repeat(20)), 404);
      await rejects(admin.revokeServerInvite("../x"), 404);

      // Bad input.
      for (
        const body of [
          { uses: 0 },
          { uses: 1001 },
          { uses: 1.5 },
          { uses: "2" },
          {
            expiresInDays: 0,
          },
          { expiresInDays: 366 },
          { expiresInDays: null, uses: -1 },
        ]
      ) {
        await rejects(admin.request("POST", "/api/admin/invites", body), 400);
      }
      await rejects(
        admin.request("POST", "/api/auth/register", {
          username: name("x"),
          password: PASSWORD,
          invite: 42,
        }),
        400,
      );

      // Guessing: wrong codes are refused, then throttled (429 with Retry-After).
      let limited: ApiError | undefined;
      for (let i = 0; i < 40 && !limited; i++) {
        try {
          await new ChatApi(server.url).registerWithInvite(name("guess"), PASSWORD, `guess${i}`);
          assert.fail("a guessed code worked");
        } catch (err) {
          assert.ok(err instanceof ApiError);
          if (err.status === 429) limited = err;
          else assert.equal(err.status, 403);
        }
      }
      assert.ok(limited, "guessing was throttled");
      assert.ok((limited.retryAfterMs ?? 0) > 0);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
    // Only hashes are stored: no code is anywhere in the file.
    const bytes = new TextDecoder().decode(await Deno.readFile(server.kvPath));
    for (const code of codes) assert.ok(!bytes.includes(code), "a code is stored in clear");
  },
});

Deno.test({
  name: "REGISTRATION=closed: 403 through the API and the form, after the first account",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: { REGISTRATION: "closed" } });
    try {
      const admin = new ChatApi(server.url);
      await admin.register(name("admin"), PASSWORD);
      assert.equal((await admin.config()).registration, "closed");
      await rejects(new ChatApi(server.url).register(name("late"), PASSWORD), 403, /closed/);
      const invite = await admin.createServerInvite();
      await rejects(
        new ChatApi(server.url).registerWithInvite(name("late"), PASSWORD, invite.code),
        403,
        /closed/,
      );
      const res = await registerByForm(server.url, { username: name("form"), password: PASSWORD });
      assert.equal(res.status, 403);
      assert.match(await res.text(), /closed/i);
      // Signing in still works.
      const again = new ChatApi(server.url);
      await again.login((await admin.me()).username, PASSWORD);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "deactivating an account ends its sessions on every isolate; messages and name stay",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2, env: { BUS_FAST_PATH: "0" } });
    try {
      const admin = new ChatApi(server.url);
      await admin.register(name("admin"), PASSWORD);
      const bob = await newUser(server.url, "bob");
      const me = await bob.me();
      const room = await admin.createRoom(name("room"));
      await bob.join(room.id);
      await bob.send(room.id, "my words stay");
      const second = new ChatApi(server.url);
      await second.login(me.username, "correct horse battery");
      const sockets = [];
      for (let i = 0; i < 6; i++) sockets.push(await RecordingSocket.open(i % 2 ? bob : second));
      const isolates = new Set(sockets.map((s) => s.of("ready")[0].isolate));
      assert.equal(isolates.size, 2, "sockets on both isolates");

      await rejects(admin.deactivateUser((await admin.me()).id), 403, /admin/);
      await rejects(admin.deactivateUser("nobody0000000000000"), 404);
      await admin.deactivateUser(me.id);
      for (const socket of sockets) {
        await waitFor("socket closed 4001", () => socket.closes.includes(4001));
      }
      await rejects(bob.me(), 401);
      await rejects(second.rooms(), 401);
      await rejects(
        new ChatApi(server.url).login(me.username, "correct horse battery"),
        401,
        /deactivated/,
      );
      await rejects(new ChatApi(server.url).login(me.username, "wrong password!"), 401, /Invalid/);
      await rejects(new ChatApi(server.url).register(me.username, PASSWORD), 409);
      // Deactivating again is fine.
      await admin.deactivateUser(me.id);
      const { messages } = await admin.messages(room.id);
      assert.equal(messages[0].text, "my words stay");
      const member = (await admin.room(room.id)).members.find((m) => m.id === me.id);
      assert.equal(member?.deactivated, true);
      assert.equal((await admin.user(me.username)).deactivated, true);
      await rejects(admin.dm(me.username), 403, /deactivated/);
      const listed = await admin.adminUsers();
      assert.ok(listed.users.find((u) => u.id === me.id)!.deactivatedAt);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "a deactivated owner's rooms pass to the longest-standing active admin, else member",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const admin = new ChatApi(server.url);
      await admin.register(name("admin"), PASSWORD);
      const [owner, early, later, lone] = await Promise.all(
        ["owner", "early", "later", "lone"].map((p) => newUser(server.url, p)),
      );
      const [ownerMe, earlyMe, laterMe, loneMe] = await Promise.all(
        [owner, early, later, lone].map((u) => u.me()),
      );
      // Room A: an early member, then a later one promoted to admin: the admin takes it.
      const a = await owner.createRoom(name("a"));
      await early.join(a.id);
      await later.join(a.id);
      await owner.setRole(a.id, laterMe.id, "admin");
      // Room B: members only, the earliest deactivated too: the next one takes it.
      const b = await owner.createRoom(name("b"));
      await lone.join(b.id);
      await early.join(b.id);
      await admin.deactivateUser(loneMe.id);
      // Room C: nobody else: it keeps its owner (the invariant checker counts owners).
      await owner.createRoom(name("c"), { kind: "private" });
      const watcher = await RecordingSocket.open(early);

      await admin.deactivateUser(ownerMe.id);
      const roleIn = async (roomId: string, userId: string) =>
        (await early.room(roomId)).members.find((m) => m.id === userId)?.role;
      assert.equal(await roleIn(a.id, laterMe.id), "owner", "the admin takes room A");
      assert.equal(await roleIn(a.id, ownerMe.id), "member", "the old owner stays, as a member");
      assert.equal(await roleIn(b.id, earlyMe.id), "owner", "the active member takes room B");
      assert.equal(await roleIn(b.id, loneMe.id), "member");
      await waitFor(
        "role frames",
        () =>
          watcher.of("role").some((f) => f.roomId === a.id && f.userId === laterMe.id) &&
          watcher.of("role").some((f) => f.roomId === b.id && f.userId === earlyMe.id),
      );
      assert.equal(
        watcher.of("role").find((f) => f.roomId === a.id && f.userId === laterMe.id)!.role,
        "owner",
      );
      // The new owner can act as one.
      await later.updateRoom(a.id, { topic: "ours now" });
      await early.setRole(b.id, loneMe.id, "admin").catch((err) => {
        throw new Error(`the new owner sets roles: ${err}`);
      });
      // Deactivating again changes nothing more.
      await admin.deactivateUser(ownerMe.id);
      assert.equal(await roleIn(a.id, laterMe.id), "owner");
      watcher.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});
