/**
 * Real-time delivery over real WebSockets against the real server: chat both ways,
 * replay with `since` (also while messages keep arriving), typing, read markers,
 * presence, membership, direct rooms and logout closing sockets.
 */

import assert from "node:assert/strict";
import "../lib/client/admin.ts";
import { startServer } from "./_server.ts";
import { newUser, range, RecordingSocket, sleep, waitFor } from "./_clients.ts";

const server = await startServer({
  env: { PRESENCE_GRACE_MS: "1000", SEND_RATE_BURST: "5000", SEND_RATE_PER_SEC: "5000" },
});
const opts = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name: "two users chat both ways in seq order, each message also reaching its sender",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("chat");
    await bob.join(room.id);
    const a = await RecordingSocket.open(alice);
    const b = await RecordingSocket.open(bob);
    await a.socket.subscribe(room.id);
    await b.socket.subscribe(room.id);
    const sent = [];
    for (let i = 0; i < 10; i++) {
      sent.push((i % 2 ? b : a).socket.send(room.id, `hello ${i}`));
    }
    const acked = await Promise.all(sent);
    assert.deepEqual(acked.map((m) => m.seq).sort((x, y) => x - y), range(1, 10));
    await waitFor(
      "all delivered",
      () => a.seqs(room.id).length === 10 && b.seqs(room.id).length === 10,
    );
    assert.deepEqual(a.seqs(room.id), range(1, 10));
    assert.deepEqual(b.seqs(room.id), range(1, 10));
    const texts = b.of("message").map((f) => f.message.text).sort();
    assert.deepEqual(texts, range(0, 9).map((i) => `hello ${i}`).sort());
    a.close();
    b.close();
  },
});

Deno.test({
  name: "subscribe with since replays the missed messages in order before subscribed",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const room = await alice.createRoom("replay");
    for (let i = 1; i <= 12; i++) await alice.send(room.id, `m${i}`);
    const a = await RecordingSocket.open(alice);
    const subscribed = await a.socket.subscribe(room.id, { since: 5 });
    assert.equal(subscribed.lastSeq, 12);
    assert.equal(subscribed.recovered, true);
    const me = await alice.me();
    assert.deepEqual(subscribed.members.map((m) => [m.id, m.role]), [[me.id, "owner"]]);
    const order = a.frames.filter((f) => f.type === "message" || f.type === "subscribed").map((f) =>
      f.type === "message" ? f.message.seq : "subscribed"
    );
    assert.deepEqual(order, [...range(6, 12), "subscribed"]);
    await alice.send(room.id, "live");
    await waitFor("live message", () => a.seqs(room.id).length === 8);
    assert.deepEqual(a.seqs(room.id), range(6, 13));
    a.close();
  },
});

Deno.test({
  name: "messages stored while a replay runs follow it with no gap and no duplicate",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("busy");
    await bob.join(room.id);
    const writer = await RecordingSocket.open(bob);
    for (let i = 0; i < 300; i++) await writer.socket.send(room.id, `before ${i}`);
    // Keep writing while a reader subscribes from the start.
    let writing = true;
    const background = (async () => {
      let i = 0;
      while (writing) await writer.socket.send(room.id, `during ${i++}`);
    })();
    await sleep(30);
    const readers = await Promise.all([1, 2, 3].map(() => RecordingSocket.open(alice)));
    await Promise.all(readers.map((r, i) => r.socket.subscribe(room.id, { since: i * 7 })));
    await sleep(300);
    writing = false;
    await background;
    const { lastSeq } = (await alice.room(room.id)).room;
    assert.ok(lastSeq > 300);
    for (const [i, reader] of readers.entries()) {
      await waitFor("reader caught up", () => reader.seqs(room.id).at(-1) === lastSeq);
      assert.deepEqual(reader.seqs(room.id), range(i * 7 + 1, lastSeq));
      reader.close();
    }
    writer.close();
  },
});

Deno.test({
  name: "more than 1000 missed messages answer recovered: false without a replay",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const room = await alice.createRoom("flood");
    const writer = await RecordingSocket.open(alice);
    await Promise.all(range(1, 1010).map((i) => writer.socket.send(room.id, `m${i}`)));
    const reader = await RecordingSocket.open(alice);
    const subscribed = await reader.socket.subscribe(room.id, { since: 3 });
    assert.equal(subscribed.recovered, false);
    assert.equal(subscribed.lastSeq, 1010);
    assert.equal(reader.seqs(room.id).length, 0);
    await writer.socket.send(room.id, "next");
    await waitFor("live after skip", () => reader.seqs(room.id).length === 1);
    assert.deepEqual(reader.seqs(room.id), [1011]);
    writer.close();
    reader.close();
  },
});

Deno.test({
  name: "typing reaches the other subscribers, not the typist",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("typing");
    await bob.join(room.id);
    const a = await RecordingSocket.open(alice);
    const b = await RecordingSocket.open(bob);
    await a.socket.subscribe(room.id);
    await b.socket.subscribe(room.id);
    a.socket.typing(room.id);
    await waitFor("typing", () => b.of("typing").length === 1);
    const [frame] = b.of("typing");
    assert.equal(frame.roomId, room.id);
    assert.equal(frame.username, a.socket.user!.username);
    await sleep(100);
    assert.equal(a.of("typing").length, 0);
    a.close();
    b.close();
  },
});

Deno.test({
  name: "a read marker moves unread counts and reaches my other sockets only",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("reads");
    await bob.join(room.id);
    for (let i = 0; i < 5; i++) await alice.send(room.id, `m${i}`);
    assert.equal((await bob.rooms()).find((r) => r.id === room.id)?.unread, 5);
    const tab1 = await RecordingSocket.open(bob);
    const tab2 = await RecordingSocket.open(bob);
    const other = await RecordingSocket.open(alice);
    tab1.socket.read(room.id, 3);
    await waitFor("read on other tab", () => tab2.of("read").length === 1);
    assert.deepEqual(tab2.of("read")[0], { type: "read", roomId: room.id, seq: 3 });
    assert.equal(tab1.of("read").length, 0);
    assert.equal(other.of("read").length, 0);
    assert.equal((await bob.rooms()).find((r) => r.id === room.id)?.unread, 2);
    // A marker past the newest message is clamped to it.
    tab1.socket.read(room.id, 999);
    await waitFor("clamped", () => tab2.of("read").length === 2);
    assert.equal(tab2.of("read")[1].seq, 5);
    assert.equal((await bob.rooms()).find((r) => r.id === room.id)?.unread, 0);
    for (const s of [tab1, tab2, other]) s.close();
  },
});

Deno.test({
  name: "presence: others in my rooms see me come online and go offline",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("presence");
    await bob.join(room.id);
    const a = await RecordingSocket.open(alice);
    const bobMe = await bob.me();
    const b = await RecordingSocket.open(bob);
    await waitFor("online", () => a.of("presence").some((f) => f.userId === bobMe.id && f.online));
    assert.equal((await alice.user(bobMe.username)).online, true);
    const details = await alice.room(room.id);
    assert.equal(details.members.find((m) => m.id === bobMe.id)?.online, true);
    b.close();
    await waitFor(
      "offline",
      () => a.of("presence").some((f) => f.userId === bobMe.id && !f.online),
    );
    const profile = await alice.user(bobMe.username);
    assert.equal(profile.online, false);
    assert.equal(typeof profile.lastSeenAt, "number");
    a.close();
  },
});

Deno.test({
  name: "presence: by `ready` I count as online, for my own first subscribe and for the others",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("ready");
    await bob.join(room.id);
    const bobMe = await bob.me();
    const b = await RecordingSocket.open(bob);
    // No waiting: what `ready` says holds at once.
    const subscribed = await b.socket.subscribe(room.id);
    assert.equal(subscribed.members.find((m) => m.id === bobMe.id)?.online, true);
    assert.equal((await alice.user(bobMe.username)).online, true);
    b.close();
  },
});

Deno.test({
  name: "a quick reconnect keeps up with the rooms joined and left while away",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const carol = await newUser(server.url, "carol");
    const kept = await alice.createRoom("kept-while-away");
    const joined = await alice.createRoom("joined-while-away");
    const lost = await alice.createRoom("removed-while-away");
    for (const room of [kept, lost]) await bob.join(room.id);
    const bobMe = await bob.me();
    const carolMe = await carol.me();
    let b = await RecordingSocket.open(bob);
    b.close();
    // Away: Bob joins one room and is removed from another, then is back at once.
    await bob.join(joined.id);
    await alice.removeMember(lost.id, bobMe.id);
    b = await RecordingSocket.open(bob);
    // Carol joins all three: Bob's new socket hears of it where he is a member only.
    for (const room of [kept, joined, lost]) await carol.join(room.id);
    const heard = () => b.of("member").filter((f) => f.userId === carolMe.id);
    await waitFor("carol joined twice", () => heard().length >= 2);
    await sleep(200);
    assert.deepEqual(heard().map((f) => f.roomId).sort(), [kept.id, joined.id].sort());
    b.close();
  },
});

Deno.test({
  name: "a quick reconnect (page reload) announces neither offline nor online",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("reload");
    await bob.join(room.id);
    const bobMe = await bob.me();
    const a = await RecordingSocket.open(alice);
    let b = await RecordingSocket.open(bob);
    const aboutBob = () => a.of("presence").filter((f) => f.userId === bobMe.id);
    await waitFor("online", () => aboutBob().length === 1);
    b.close();
    b = await RecordingSocket.open(bob);
    await sleep(2_000); // twice the grace period
    assert.deepEqual(aboutBob().map((f) => f.online), [true]);
    assert.equal((await alice.user(bobMe.username)).online, true);
    a.close();
    b.close();
  },
});

Deno.test({
  name: "joins and leaves reach the room's members as member frames",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const room = await alice.createRoom("members");
    const a = await RecordingSocket.open(alice);
    await a.socket.subscribe(room.id);
    await bob.join(room.id);
    await waitFor("joined", () => a.of("member").length === 1);
    assert.equal(a.of("member")[0].event, "joined");
    await bob.leave(room.id);
    await waitFor("left", () => a.of("member").length === 2);
    assert.equal(a.of("member")[1].event, "left");
    assert.equal(a.of("member")[1].username, (await bob.me()).username);
    a.close();
  },
});

Deno.test({
  name: "a new direct conversation appears live for the other user",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const bobMe = await bob.me();
    const b = await RecordingSocket.open(bob);
    const room = await alice.dm(bobMe.username);
    assert.equal(room.kind, "direct");
    await waitFor("room frame", () => b.of("room").length === 1);
    const frame = b.of("room")[0];
    assert.equal(frame.room.id, room.id);
    assert.equal(frame.room.name, (await alice.me()).username);
    // And bob can talk there at once.
    await b.socket.subscribe(room.id);
    await b.socket.send(room.id, "hi alice");
    assert.equal((await alice.messages(room.id)).messages[0].text, "hi alice");
    b.close();
  },
});

Deno.test({
  name: "an invitation appears live for the invitee, saying who invited; so does a decline",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const [aliceMe, bobMe] = await Promise.all([alice.me(), bob.me()]);
    const b = await RecordingSocket.open(bob);
    const room = await alice.createRoom("Back office", { kind: "private" });
    await alice.invite(room.id, bobMe.username);
    await waitFor("room frame", () => b.of("room").length === 1);
    const frame = b.of("room")[0];
    assert.equal(frame.room.id, room.id);
    assert.equal(frame.room.kind, "private");
    assert.deepEqual(frame.invitation?.invitedBy, { id: aliceMe.id, username: aliceMe.username });
    assert.equal(typeof frame.invitation?.invitedAt, "number");
    // A new direct conversation is no invitation.
    await alice.dm(bobMe.username);
    await waitFor("second room frame", () => b.of("room").length === 2);
    assert.equal(b.of("room")[1].invitation, undefined);
    // Declining it (here, from another client) tells my sockets, once; not alice's.
    const a = await RecordingSocket.open(alice);
    await bob.decline(room.id);
    await bob.decline(room.id);
    await waitFor("declined frame", () => b.of("invitation_declined").length === 1);
    assert.deepEqual(b.of("invitation_declined")[0], {
      type: "invitation_declined",
      roomId: room.id,
    });
    await sleep(200);
    assert.equal(b.of("invitation_declined").length, 1, "told once");
    assert.equal(a.of("invitation_declined").length, 0);
    a.close();
    b.close();
  },
});

Deno.test({
  name: "logout closes that session's sockets with 4001 and leaves other sessions open",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const other = new (alice.constructor as typeof import("../lib/client/http.ts").ChatApi)(
      server.url,
    );
    await other.login((await alice.me()).username, "correct horse battery");
    const s1 = await RecordingSocket.open(alice);
    const s2 = await RecordingSocket.open(other);
    let ended = false;
    s1.socket.on("sessionEnded", () => ended = true);
    await alice.logout();
    await waitFor("4001", () => s1.closes.includes(4001));
    assert.equal(ended, true);
    await sleep(100);
    assert.equal(s2.closes.length, 0);
    assert.equal((await s2.socket.ping()).type, "pong");
    s2.close();
  },
});

Deno.test({
  name: "stopping the server: sockets are closed with 1012",
  ...opts,
  async fn() {
    const own = await startServer();
    const alice = await newUser(own.url, "alice");
    const s = await RecordingSocket.open(alice);
    await own.stop();
    await waitFor("1012", () => s.closes.includes(1012));
    s.close();
  },
});

Deno.test({
  name: "a socket open before its user created a room gets that room's member frames",
  ...opts,
  async fn() {
    const alice = await newUser(server.url, "alice");
    const bob = await newUser(server.url, "bob");
    const a = await RecordingSocket.open(alice);
    const room = await alice.createRoom("later");
    await bob.join(room.id);
    await waitFor(
      "joined",
      () =>
        a.of("member").some((f) =>
          f.event === "joined" && f.roomId === room.id && f.userId !== a.socket.user!.id
        ),
    );
    a.close();
  },
});

Deno.test({ name: "stop the shared server", ...opts, fn: () => server.stop() });
