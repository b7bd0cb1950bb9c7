import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { BlobStore, CHUNK_SIZE, chunkKey, pendingKey, STALE_MS, trashKey } from "./blobs.ts";

function bytesOf(size: number, seed = 7): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    out[i] = x >> 16;
  }
  return out;
}

async function collect(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

async function keysUnder(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Deno.KvKey[]> {
  const keys: Deno.KvKey[] = [];
  for await (const e of kv.list({ prefix })) keys.push(e.key);
  return keys;
}

/** Writes `data` in pieces of `piece` bytes; answers what finish() said. */
async function write(store: BlobStore, id: string, data: Uint8Array, piece = 10_000) {
  const writer = store.writer(id);
  for (let i = 0; i < data.byteLength; i += piece) await writer.write(data.subarray(i, i + piece));
  return await writer.finish();
}

Deno.test("blobs: sizes around the chunk boundary round-trip, with their SHA-256", async (t) => {
  const kv = await Deno.openKv(":memory:");
  const store = new BlobStore(kv, "iso");
  for (
    const size of [
      0,
      1,
      CHUNK_SIZE - 1,
      CHUNK_SIZE,
      CHUNK_SIZE + 1,
      9 * CHUNK_SIZE + 5,
      25 * CHUNK_SIZE + 3,
    ]
  ) {
    await t.step(`${size} bytes`, async () => {
      const data = bytesOf(size, size);
      const id = `b${size}`;
      const written = await write(store, id, data, 7777);
      assert.equal(written.size, size);
      assert.equal(written.sha256, createHash("sha256").update(data).digest("hex"));
      const chunks = await keysUnder(kv, ["blob", id]);
      assert.equal(chunks.length, Math.ceil(size / CHUNK_SIZE));
      assert.deepEqual(await collect(store.read(id, size)), data);
    });
  }
  kv.close();
});

Deno.test("blobs: ranges inside one chunk and across chunks", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new BlobStore(kv, "iso");
  const size = 3 * CHUNK_SIZE + 100;
  const data = bytesOf(size);
  await write(store, "r", data);
  const cases: Array<[number, number]> = [
    [0, 0],
    [5, 10],
    [CHUNK_SIZE - 1, CHUNK_SIZE],
    [CHUNK_SIZE - 10, 2 * CHUNK_SIZE + 10],
    [3 * CHUNK_SIZE, size - 1],
    [size - 1, size - 1],
  ];
  for (const [start, end] of cases) {
    assert.deepEqual(
      await collect(store.read("r", size, start, end)),
      data.subarray(start, end + 1),
      `bytes ${start}-${end}`,
    );
  }
  kv.close();
});

Deno.test("blobs: an interrupted write stays pending, the reaper removes it once its writer is gone", async () => {
  const kv = await Deno.openKv(":memory:");
  const writerSide = new BlobStore(kv, "dead-isolate");
  const writer = writerSide.writer("cut");
  await writer.write(bytesOf(20 * CHUNK_SIZE)); // two commits of chunks, never finished
  assert.ok((await keysUnder(kv, ["blob", "cut"])).length >= 16);
  const reaper = new BlobStore(kv, "other");
  // Its isolate is alive: the upload may still go on, nothing is touched.
  assert.equal(await reaper.reap(new Set(["dead-isolate", "other"])), 0);
  assert.ok((await kv.get(pendingKey("cut"))).value);
  // Its isolate is gone: moved to the trash, then every chunk and the marker go.
  assert.ok(await reaper.reap(new Set(["other"])) >= 16);
  assert.deepEqual(await keysUnder(kv, ["blob", "cut"]), []);
  assert.equal((await kv.get(pendingKey("cut"))).versionstamp, null);
  assert.equal((await kv.get(trashKey("cut"))).versionstamp, null);
  // The writer coming back finds it taken: no more chunks are written.
  await assert.rejects(() => writer.write(bytesOf(8 * CHUNK_SIZE)), /abandoned/);
  assert.deepEqual(await keysUnder(kv, ["blob", "cut"]), []);
  kv.close();
});

Deno.test("blobs: a stale pending blob is reaped even on its own isolate; publish then fails", async () => {
  const kv = await Deno.openKv(":memory:");
  let now = 1_000_000;
  const store = new BlobStore(kv, "iso", () => now);
  const writer = store.writer("slow");
  await writer.write(bytesOf(100));
  const written = await writer.finish();
  now += STALE_MS + 1;
  assert.ok(await store.reap(new Set(["iso"])) > 0);
  const op = store.publish(kv.atomic().set(["file", "slow"], {}), written);
  assert.equal((await op.commit()).ok, false);
  assert.equal((await kv.get(["file", "slow"])).versionstamp, null);
  kv.close();
});

Deno.test("blobs: publish keeps the chunks; trash hands them to the reaper, which resumes after a budget", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new BlobStore(kv, "iso");
  const data = bytesOf(5 * CHUNK_SIZE);
  const written = await write(store, "p", data);
  assert.ok((await store.publish(kv.atomic(), written).commit()).ok);
  assert.equal(await store.reap(new Set()), 0, "a published blob is nobody's to reap");
  assert.deepEqual(await collect(store.read("p", data.byteLength)), data);
  await store.trash(kv.atomic(), "p").commit();
  assert.equal(await store.reap(new Set(), 3), 3, "stops at its budget");
  assert.ok((await kv.get(trashKey("p"))).value, "and the marker stays for the next run");
  assert.equal(await store.reap(new Set()), 3, "the rest: 2 chunks and the marker");
  assert.equal((await kv.get(chunkKey("p", 4))).versionstamp, null);
  assert.equal((await kv.get(trashKey("p"))).versionstamp, null);
  kv.close();
});

Deno.test("blobs: a chunk missing under a reader errors the stream", async () => {
  const kv = await Deno.openKv(":memory:");
  const store = new BlobStore(kv, "iso");
  await write(store, "m", bytesOf(2 * CHUNK_SIZE));
  await kv.delete(chunkKey("m", 1));
  await assert.rejects(() => collect(store.read("m", 2 * CHUNK_SIZE)), /chunk missing/);
  kv.close();
});
