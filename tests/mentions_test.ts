/**
 * v2 "Mentions, threads and notifications" against the real server: mentions and
 * their counts across edit, delete and read; `@room`/`@here`; threads (summary as
 * an `update` on the revision log, resume with `sinceRev`, followers' unread, the
 * thread page and `GET /api/threads`); settings and what they let notify; `notify`
 * frames reaching sockets that did not subscribe, on another isolate too; bad input.
 */

import assert from "node:assert/strict";
import { ApiError, type ChatApi } from "../lib/client/http.ts";
import type { Message, MyRoom } from "../lib/protocol/types.ts";
import type { ServerFrameOf } from "../lib/protocol/frames.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, range, RecordingSocket, sleep, waitFor } from "./_clients.ts";
import { freePort, startServer, tempKvPath, type TestServer } from "./_server.ts";

const FAST = { SEND_RATE_BURST: "5000", SEND_RATE_PER_SEC: "5000" };

async function rejects(promise: Promise<unknown>, status: number, pattern?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

async function roomOf(api: ChatApi, roomId: string): Promise<MyRoom> {
  const room = (await api.rooms()).find((r) => r.id === roomId);
  assert.ok(room, `room ${roomId} is mine`);
  return room;
}

async function assertSound(kvPath: string): Promise<void> {
  const kv = await Deno.openKv(kvPath);
  try {
    assert.deepEqual((await checkKv(kv)).problems, []);
  } finally {
    kv.close();
  }
}

/** A server with alice (owner), bob and carol in one public room. */
async function trio(server: TestServer) {
  const [alice, bob, carol] = await Promise.all([
    newUser(server.url, "alice"),
    newUser(server.url, "bob"),
    newUser(server.url, "carol"),
  ]);
  const room = await alice.createRoom("team");
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

function notifies(socket: RecordingSocket, reason?: string): ServerFrameOf<"notify">[] {
  return socket.of("notify").filter((f) => reason === undefined || f.reason === reason);
}

Deno.test({
  name: "mentions: parsed on send and edit, counted until read, removed by edit and delete",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids, names } = await trio(server);
      const bobSocket = await RecordingSocket.open(bob); // not subscribed to the room
      const m1 = await alice.send(room.id, `@${names.bob.toUpperCase()} can you look at this?`);
      assert.deepEqual(m1.mentions, [ids.bob]);
      const plain = await alice.send(room.id, `mail ${names.bob}@example.com or @nobody_here`);
      assert.equal(plain.mentions, undefined);
      let bobRoom = await roomOf(bob, room.id);
      assert.deepEqual([bobRoom.unread, bobRoom.mentions, bobRoom.muted], [2, 1, false]);
      assert.equal((await roomOf(carol, room.id)).mentions, 0);
      // A small room notifies every message (level all); the mention says so.
      await waitFor("bob notified", () => notifies(bobSocket).length === 2);
      // (Notifications of different messages may arrive in any order.)
      const told = notifies(bobSocket).map((f) => [f.message.seq, f.reason] as const);
      assert.deepEqual(told.sort((a, b) => a[0] - b[0]), [
        [m1.seq, "mention"],
        [plain.seq, "message"],
      ]);

      // An edit that removes the mention removes it from the count; adding it back notifies again.
      await alice.edit(room.id, m1.seq, "never mind");
      bobRoom = await roomOf(bob, room.id);
      assert.equal(bobRoom.mentions, 0);
      const edited = await alice.edit(room.id, m1.seq, `@${names.bob} and @${names.carol}, look`);
      assert.deepEqual(edited.mentions, [ids.bob, ids.carol]);
      assert.equal((await roomOf(bob, room.id)).mentions, 1);
      await waitFor("bob notified of the edit", () => notifies(bobSocket, "mention").length === 2);
      // Editing again with the same mentions notifies nobody anew.
      await alice.edit(room.id, m1.seq, `@${names.bob} and @${names.carol}, look!`);
      await sleep(300);
      assert.equal(notifies(bobSocket).length, 3);

      // Reading past it clears it; a new one counts again; a delete removes it.
      bobSocket.socket.read(room.id, plain.seq);
      await waitFor("read", async () => (await roomOf(bob, room.id)).mentions === 0);
      const m3 = await carol.send(room.id, `@${names.bob} ping`);
      assert.equal((await roomOf(bob, room.id)).mentions, 1);
      await carol.deleteMessage(room.id, m3.seq);
      assert.equal((await roomOf(bob, room.id)).mentions, 0);
      const mentions = await bob.mentions();
      assert.deepEqual(mentions.map((m) => m.message.seq), [m1.seq]);
      assert.equal(mentions[0].room.id, room.id);
      bobSocket.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "mentions: @room and @here from the owner only; bounded work on hostile text",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids } = await trio(server);
      const byMember = await bob.send(room.id, "@room lunch?");
      assert.equal(byMember.mentions, undefined, "a plain member's @room is text");
      assert.equal((await roomOf(carol, room.id)).mentions, 0);
      const byOwner = await alice.send(room.id, "@room release at 5");
      assert.equal(byOwner.mentionsAll, "room");
      assert.deepEqual([...byOwner.mentions!].sort(), [ids.bob, ids.carol].sort());
      assert.equal((await roomOf(carol, room.id)).mentions, 1);
      assert.equal((await roomOf(alice, room.id)).mentions, 0, "not my own @room");
      // @here: only those online now.
      const carolSocket = await RecordingSocket.open(carol);
      const carolName = (await carol.me()).username;
      await waitFor("carol online", async () => (await alice.user(carolName)).online);
      const here = await alice.send(room.id, "@here standup");
      assert.equal(here.mentionsAll, "here");
      assert.deepEqual(here.mentions, [ids.carol]);
      await waitFor(
        "carol notified",
        () => notifies(carolSocket).some((f) => f.message.seq === here.seq),
      );
      assert.equal((await roomOf(carol, room.id)).mentions, 2);
      assert.equal((await roomOf(bob, room.id)).mentions, 1, "bob was offline");

      // 500 mentions: at most 50 named, and the message is stored whole.
      const names = range(1, 500).map((i) => `@u${i}x`).join(" ");
      const many = await alice.send(
        room.id,
        names.slice(0, 3990) + ` @${(await bob.me()).username}`,
      );
      assert.ok((many.mentions?.length ?? 0) <= 50);
      // @ followed by 5 KB is refused as too long, not parsed for ages.
      await rejects(alice.send(room.id, "@" + "a".repeat(5000)), 400);
      const long = await alice.send(room.id, "@" + "a".repeat(3990));
      assert.equal(long.mentions, undefined);
      carolSocket.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "threads: replies, the root's summary as an update, the thread page, followers' unread",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, carol, room, ids, names } = await trio(server);
      const watcher = await RecordingSocket.open(carol);
      await watcher.socket.subscribe(room.id);
      const bobSocket = await RecordingSocket.open(bob);
      const root = await bob.send(room.id, "shall we ship friday?");
      const r1 = await alice.send(room.id, "yes", undefined, { threadRoot: root.seq });
      assert.equal(r1.threadRoot, root.seq);
      assert.equal(r1.seq, root.seq + 1, "a reply is a room message with its own seq");
      // The root's summary changed through an update, after the reply, at the next rev.
      await waitFor(
        "root update",
        () => watcher.of("update").some((f) => f.message.seq === root.seq),
      );
      const update = watcher.of("update").find((f) => f.message.seq === root.seq)!;
      assert.equal(update.rev, r1.rev! + 1);
      assert.deepEqual(update.message.thread, {
        count: 1,
        lastSeq: r1.seq,
        lastAt: r1.createdAt,
        users: [ids.alice],
      });
      // bob (the root's author) follows: the reply is unread for him, and he is told.
      await waitFor("thread_activity", () => bobSocket.of("thread_activity").length === 1);
      assert.deepEqual(
        { ...bobSocket.of("thread_activity")[0] },
        {
          type: "thread_activity",
          roomId: room.id,
          root: root.seq,
          seq: r1.seq,
          userId: ids.alice,
        },
      );
      await waitFor("bob notified", () => notifies(bobSocket).some((f) => f.reason === "thread"));
      assert.equal(
        (await roomOf(bob, room.id)).unread,
        2 - 1,
        "his own root is read, the reply is not",
      );
      // carol follows nothing: the reply does not count for her.
      assert.equal((await roomOf(carol, room.id)).unread, 1);
      // A reply mentioning carol makes her a follower: the thread's replies count for her.
      const r2 = await bob.send(room.id, `@${names.carol} thoughts?`, undefined, {
        threadRoot: root.seq,
      });
      assert.equal((await roomOf(carol, room.id)).unread, 3);
      const page = await carol.thread(room.id, root.seq);
      assert.deepEqual(page.messages.map((m) => m.seq), [r1.seq, r2.seq]);
      assert.equal(page.root.thread?.count, 2);
      assert.deepEqual(page.root.thread?.users, [ids.alice, ids.bob]);
      assert.equal(page.following, true);
      assert.equal(page.unread, 2);
      const after = await carol.thread(room.id, root.seq, { after: r1.seq, limit: 1 });
      assert.deepEqual([after.messages.map((m) => m.seq), after.hasMore], [[r2.seq], false]);
      // GET /api/threads, and the thread's read marker.
      let threads = await carol.threads();
      assert.deepEqual(threads.map((t) => [t.room.id, t.root.seq, t.unread]), [[
        room.id,
        root.seq,
        2,
      ]]);
      watcher.socket.read(room.id, r2.seq, root.seq);
      await waitFor("thread read", async () => (await carol.threads())[0].unread === 0);
      threads = await alice.threads();
      assert.equal(threads[0].unread, 1, "alice's own reply does not count, bob's does");
      // Unfollowing: the thread's replies stop counting.
      await carol.follow(room.id, root.seq, false);
      assert.deepEqual(await carol.threads(), []);
      // alsoInRoom: unread for everyone.
      const before = (await roomOf(carol, room.id)).unread;
      await alice.send(room.id, "shipping!", undefined, { threadRoot: root.seq, alsoInRoom: true });
      assert.equal((await roomOf(carol, room.id)).unread, before + 1);

      // Bad roots: a reply, another room's seq, a deleted one, 0, -1, huge, not a number.
      const other = await alice.createRoom("elsewhere");
      const lone = await alice.send(other.id, "lone");
      const gone = await alice.send(room.id, "soon gone");
      await alice.deleteMessage(room.id, gone.seq);
      for (const bad of [r1.seq, lone.seq + 100, gone.seq, 1e12]) {
        await rejects(alice.send(room.id, "x", undefined, { threadRoot: bad }), 400);
      }
      for (const bad of [0, -1, "3", 1.5, {}]) {
        const res = await fetch(`${server.url}/api/rooms/${room.id}/messages`, {
          method: "POST",
          headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
          body: JSON.stringify({ text: "x", threadRoot: bad }),
        });
        assert.equal(res.status, 400, `threadRoot ${bad}`);
        await res.body?.cancel();
      }
      await rejects(alice.thread(room.id, r1.seq), 400);
      await rejects(alice.thread(room.id, 9999), 404);
      watcher.close();
      bobSocket.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "threads: the summary rides the revision log (resume with sinceRev, changes)",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, room } = await trio(server);
      const root = await alice.send(room.id, "root");
      const sock = await RecordingSocket.open(bob);
      const sub = await sock.socket.subscribe(room.id);
      const fromRev = (sub as ServerFrameOf<"subscribed">).lastRev;
      sock.close();
      // Ten replies at once (they share commits), while bob is away.
      await Promise.all(
        range(1, 10).map((i) =>
          alice.send(room.id, `reply ${i}`, undefined, { threadRoot: root.seq })
        ),
      );
      const back = await RecordingSocket.open(bob);
      back.socket.sendRaw({ type: "subscribe", roomId: room.id, sinceRev: fromRev });
      await waitFor("caught up", () => back.of("subscribed").length === 1);
      const events = back.frames.filter((f) =>
        f.type === "message" || f.type === "update"
      ) as Array<
        ServerFrameOf<"message"> | ServerFrameOf<"update">
      >;
      const revs = events.map((f) =>
        f.type === "update" ? f.rev : (f.message.createdRev ?? f.message.rev!)
      );
      assert.deepEqual(revs, range(fromRev + 1, fromRev + revs.length), "gap-free, in order");
      assert.equal(events.filter((f) => f.type === "message").length, 10);
      const updates = events.filter((f) => f.type === "update") as ServerFrameOf<"update">[];
      assert.ok(updates.length >= 1);
      assert.equal(updates.at(-1)!.message.thread?.count, 10);
      const changes = await bob.changes(room.id, { sinceRev: fromRev });
      const rootState = changes.messages.find((m: Message) => m.seq === root.seq);
      assert.equal(rootState?.thread?.count, 10);
      assert.equal(changes.messages.length, 11, "each message once: ten replies and the root");
      back.close();
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "settings: mute and levels decide unread and notify; bad settings change nothing",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const { alice, bob, room, names } = await trio(server);
      assert.deepEqual(await bob.settings(room.id), {
        muted: false,
        notify: "all",
        notifyDefault: true,
      });
      const bobSocket = await RecordingSocket.open(bob);
      const other = await RecordingSocket.open(bob);
      // Level all (a small room's default): every message notifies.
      await alice.send(room.id, "hello");
      await waitFor("notify all", () => notifies(bobSocket).some((f) => f.reason === "message"));
      // Muted: no unread, only mentions notify.
      const muted = await bob.setSettings(room.id, { muted: true });
      assert.deepEqual(muted, { muted: true, notify: "all", notifyDefault: true });
      await waitFor("settings frame", () => other.of("settings").length >= 1);
      assert.deepEqual(other.of("settings").at(-1)!.settings, muted);
      const seen = notifies(bobSocket).length;
      await alice.send(room.id, "quiet please");
      await alice.send(room.id, `@${names.bob} but this`);
      await waitFor("the mention", () => notifies(bobSocket).length === seen + 1);
      await sleep(200);
      assert.equal(notifies(bobSocket).length, seen + 1);
      assert.equal(notifies(bobSocket).at(-1)!.reason, "mention");
      const r = await roomOf(bob, room.id);
      assert.deepEqual([r.unread, r.mentions, r.muted], [0, 1, true]);
      // none: nothing at all, mentions included.
      await bob.setSettings(room.id, { muted: false, notify: "none" });
      const quiet = notifies(bobSocket).length;
      await alice.send(room.id, `@${names.bob} hello?`);
      await sleep(300);
      assert.equal(notifies(bobSocket).length, quiet);
      assert.equal((await roomOf(bob, room.id)).notify, "none");
      // Bad input: 400, nothing changes.
      for (const bad of [{ muted: "yes" }, { notify: "loud" }, { colour: "red" }, [], "x"]) {
        const res = await fetch(`${server.url}/api/rooms/${room.id}/settings`, {
          method: "PUT",
          headers: { authorization: `Bearer ${bob.token}`, "content-type": "application/json" },
          body: JSON.stringify(bad),
        });
        assert.equal(res.status, 400, JSON.stringify(bad));
        await res.body?.cancel();
      }
      assert.deepEqual(await bob.settings(room.id), {
        muted: false,
        notify: "none",
        notifyDefault: false,
      });
      // Not a member: 403.
      const stranger = await newUser(server.url, "stranger");
      await rejects(stranger.setSettings(room.id, { muted: true }), 403);
      bobSocket.close();
      other.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "notify: a direct message reaches an unsubscribed socket on the other isolate",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2, env: FAST });
    try {
      const alice = await newUser(server.url, "alice");
      const bob = await newUser(server.url, "bob");
      const bobName = (await bob.me()).username;
      const dm = await alice.dm(bobName);
      // A socket of bob's on each isolate (requests spread over both).
      const sockets: RecordingSocket[] = [];
      const isolates = new Set<string>();
      for (let tries = 0; isolates.size < 2 && tries < 40; tries++) {
        const s = await RecordingSocket.open(bob);
        const iso = s.of("ready")[0].isolate!;
        if (isolates.has(iso)) {
          s.close();
          continue;
        }
        isolates.add(iso);
        sockets.push(s);
      }
      assert.equal(sockets.length, 2, "a socket on each isolate");
      const sent = await Promise.all(range(1, 4).map((i) => alice.send(dm.id, `psst ${i}`)));
      for (const s of sockets) {
        await waitFor("notified", () => notifies(s).length === sent.length);
        assert.deepEqual(notifies(s).map((f) => f.reason), [
          "direct",
          "direct",
          "direct",
          "direct",
        ]);
      }
      const r = await roomOf(bob, dm.id);
      assert.deepEqual([r.unread, r.mentions], [4, 4], "every unread direct message is a mention");
      for (const s of sockets) s.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "threads and mentions acknowledged before a kill -9 are all there after it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kvPath = await tempKvPath();
    const port = freePort();
    let server = await startServer({ kvPath, port, env: FAST });
    const { alice, bob, room, ids, names } = await trio(server);
    const root = await bob.send(room.id, "root");
    const socket = await RecordingSocket.open(alice);
    // Replies mentioning bob keep going until the kill; every acknowledged one counts.
    const acked: Message[] = [];
    let stop = false;
    const sending = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          acked.push(
            await socket.socket.send(room.id, `@${names.bob} reply ${i}`, {
              threadRoot: root.seq,
            }),
          );
        } catch {
          return; // the connection went with the server
        }
      }
    })();
    await sleep(700);
    await server.kill();
    stop = true;
    await sending;
    socket.close();
    assert.ok(acked.length > 3, `acknowledged replies: ${acked.length}`);
    server = await startServer({ kvPath, port, env: FAST });
    try {
      const replies: Message[] = [];
      let page = await bob.thread(room.id, root.seq, { limit: 100 });
      replies.push(...page.messages);
      while (page.hasMore) {
        page = await bob.thread(room.id, root.seq, { after: replies.at(-1)!.seq, limit: 100 });
        replies.push(...page.messages);
      }
      const stored = new Set(replies.map((m) => m.seq));
      for (const m of acked) assert.ok(stored.has(m.seq), `reply ${m.seq} survived`);
      assert.equal(page.root.thread?.count, replies.length, "the summary counts them all");
      for (const m of replies) assert.deepEqual(m.mentions, [ids.bob]);
      const mine = (await bob.rooms()).find((r) => r.id === room.id)!;
      assert.ok(mine.mentions >= acked.length, `mentions ${mine.mentions} ≥ ${acked.length}`);
    } finally {
      await server.stop();
    }
    await assertSound(kvPath);
  },
});
