/**
 * @module The server's own counters over a measured window: `GET /api/admin/stats`
 * (lib/metrics.ts) read as the seeded server admin at the window's start and end,
 * and the difference per second. Each KV commit of a file-backed KV is one `fsync`
 * of SQLite's log, so KV commits per second is the disk's load; messages per
 * message-commit is how well group commit gathers (lib/store/_group_commit.ts).
 *
 * The endpoint answers for the isolate that took the request. One process has one;
 * `deno serve --parallel` hands each new connection to one of its isolates, so each
 * reading is `SAMPLES` requests, each on a fresh connection, and the counters of
 * every distinct isolate seen both at the start and at the end are summed (with
 * two isolates, 8 samples miss one with a chance of 1 in 128). The peers have no
 * such endpoint: no figures.
 */

import "../../lib/client/admin.ts";
import { ChatApi } from "../../lib/client/http.ts";
import type { ServerStats } from "../../lib/protocol/types.ts";
import type { SeededUser } from "../seed.ts";
import { OUR_KINDS, type RunningServer } from "../servers.ts";

/** Readings per moment for a server with several isolates. */
const SAMPLES = 8;

/** What the server's counters say about a window, per second unless named otherwise. */
export interface ServerWindow {
  /** Isolates whose counters are summed (seen at the start and at the end). */
  isolates: number;
  seconds: number;
  /** KV commits per second: each one an `fsync` on a file-backed KV. */
  kvCommitsPerSec: number;
  /** Of those, commits whose checks failed (another isolate wrote first). */
  kvFailedChecksPerSec: number;
  messagesStored: number;
  /** Messages stored ÷ commits that stored messages, in the window. */
  messagesPerCommit: number;
  /** WebSocket frames written, and server frames queued to sockets (a batch's each). */
  framesWritten: number;
  framesQueued: number;
  /** Presence transitions the isolates routed, and the presence frames they queued. */
  presenceChanges: number;
  presenceFrames: number;
  socketsOpened: number;
  socketsClosed: number;
}

/** One reading of every isolate it reached, by isolate id. */
export type StatsReading = Map<string, ServerStats>;

/**
 * A reading that takes longer than this is given up (the window has no counters):
 * an overloaded server may take seconds to answer, and the latency figures must
 * not wait on it.
 */
const READ_TIMEOUT_MS = 5_000;

async function readOnce(url: string, token: string, fresh: boolean): Promise<ServerStats> {
  // A connection of its own when asked, so that `--parallel` may hand it to another
  // isolate.
  const client = fresh ? Deno.createHttpClient({}) : undefined;
  try {
    const api = new ChatApi(url, {
      token,
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          client,
          signal: AbortSignal.timeout(READ_TIMEOUT_MS),
        } as RequestInit),
    });
    return await api.adminStats();
  } finally {
    client?.close();
  }
}

/** Reads the counters of `server` (every isolate it reaches), as `admin`. */
export async function readStats(server: RunningServer, admin: SeededUser): Promise<StatsReading> {
  const several = server.kind === "ours-parallel";
  const reading: StatsReading = new Map();
  for (let i = 0; i < (several ? SAMPLES : 1); i++) {
    const stats = await readOnce(server.url, admin.token, several);
    reading.set(stats.isolateId, stats);
  }
  return reading;
}

/** The window between two readings (isolates seen in both), or null when none is. */
export function windowOf(start: StatsReading, end: StatsReading): ServerWindow | null {
  const both = [...end.keys()].filter((id) => start.has(id));
  if (!both.length) return null;
  const sum = (pick: (s: ServerStats) => number) =>
    both.reduce((total, id) => total + pick(end.get(id)!) - pick(start.get(id)!), 0);
  // Each isolate's own clock span; they are read within milliseconds of each other.
  const seconds = sum((s) => s.at) / both.length / 1000;
  const commits = sum((s) => s.messages.commits);
  const stored = sum((s) => s.messages.stored);
  return {
    isolates: both.length,
    seconds,
    kvCommitsPerSec: sum((s) => s.kv.commits) / seconds,
    kvFailedChecksPerSec: sum((s) => s.kv.failedChecks) / seconds,
    messagesStored: stored,
    messagesPerCommit: commits ? stored / commits : NaN,
    framesWritten: sum((s) => s.frames.written),
    framesQueued: sum((s) => s.frames.queued),
    presenceChanges: sum((s) => s.presence.changes),
    presenceFrames: sum((s) => s.presence.frames),
    socketsOpened: sum((s) => s.sockets.opened),
    socketsClosed: sum((s) => s.sockets.closed),
  };
}

/**
 * For `drive()`'s `alongside`: reads the counters when the measured window opens
 * (`windowEnd - measureMs`) and when it closes. Answers null for servers without
 * the endpoint (the peers) or without a seeded admin, and when a reading fails
 * (reported, never fatal: the latency figures stand without it).
 */
export async function statsOverWindow(
  server: RunningServer,
  admin: SeededUser | undefined,
  window: { end: number; measureMs: number },
): Promise<ServerWindow | null> {
  if (!admin || !OUR_KINDS.includes(server.kind)) return null;
  try {
    await sleepUntil(window.end - window.measureMs);
    const start = await readStats(server, admin);
    await sleepUntil(window.end);
    return windowOf(start, await readStats(server, admin));
  } catch (err) {
    console.error(`  server stats unavailable: ${err instanceof Error ? err.message : err}`);
    return null;
  }
}

async function sleepUntil(at: number): Promise<void> {
  const ms = at - performance.now();
  if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
}
