/**
 * The hub's routing of bus events to this isolate's sockets: real `Connection`s
 * around a stand-in WebSocket that records what it was given, and real `Feeds` on an
 * in-memory KV (with a source for empty rooms) for the subscriptions.
 */

import assert from "node:assert/strict";
import { FakeSocket } from "./_fake_socket.ts";
import { Connection } from "./connection.ts";
import { Feeds, type FeedSource } from "./feeds.ts";
import { Hub } from "./hub.ts";
import type { BusEvent } from "./events.ts";
import type { Message, Room } from "../protocol/types.ts";

/** Rooms with nothing in them yet: the feeds only ever get events from `route`. */
const EMPTY_ROOMS: FeedSource = {
  head: () => Promise.resolve({ seq: 0, rev: 0 }),
  range: () => Promise.resolve([]),
  revOfSeq: () => Promise.resolve(0),
  members: () => Promise.resolve([]),
};

const ALICE = { id: "u-alice", username: "alice" };
const BOB = { id: "u-bob", username: "bob" };
const CAROL = { id: "u-carol", username: "carol" };

interface Socket {
  conn: Connection;
  socket: FakeSocket;
  /** The frames this socket was sent, parsed. */
  frames(): Array<Record<string, unknown>>;
  framesOf(type: string): Array<Record<string, unknown>>;
}

async function waitFor(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function withHub(
  fn: (t: {
    hub: Hub;
    feeds: Feeds;
    left: Array<[string, string]>;
    open(user: typeof ALICE, rooms: string[], options?: { sessionId?: string }): Socket;
    subscribe(s: Socket, roomId: string): Promise<void>;
  }) => Promise<void> | void,
  options: { presenceFanout?: { bigRoom?: number; flushMs?: number } } = {},
): Promise<void> {
  const kv = await Deno.openKv(":memory:");
  const feeds = new Feeds(kv, EMPTY_ROOMS);
  feeds.setWatching(false); // one isolate: events come from `route`, no KV watch needed
  const left: Array<[string, string]> = [];
  // A short stall time makes the pulse timer tick often, so it stops soon (see below).
  const hub = new Hub(feeds, (roomId, userId) => left.push([roomId, userId]), {
    stallMs: 1_000,
    ...options,
  });
  const open = (user: typeof ALICE, rooms: string[], options: { sessionId?: string } = {}) => {
    const socket = new FakeSocket();
    const conn = new Connection(socket as unknown as WebSocket, {
      user,
      sessionId: options.sessionId ?? `session-of-${user.id}`,
      tokenHash: "hash",
    });
    hub.add(conn, rooms);
    const frames = () => socket.sent.map((text) => JSON.parse(text));
    return {
      conn,
      socket,
      frames,
      framesOf: (type: string) => frames().filter((f) => f.type === type),
    };
  };
  // What the socket handler does for a `subscribe` frame.
  const subscribe = async (s: Socket, roomId: string) => {
    const { promise, resolve } = Promise.withResolvers<void>();
    await feeds.subscribe(s.conn, roomId, {}, () => resolve());
    await promise;
    s.conn.subscriptions.add(roomId);
    hub.noteMember(s.conn, roomId);
  };
  try {
    await fn({ hub, feeds, left, open, subscribe });
  } finally {
    await stopPulses(hub);
    hub.closeAll(1001, "Test over"); // stops the presence timer, if one runs
    feeds.close();
    kv.close();
  }
}

/**
 * The hub has no stop: its pulse timer ends itself on the first check that finds no
 * socket. A last socket that leaves as it is checked makes that check happen now.
 */
async function stopPulses(hub: Hub): Promise<void> {
  for (const conn of [...hub.connections.values()]) hub.remove(conn);
  const { promise, resolve } = Promise.withResolvers<void>();
  const last: { conn?: Connection } = {};
  const socket = {
    bufferedAmount: 0,
    get readyState() {
      hub.remove(last.conn!);
      resolve();
      return WebSocket.OPEN;
    },
    send() {},
    close() {},
  };
  last.conn = new Connection(socket as unknown as WebSocket, {
    user: { id: "u-last", username: "last" },
    sessionId: "s-last",
    tokenHash: "h",
  });
  hub.add(last.conn, []);
  await promise;
}

function presence(userId: string, roomIds: string[]): BusEvent {
  return { kind: "presence", userId, username: "x", online: true, lastSeenAt: 1, roomIds };
}

function message(roomId: string, seq: number): Message {
  return {
    id: `m${seq}`,
    roomId,
    seq,
    userId: ALICE.id,
    username: ALICE.username,
    text: `message ${seq}`,
    createdAt: 1,
    rev: seq,
  };
}

function room(id: string, kind: Room["kind"]): Room {
  return { id, name: id, topic: "", kind, createdAt: 1, lastSeq: 0, lastActivityAt: 1 };
}

Deno.test("presence goes once to each socket sharing a room with the user, never to the user's own", async () => {
  await withHub(({ hub, open }) => {
    const alice1 = open(ALICE, ["r1"]);
    const alice2 = open(ALICE, ["r1", "r2"]);
    const bobInR1 = open(BOB, ["r1"]);
    const bobElsewhere = open(BOB, ["r9"]);
    const carol = open(CAROL, ["r1", "r2"]); // shares two rooms: told once
    hub.route(presence(ALICE.id, ["r1", "r2"]));
    assert.deepEqual(bobInR1.framesOf("presence"), [
      { type: "presence", userId: ALICE.id, username: "x", online: true, lastSeenAt: 1 },
    ]);
    assert.equal(carol.framesOf("presence").length, 1);
    assert.equal(bobElsewhere.frames().length, 0);
    assert.equal(alice1.frames().length, 0);
    assert.equal(alice2.frames().length, 0);
  });
});

Deno.test("presence of a big room is held and sent once per interval; a small room's goes at once", async () => {
  await withHub(async ({ hub, open }) => {
    const big = [open(BOB, ["big"]), open(CAROL, ["big"]), open(CAROL, ["big", "dm"])];
    hub.route(presence(ALICE.id, ["big", "dm"]));
    assert.equal(big[2].framesOf("presence").length, 1, "a shared small room: at once");
    assert.equal(big[0].framesOf("presence").length + big[1].framesOf("presence").length, 0);
    await waitFor("the flush", () => big[0].framesOf("presence").length === 1);
    assert.equal(big[1].framesOf("presence").length, 1);
  }, { presenceFanout: { bigRoom: 2, flushMs: 20 } });
});

Deno.test("closeAll drops held presence and stops its timer", async () => {
  await withHub(async ({ hub, open }) => {
    const sockets = [open(BOB, ["big"]), open(CAROL, ["big"])];
    hub.route(presence(ALICE.id, ["big"]));
    hub.closeAll(1012, "Server restarting");
    // A socket still in the room after the shutdown began would get a held change.
    const late = open(CAROL, ["big"]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    for (const s of sockets) assert.equal(s.socket.closed?.code, 1012);
    assert.equal(late.framesOf("presence").length, 0);
  }, { presenceFanout: { bigRoom: 1, flushMs: 20 } });
});

Deno.test("a member joined: the user's sockets join the room, and the room and the user are told", async () => {
  await withHub(({ hub, open, left }) => {
    const alice = open(ALICE, ["r1"]);
    const bob1 = open(BOB, []);
    const bob2 = open(BOB, ["r2"]);
    const carol = open(CAROL, ["r2"]);
    hub.route({ kind: "member", roomId: "r1", userId: BOB.id, username: "bob", event: "joined" });
    const frame = {
      type: "member",
      roomId: "r1",
      userId: BOB.id,
      username: "bob",
      event: "joined",
    };
    for (const s of [alice, bob1, bob2]) assert.deepEqual(s.frames(), [frame]);
    assert.equal(carol.frames().length, 0, "not in the room");
    assert.ok(bob1.conn.rooms.has("r1") && bob2.conn.rooms.has("r1"));
    assert.deepEqual(left, []);
    // From now on the room's presence reaches Bob's sockets.
    hub.route(presence(ALICE.id, ["r1"]));
    assert.equal(bob1.framesOf("presence").length, 1);
    assert.equal(bob2.framesOf("presence").length, 1);
  });
});

Deno.test("a member left: told to the room and the user, then the room leaves the user's sockets and feeds", async () => {
  await withHub(async ({ hub, open, subscribe, left }) => {
    const alice = open(ALICE, ["r1"]);
    const bob1 = open(BOB, ["r1", "r2"]);
    const bob2 = open(BOB, ["r1"]);
    await subscribe(alice, "r1");
    await subscribe(bob1, "r1");
    await subscribe(bob1, "r2");
    hub.route({ kind: "member", roomId: "r1", userId: BOB.id, username: "bob", event: "left" });
    const frame = { type: "member", roomId: "r1", userId: BOB.id, username: "bob", event: "left" };
    for (const s of [alice, bob1, bob2]) assert.deepEqual(s.framesOf("member"), [frame]);
    assert.deepEqual(left, [["r1", BOB.id]], "the membership caches are told once");
    assert.deepEqual([...bob1.conn.rooms], ["r2"]);
    assert.deepEqual([...bob2.conn.rooms], []);
    assert.deepEqual([...bob1.conn.subscriptions], ["r2"]);
    assert.deepEqual([...alice.conn.subscriptions], ["r1"]);

    // Unsubscribed from the feed: the room's next message reaches Alice only…
    hub.route({
      kind: "events",
      roomId: "r1",
      events: [{ rev: 1, kind: "message", message: message("r1", 1) }],
    });
    await waitFor("Alice's message", () => alice.framesOf("message").length === 1);
    // …while Bob's other room still delivers, and its message is the only one he got.
    hub.route({
      kind: "events",
      roomId: "r2",
      events: [{ rev: 1, kind: "message", message: message("r2", 1) }],
    });
    const bobsRooms = () => bob1.framesOf("message").map((f) => f.roomId);
    await waitFor("Bob's message in r2", () => bobsRooms().includes("r2"));
    assert.deepEqual(bobsRooms(), ["r2"]);
    // …and the room's presence no longer reaches Bob.
    hub.route(presence(CAROL.id, ["r1"]));
    assert.equal(alice.framesOf("presence").length, 1);
    assert.equal(bob1.framesOf("presence").length + bob2.framesOf("presence").length, 0);
  });
});

Deno.test("typing goes, as an ephemeral frame, to the subscribed sockets of others only", async () => {
  await withHub(async ({ hub, open, subscribe }) => {
    const alice = open(ALICE, ["r1"]);
    const aliceOther = open(ALICE, ["r1"]);
    const bobSubscribed = open(BOB, ["r1"]);
    const bobMemberOnly = open(BOB, ["r1"]);
    const carolBacklogged = open(CAROL, ["r1"]);
    for (const s of [alice, aliceOther, bobSubscribed, carolBacklogged]) await subscribe(s, "r1");
    // Over 256 KB unsent: ephemeral frames are dropped, others still go.
    carolBacklogged.socket.bufferedAmount = 300 * 1024;
    hub.route({ kind: "typing", roomId: "r1", userId: ALICE.id, username: "alice" });
    assert.deepEqual(bobSubscribed.frames(), [
      { type: "typing", roomId: "r1", userId: ALICE.id, username: "alice" },
    ]);
    for (const s of [alice, aliceOther, bobMemberOnly, carolBacklogged]) {
      assert.equal(s.framesOf("typing").length, 0);
    }
    hub.route(presence(ALICE.id, ["r1"]));
    assert.equal(carolBacklogged.framesOf("presence").length, 1, "a plain send still goes");
  });
});

Deno.test("read goes to the user's other sockets, not the one it came from nor anyone else", async () => {
  await withHub(({ hub, open }) => {
    const from = open(ALICE, ["r1"]);
    const phone = open(ALICE, []);
    const laptop = open(ALICE, ["r1"], { sessionId: "another-session" });
    const bob = open(BOB, ["r1"]);
    hub.route({ kind: "read", userId: ALICE.id, roomId: "r1", seq: 7, fromConn: from.conn.id });
    assert.deepEqual(phone.frames(), [{ type: "read", roomId: "r1", seq: 7 }]);
    assert.deepEqual(laptop.frames(), [{ type: "read", roomId: "r1", seq: 7 }]);
    assert.equal(from.frames().length, 0);
    assert.equal(bob.frames().length, 0);
    // Marked read over HTTP (no socket): every socket of the user hears of it.
    hub.route({ kind: "read", userId: ALICE.id, roomId: "r1", seq: 8 });
    assert.deepEqual(from.frames(), [{ type: "read", roomId: "r1", seq: 8 }]);
  });
});

Deno.test("a room frame goes to the user's sockets, with the invitation when there is one", async () => {
  await withHub(({ hub, open }) => {
    const bob1 = open(BOB, []);
    const bob2 = open(BOB, []);
    const alice = open(ALICE, []);
    const lobby = room("r-lobby", "public");
    hub.route({ kind: "room", userId: BOB.id, room: lobby });
    for (const s of [bob1, bob2]) {
      assert.deepEqual(s.frames(), [{ type: "room", room: lobby }]);
      assert.equal("invitation" in s.frames()[0], false);
      assert.equal(s.conn.rooms.has(lobby.id), false, "an invitation is not membership");
    }
    const invitation = { invitedBy: ALICE, invitedAt: 5 };
    const secret = room("r-secret", "private");
    hub.route({ kind: "room", userId: BOB.id, room: secret, invitation });
    assert.deepEqual(bob1.frames()[1], { type: "room", room: secret, invitation });
    assert.equal(bob1.conn.rooms.has(secret.id), false);
    assert.equal(alice.frames().length, 0);
  });
});

Deno.test("a direct room joins the user's sockets to it at once", async () => {
  await withHub(({ hub, open }) => {
    const bob = open(BOB, []);
    const carol = open(CAROL, []);
    const dm = room("r-dm", "direct");
    hub.route({ kind: "room", userId: BOB.id, room: dm });
    assert.deepEqual(bob.frames(), [{ type: "room", room: dm }]);
    assert.ok(bob.conn.rooms.has(dm.id));
    assert.equal(carol.conn.rooms.has(dm.id), false);
    hub.route(presence(ALICE.id, [dm.id]));
    assert.equal(bob.framesOf("presence").length, 1, "the room's presence reaches Bob");
    assert.equal(carol.framesOf("presence").length, 0);
  });
});

Deno.test("invitation_declined goes to the user's sockets only", async () => {
  await withHub(({ hub, open }) => {
    const bob1 = open(BOB, ["r1"]);
    const bob2 = open(BOB, []);
    const alice = open(ALICE, ["r1"]);
    hub.route({ kind: "invitation_declined", userId: BOB.id, roomId: "r1" });
    for (const s of [bob1, bob2]) {
      assert.deepEqual(s.frames(), [{ type: "invitation_declined", roomId: "r1" }]);
    }
    assert.equal(alice.frames().length, 0);
  });
});

Deno.test("session_ended closes exactly that session's sockets, with 4001", async () => {
  await withHub(({ hub, open }) => {
    const ended1 = open(ALICE, ["r1"], { sessionId: "s-ended" });
    const ended2 = open(ALICE, [], { sessionId: "s-ended" });
    const otherSession = open(ALICE, ["r1"], { sessionId: "s-kept" });
    const bob = open(BOB, ["r1"]);
    hub.route({ kind: "session_ended", sessionId: "s-ended", userId: ALICE.id });
    for (const s of [ended1, ended2]) {
      assert.deepEqual(s.socket.closed, { code: 4001, reason: "Session ended" });
      assert.equal(s.conn.isOpen(), false);
    }
    assert.equal(otherSession.socket.closed, undefined);
    assert.equal(bob.socket.closed, undefined);
    assert.ok(otherSession.conn.isOpen());
  });
});

Deno.test("events hints reach the room's subscribed sockets through the feeds; a removed socket gets none", async () => {
  await withHub(async ({ hub, open, subscribe }) => {
    const alice = open(ALICE, ["r1"]);
    const bob = open(BOB, ["r1"]);
    const carol = open(CAROL, ["r1"]); // a member, not subscribed
    await subscribe(alice, "r1");
    await subscribe(bob, "r1");
    hub.remove(bob.conn);
    assert.equal(hub.socketsOf(BOB.id), 0);
    const events = [1, 2].map((seq) => ({
      rev: seq,
      kind: "message" as const,
      message: message("r1", seq),
    }));
    hub.route({ kind: "events", roomId: "r1", events });
    await waitFor("both messages", () => alice.framesOf("message").length === 2);
    assert.deepEqual(alice.framesOf("message").map((f) => (f.message as Message).seq), [1, 2]);
    assert.equal(bob.frames().length, 0);
    assert.equal(carol.framesOf("message").length, 0);
    hub.route(presence(CAROL.id, ["r1"]));
    assert.equal(bob.frames().length, 0, "a removed socket is out of every route");
  });
});
