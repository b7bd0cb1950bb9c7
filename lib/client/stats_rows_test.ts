import assert from "node:assert/strict";
import { formatUptime, statsRows } from "./stats_rows.ts";
import type { ServerStats } from "../protocol/types.ts";

const STATS: ServerStats = {
  isolateId: "iso1",
  startedAt: 1_000_000,
  at: 1_000_000 + 3 * 3600_000 + 5 * 60_000,
  kv: { commits: 12_345, failedChecks: 2 },
  messages: { stored: 41, commits: 10 },
  sockets: { opened: 7, closed: 3 },
  frames: { queued: 2_000, written: 1_500 },
  presence: { changes: 4, frames: 12 },
};

Deno.test("statsRows says every counter in words, in order", () => {
  assert.deepEqual(statsRows(STATS), [
    ["Isolate", "iso1, up 3 h 05 min"],
    ["Sockets", "4 open (7 opened, 3 closed)"],
    ["Messages stored", "41 in 10 commits (4.1 per commit)"],
    ["KV commits", "12,345, 2 of them with a failed check"],
    ["Frames", "2,000 queued to sockets, written as 1,500 WebSocket frames"],
    ["Presence", "4 changes routed, 12 frames sent"],
  ]);
});

Deno.test("statsRows: no message commits yet; a whole ratio has no decimal", () => {
  const none = statsRows({ ...STATS, messages: { stored: 0, commits: 0 } });
  assert.deepEqual(none[2], ["Messages stored", "none yet"]);
  const whole = statsRows({ ...STATS, messages: { stored: 30, commits: 10 } });
  assert.equal(whole[2][1], "30 in 10 commits (3 per commit)");
  const one = statsRows({
    ...STATS,
    frames: { queued: 1, written: 1 },
    presence: { changes: 1, frames: 0 },
  });
  assert.equal(one[4][1], "1 queued to sockets, written as 1 WebSocket frame");
  assert.equal(one[5][1], "1 change routed, 0 frames sent");
});

Deno.test("formatUptime from seconds to days", () => {
  assert.equal(formatUptime(-5), "0 s");
  assert.equal(formatUptime(45_000), "45 s");
  assert.equal(formatUptime(12 * 60_000 + 59_000), "12 min");
  assert.equal(formatUptime(25 * 3600_000), "1 day 1 h");
  assert.equal(formatUptime(50 * 3600_000), "2 days 2 h");
});

Deno.test("statsRows: sends forwarded to another isolate are a row of their own, when any", () => {
  assert.equal(statsRows({ ...STATS, messages: { ...STATS.messages, forwarded: 0 } }).length, 6);
  const rows = statsRows({ ...STATS, messages: { ...STATS.messages, forwarded: 1_234 } });
  assert.deepEqual(rows.at(-1), [
    "Sends forwarded",
    "1,234 to the isolate that commits for their room",
  ]);
});
