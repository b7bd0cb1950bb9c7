import assert from "node:assert/strict";
import { MessageStore } from "./messages.ts";
import { RoomStore } from "./rooms.ts";
import { retryAtomic } from "./kv.ts";

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const rooms = new RoomStore(kv);
  await rooms.create({
    id: "room1",
    name: "General",
    topic: "",
    kind: "public",
    createdAt: 1,
    createdBy: "u1",
  });
  return { kv, rooms };
}

const msg = (userId: string, text: string, clientId?: string) => ({
  userId,
  username: userId,
  text,
  clientId,
});

Deno.test("tryCommit() assigns consecutive seqs to a batch, starting at 1", async () => {
  const { kv } = await setup();
  const store = new MessageStore(kv);
  const stored = await store.tryCommit("room1", [msg("u1", "a"), msg("u2", "b")], 10);
  assert.deepEqual(stored?.map((s) => s.message.seq), [1, 2]);
  const more = await store.tryCommit("room1", [msg("u1", "c")], 11);
  assert.equal(more?.[0].message.seq, 3);
  assert.deepEqual((await store.range("room1", 1, 3)).map((m) => m.text), ["a", "b", "c"]);
  kv.close();
});

Deno.test("concurrent committers on one KV (two isolates) never share or skip a seq", async () => {
  const { kv } = await setup();
  const isolates = [new MessageStore(kv), new MessageStore(kv), new MessageStore(kv)];
  const sends = [];
  for (let i = 0; i < 90; i++) {
    const store = isolates[i % isolates.length];
    sends.push(
      retryAtomic("test", () => store.tryCommit("room1", [msg("u1", `m${i}`)], i), 200),
    );
  }
  const results = await Promise.all(sends);
  const seqs = results.map((r) => r[0].message.seq).sort((a, b) => a - b);
  assert.deepEqual(seqs, Array.from({ length: 90 }, (_, i) => i + 1));
  const stored = await new MessageStore(kv).range("room1", 1, 1000);
  assert.equal(stored.length, 90);
  assert.equal(new Set(stored.map((m) => m.text)).size, 90);
  kv.close();
});

Deno.test("a repeated clientId from the same user returns the stored message", async () => {
  const { kv } = await setup();
  const store = new MessageStore(kv);
  const [first] = (await store.tryCommit("room1", [msg("u1", "hello", "c1")], 10))!;
  const [again] = (await store.tryCommit("room1", [msg("u1", "changed", "c1")], 20))!;
  assert.equal(again.duplicate, true);
  assert.deepEqual(again.message, first.message);
  // Another user's identical clientId is their own message.
  const [other] = (await store.tryCommit("room1", [msg("u2", "mine", "c1")], 30))!;
  assert.equal(other.duplicate, false);
  assert.equal(other.message.seq, 2);
  // Within one batch too.
  const batch = (await store.tryCommit("room1", [msg("u3", "x", "d"), msg("u3", "y", "d")], 40))!;
  assert.equal(batch[1].duplicate, true);
  assert.equal(batch[1].message.seq, batch[0].message.seq);
  assert.equal((await new RoomStore(kv).head("room1")).seq, 3);
  kv.close();
});

Deno.test("a clientId older than 24 hours no longer deduplicates", async () => {
  const { kv } = await setup();
  const store = new MessageStore(kv);
  await store.tryCommit("room1", [msg("u1", "hello", "c1")], 10);
  const [later] = (await store.tryCommit("room1", [msg("u1", "hello", "c1")], 10 + 25 * 3600_000))!;
  assert.equal(later.duplicate, false);
  assert.equal(later.message.seq, 2);
  kv.close();
});

Deno.test("before() and range() page history in ascending order", async () => {
  const { kv } = await setup();
  const store = new MessageStore(kv);
  await store.tryCommit("room1", Array.from({ length: 10 }, (_, i) => msg("u1", `m${i + 1}`)), 1);
  assert.deepEqual((await store.before("room1", 6, 3)).map((m) => m.seq), [3, 4, 5]);
  assert.deepEqual((await store.before("room1", Number.MAX_SAFE_INTEGER, 2)).map((m) => m.seq), [
    9,
    10,
  ]);
  assert.deepEqual((await store.range("room1", 8, 100)).map((m) => m.seq), [8, 9, 10]);
  kv.close();
});

async function roomsOn(kv: Deno.Kv, ids: string[]) {
  const rooms = new RoomStore(kv);
  for (const id of ids) {
    await rooms.create({ id, name: id, topic: "", kind: "public", createdAt: 1, createdBy: "u1" });
  }
}

Deno.test("commits to different rooms queued together share one KV commit", async () => {
  const { kv } = await setup();
  const ids = Array.from({ length: 30 }, (_, i) => `r${i}`);
  await roomsOn(kv, ids);
  const store = new MessageStore(kv);
  // Warm each room's head (and so the fast path), then commit to all rooms at once.
  for (const id of ids) await store.tryCommit(id, [msg("u1", "first", `${id}-a`)], 1);
  const results = await Promise.all(
    ids.map((id) => store.tryCommit(id, [msg("u1", "second", `${id}-b`), msg("u2", "third")], 2)),
  );
  for (const [i, id] of ids.entries()) {
    assert.deepEqual(results[i]?.map((r) => r.message.seq), [2, 3]);
    assert.deepEqual((await store.range(id, 1, 10)).map((m) => m.text), [
      "first",
      "second",
      "third",
    ]);
    assert.equal((await new RoomStore(kv).head(id)).seq, 3);
  }
  kv.close();
});

Deno.test("a stale head or a repeated clientId in one room does not fail another room's commit", async () => {
  const { kv } = await setup();
  await roomsOn(kv, ["a", "b", "c"]);
  const store = new MessageStore(kv);
  const other = new MessageStore(kv); // another isolate
  for (const id of ["a", "b", "c"]) await store.tryCommit(id, [msg("u1", "x", `${id}-1`)], 1);
  await other.tryCommit("b", [msg("u2", "moved b's head")], 2); // store's head of b is stale
  const [a, b, c] = await Promise.all([
    store.tryCommit("a", [msg("u1", "a2", "a-2")], 3),
    store.tryCommit("b", [msg("u1", "b2", "b-2")], 3),
    store.tryCommit("c", [msg("u1", "again", "c-1")], 3), // a retry of c's first message
  ]);
  assert.equal(a?.[0].message.seq, 2);
  assert.equal(b?.[0].message.seq, 3); // re-read b's head, after the other isolate's 2
  assert.equal(c?.[0].duplicate, true);
  assert.equal(c?.[0].message.text, "x");
  assert.deepEqual((await store.range("b", 1, 10)).map((m) => m.seq), [1, 2, 3]);
  assert.deepEqual((await store.range("c", 1, 10)).map((m) => m.seq), [1]);
  kv.close();
});
