/**
 * @module History: the latency of a 50-message page (`GET /api/rooms/:id/messages`)
 * from a room holding 100,000 messages, seeded into KV before the server starts.
 * Measured one request at a time through the client library, for the newest page
 * (what opening a room fetches) and for pages at random points (`before`).
 */

import { ChatApi } from "../../lib/client/client.ts";
import type { Params } from "../params.ts";
import type { ServerKind } from "../servers.ts";
import { Histogram, type LatencySummary, round } from "../stats.ts";
import { progress, seedFor, withServer } from "./_common.ts";

export interface HistoryResult {
  server: ServerKind;
  messages: number;
  newest: LatencySummary;
  before: LatencySummary;
}

const WARMUP = 20;

export async function history(kind: ServerKind, params: Params): Promise<HistoryResult> {
  const p = params.history;
  const seeded = await seedFor(kind, { users: 1, roomSize: 1, messages: p.messages });
  return await withServer(kind, seeded, async (server) => {
    const api = new ChatApi(server.url, { token: seeded.users[0].token });
    const roomId = seeded.rooms[0].id;
    const newest = new Histogram();
    const before = new Histogram();
    for (let i = 0; i < WARMUP + p.requests; i++) {
      const t = performance.now();
      const page = await api.messages(roomId);
      if (i >= WARMUP) newest.record(performance.now() - t);
      if (page.messages.length !== 50 || page.messages.at(-1)!.seq !== p.messages) {
        throw new Error(`History answered the wrong page: ${page.messages.length} messages`);
      }
    }
    for (let i = 0; i < WARMUP + p.requests; i++) {
      const seq = 51 + Math.floor(Math.random() * (p.messages - 50));
      const t = performance.now();
      const page = await api.messages(roomId, { before: seq });
      if (i >= WARMUP) before.record(performance.now() - t);
      if (page.messages.length !== 50 || page.messages.at(-1)!.seq !== seq - 1) {
        throw new Error(`History answered the wrong page before ${seq}`);
      }
    }
    const result = {
      server: kind,
      messages: p.messages,
      newest: newest.summary(),
      before: before.summary(),
    };
    progress(
      `${p.messages} messages: newest page p50 ${round(result.newest.p50)} ms, p99 ${
        round(result.newest.p99)
      } ms; random page p50 ${round(result.before.p50)} ms, p99 ${round(result.before.p99)} ms`,
    );
    return result;
  });
}
