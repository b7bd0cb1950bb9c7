/**
 * PROTOCOL v2 "Batched frames" against the real server: a socket opened with
 * `?batch=1` gets a burst (a group commit's messages) in `batch` frames, each
 * frame inside in order with no gap or duplicate; a socket that did not ask never
 * gets one; the client library asks and hands its listeners every frame.
 */

import assert from "node:assert/strict";
import { API_ENV, withServer } from "./_api.ts";
import type { ServerFrame } from "../lib/protocol/frames.ts";
import type { Message } from "../lib/protocol/types.ts";

/** A raw socket that records every WebSocket frame as it came. */
async function rawSocket(url: string, token: string) {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` } } as never);
  const frames: ServerFrame[] = [];
  ws.onmessage = (event) => frames.push(JSON.parse(String(event.data)));
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  const until = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    assert.ok(check(), `timed out waiting for ${what}`);
  };
  await until(() => frames.some((f) => f.type === "ready"), "ready");
  return { ws, frames, until };
}

/** Every frame, batches taken apart. */
function flat(frames: ServerFrame[]): ServerFrame[] {
  return frames.flatMap((f) => f.type === "batch" ? f.frames : [f]);
}

Deno.test({
  name: "batched frames: only when asked, every frame inside in order, none lost",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await withServer(API_ENV, async ({ wsUrl, newUser, socketOf }) => {
      const ada = await newUser("bat");
      const bob = await newUser("bob");
      const room = await ada.createRoom("Batches");
      await bob.join(room.id);
      const plain = await rawSocket(wsUrl, bob.token!);
      const batched = await rawSocket(`${wsUrl}?batch=1`, bob.token!);
      const library = await socketOf(bob);
      const seen: Message[] = [];
      library.on("message", (f) => seen.push(f.message));
      await library.subscribe(room.id);
      for (const s of [plain, batched]) {
        s.ws.send(JSON.stringify({ type: "subscribe", roomId: room.id }));
        await s.until(() => flat(s.frames).some((f) => f.type === "subscribed"), "subscribed");
      }
      // Bursts: sends queued together are stored in one commit and fanned out at once.
      const total = 300;
      for (let round = 0; round < 6; round++) {
        await Promise.all(
          Array.from({ length: total / 6 }, (_, i) => ada.send(room.id, `m${round}-${i}`)),
        );
      }
      const messagesOf = (frames: ServerFrame[]) =>
        flat(frames).flatMap((f) => f.type === "message" ? [f.message.seq] : []);
      for (const s of [plain, batched]) {
        await s.until(() => messagesOf(s.frames).length >= total, "every message");
        assert.deepEqual(messagesOf(s.frames), Array.from({ length: total }, (_, i) => i + 1));
      }
      assert.ok(
        !plain.frames.some((f) => f.type === "batch"),
        "never to a socket that did not ask",
      );
      const batches = batched.frames.filter((f) => f.type === "batch");
      assert.ok(batches.length > 0, "bursts came batched");
      assert.ok(batched.frames.length < plain.frames.length, "in fewer WebSocket frames");
      for (const b of batches) {
        assert.ok(b.type === "batch" && b.frames.length > 1, "a batch holds several frames");
        assert.ok(!b.frames.some((f) => f.type === "batch"), "batches do not nest");
      }
      // The client library asked for batches and saw every message once, in order.
      for (let i = 0; i < 100 && seen.length < total; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.deepEqual(seen.map((m) => m.seq), Array.from({ length: total }, (_, i) => i + 1));
      assert.equal(library.duplicates, 0);
      plain.ws.close();
      batched.ws.close();
    });
  },
});
