import assert from "node:assert/strict";
import {
  MessageStore,
  RECENT_CLIENT_IDS,
  rowIds,
  type SenderRow,
  senderRowKey,
} from "./messages.ts";
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

async function keysUnder(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Deno.KvKey[]> {
  const keys: Deno.KvKey[] = [];
  for await (const entry of kv.list({ prefix })) keys.push(entry.key);
  return keys;
}

Deno.test("clientIds pushed out of a sender's row still deduplicate for their 24 hours, from the index", async () => {
  const { kv } = await setup();
  const store = new MessageStore(kv);
  const extra = 5;
  for (let i = 0; i < RECENT_CLIENT_IDS + extra; i++) {
    await store.tryCommit("room1", [msg("u1", `m${i}`, `c${i}`)], 1000 + i);
  }
  // A light sender writes no index records at all; the heavy one only its oldest.
  for (let i = 0; i < 3; i++) await store.tryCommit("room1", [msg("u2", `n${i}`, `d${i}`)], 2000);
  const indexed = await keysUnder(kv, ["msg_client"]);
  assert.deepEqual(indexed.map((key) => key[3]), ["c0", "c1", "c2", "c3", "c4"]);
  // Retries: the oldest (indexed), the newest (in the row), in this and in a fresh store.
  for (const isolate of [store, new MessageStore(kv)]) {
    const retried = (await isolate.tryCommit("room1", [
      msg("u1", "again", "c0"),
      msg("u1", "again", `c${RECENT_CLIENT_IDS + extra - 1}`),
      msg("u2", "again", "d0"),
    ], 3000))!;
    assert.deepEqual(retried.map((r) => [r.duplicate, r.message.seq]), [
      [true, 1],
      [true, RECENT_CLIENT_IDS + extra],
      [true, RECENT_CLIENT_IDS + extra + 1],
    ]);
  }
  // A day after it was stored, a clientId is free again.
  const [late] = (await store.tryCommit("room1", [msg("u1", "late", "c0")], 1000 + 24 * 3600_000))!;
  assert.equal(late.duplicate, false);
  assert.equal(late.message.seq, RECENT_CLIENT_IDS + extra + 4);
  kv.close();
});

Deno.test("a sender's row answers a retry sent through another isolate", async () => {
  const { kv } = await setup();
  const a = new MessageStore(kv);
  const b = new MessageStore(kv);
  const [first] = (await a.tryCommit("room1", [msg("u1", "hello", "c1")], 10))!;
  const [retry] = (await b.tryCommit("room1", [msg("u1", "hello", "c1")], 11))!;
  assert.equal(retry.duplicate, true);
  assert.deepEqual(retry.message, first.message);
  // b moves the head; a's cached head and rows are stale and must be re-read.
  await b.tryCommit("room1", [msg("u1", "from b", "c2")], 12);
  const [fromA] = (await a.tryCommit("room1", [msg("u1", "from b", "c2")], 13))!;
  assert.equal(fromA.duplicate, true);
  assert.equal(fromA.message.seq, 2);
  const [next] = (await a.tryCommit("room1", [msg("u1", "from a", "c3")], 14))!;
  assert.equal(next.message.seq, 3);
  kv.close();
});

/** A message an older version stored, with clientId "c-old". */
const OLD_MESSAGE = {
  id: "room1-1",
  roomId: "room1",
  seq: 1,
  userId: "u1",
  username: "u1",
  text: "old",
  createdAt: 50,
  clientId: "c-old",
};

/**
 * Stores OLD_MESSAGE, its head and `record` (how that version kept the clientId),
 * then checks that a fresh store answers a retry of it and stores a new one after.
 */
async function retryOverOlderRecord(kv: Deno.Kv, record: [Deno.KvKey, unknown]) {
  await kv.atomic()
    .set(["msg", "room1", 1], OLD_MESSAGE)
    .set(["room_seq", "room1"], { seq: 1, at: 50 })
    .set(...record)
    .commit();
  const [retry, fresh] = (await new MessageStore(kv).tryCommit("room1", [
    msg("u1", "old", "c-old"),
    msg("u1", "new", "c-new"),
  ], 100))!;
  assert.equal(retry.duplicate, true);
  assert.deepEqual(retry.message, OLD_MESSAGE);
  assert.equal(fresh.message.seq, 2);
}

Deno.test("clientId records written before sender rows existed still deduplicate", async () => {
  const { kv, rooms } = await setup();
  await retryOverOlderRecord(kv, [
    ["msg_client", "room1", "u1", "c-old"],
    { seq: 1, expiresAt: 50 + 24 * 3600_000 },
  ]);
  assert.equal((await kv.get<{ legacy: boolean }>(["meta", "sender_rows"])).value?.legacy, true);
  assert.equal((await rooms.head("room1")).seq, 2);
  kv.close();
});

Deno.test("a sender's newest message is the floor of their read marker", async () => {
  const { kv, rooms } = await setup();
  const store = new MessageStore(kv);
  await store.tryCommit("room1", [msg("u2", "a"), msg("u1", "b"), msg("u2", "c")], 10);
  assert.deepEqual(await rooms.readMarkers("u1", ["room1"]), [2]);
  assert.deepEqual(await rooms.readMarkers("u2", ["room1"]), [3]);
  assert.deepEqual(await rooms.readMarkers("u3", ["room1"]), [0]);
  // Reading up to less than what I wrote changes nothing; further moves on.
  assert.equal(await rooms.moveReadMarker("u1", "room1", 1), 2);
  assert.equal(await rooms.moveReadMarker("u1", "room1", 3), 3);
  assert.deepEqual(await rooms.readMarkers("u1", ["room1"]), [3]);
  // A fresh KV file records that no older clientId records exist.
  assert.equal((await kv.get<{ legacy: boolean }>(["meta", "sender_rows"])).value?.legacy, false);
  kv.close();
});

Deno.test("a clientId matches only itself in a row, not part of another or a number", async () => {
  const { kv } = await setup();
  const store = new MessageStore(kv);
  await store.tryCommit("room1", [msg("u1", "one", "x ab"), msg("u1", "two", "12")], 10);
  const batch = [
    msg("u1", "a", "ab"), // the tail of "x ab"
    msg("u1", "b", "2"), // the tail of "12", and the seq of the second message
    msg("u1", "c", "10"), // when both were stored
    msg("u1", "d", "12"), // a real retry
  ];
  const results = (await store.tryCommit("room1", batch, 20))!;
  assert.deepEqual(results.map((r) => [r.duplicate, r.message.seq]), [
    [false, 3],
    [false, 4],
    [false, 5],
    [true, 2],
  ]);
  // Sent again, through this isolate and a fresh one: all four are retries now.
  for (const isolate of [store, new MessageStore(kv)]) {
    const again = (await isolate.tryCommit("room1", batch, 30))!;
    assert.deepEqual(again.map((r) => [r.duplicate, r.message.seq]), [
      [true, 3],
      [true, 4],
      [true, 5],
      [true, 2],
    ]);
  }
  const row = (await kv.get<SenderRow>(senderRowKey("room1", "u1"))).value!;
  assert.deepEqual(rowIds(row), [
    ["x ab", 1, 10],
    ["12", 2, 10],
    ["ab", 3, 20],
    ["2", 4, 20],
    ["10", 5, 20],
  ]);
  kv.close();
});

Deno.test("rows stored with clientIds as tuples (the previous encoding) still answer retries", async () => {
  const { kv } = await setup();
  await retryOverOlderRecord(kv, [
    senderRowKey("room1", "u1"),
    { seq: 1, ids: [["c-old", 1, 50]], indexedUntil: 0 },
  ]);
  // Rewritten in the current encoding, the older clientId kept.
  const row = (await kv.get<SenderRow>(senderRowKey("room1", "u1"))).value!;
  assert.equal(typeof row.ids, "string");
  assert.deepEqual(rowIds(row), [["c-old", 1, 50], ["c-new", 2, 100]]);
  kv.close();
});

Deno.test("a row whose last clientId line lacks its newline is mended, not misread", async () => {
  const { kv } = await setup();
  await retryOverOlderRecord(kv, [
    senderRowKey("room1", "u1"),
    { seq: 1, ids: "c-old\t1\t50", indexedUntil: 0 },
  ]);
  const row = (await kv.get<SenderRow>(senderRowKey("room1", "u1"))).value!;
  assert.deepEqual(rowIds(row), [["c-old", 1, 50], ["c-new", 2, 100]]);
  kv.close();
});
