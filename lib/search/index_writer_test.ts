import assert from "node:assert/strict";
import { MessageStore } from "../store/messages.ts";
import { RoomStore } from "../store/rooms.ts";
import { retryAtomic } from "../store/kv.ts";
import type { ChangeOp } from "../store/change_batch.ts";
import { docTerms, IndexStore, markerKey } from "./index_store.ts";
import { allRooms, reindex, writerFor } from "./reindex.ts";
import type { IndexWriter } from "./index_writer.ts";
import { termsOf } from "./terms.ts";
import { runSearch } from "./engine.ts";
import { parseQuery } from "./query.ts";

async function setup(rooms = ["r1"]) {
  const kv = await Deno.openKv(":memory:");
  const roomStore = new RoomStore(kv);
  for (const id of rooms) {
    await roomStore.create({
      id,
      name: id,
      topic: "",
      kind: "public",
      createdAt: 1,
      createdBy: "u1",
    });
  }
  return { kv, store: new MessageStore(kv) };
}

async function send(store: MessageStore, roomId: string, texts: string[], at = 1000) {
  const batch = texts.map((text) => ({ userId: "u1", username: "u1", text }));
  return await retryAtomic("send", () => store.tryCommit(roomId, batch, at));
}

async function change(store: MessageStore, roomId: string, op: ChangeOp) {
  return await retryAtomic("change", () => store.tryChanges(roomId, [op], 2000));
}

/** Runs the writer until the room is up to date (as the indexer does). */
async function catchUp(writer: IndexWriter, roomId: string) {
  for (let i = 0; i < 1000; i++) {
    const [result] = await writer.apply([await writer.plan(roomId)]);
    const more = result.outcome === "contended" || result.rev < result.head ||
      (result.outcome === "applied" && result.rev === 0 && result.messages === 0);
    if (!more) return;
  }
  throw new Error("did not catch up");
}

/** Everything the index holds, as comparable text. */
async function snapshot(kv: Deno.Kv): Promise<string[]> {
  const out: string[] = [];
  for (const prefix of [["sx"], ["sx_dict"], ["sx_doc"], ["sx_rev"]]) {
    for await (const e of kv.list({ prefix })) {
      const value = e.value instanceof Deno.KvU64
        ? `u64:${e.value.value}`
        : JSON.stringify(e.value);
      out.push(`${JSON.stringify(e.key)} ${value}`);
    }
  }
  return out;
}

/** Each doc equals its postings and its message's terms; the dictionary, the posted terms. */
async function assertExact(kv: Deno.Kv, roomId: string) {
  const store = new MessageStore(kv);
  const postings = new Map<number, Set<string>>();
  const posted = new Set<string>();
  for await (const e of kv.list({ prefix: ["sx", roomId] })) {
    const [, , term, , seq] = e.key as [string, string, string, number, number];
    postings.set(seq, (postings.get(seq) ?? new Set()).add(term));
    posted.add(term);
  }
  const dictionary = new Set<string>();
  for await (const e of kv.list({ prefix: ["sx_dict", roomId] })) {
    dictionary.add(e.key[2] as string);
  }
  assert.deepEqual([...dictionary].sort(), [...posted].sort(), "the dictionary: the posted terms");
  const messages = await store.range(roomId, 1, 1e9, 10_000);
  for (const m of messages) {
    const doc = (await kv.get<{ terms: string }>(["sx_doc", roomId, m.seq])).value;
    const want = termsOf(m).sort();
    assert.deepEqual(docTerms(doc as never).sort(), want, `doc of ${m.seq}`);
    assert.deepEqual([...(postings.get(m.seq) ?? [])].sort(), want, `postings of ${m.seq}`);
  }
}

Deno.test("edits replace a message's terms, deletes remove them and their dictionary entries", async () => {
  const { kv, store } = await setup();
  const writer = writerFor(kv);
  await send(store, "r1", ["alpha beta", "beta gamma", "secretword once"]);
  await catchUp(writer, "r1");
  await assertExact(kv, "r1");
  await change(store, "r1", { kind: "edit", seq: 1, userId: "u1", text: "alpha delta" });
  await change(store, "r1", { kind: "delete", seq: 3, userId: "u1", owner: false });
  await change(store, "r1", { kind: "react", seq: 2, userId: "u1", emoji: "👍", on: true });
  await catchUp(writer, "r1");
  await assertExact(kv, "r1");
  const all = (await snapshot(kv)).join("\n");
  assert.doesNotMatch(all, /secretword/, "a deleted message's words are gone, dictionary too");
  assert.doesNotMatch(all, /"beta",\d+,1\]/, "the old text's postings are gone");
  const marker = (await kv.get<{ rev: number }>(markerKey("r1"))).value;
  assert.equal(marker?.rev, 6);
  kv.close();
});

Deno.test("a message of 512 terms edited to 512 others goes in pieces, exact after each", async () => {
  const { kv, store } = await setup();
  const writer = writerFor(kv);
  const words = (p: string) => Array.from({ length: 600 }, (_, i) => `${p}${i}`).join(" ");
  await send(store, "r1", [words("a"), "small one"]);
  await catchUp(writer, "r1");
  await assertExact(kv, "r1");
  const doc = (await kv.get<{ terms: string }>(["sx_doc", "r1", 1])).value;
  assert.equal(docTerms(doc as never).length, 512, "capped at 512 terms");
  await change(store, "r1", { kind: "edit", seq: 1, userId: "u1", text: words("b") });
  const plan = await writer.plan("r1");
  assert.ok(plan.commits.length >= 2, `pieces: ${plan.commits.length}`);
  for (const c of plan.commits) assert.ok(c.mutations <= 900, `${c.mutations} mutations`);
  await writer.apply([plan]);
  await catchUp(writer, "r1");
  await assertExact(kv, "r1");
  kv.close();
});

Deno.test("two writers on one room never both apply: the second plans again", async () => {
  const { kv, store } = await setup(["r1", "r2"]);
  const one = writerFor(kv);
  const two = writerFor(kv);
  await send(store, "r1", ["hello world", "hello there"]);
  await send(store, "r2", ["hello again"]);
  const [a, b] = await Promise.all([one.plan("r1"), two.plan("r1")]);
  const other = await two.plan("r2");
  const first = await one.apply([a]);
  // Packed with another room's commit: only r1's fails, r2's goes in alone.
  const second = await two.apply([b, other]);
  assert.equal(first[0].outcome, "applied");
  assert.deepEqual(second.map((r) => r.outcome), ["contended", "applied"]);
  await catchUp(two, "r1");
  await assertExact(kv, "r1");
  await assertExact(kv, "r2");
  let hellos = 0;
  for await (const _ of kv.list({ prefix: ["sx", "r1", "hello"] })) hellos++;
  assert.equal(hellos, 2, "posted once each");
  kv.close();
});

Deno.test("reindex equals the incremental index; a room indexed by an older version is rebuilt", async () => {
  const { kv, store } = await setup(["r1", "r2"]);
  const writer = writerFor(kv);
  for (let i = 0; i < 30; i++) {
    await send(store, i % 2 ? "r1" : "r2", [`message ${i} über café 上海${i}`, `second ${i}`]);
    if (i % 7 === 0) await catchUp(writer, "r1");
  }
  await change(store, "r1", { kind: "edit", seq: 3, userId: "u1", text: "edited text" });
  await change(store, "r2", { kind: "delete", seq: 4, userId: "u1", owner: false });
  for (const room of await allRooms(kv)) await catchUp(writer, room);
  const incremental = await snapshot(kv);
  const result = await reindex(kv);
  assert.equal(result.rooms, 2);
  assert.ok(result.messages >= 59, `messages ${result.messages}`);
  assert.deepEqual(await snapshot(kv), incremental);
  // An older version's marker: the room is wiped and indexed anew, to the same state.
  await kv.set(markerKey("r1"), { rev: 3, v: 0 });
  await kv.set(["sx", "r1", "stale", 1, 1], new Uint8Array(0));
  await catchUp(writer, "r1");
  assert.deepEqual(await snapshot(kv), incremental);
  kv.close();
});

Deno.test("the engine pages newest first across rooms with a budget that cuts, never skips", async () => {
  const { kv, store } = await setup(["r1", "r2", "r3"]);
  const writer = writerFor(kv);
  let at = 10_000;
  for (let i = 0; i < 300; i++) {
    const room = `r${1 + (i % 3)}`;
    const text = `common ${i} ${i % 5 === 0 ? "rare" : ""} ${i % 50 === 0 ? "needle" : ""}`;
    await send(store, room, [text], at += 10);
  }
  for (const room of await allRooms(kv)) await catchUp(writer, room);
  const index = new IndexStore(kv);
  const spec = (q: string) => {
    const parsed = parseQuery(q);
    return {
      userId: "u1",
      rooms: ["r1", "r2", "r3"].map((id) => ({ id, lastAt: at })),
      include: parsed.include,
      exclude: parsed.exclude,
      notFrom: [],
    };
  };
  const deps = { index, bySeq: (room: string, seqs: number[]) => store.bySeq(room, seqs) };
  // 100 postings a room: "common" is expanded by the dictionary; "rare" is read whole;
  // with "needle" (2 a room) "common" is probed.
  const cases = [
    ["common", 300],
    ["rare common", 60],
    ["common -rare", 240],
    ["needle common", 6],
    ['"common" needle', 6],
  ] as const;
  for (const [q, total] of cases) {
    for (const budget of [undefined, { keys: 10, ms: 1000 }]) {
      const seen: number[] = [];
      let cuts = 0;
      let cursor;
      for (let pages = 0; pages < 200; pages++) {
        const page = await runSearch(deps, spec(q), { limit: 7, cursor, budget });
        seen.push(...page.hits.map((h) => h.message.createdAt));
        if (page.stats.cut) cuts++;
        if (!page.next) break;
        cursor = page.next;
      }
      assert.equal(seen.length, total, `${q} (${budget ? "small budget" : "default"})`);
      assert.deepEqual(seen, [...seen].sort((a, b) => b - a), "newest first");
      assert.equal(new Set(seen).size, total, "each once");
      if (budget) assert.ok(cuts > 0, `the small budget cut pages short: ${q}`);
    }
  }
  kv.close();
});
