/**
 * `ChatSocket` against a stand-in server (`Deno.serve` on a random port) that speaks
 * just enough of the protocol: it says `ready`, answers `subscribe` and `ping`,
 * records every frame, and lets the test push frames, hold back answers and close
 * the connection. The stand-in is the peer; the socket is what is tested.
 */

import assert from "node:assert/strict";
import { ChatSocket, type ChatSocketOptions } from "./socket.ts";
import { ChatError } from "../errors.ts";
import type { ClientFrame, ServerFrame } from "../protocol/frames.ts";
import type { Message } from "../protocol/types.ts";

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

type Received = ClientFrame & { ref?: string };

interface StandIn {
  url: string;
  /** Every connection's frames, in order (index: the connection). */
  connections: Received[][];
  authorizations: Array<string | null>;
  /** What the stand-in says to a `subscribe` (default: recovered, nothing new; null: nothing). */
  subscribed: (frame: Received) => Record<string, unknown> | null;
  /** Whether `send` frames are acknowledged (else left pending). */
  ack: boolean;
  push(frame: ServerFrame | Record<string, unknown>): void;
  /** Closes the newest connection from the server side. */
  closeLatest(code?: number, reason?: string): void;
  framesOf(connection: number, type: string): Received[];
}

async function withStandIn(fn: (server: StandIn) => Promise<void>): Promise<void> {
  const sockets: WebSocket[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    stand.authorizations.push(req.headers.get("authorization"));
    const { socket, response } = Deno.upgradeWebSocket(req);
    const index = stand.connections.length;
    stand.connections.push([]);
    sockets.push(socket);
    const send = (frame: unknown) => socket.send(JSON.stringify(frame));
    socket.onopen = () => send({ type: "ready", user: { id: "u1", username: "ada" } });
    socket.onmessage = (event) => {
      const frame = JSON.parse(String(event.data)) as Received;
      stand.connections[index].push(frame);
      if (frame.type === "subscribe") {
        const answer = stand.subscribed(frame);
        if (answer) send({ ...answer, ref: frame.ref });
      } else if (frame.type === "ping") send({ type: "pong", ref: frame.ref });
      else if (frame.type === "send" && stand.ack) {
        send({ type: "ack", ref: frame.ref, message: message(frame.roomId, 1, frame.text) });
      }
    };
    return response;
  });
  const stand: StandIn = {
    url: `ws://127.0.0.1:${server.addr.port}/api/ws`,
    connections: [],
    authorizations: [],
    subscribed: upToDate,
    ack: true,
    push(frame) {
      sockets[sockets.length - 1].send(JSON.stringify(frame));
    },
    closeLatest(code = 1011, reason = "Gone") {
      sockets[sockets.length - 1].close(code, reason);
    },
    framesOf(connection, type) {
      return (stand.connections[connection] ?? []).filter((f) => f.type === type);
    },
  };
  try {
    await fn(stand);
  } finally {
    for (const socket of sockets) {
      if (socket.readyState === WebSocket.OPEN) socket.close(1001, "Test over");
    }
    await server.shutdown();
  }
}

/** The stand-in's usual answer to `subscribe`: recovered, nothing new. */
function upToDate(frame: Received): Record<string, unknown> {
  return {
    type: "subscribed",
    roomId: (frame as { roomId: string }).roomId,
    lastSeq: 0,
    lastRev: 0,
    recovered: true,
    members: [],
  };
}

/** A socket with fast reconnects; closed (and its close awaited) when the test ends. */
async function withSocket(
  server: StandIn,
  options: Partial<ChatSocketOptions>,
  fn: (socket: ChatSocket) => Promise<void>,
): Promise<void> {
  const socket = new ChatSocket({
    url: server.url,
    token: "secret-token",
    backoffInitialMs: 5,
    backoffMaxMs: 20,
    ...options,
  });
  // A stand-in that never says `ready` fails the test instead of hanging it.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("Timed out waiting for ready")), 10_000);
  });
  try {
    await Promise.race([socket.ready(), timeout]);
    await fn(socket);
  } finally {
    clearTimeout(timer);
    // An open connection reports its close; one between connections has none to
    // report (a test that failed midway), so that wait is bounded.
    if (socket.state !== "closed") {
      const open = socket.state === "open";
      const closed = new Promise((resolve) => {
        const bound = setTimeout(resolve, open ? 10_000 : 100);
        socket.on("close", () => resolve(clearTimeout(bound)));
      });
      socket.close();
      await closed;
    }
  }
}

function message(roomId: string, seq: number, text = `message ${seq}`, rev = seq): Message {
  return { id: `m${seq}`, roomId, seq, userId: "u2", username: "bob", text, createdAt: 1, rev };
}

function messageFrame(seq: number, rev = seq): ServerFrame {
  return { type: "message", roomId: "r1", message: message("r1", seq, `message ${seq}`, rev) };
}

function updateFrame(rev: number, seq: number): ServerFrame {
  return {
    type: "update",
    roomId: "r1",
    rev,
    message: { ...message("r1", seq), rev, createdRev: seq, editedAt: 2 },
  };
}

/** Drops the `ref` the socket numbers its requests with. */
function withoutRef(frame: Received): Record<string, unknown> {
  const { ref: _ref, ...rest } = frame;
  return rest;
}

Deno.test("after the server closes the socket, it reconnects and resumes from the last revision delivered", async () => {
  await withStandIn(async (server) => {
    await withSocket(server, {}, async (socket) => {
      assert.equal(server.authorizations[0], "Bearer secret-token");
      const subscribed = await socket.subscribe("r1");
      assert.equal(subscribed.type, "subscribed");
      assert.deepEqual(withoutRef(server.framesOf(0, "subscribe")[0]), {
        type: "subscribe",
        roomId: "r1",
      });
      const seen: string[] = [];
      socket.on("message", (f) => seen.push(`message ${f.message.seq}`));
      socket.on("update", (f) => seen.push(`update ${f.rev}`));
      server.push(messageFrame(1));
      server.push(messageFrame(2));
      server.push(updateFrame(3, 1));
      await waitFor("three events", () => seen.length === 3);
      assert.deepEqual([socket.lastSeq("r1"), socket.lastRev("r1")], [2, 3]);

      const states: string[] = [];
      socket.on("state", (s) => states.push(s));
      server.closeLatest(1011, "Server error");
      await waitFor("the resubscribe", () => server.framesOf(1, "subscribe").length === 1);
      assert.deepEqual(states, ["reconnecting", "open"]);
      assert.equal(server.authorizations[1], "Bearer secret-token");
      assert.deepEqual(withoutRef(server.framesOf(1, "subscribe")[0]), {
        type: "subscribe",
        roomId: "r1",
        sinceRev: 3,
      });
      // Live again: the next event is delivered.
      server.push(messageFrame(3, 4));
      await waitFor("the next message", () => seen.length === 4);
      assert.deepEqual(seen, ["message 1", "message 2", "update 3", "message 3"]);
    });
  });
});

Deno.test("with no revision seen (a v1 server), the resubscribe says since: the last seq", async () => {
  await withStandIn(async (server) => {
    // A v1 server: no lastRev in `subscribed`.
    server.subscribed = (frame) => ({
      type: "subscribed",
      roomId: (frame as { roomId: string }).roomId,
      lastSeq: 5,
      recovered: true,
      members: [],
    });
    await withSocket(server, {}, async (socket) => {
      await socket.subscribe("r1", { since: 5 });
      assert.deepEqual(withoutRef(server.framesOf(0, "subscribe")[0]), {
        type: "subscribe",
        roomId: "r1",
        since: 5,
      });
      assert.equal(socket.lastRev("r1"), 0);
      server.closeLatest();
      await waitFor("the resubscribe", () => server.framesOf(1, "subscribe").length === 1);
      assert.deepEqual(withoutRef(server.framesOf(1, "subscribe")[0]), {
        type: "subscribe",
        roomId: "r1",
        since: 5,
      });
    });
  });
});

Deno.test("a subscribe still unanswered when the connection drops is sent again from the last revision", async () => {
  await withStandIn(async (server) => {
    // The first connection never answers it; later ones do.
    server.subscribed = (frame) => server.connections.length === 1 ? null : upToDate(frame);
    await withSocket(server, {}, async (socket) => {
      const subscribed = socket.subscribe("r1", { since: 0 });
      await waitFor("the subscribe", () => server.framesOf(0, "subscribe").length === 1);
      // The replay before `subscribed` is accepted, in order.
      server.push(messageFrame(1, 3));
      await waitFor("the replayed message", () => socket.lastRev("r1") === 3);
      server.closeLatest();
      const answer = await subscribed;
      assert.equal(answer.type, "subscribed");
      const [first] = server.framesOf(0, "subscribe");
      const [again] = server.framesOf(1, "subscribe");
      assert.equal(again.ref, first.ref, "the same request");
      assert.equal((again as { sinceRev?: number }).sinceRev, 3);
      assert.equal(server.framesOf(1, "subscribe").length, 1, "and only once");
    });
  });
});

Deno.test("message frames are deduplicated by seq and revision, update frames by revision", async () => {
  await withStandIn(async (server) => {
    await withSocket(server, {}, async (socket) => {
      await socket.subscribe("r1");
      const seen: string[] = [];
      let frames = 0;
      socket.on("frame", () => frames++);
      socket.on("message", (f) => seen.push(`message ${f.message.seq}@${f.message.rev}`));
      socket.on("update", (f) => seen.push(`update ${f.rev}`));
      server.push(messageFrame(1));
      server.push(messageFrame(2));
      server.push(messageFrame(2)); // the same message again
      server.push(updateFrame(3, 1));
      server.push(updateFrame(3, 1)); // the same update again
      server.push(updateFrame(2, 2)); // older than what was delivered
      server.push(messageFrame(3, 3)); // a new seq at an old revision
      server.push(messageFrame(3, 4));
      server.push({ type: "pong" }); // a marker: everything before it has arrived
      await waitFor("every frame", () => frames === 9);
      assert.deepEqual(seen, ["message 1@1", "message 2@2", "update 3", "message 3@4"]);
      assert.equal(socket.duplicates, 4);
      assert.deepEqual([socket.lastSeq("r1"), socket.lastRev("r1")], [3, 4]);

      // Across a reconnect, a replay that overlaps what was delivered is trimmed too.
      server.closeLatest();
      await waitFor("the resubscribe", () => server.framesOf(1, "subscribe").length === 1);
      assert.equal((server.framesOf(1, "subscribe")[0] as { sinceRev?: number }).sinceRev, 4);
      server.push(updateFrame(4, 2));
      server.push(messageFrame(4, 5));
      await waitFor("the new message", () => seen.length === 5);
      assert.deepEqual(seen.slice(4), ["message 4@5"]);
      assert.equal(socket.duplicates, 5);
    });
  });
});

Deno.test("a send pending when the connection drops is sent again after the reconnect, same clientId", async () => {
  await withStandIn(async (server) => {
    server.ack = false;
    await withSocket(server, {}, async (socket) => {
      const sent = socket.send("r1", "hello", { clientId: "client-1" });
      const ping = socket.ping(); // not durable: fails with the connection
      await waitFor("the send", () => server.framesOf(0, "send").length === 1);
      server.ack = true;
      server.closeLatest();
      await assert.rejects(ping, /Connection lost/);
      const stored = await sent;
      assert.equal(stored.text, "hello");
      const [first] = server.framesOf(0, "send");
      const [again] = server.framesOf(1, "send");
      assert.deepEqual(again, first, "the same frame: same clientId, same ref");
      assert.equal((again as { clientId?: string }).clientId, "client-1");
      assert.equal(server.framesOf(1, "send").length, 1, "sent once after the reconnect");
    });
  });
});

Deno.test("close() fails the pending requests and the socket stays closed", async () => {
  await withStandIn(async (server) => {
    server.ack = false;
    await withSocket(server, {}, async (socket) => {
      const sent = socket.send("r1", "never acknowledged");
      await waitFor("the send", () => server.framesOf(0, "send").length === 1);
      socket.close();
      await assert.rejects(sent, /Socket closed/);
      assert.equal(socket.state, "closed");
      await assert.rejects(socket.send("r1", "after close"), /Socket is closed/);
      await assert.rejects(socket.ready(), /Socket is closed/);
    });
  });
});

Deno.test("4001 from the server: sessionEnded, pending requests fail, no reconnect", async () => {
  await withStandIn(async (server) => {
    server.ack = false;
    await withSocket(server, {}, async (socket) => {
      const ended: Array<{ code: number; reason: string }> = [];
      socket.on("sessionEnded", (e) => ended.push(e));
      const sent = socket.send("r1", "hello");
      await waitFor("the send", () => server.framesOf(0, "send").length === 1);
      server.closeLatest(4001, "Session ended");
      await assert.rejects(sent, (err) => err instanceof ChatError && err.code === "unauthorized");
      assert.deepEqual(ended, [{ code: 4001, reason: "Session ended" }]);
      assert.equal(socket.state, "closed");
      // Reconnects take 5–20 ms here; give one ample time to (wrongly) happen.
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(server.connections.length, 1);
      assert.equal(socket.state, "closed");
    });
  });
});

Deno.test("with reconnect: false, pending requests fail when the connection closes", async () => {
  await withStandIn(async (server) => {
    server.ack = false;
    server.subscribed = () => null; // never answers the subscribe
    await withSocket(server, { reconnect: false }, async (socket) => {
      const states: string[] = [];
      socket.on("state", (s) => states.push(s));
      const sent = socket.send("r1", "hello");
      const subscribed = socket.subscribe("r1");
      await waitFor("both requests", () => server.connections[0].length === 2);
      server.closeLatest(1011, "Server error");
      await assert.rejects(sent, /Connection lost/);
      await assert.rejects(subscribed, /Connection lost/);
      assert.deepEqual(states, ["closed"]);
      await assert.rejects(socket.ready(), /Socket is closed/);
    });
  });
});

Deno.test("drop() gives the connection up at once and reconnects; retryNow() skips the backoff", async () => {
  await withStandIn(async (server) => {
    await withSocket(server, { backoffInitialMs: 60_000, backoffMaxMs: 60_000 }, async (socket) => {
      const states: string[] = [];
      socket.on("state", (state) => states.push(state));
      socket.retryNow(); // open: nothing to do
      assert.equal(server.connections.length, 1);
      socket.drop();
      // At once, not when a close handshake finishes (a dead link's never does).
      assert.equal(socket.state, "reconnecting");
      // The backoff here is up to a minute: retryNow connects now.
      socket.retryNow();
      await waitFor("ready again", () => socket.state === "open", 5_000);
      assert.equal(server.connections.length, 2);
      assert.deepEqual(states, ["reconnecting", "open"]);
    });
  });
});
