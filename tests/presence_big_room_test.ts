/**
 * Presence in big rooms, against the real server in process (its hub takes the
 * threshold and interval as options): a small room's or a DM's presence goes at
 * once; a big room's is held and sent once per interval, latest state winning, as
 * one `batch` WebSocket frame to a `?batch=1` socket and as plain `presence` frames
 * to a v1 socket.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../lib/config.ts";
import { createChatServer } from "../lib/server.ts";
import type { ServerFrame } from "../lib/protocol/frames.ts";
import type { ChatApi } from "../lib/client/client.ts";
import { newUser, RecordingSocket, sleep, waitFor } from "./_clients.ts";

/** A room with more than this many sockets on the isolate is big. */
const BIG_ROOM = 3;
const FLUSH_MS = 1_200;
/** Well under the interval: what comes sooner was not held. */
const AT_ONCE_MS = 600;

interface Arrival {
  at: number;
  frame: ServerFrame;
}

/** A raw socket that records every WebSocket frame as it came, and when. */
async function rawSocket(url: string, token: string) {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } } as never);
  const arrivals: Arrival[] = [];
  ws.onmessage = (event) =>
    arrivals.push({ at: Date.now(), frame: JSON.parse(String(event.data)) });
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  await waitFor("ready", () => arrivals.some((a) => a.frame.type === "ready"));
  /** Presence frames, batches taken apart, each with when its WebSocket frame came. */
  const presence = () =>
    arrivals.flatMap(({ at, frame }) =>
      (frame.type === "batch" ? frame.frames : [frame]).flatMap((f) =>
        f.type === "presence" ? [{ at, frame: f }] : []
      )
    );
  const closed = new Promise((resolve) => ws.onclose = resolve);
  return {
    arrivals,
    presence,
    clear: () => arrivals.length = 0,
    close: () => (ws.close(), closed),
  };
}

Deno.test({
  name: "presence: at once for small rooms and DMs, once per interval and batched for big rooms",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const config = loadConfig({
      KV_PATH: ":memory:",
      LOG_LEVEL: "error",
      SEND_RATE_BURST: "1000",
      SEND_RATE_PER_SEC: "1000",
    });
    const chat = await createChatServer(config, {
      presence: { graceMs: 100 },
      presenceFanout: { bigRoom: BIG_ROOM, flushMs: FLUSH_MS },
    });
    const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, chat.fetch);
    const url = `http://127.0.0.1:${http.addr.port}`;
    const open: Array<{ close(): unknown }> = [];
    try {
      const watcher = await newUser(url, "watch");
      const [small, friend, idle1, idle2, m1, m2, m3] = await Promise.all(
        ["small", "friend", "idle", "idle", "m", "m", "m"].map((p) => newUser(url, p)),
      );
      const me = async (api: ChatApi) => (await api.me()).id;
      const ids = { small: await me(small), friend: await me(friend) };
      const [id1, id2, id3] = await Promise.all([m1, m2, m3].map(me));
      const big = await watcher.createRoom("Big room");
      for (const api of [friend, idle1, idle2, m1, m2, m3]) await api.join(big.id);
      const smallRoom = await watcher.createRoom("Small room");
      await small.join(smallRoom.id);
      await watcher.dm((await friend.me()).username);

      // Big: the watcher's two sockets and two idle members'; Small and the DM: at
      // most the watcher's two and the other user's one, so never more than BIG_ROOM.
      open.push(await RecordingSocket.open(idle1), await RecordingSocket.open(idle2));
      const batched = await rawSocket(`${watcher.wsUrl}?batch=1`, watcher.token!);
      const plain = await rawSocket(watcher.wsUrl, watcher.token!);
      open.push(batched, plain);
      await sleep(FLUSH_MS + 300); // whatever the idle members' arrival left held
      batched.clear();
      plain.clear();

      // A small room: at once, as a frame of its own.
      let started = Date.now();
      const smallSocket = await RecordingSocket.open(small);
      open.push(smallSocket);
      for (const s of [batched, plain]) {
        await waitFor("the small room's presence", () => s.presence().length > 0);
        const [first] = s.presence();
        assert.equal(first.frame.type === "presence" && first.frame.userId, ids.small);
        assert.ok(first.at - started < AT_ONCE_MS, `at once: ${first.at - started} ms`);
      }
      assert.equal(batched.arrivals[0].frame.type, "presence", "not held for a batch");
      await sleep(FLUSH_MS + 300);
      assert.equal(batched.presence().length, 1, "and not again later");

      // A big room: three members come, one of them goes again, within one interval.
      batched.clear();
      plain.clear();
      started = Date.now();
      const s1 = await RecordingSocket.open(m1);
      open.push(await RecordingSocket.open(m2), await RecordingSocket.open(m3));
      s1.close();
      const want = [[id1, false], [id2, true], [id3, true]].sort();
      const stateOf = (s: Awaited<ReturnType<typeof rawSocket>>) =>
        s.presence().map(({ frame: f }) => f.type === "presence" ? [f.userId, f.online] : [])
          .sort();
      await waitFor("the flush", () => batched.presence().length >= 3, FLUSH_MS + 5_000);
      await sleep(200);
      assert.deepEqual(stateOf(batched), want, "the latest state of each, once");
      const held = batched.presence();
      assert.ok(held[0].at - started >= FLUSH_MS * 0.9, `held: ${held[0].at - started} ms`);
      const frames = batched.arrivals.filter((a) => a.frame.type === "batch");
      assert.equal(frames.length, 1, "one WebSocket frame for the flush");
      assert.ok(frames[0].frame.type === "batch" && frames[0].frame.frames.length === 3);
      await waitFor("the v1 socket's flush", () => plain.presence().length >= 3);
      assert.deepEqual(stateOf(plain), want);
      assert.ok(!plain.arrivals.some((a) => a.frame.type === "batch"), "v1: never a batch");
      assert.equal(plain.arrivals.filter((a) => a.frame.type === "presence").length, 3);

      // A user who shares a DM (and the big room) with the watcher: at once.
      batched.clear();
      plain.clear();
      started = Date.now();
      open.push(await RecordingSocket.open(friend));
      for (const s of [batched, plain]) {
        await waitFor("the friend's presence", () => s.presence().length > 0);
        const [first] = s.presence();
        assert.equal(first.frame.type === "presence" && first.frame.userId, ids.friend);
        assert.ok(first.at - started < AT_ONCE_MS, `at once: ${first.at - started} ms`);
      }
    } finally {
      for (const s of open) await s.close();
      await http.shutdown();
      await chat.shutdown();
    }
  },
});
