/**
 * `FileService` over real services on an in-memory KV, with a clock the test moves:
 * the 24 h sweep of unposted uploads, the daily quota (also under parallel
 * uploads), what a send may post (mine, unposted, once: also when two sends race
 * for one file), a repeated send, and a body cut off mid-upload.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { BadRequestError, PayloadTooLargeError, RateLimitedError } from "../errors.ts";
import { createServices, type Services, stopServices } from "../services.ts";
import type { User } from "../protocol/types.ts";
import { UNPOSTED_MS } from "../store/files.ts";
import { type Clock, SYSTEM_CLOCK } from "../clock.ts";

/** The system clock's timers, at a time the test sets. */
class TestClock implements Clock {
  at = Date.UTC(2026, 11, 1, 12);
  setTimeout = SYSTEM_CLOCK.setTimeout;
  clearTimeout = SYSTEM_CLOCK.clearTimeout;
  now(): number {
    return this.at;
  }
}

function streamOf(bytes: Uint8Array, piece = 50_000): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.byteLength) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + piece));
      offset += piece;
    },
  });
}

async function keyCount(kv: Deno.Kv, prefix: Deno.KvKey): Promise<number> {
  let n = 0;
  for await (const _ of kv.list({ prefix })) n++;
  return n;
}

async function withFiles(
  env: Record<string, string>,
  fn: (s: Services, clock: TestClock, ada: User, bob: User, roomId: string) => Promise<void>,
): Promise<void> {
  const clock = new TestClock();
  const s = await createServices(loadConfig({ KV_PATH: ":memory:", ...env }), { clock });
  try {
    const ada = (await s.auth.register("ada", "correct horse battery")).user;
    const bob = (await s.auth.register("bob", "correct horse battery")).user;
    const room = await s.rooms.create(ada, { name: "files" });
    await s.rooms.join(bob, room.id);
    await fn(s, clock, ada, bob, room.id);
  } finally {
    await stopServices(s);
  }
}

const BYTES = new TextEncoder().encode("a".repeat(300_000));

Deno.test("files: an upload never posted is swept after 24 h, chunks and all; a posted one stays", async () => {
  await withFiles({}, async (s, clock, ada, _bob, roomId) => {
    const kept = await s.files.upload(ada, "kept.txt", BYTES.byteLength, streamOf(BYTES));
    const dropped = await s.files.upload(ada, "dropped.txt", undefined, streamOf(BYTES));
    await s.messages.send(ada, roomId, { text: "here", files: [kept.id] });
    assert.equal(await keyCount(s.kv, ["blob", dropped.id]), 5);
    clock.at += UNPOSTED_MS - 1000;
    await s.files.sweepSoon();
    assert.ok(await s.files.readable(ada.id, dropped.id), "not yet a day old");
    clock.at += 2000;
    await s.files.sweepSoon();
    await assert.rejects(() => s.files.readable(ada.id, dropped.id), /File not found/);
    assert.equal(await keyCount(s.kv, ["blob", dropped.id]), 0);
    assert.equal(await keyCount(s.kv, ["blob_trash"]), 0);
    assert.equal(await keyCount(s.kv, ["file_unposted"]), 0);
    assert.equal(await keyCount(s.kv, ["blob", kept.id]), 5);
    assert.ok(await s.files.readable(ada.id, kept.id));
  });
});

Deno.test("files: the daily quota counts what was stored; parallel uploads cannot overrun it", async () => {
  // 1 MB a day: three declared 400 KB uploads at once, the third refused.
  await withFiles({ UPLOAD_QUOTA_MB_PER_DAY: "1" }, async (s, clock, ada) => {
    const body = new Uint8Array(400 * 1024).fill(7);
    const results = await Promise.allSettled(
      [1, 2, 3].map((i) => s.files.upload(ada, `p${i}.bin`, body.byteLength, streamOf(body))),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "fulfilled", "rejected"]);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.ok(refused.reason instanceof RateLimitedError);
    assert.match(refused.reason.message, /Upload quota reached: 1 MB per day/);
    // A body without a length reserves the largest upload (25 MB): refused too.
    await assert.rejects(
      () => s.files.upload(ada, "unknown.bin", undefined, streamOf(new Uint8Array(10))),
      RateLimitedError,
    );
    // The next day (UTC), the quota is whole again.
    clock.at += 24 * 3600_000;
    assert.ok(await s.files.upload(ada, "p4.bin", body.byteLength, streamOf(body)));
  });
});

Deno.test("files: a send posts only my unposted uploads, once; a repeated send is answered again", async () => {
  await withFiles({}, async (s, _clock, ada, bob, roomId) => {
    const mine = await s.files.upload(ada, "a.txt", 3, streamOf(new TextEncoder().encode("abc")));
    await assert.rejects(
      () => s.messages.send(bob, roomId, { text: "", files: [mine.id] }),
      /names no upload of yours/,
    );
    await assert.rejects(
      () => s.messages.send(ada, roomId, { text: "", files: ["unknownfileid0000000"] }),
      /names no upload of yours/,
    );
    await assert.rejects(
      () => s.messages.send(ada, roomId, { text: "", files: [mine.id, mine.id] }),
      /names a file twice/,
    );
    await assert.rejects(
      () => s.messages.send(ada, roomId, { text: "" }),
      /Message must not be empty/,
    );
    const first = await s.messages.send(ada, roomId, {
      text: "",
      files: [mine.id],
      clientId: "c-1",
    });
    assert.equal(first.duplicate, false);
    const again = await s.messages.send(ada, roomId, {
      text: "",
      files: [mine.id],
      clientId: "c-1",
    });
    assert.equal(again.duplicate, true);
    assert.equal(again.message.seq, first.message.seq);
    await assert.rejects(
      () => s.messages.send(ada, roomId, { text: "again", files: [mine.id], clientId: "c-2" }),
      (err) => err instanceof BadRequestError && /already posted/.test(err.message),
    );
    assert.equal((await s.rooms.headOf(roomId)).seq, 1, "nothing else was stored");
  });
});

Deno.test("files: two sends racing for one upload: exactly one posts it", async () => {
  await withFiles({}, async (s, _clock, ada, _bob, roomId) => {
    const other = await s.rooms.create(ada, { name: "other" });
    const file = await s.files.upload(ada, "r.txt", 3, streamOf(new TextEncoder().encode("xyz")));
    const results = await Promise.allSettled([
      s.messages.send(ada, roomId, { text: "one", files: [file.id] }),
      s.messages.send(ada, other.id, { text: "two", files: [file.id] }),
    ]);
    const ok = results.filter((r) => r.status === "fulfilled");
    assert.equal(ok.length, 1, JSON.stringify(results.map((r) => r.status)));
    const failed = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.ok(failed.reason instanceof BadRequestError, String(failed.reason));
    const heads = [(await s.rooms.headOf(roomId)).seq, (await s.rooms.headOf(other.id)).seq];
    assert.equal(heads[0] + heads[1], 1, "one message stored in all");
  });
});

Deno.test("files: a body cut off, too large, or empty publishes nothing and leaves no chunks", async () => {
  await withFiles({ MAX_UPLOAD_MB: "1" }, async (s, _clock, ada) => {
    let sent = 0;
    const cut = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 600_000) return controller.error(new Error("connection reset"));
        controller.enqueue(new Uint8Array(100_000).fill(1));
        sent += 100_000;
      },
    });
    await assert.rejects(() => s.files.upload(ada, "cut.bin", 1_000_000, cut), /cut off/);
    const big = new Uint8Array(1024 * 1024 + 1);
    await assert.rejects(
      () => s.files.upload(ada, "big.bin", undefined, streamOf(big)),
      PayloadTooLargeError,
    );
    assert.throws(() => s.files.checkDeclared(1024 * 1024 + 1), PayloadTooLargeError);
    await assert.rejects(
      () => s.files.upload(ada, "empty.bin", undefined, streamOf(new Uint8Array())),
      /File is empty/,
    );
    await s.files.sweepSoon();
    assert.equal(await keyCount(s.kv, ["blob"]), 0);
    assert.equal(await keyCount(s.kv, ["blob_pending"]), 0);
    assert.equal(await keyCount(s.kv, ["blob_trash"]), 0);
    assert.equal(await keyCount(s.kv, ["file"]), 0);
  });
});
