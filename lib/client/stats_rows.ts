/**
 * @module A server's counters (`GET /api/admin/stats`) in words, as label and value
 * rows: the admin page's "Server activity" card and `chat admin stats` show the
 * same rows. The counters are the answering isolate's, since it started.
 */

import type { ServerStats } from "../protocol/types.ts";

const COUNT = new Intl.NumberFormat("en-US");

/** `1,234`. */
function count(n: number): string {
  return COUNT.format(n);
}

/** `1 commit`, `1,234 commits`. */
function counted(n: number, word: string): string {
  return `${count(n)} ${n === 1 ? word : `${word}s`}`;
}

/** `45 s`, `12 min`, `3 h 05 min`, `2 days 4 h`. */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${h} h ${String(min % 60).padStart(2, "0")} min`;
  return `${counted(Math.floor(h / 24), "day")} ${h % 24} h`;
}

/** One decimal, or none when it is a whole number: `4.1`, `3`. */
function ratio(a: number, b: number): string {
  const r = Math.round((a / b) * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** The counters as rows of [label, value], in the order they are shown. */
export function statsRows(stats: ServerStats): Array<[string, string]> {
  const { kv, messages, sockets, frames, presence } = stats;
  const open = Math.max(0, sockets.opened - sockets.closed);
  // Only isolates of one process forward sends (`deno serve --parallel`).
  const forwarded: Array<[string, string]> = messages.forwarded
    ? [[
      "Sends forwarded",
      `${count(messages.forwarded)} to the isolate that commits for their room`,
    ]]
    : [];
  return [
    ["Isolate", `${stats.isolateId}, up ${formatUptime(stats.at - stats.startedAt)}`],
    [
      "Sockets",
      `${count(open)} open (${count(sockets.opened)} opened, ${count(sockets.closed)} closed)`,
    ],
    [
      "Messages stored",
      messages.commits
        ? `${count(messages.stored)} in ${counted(messages.commits, "commit")} (${
          ratio(messages.stored, messages.commits)
        } per commit)`
        : "none yet",
    ],
    [
      "KV commits",
      `${count(kv.commits)}, ${count(kv.failedChecks)} of them with a failed check`,
    ],
    [
      "Frames",
      `${count(frames.queued)} queued to sockets, written as ${
        counted(frames.written, "WebSocket frame")
      }`,
    ],
    [
      "Presence",
      `${counted(presence.changes, "change")} routed, ${counted(presence.frames, "frame")} sent`,
    ],
    ...forwarded,
  ];
}
