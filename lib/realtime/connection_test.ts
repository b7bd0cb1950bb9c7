import assert from "node:assert/strict";
import { FakeSocket } from "./_fake_socket.ts";
import { Connection, utf8Bytes } from "./connection.ts";

function connection(socket = new FakeSocket()) {
  const conn = new Connection(socket as unknown as WebSocket, {
    user: { id: "u1", username: "alice" },
    sessionId: "s1",
    tokenHash: "h1",
  });
  let gone = 0;
  conn.onGone = () => gone++;
  return { conn, socket, gone: () => gone };
}

const TYPING = { type: "typing", roomId: "r", userId: "u2", username: "bob" } as const;

Deno.test("utf8Bytes() counts bytes as UTF-8 encodes them, lone surrogates as U+FFFD", () => {
  for (const text of ["", "ascii", "é", "€uro", "😀", "a😀b", "\ud800", "x\udc00y", "日本語"]) {
    assert.equal(utf8Bytes(text), new TextEncoder().encode(text).length, JSON.stringify(text));
  }
});

Deno.test("a backlog over 256 KB drops typing frames but still sends messages", () => {
  const { conn, socket } = connection();
  socket.bufferedAmount = 300 * 1024;
  conn.sendEphemeral(TYPING);
  assert.equal(socket.sent.length, 0);
  assert.ok(conn.send({ type: "pong" }));
  assert.equal(socket.sent.length, 1);
});

Deno.test("a backlog over 4 MB closes the socket with 1008 and sends nothing more", () => {
  const { conn, socket } = connection();
  socket.bufferedAmount = 4 * 1024 * 1024 + 1;
  assert.equal(conn.send({ type: "pong" }), false);
  assert.equal(socket.closed?.code, 1008);
  assert.equal(socket.sent.length, 0);
  assert.equal(conn.isOpen(), false);
});

Deno.test("checkPulse() drops a socket whose unsent data does not move for the stall time", () => {
  const { conn, socket, gone } = connection();
  const t0 = Date.now();
  conn.send({ type: "pong" });
  socket.bufferedAmount = utf8Bytes(socket.sent[0]); // nothing written yet
  assert.equal(conn.checkPulse(t0 + 1000, 20_000), undefined);
  // Some of it drained: progress, the clock restarts.
  conn.send({ type: "pong" });
  socket.bufferedAmount = 10;
  assert.equal(conn.checkPulse(t0 + 19_000, 20_000), undefined);
  assert.equal(conn.checkPulse(t0 + 38_000, 20_000), undefined);
  assert.equal(conn.checkPulse(t0 + 39_001, 20_000), "stalled");
  assert.equal(socket.closed?.code, 1008);
  assert.equal(gone(), 1);
  assert.equal(conn.checkPulse(t0 + 60_000, 20_000), undefined, "released once");
  assert.equal(gone(), 1);
});

Deno.test("checkPulse() leaves an idle socket alone: nothing unsent is no stall", () => {
  const { conn, gone } = connection();
  assert.equal(conn.checkPulse(Date.now() + 3600_000, 20_000), undefined);
  assert.equal(gone(), 0);
});

Deno.test("checkPulse() releases a socket whose close has not completed after 5 s", () => {
  const { conn, socket, gone } = connection();
  const t0 = Date.now();
  conn.close(1012, "Server restarting");
  assert.equal(conn.checkPulse(t0, 20_000), undefined);
  assert.equal(conn.checkPulse(t0 + 4_000, 20_000), undefined);
  assert.equal(conn.checkPulse(t0 + 5_001, 20_000), "close_timeout");
  assert.equal(gone(), 1);
  // Deno's own idle-timeout close (readyState CLOSING, not ours) is covered too.
  const other = connection();
  other.socket.readyState = WebSocket.CLOSING;
  assert.equal(other.conn.checkPulse(t0, 20_000), undefined);
  assert.equal(other.conn.checkPulse(t0 + 6_000, 20_000), "close_timeout");
  // A close event that does arrive releases it once, whatever the check does later.
  const clean = connection();
  clean.conn.gone();
  clean.conn.gone();
  assert.equal(clean.gone(), 1);
  assert.equal(socket.sent.length, 0);
});
