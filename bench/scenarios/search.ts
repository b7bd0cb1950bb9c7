/**
 * @module Search at size: 100,000 messages of generated multilingual chat text
 * (_corpus.ts) over 200 rooms, written straight to KV through the message store;
 * one user in 50 of those rooms. Measured, in order:
 *
 * - **reindex**: `reindex()` (what `deno task reindex` runs) over the whole store, in
 *   this process: messages per second, CPU per message, and what the index costs:
 *   bytes per message as keys and values (logical) and as growth of the SQLite file
 *   (after a checkpoint);
 * - **queries**: `GET /api/search` from that user, over HTTP, one at a time: p50/p99
 *   of each kind of query (a common word, a rare word, two words, a prefix, a phrase,
 *   `from:` and a word, a Chinese bigram), `runs` times each;
 * - **live**: messages sent over HTTP into the user's rooms at `livePerSec`, with the
 *   send's latency and how long until each is in the index (the room's marker,
 *   read from the KV file beside the server), and the server's CPU meanwhile.
 *
 * Ours only (the peers have no search).
 */

import { DatabaseSync } from "node:sqlite";
import { ChatApi } from "../../lib/client/client.ts";
import { openKv } from "../../lib/store/kv.ts";
import { MessageStore, type NewMessage } from "../../lib/store/messages.ts";
import { RoomStore } from "../../lib/store/rooms.ts";
import { reindex } from "../../lib/search/reindex.ts";
import type { Params } from "../params.ts";
import { seed } from "../seed.ts";
import { readCpuSeconds, type ServerKind } from "../servers.ts";
import { Histogram, type LatencySummary, round } from "../stats.ts";
import { Corpus, random } from "./_corpus.ts";
import { progress, sleep, withServer } from "./_common.ts";

export interface SearchQueryResult {
  name: string;
  /** One of the queries (the rare word's cycle through several). */
  q: string;
  latency: LatencySummary;
  /** Results on the first page, on average. */
  results: number;
}

export interface SearchBenchResult {
  server: ServerKind;
  messages: number;
  rooms: number;
  userRooms: number;
  seedS: number;
  reindex: {
    messages: number;
    seconds: number;
    perSec: number;
    /** Process CPU per message while reindexing, ms. */
    cpuMsPerMessage: number;
    /** Index keys and values per message (as written), bytes. */
    bytesPerMessage: number;
    /** Growth of the KV file per message, bytes. */
    fileBytesPerMessage: number;
    /** Postings per message, on average. */
    termsPerMessage: number;
  };
  queries: SearchQueryResult[];
  live: {
    sent: number;
    perSec: number;
    send: LatencySummary;
    /** Ack → the message is in the index. */
    indexLag: LatencySummary;
    serverCpu: number;
  };
}

/** The query kinds the goals name; `common` is held to a looser p50. */
export const SEARCH_GOALS = { p50Ms: 20, p99Ms: 100, commonP50Ms: 50, reindexPerSec: 2000 };

export function describeSearch(r: SearchBenchResult): string {
  const q = r.queries.map((x) =>
    `${x.name} p50 ${round(x.latency.p50)} / p99 ${round(x.latency.p99)} ms`
  ).join(", ");
  return [
    `${r.messages} messages in ${r.rooms} rooms (user in ${r.userRooms})`,
    `reindex ${round(r.reindex.perSec)} msgs/s, ${round(r.reindex.cpuMsPerMessage)} ms CPU and ${
      round(r.reindex.bytesPerMessage)
    } B (file ${round(r.reindex.fileBytesPerMessage)} B) per message, ${
      round(r.reindex.termsPerMessage)
    } terms`,
    q,
    `live ${round(r.live.perSec)} msgs/s: send p99 ${round(r.live.send.p99)} ms, indexed p50 ${
      round(r.live.indexLag.p50)
    } / p99 ${round(r.live.indexLag.p99)} ms, server cpu ${round(r.live.serverCpu)}%`,
  ].join("\n  ");
}

/** A store seeded for the search bench: the searcher, a chatty author, the searcher's rooms. */
export async function seedSearch(p: Params["search"], kvPath?: string) {
  const seeded = await seed({ users: p.rooms * p.roomSize, roomSize: p.roomSize }, kvPath);
  const searcher = seeded.users[0];
  const chatty = seeded.users[1];
  const mine = seeded.rooms.slice(0, p.userRooms).map((r) => r.id);
  const kv = await openKv(seeded.kvPath);
  try {
    const rooms = new RoomStore(kv);
    for (const roomId of mine.slice(1)) {
      await rooms.addMember(roomId, searcher.id, "member", Date.now());
      await rooms.addMember(roomId, chatty.id, "member", Date.now());
    }
    await seedMessages(kv, seeded, p.messages, new Set(mine), chatty);
  } finally {
    kv.close();
  }
  return { seeded, searcher, chatty, mine };
}

export async function searchBench(kind: ServerKind, params: Params): Promise<SearchBenchResult> {
  const p = params.search;
  const t0 = performance.now();
  const { seeded, searcher, chatty, mine } = await seedSearch(p);
  const seedS = (performance.now() - t0) / 1000;
  progress(`seeded ${p.messages} messages in ${round(seedS)} s`);
  const before = checkpointedSize(seeded.kvPath);
  const kv2 = await openKv(seeded.kvPath);
  let index;
  try {
    const cpu = readCpuSeconds("self");
    const result = await reindex(kv2);
    const cpuS = readCpuSeconds("self") - cpu;
    const size = await indexSize(kv2);
    index = {
      messages: result.messages,
      seconds: result.ms / 1000,
      perSec: result.messages / (result.ms / 1000),
      cpuMsPerMessage: cpuS * 1000 / result.messages,
      bytesPerMessage: size.bytes / result.messages,
      fileBytesPerMessage: 0,
      termsPerMessage: size.postings / result.messages,
    };
  } finally {
    kv2.close();
  }
  index.fileBytesPerMessage = (checkpointedSize(seeded.kvPath) - before) / index.messages;
  progress(
    `reindex: ${round(index.perSec)} msgs/s, ${round(index.bytesPerMessage)} B/message ` +
      `(file ${round(index.fileBytesPerMessage)} B)`,
  );
  return await withServer(kind, seeded, async (server) => {
    const api = new ChatApi(server.url, { token: searcher.token });
    const cases: Array<{ name: string; queries: string[] }> = [
      { name: "common word", queries: ["the"] },
      { name: "rare word", queries: Array.from({ length: 20 }, (_, i) => Corpus.rare(200 + i)) },
      { name: "two words", queries: ["good time"] },
      { name: "prefix", queries: ["deplo"] },
      { name: "phrase", queries: ['"code review"'] },
      { name: "from: + word", queries: [`from:${chatty.username} release`] },
      { name: "CJK bigram", queries: ["上海"] },
    ];
    const queries: SearchQueryResult[] = [];
    for (const c of cases) {
      const histogram = new Histogram();
      let results = 0;
      for (let i = 0; i < 5; i++) await api.search(c.queries[i % c.queries.length]);
      for (let i = 0; i < p.runs; i++) {
        const q = c.queries[i % c.queries.length];
        const t = performance.now();
        const page = await api.search(q);
        histogram.record(performance.now() - t);
        results += page.results.length;
      }
      const latency = histogram.summary();
      queries.push({ name: c.name, q: c.queries[0], latency, results: results / p.runs });
      progress(
        `${c.name} (${c.queries[0]}): p50 ${round(latency.p50)} / p99 ${round(latency.p99)} ms, ${
          round(results / p.runs)
        } results`,
      );
    }
    const live = await livePhase(api, server, seeded.kvPath, mine, p.liveMessages, p.livePerSec);
    const result: SearchBenchResult = {
      server: kind,
      messages: p.messages,
      rooms: p.rooms,
      userRooms: p.userRooms,
      seedS,
      reindex: index,
      queries,
      live,
    };
    progress(describeSearch(result));
    return result;
  });
}

/** Messages spread over the rooms and over 30 days, a full batch per commit. */
async function seedMessages(
  kv: Deno.Kv,
  seeded: Awaited<ReturnType<typeof seed>>,
  total: number,
  mine: Set<string>,
  chatty: { id: string; username: string },
): Promise<void> {
  const store = new MessageStore(kv);
  const corpus = new Corpus(7);
  const rand = random(11);
  const perRoom = Math.ceil(total / seeded.rooms.length);
  const batches = Math.ceil(perRoom / 64);
  const start = Date.now() - 30 * 86_400_000;
  const step = (30 * 86_400_000) / (batches * seeded.rooms.length);
  let done = 0;
  for (let b = 0; b < batches; b++) {
    for (const [r, room] of seeded.rooms.entries()) {
      const batch: NewMessage[] = [];
      for (let i = 0; i < 64 && b * 64 + i < perRoom && done < total; i++, done++) {
        const author = mine.has(room.id) && rand() < 0.1
          ? chatty
          : seeded.users[room.members[Math.floor(rand() * room.members.length)]];
        batch.push({ userId: author.id, username: author.username, text: corpus.message() });
      }
      if (!batch.length) continue;
      const at = Math.round(start + (b * seeded.rooms.length + r) * step);
      if (!await store.tryCommit(room.id, batch, at)) throw new Error("Seeding conflicted");
    }
  }
}

/** The KV file's size with its WAL folded in. */
function checkpointedSize(path: string): number {
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  const size = (p: string) => {
    try {
      return Deno.statSync(p).size;
    } catch {
      return 0;
    }
  };
  return size(path) + size(`${path}-wal`);
}

/** The index's keys and values in bytes (as KV encodes them, about), and its postings. */
async function indexSize(kv: Deno.Kv): Promise<{ bytes: number; postings: number }> {
  const encoder = new TextEncoder();
  const keyBytes = (key: Deno.KvKey) =>
    key.reduce<number>(
      (n, part) => n + (typeof part === "string" ? encoder.encode(part).length + 2 : 9),
      0,
    );
  let bytes = 0;
  let postings = 0;
  for (const prefix of [["sx"], ["sx_dict"], ["sx_doc"], ["sx_rev"]]) {
    for await (const e of kv.list({ prefix })) {
      bytes += keyBytes(e.key);
      if (prefix[0] === "sx") postings++;
      const v = e.value;
      bytes += v instanceof Uint8Array
        ? v.length
        : v instanceof Deno.KvU64
        ? 8
        : encoder.encode(JSON.stringify(v)).length;
    }
  }
  return { bytes, postings };
}

/** Sends into the rooms at a rate; how long each send took, and until it was indexed. */
async function livePhase(
  api: ChatApi,
  server: { cpuSeconds(): number },
  kvPath: string,
  rooms: string[],
  count: number,
  perSec: number,
): Promise<SearchBenchResult["live"]> {
  const corpus = new Corpus(99);
  const send = new Histogram();
  const lag = new Histogram();
  const kv = await Deno.openKv(kvPath);
  /** Per room: [rev, ack time] of messages waiting to be seen indexed. */
  const waiting = new Map<string, Array<[number, number]>>();
  let polling = true;
  const poller = (async () => {
    while (polling || [...waiting.values()].some((w) => w.length)) {
      const ids = [...waiting.keys()].filter((id) => waiting.get(id)!.length);
      for (let i = 0; i < ids.length; i += 10) {
        const entries = await kv.getMany<{ rev: number }[]>(
          ids.slice(i, i + 10).map((id) => ["sx_rev", id]),
        );
        const now = performance.now();
        entries.forEach((e, j) => {
          const list = waiting.get(ids[i + j])!;
          while (list.length && (e.value?.rev ?? 0) >= list[0][0]) {
            lag.record(now - list.shift()![1]);
          }
        });
      }
      await sleep(2);
    }
  })();
  const cpu0 = server.cpuSeconds();
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const due = started + (i * 1000) / perSec;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const roomId = rooms[i % rooms.length];
    const t = performance.now();
    inflight.push(
      api.send(roomId, corpus.message()).then((m) => {
        const now = performance.now();
        send.record(now - t);
        const list = waiting.get(roomId) ?? [];
        list.push([m.rev ?? m.seq, now]);
        list.sort((a, b) => a[0] - b[0]);
        waiting.set(roomId, list);
      }),
    );
  }
  await Promise.all(inflight);
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = (server.cpuSeconds() - cpu0) / seconds * 100;
  polling = false;
  await Promise.race([poller, sleep(10_000)]);
  kv.close();
  return {
    sent: count,
    perSec: count / seconds,
    send: send.summary(),
    indexLag: lag.summary(),
    serverCpu,
  };
}
