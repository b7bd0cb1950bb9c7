/**
 * @module Human-readable text for the terminal client: times, room labels, message
 * lines and tables. Everything from the server goes through `sanitize.ts` here.
 */

import type { Member, Message, Room } from "../lib/protocol/types.ts";
import { sanitizeLine, sanitizeLines } from "./sanitize.ts";
import { displayWidth, padEnd } from "./width.ts";

function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** `HH:MM` in local time. */
export function formatClock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}`;
}

/** `YYYY-MM-DD HH:MM` in local time. */
export function formatDateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${formatClock(ms)}`;
}

/** "just now", "5 min ago", "3 h ago", "2 days ago". */
export function formatAgo(ms: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return "just now";
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  const days = Math.floor(s / 86_400);
  return days === 1 ? "1 day ago" : `${days} days ago`;
}

/** `1 member`, `2 members`. */
export function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}

/** How a room is named on screen: `#name` for rooms, `@user` for direct ones. */
export function roomLabel(room: Pick<Room, "name" | "kind" | "peer">): string {
  if (room.kind === "direct") return `@${sanitizeLine(room.peer?.username ?? room.name)}`;
  return `#${sanitizeLine(room.name)}`;
}

/**
 * A message as printed by `history` and `tail`: `2024-05-01 12:30 alice: text`,
 * continuation lines indented under the text.
 */
export function formatMessage(message: Message): string {
  const head = `${formatDateTime(message.createdAt)} ${sanitizeLine(message.username)}: `;
  const [first, ...rest] = sanitizeLines(message.text);
  const indent = " ".repeat(displayWidth(head));
  return [head + first, ...rest.map((line) => indent + line)].join("\n");
}

/** A member line of `who`: `alice  owner  online` or `… offline, seen 5 min ago`. */
export function formatPresence(member: Pick<Member, "online" | "lastSeenAt">, now = Date.now()) {
  if (member.online) return "online";
  return member.lastSeenAt ? `offline, seen ${formatAgo(member.lastSeenAt, now)}` : "offline";
}

/** Lays out rows in columns padded by display width; the last column is not padded. */
export function formatTable(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell)));
  }
  return rows.map((row) =>
    row.map((cell, i) => i === row.length - 1 ? cell : padEnd(cell, widths[i])).join("  ")
      .trimEnd()
  );
}
