/**
 * @module Reconnect storm: 2,000 subscribed clients (rooms of 100) drop their
 * connections at the same moment; meanwhile one more member of each room, still
 * connected, sends 50 messages into it. Every client reconnects on its own (the
 * client library's backoff with full jitter) and resubscribes with `since`; the
 * figure is the time from the drop until every client holds every message, with
 * none lost or doubled. Ours only: the peers keep no history to catch up from.
 */

import { connectAll } from "../load/clients.ts";
import { Ledger } from "../load/ledger.ts";
import type { Params } from "../params.ts";
import { readCpuSeconds, type ServerKind } from "../servers.ts";
import { Histogram, type LatencySummary, round } from "../stats.ts";
import { progress, seedFor, sleep, withServer } from "./_common.ts";

export interface ReconnectResult {
  server: ServerKind;
  clients: number;
  rooms: number;
  messagesPerRoom: number;
  /** From the drop until every client was subscribed again. */
  resubscribedMs: number;
  /** From the drop until each client was subscribed again. */
  resubscribed: LatencySummary;
  /** Connections that closed again before their client resubscribed. */
  failedReconnects: number;
  /** From the drop until every client held every message. */
  caughtUpMs: number;
  /** Send → delivery, over every delivery of the storm. */
  latency: LatencySummary;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Duplicates the client library dropped itself (it should see none either). */
  libraryDuplicates: number;
  /** CPU of the server and of this load generator from the drop until all caught up, % of a core. */
  serverCpu: number;
  generatorCpu: number;
}

const TIMEOUT_MS = 120_000;

export async function reconnectStorm(kind: ServerKind, params: Params): Promise<ReconnectResult> {
  const p = params.reconnect;
  const rooms = Math.ceil(p.clients / p.roomSize);
  // Each room: `roomSize` clients that drop, and one sender that stays.
  const seeded = await seedFor(kind, { users: rooms * (p.roomSize + 1), roomSize: p.roomSize + 1 });
  return await withServer(kind, seeded, async (server, track) => {
    const ledger = new Ledger("r");
    const plan = seeded.rooms.map((room) => ({
      book: ledger.room(room.id, room.members.length - 1),
      clients: room.members.slice(0, -1).map((m) => ({ user: seeded.users[m], rooms: [room.id] })),
      sender: { user: seeded.users[room.members.at(-1)!], rooms: [room.id] },
    }));
    const connectStart = performance.now();
    const clients = track(
      await connectAll(kind, server.url, plan.flatMap((r) => r.clients), { concurrency: 200 }),
    );
    progress(
      `${clients.length} clients connected in ${round(performance.now() - connectStart)} ms`,
    );
    const senders = track(await connectAll(kind, server.url, plan.map((r) => r.sender)));
    let c = 0;
    for (const room of plan) {
      room.clients.forEach((_, slot) => ledger.attach(clients[c++], room.book, slot));
    }
    let resubscribed = 0;
    let resubscribedAt = NaN;
    let closes = 0;
    let t0 = NaN;
    const resubscribeTimes = new Histogram();
    for (const client of clients) {
      let counted = false;
      client.chat?.on("subscribed", () => {
        if (counted || Number.isNaN(t0)) return;
        counted = true;
        resubscribeTimes.record(performance.now() - t0);
        if (++resubscribed === clients.length) resubscribedAt = performance.now();
      });
      client.chat?.on("close", () => closes++);
    }
    await sleep(500);
    const cpuAt = { server: server.cpuSeconds(), generator: readCpuSeconds("self") };
    t0 = performance.now();
    for (const client of clients) client.drop();
    plan.forEach((room, i) => {
      for (let m = 0; m < p.messagesPerRoom; m++) ledger.send(senders[i], room.book);
    });
    let caughtUpAt = NaN;
    while (performance.now() - t0 < TIMEOUT_MS) {
      if (ledger.complete()) {
        caughtUpAt = ledger.lastDistinctAt;
        if (resubscribed === clients.length) break;
      }
      await sleep(5);
    }
    // Sampled when the loop ends: at most 5 ms after the last client caught up.
    const stormSeconds = (performance.now() - t0) / 1000;
    const cpu = (now: number, at: number) => (now - at) / stormSeconds * 100;
    const serverCpu = cpu(server.cpuSeconds(), cpuAt.server);
    const generatorCpu = cpu(readCpuSeconds("self"), cpuAt.generator);
    const totals = ledger.totals();
    const result: ReconnectResult = {
      server: kind,
      clients: clients.length,
      rooms,
      messagesPerRoom: p.messagesPerRoom,
      resubscribedMs: resubscribedAt - t0,
      resubscribed: resubscribeTimes.summary(),
      failedReconnects: closes - clients.length,
      caughtUpMs: Number.isNaN(caughtUpAt) ? NaN : Math.max(caughtUpAt, resubscribedAt) - t0,
      latency: ledger.latency.summary(),
      expected: totals.expected,
      delivered: totals.delivered,
      lost: totals.lost,
      duplicates: totals.duplicates,
      libraryDuplicates: clients.reduce((sum, client) => sum + client.libraryDuplicates, 0),
      serverCpu,
      generatorCpu,
    };
    progress(
      `resubscribed p50 ${round(result.resubscribed.p50)} ms, p99 ${
        round(result.resubscribed.p99)
      } ms; ${result.failedReconnects} failed reconnect attempts`,
    );
    progress(
      `${clients.length} clients: all resubscribed in ${
        round(result.resubscribedMs)
      } ms, caught up in ${
        round(result.caughtUpMs)
      } ms; delivered ${totals.delivered}/${totals.expected}, lost ${totals.lost}, dup ${totals.duplicates}; CPU server ${
        round(serverCpu)
      }%, generator ${round(generatorCpu)}%`,
    );
    return result;
  });
}
