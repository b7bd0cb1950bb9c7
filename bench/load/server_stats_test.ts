import assert from "node:assert/strict";
import type { ServerStats } from "../../lib/protocol/types.ts";
import { windowOf } from "./server_stats.ts";

function stats(isolateId: string, at: number, n: number): ServerStats {
  return {
    isolateId,
    startedAt: 0,
    at,
    kv: { commits: 10 * n, failedChecks: n },
    messages: { stored: 40 * n, commits: 5 * n },
    sockets: { opened: n, closed: 0 },
    frames: { queued: 100 * n, written: 50 * n },
    presence: { changes: 2 * n, frames: 20 * n },
  };
}

Deno.test("windowOf() sums the isolates seen at both ends, per second of their span", () => {
  const start = new Map([["a", stats("a", 1000, 1)], ["b", stats("b", 1000, 2)]]);
  const end = new Map([
    ["a", stats("a", 3000, 3)],
    ["b", stats("b", 3000, 4)],
    ["c", stats("c", 3000, 9)],
  ]);
  const w = windowOf(start, end)!;
  assert.equal(w.isolates, 2);
  assert.equal(w.seconds, 2);
  // (10·2 + 10·2) commits over 2 s.
  assert.equal(w.kvCommitsPerSec, 20);
  assert.equal(w.kvFailedChecksPerSec, 2);
  assert.equal(w.messagesStored, 160);
  assert.equal(w.messagesPerCommit, 8);
  assert.equal(w.presenceChanges, 8);
  assert.equal(w.presenceFrames, 80);
});

Deno.test("windowOf() answers null when no isolate was seen at both ends", () => {
  assert.equal(windowOf(new Map([["a", stats("a", 0, 0)]]), new Map()), null);
});

Deno.test("windowOf() answers NaN messages per commit when nothing was stored", () => {
  const w = windowOf(new Map([["a", stats("a", 0, 1)]]), new Map([["a", stats("a", 1000, 1)]]))!;
  assert.ok(Number.isNaN(w.messagesPerCommit));
  assert.equal(w.kvCommitsPerSec, 0);
});
