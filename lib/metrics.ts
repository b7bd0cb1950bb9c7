/**
 * @module Counters of what this isolate did since it started, for operators and the
 * bench (`GET /api/admin/stats`, server admins only): KV commits (each one an
 * `fsync` of SQLite's log on a file-backed KV), the messages they stored, frames
 * written to sockets, presence changes and the frames they cost.
 *
 * Plain numbers bumped in place: no allocation, no lock, nothing per message beyond
 * an increment. Counts only, never content: nothing here can leak a message or a
 * token.
 */

import type { ServerStats } from "./protocol/types.ts";

/** The counters, as `GET /api/admin/stats` answers them (lib/protocol/types.ts). */
export type Metrics = Omit<ServerStats, "isolateId" | "startedAt" | "at">;

function zero(): Metrics {
  return {
    kv: { commits: 0, failedChecks: 0 },
    messages: { stored: 0, commits: 0, forwarded: 0 },
    sockets: { opened: 0, closed: 0 },
    frames: { queued: 0, written: 0 },
    presence: { changes: 0, frames: 0 },
  };
}

/** This isolate's counters (one per isolate: module state is per isolate). */
export const metrics: Metrics = zero();

const startedAt = Date.now();

/** A copy of the counters with when they started counting, as the endpoint answers. */
export function snapshot(
  isolateId: string,
): Metrics & { isolateId: string; startedAt: number; at: number } {
  return { isolateId, startedAt, at: Date.now(), ...structuredClone(metrics) };
}
