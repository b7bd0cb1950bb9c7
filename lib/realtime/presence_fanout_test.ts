/**
 * Presence fan-out: at once to small rooms, held and sent once per interval to big
 * ones. Real `Connection`s around a stand-in WebSocket that records what it was
 * given; the rooms are a plain map, as the hub's index is.
 */

import assert from "node:assert/strict";
import { FakeSocket } from "./_fake_socket.ts";
import { Connection } from "./connection.ts";
import { type PresenceChange, PresenceFanout } from "./presence_fanout.ts";
import { metrics } from "../metrics.ts";

interface Socket {
  conn: Connection;
  socket: FakeSocket;
  /** Every frame sent, batches taken apart. */
  frames(): Array<Record<string, unknown>>;
  /** The WebSocket frames sent, parsed as they came. */
  wire(): Array<Record<string, unknown>>;
}

function setup(options: { bigRoom?: number; flushMs?: number } = {}) {
  const rooms = new Map<string, Set<Connection>>();
  const fanout = new PresenceFanout((roomId) => rooms.get(roomId), {
    bigRoom: options.bigRoom ?? 2,
    flushMs: options.flushMs ?? 60_000,
  });
  const join = (conn: Connection, roomId: string) => {
    conn.rooms.add(roomId);
    let set = rooms.get(roomId);
    if (!set) rooms.set(roomId, set = new Set());
    set.add(conn);
  };
  const leave = (conn: Connection, roomId: string) => {
    conn.rooms.delete(roomId);
    rooms.get(roomId)?.delete(conn);
  };
  let n = 0;
  const open = (roomIds: string[], options: { userId?: string; batch?: boolean } = {}): Socket => {
    const socket = new FakeSocket();
    const id = options.userId ?? `u${n++}`;
    const conn = new Connection(socket as unknown as WebSocket, {
      user: { id, username: id },
      sessionId: `s-${id}`,
      tokenHash: "hash",
    }, { batch: options.batch });
    for (const roomId of roomIds) join(conn, roomId);
    const wire = () => socket.sent.map((text) => JSON.parse(text));
    return {
      conn,
      socket,
      wire,
      frames: () => wire().flatMap((f) => f.type === "batch" ? f.frames : [f]),
    };
  };
  return { fanout, open, join, leave };
}

function change(userId: string, roomIds: string[], online = true, lastSeenAt = 1): PresenceChange {
  return { userId, username: `name-${userId}`, online, lastSeenAt, roomIds };
}

function frame(userId: string, online = true, lastSeenAt = 1) {
  return { type: "presence", userId, username: `name-${userId}`, online, lastSeenAt };
}

/** Lets batching sockets send what they collected this turn. */
const endOfTurn = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("a small room's sockets get a change at once, once each, never the user's own", () => {
  const { fanout, open } = setup({ bigRoom: 3 });
  const watcher = open(["small1", "small2"]);
  const other = open(["small2"]);
  const own = open(["small1"], { userId: "alice" });
  const before = { ...metrics.presence };
  fanout.route(change("alice", ["small1", "small2"]));
  assert.deepEqual(watcher.frames(), [frame("alice")]);
  assert.deepEqual(other.frames(), [frame("alice")]);
  assert.deepEqual(own.frames(), []);
  assert.equal(metrics.presence.changes - before.changes, 1);
  assert.equal(metrics.presence.frames - before.frames, 2);
  assert.equal(fanout.held, 0);
  assert.equal(fanout.scheduled, false, "no timer when nothing is held");
});

Deno.test("a big room's change is held until the flush, then goes to each of its sockets once", () => {
  const { fanout, open } = setup({ bigRoom: 2 });
  const sockets = [open(["big"]), open(["big"]), open(["big"])];
  const before = { ...metrics.presence };
  fanout.route(change("alice", ["big"]));
  for (const s of sockets) assert.deepEqual(s.frames(), [], "nothing at once");
  assert.equal(fanout.held, 1);
  assert.equal(fanout.scheduled, true);
  fanout.flush();
  for (const s of sockets) assert.deepEqual(s.frames(), [frame("alice")]);
  assert.equal(metrics.presence.changes - before.changes, 1);
  assert.equal(metrics.presence.frames - before.frames, 3);
  assert.equal(fanout.scheduled, false, "the timer stops once nothing is held");
  fanout.flush();
  assert.equal(sockets[0].frames().length, 1, "a flush sends a change once");
});

Deno.test("a room of exactly the threshold is small", () => {
  const { fanout, open } = setup({ bigRoom: 2 });
  const a = open(["r"]);
  open(["r"]);
  fanout.route(change("alice", ["r"]));
  assert.deepEqual(a.frames(), [frame("alice")]);
  assert.equal(fanout.held, 0);
});

Deno.test("within one interval the latest state wins", () => {
  const { fanout, open } = setup({ bigRoom: 1 });
  const s = open(["big"]);
  open(["big"]);
  fanout.route(change("alice", ["big"], true, 1));
  fanout.route(change("alice", ["big"], false, 2));
  fanout.route(change("alice", ["big"], true, 3));
  fanout.route(change("bob", ["big"], false, 4));
  fanout.flush();
  assert.deepEqual(s.frames(), [frame("alice", true, 3), frame("bob", false, 4)]);
});

Deno.test("a batching socket gets one flush as one WebSocket frame, however many users changed", async () => {
  const { fanout, open } = setup({ bigRoom: 1 });
  const batched = [open(["big"], { batch: true }), open(["big"], { batch: true })];
  const plain = open(["big"]);
  for (const user of ["alice", "bob", "carol"]) fanout.route(change(user, ["big"]));
  fanout.flush();
  await endOfTurn();
  for (const s of batched) {
    assert.equal(s.socket.sent.length, 1, "one WebSocket frame");
    assert.deepEqual(s.wire()[0], {
      type: "batch",
      frames: [frame("alice"), frame("bob"), frame("carol")],
    });
  }
  assert.equal(batched[0].socket.sent[0], batched[1].socket.sent[0]);
  assert.equal(plain.socket.sent.length, 3, "a v1 socket gets plain presence frames");
  assert.deepEqual(plain.frames(), [frame("alice"), frame("bob"), frame("carol")]);
});

Deno.test("a socket in several big rooms gets a user's change once per flush", () => {
  const { fanout, open } = setup({ bigRoom: 1 });
  const both = open(["big1", "big2"]);
  const first = open(["big1"]);
  const second = open(["big2"]);
  fanout.route(change("alice", ["big1", "big2"]));
  fanout.route(change("bob", ["big2"]));
  fanout.flush();
  assert.deepEqual(both.frames(), [frame("alice"), frame("bob")]);
  assert.deepEqual(first.frames(), [frame("alice")]);
  assert.deepEqual(second.frames(), [frame("alice"), frame("bob")]);
});

Deno.test("a socket sharing a small room gets a change at once, and the latest again at the flush", () => {
  const { fanout, open } = setup({ bigRoom: 2 });
  const friend = open(["big", "dm"]);
  const stranger = open(["big"]);
  open(["big"]);
  fanout.route(change("alice", ["big", "dm"], true, 1));
  assert.deepEqual(friend.frames(), [frame("alice", true, 1)]);
  assert.deepEqual(stranger.frames(), []);
  fanout.route(change("alice", ["big", "dm"], false, 2));
  assert.deepEqual(friend.frames(), [frame("alice", true, 1), frame("alice", false, 2)]);
  fanout.flush();
  assert.deepEqual(friend.frames().at(-1), frame("alice", false, 2), "never an older state");
  assert.deepEqual(stranger.frames(), [frame("alice", false, 2)]);
});

Deno.test("a socket that left the room or closed before the flush gets nothing", () => {
  const { fanout, open, leave } = setup({ bigRoom: 1 });
  const stays = open(["big"]);
  const leaves = open(["big"]);
  const closes = open(["big"]);
  fanout.route(change("alice", ["big"]));
  leave(leaves.conn, "big");
  closes.conn.close(1000, "bye");
  fanout.flush();
  assert.deepEqual(stays.frames(), [frame("alice")]);
  assert.deepEqual(leaves.frames(), []);
  assert.deepEqual(closes.frames(), []);
});

Deno.test("the timer flushes on its own after the interval, and runs only while something is held", async () => {
  const { fanout, open } = setup({ bigRoom: 1, flushMs: 30 });
  const s = open(["big"]);
  open(["big"]);
  const at = Date.now();
  fanout.route(change("alice", ["big"]));
  fanout.route(change("bob", ["big"]));
  while (s.frames().length < 2 && Date.now() - at < 2_000) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.deepEqual(s.frames(), [frame("alice"), frame("bob")]);
  assert.ok(Date.now() - at >= 25, "held for about the interval");
  assert.equal(fanout.scheduled, false);
});

Deno.test("close() drops what is held and stops the timer; later changes of big rooms are not held", () => {
  const { fanout, open } = setup({ bigRoom: 1 });
  const s = open(["big", "small"]);
  open(["big"]);
  fanout.route(change("alice", ["big"]));
  assert.equal(fanout.scheduled, true);
  fanout.close();
  assert.equal(fanout.scheduled, false);
  assert.equal(fanout.held, 0);
  fanout.route(change("bob", ["big", "small"]));
  assert.equal(fanout.scheduled, false);
  fanout.flush();
  assert.deepEqual(s.frames(), [frame("bob")], "small rooms still get changes at once");
});
