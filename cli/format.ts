/**
 * @module Human-readable text for the terminal client: times, room labels, message
 * lines and tables. Everything from the server goes through `sanitize.ts` here.
 */

import type {
  FileInfo,
  Member,
  Message,
  ReplyRef,
  Room,
  ThreadSummary,
} from "../lib/protocol/types.ts";
import { sanitizeLine, sanitizeLines } from "./sanitize.ts";
import { displayWidth, graphemes, padEnd, truncate } from "./width.ts";

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

const SIZE_UNITS = ["B", "KB", "MB", "GB", "TB"];

/**
 * A byte count for people, 1024-based: `512 B`, `1.2 KB`, `1 MB`, `34 MB` (one
 * decimal below 10 of a unit, none above, none when it is `.0`).
 */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "? B";
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  let shown = value < 10 ? value.toFixed(1) : String(Math.round(value));
  // 1023.7 KB rounds to "1024 KB": that is 1.0 MB.
  if (Number(shown) >= 1024 && unit < SIZE_UNITS.length - 1) {
    unit++;
    shown = (Number(shown) / 1024).toFixed(1);
  }
  return `${shown.replace(/\.0$/, "")} ${SIZE_UNITS[unit]}`;
}

/** How many columns of a file name a marker shows; longer ones are cut in the middle. */
export const FILE_NAME_SHOWN = 48;

/**
 * An untrusted file name made printable and at most `width` columns, cut in the
 * middle so that its end (the extension) stays: `a-very-lo…report.pdf`.
 */
export function shortFileName(name: string, width = FILE_NAME_SHOWN): string {
  const clean = sanitizeLine(name).trim() || "(no name)";
  if (displayWidth(clean) <= width) return clean;
  const cells = graphemes(clean);
  const tail: string[] = [];
  let used = 0;
  const keep = Math.min(16, Math.floor(width / 2));
  while (cells.length && used + displayWidth(cells[cells.length - 1]) <= keep) {
    const g = cells.pop()!;
    tail.unshift(g);
    used += displayWidth(g);
  }
  return truncate(cells.join(""), width - used) + tail.join("");
}

/**
 * The marker of a file after a message's text: `[file: report.pdf 1.2 MB REF]`,
 * where REF says how to get it (`id:…` in the scriptable mode, `/download 3` in
 * the interactive one); no REF for a message not stored yet. With `width`, the
 * name is cut shorter so that the marker fits in it.
 */
export function fileMarker(
  file: Pick<FileInfo, "name" | "size">,
  ref = "",
  width = Infinity,
): string {
  const tail = `${formatSize(file.size)}${ref ? ` ${ref}` : ""}]`;
  // In `width` columns when it can be, the name cut to what is left (at least 6).
  const room = Math.max(6, Math.min(FILE_NAME_SHOWN, width - displayWidth(`[file:  ${tail}`)));
  return `[file: ${shortFileName(file.name, room)} ${tail}`;
}

/** The markers of a message's files, with their ids (what `chat download` takes). */
export function fileMarkers(message: Message): string {
  if (message.deleted) return "";
  return (message.files ?? []).map((f) => fileMarker(f, `id:${sanitizeLine(f.id)}`)).join(" ");
}

/** How a room is named on screen: `#name` for rooms, `@user` for direct ones. */
export function roomLabel(room: Pick<Room, "name" | "kind" | "peer">): string {
  if (room.kind === "direct") return `@${sanitizeLine(room.peer?.username ?? room.name)}`;
  return `#${sanitizeLine(room.name)}`;
}

/** What a deleted message shows instead of its text. */
export const DELETED_TEXT = "message deleted";

/** One reaction as shown after a message: `👍 2`, with `*` when I am among them. */
export interface ReactionChip {
  text: string;
  mine: boolean;
}

/** The reactions of a message, in the order they were first used. */
export function reactionChips(message: Message, me?: string): ReactionChip[] {
  if (message.deleted) return [];
  return (message.reactions ?? []).filter((r) => r.count > 0).map((r) => {
    const mine = me !== undefined && r.users.includes(me);
    return { text: `${sanitizeLine(r.emoji)} ${r.count}${mine ? "*" : ""}`, mine };
  });
}

/** `[👍 2* ❤️ 1]`, or "" without reactions. */
export function reactionsText(message: Message, me?: string): string {
  const chips = reactionChips(message, me);
  return chips.length ? `[${chips.map((c) => c.text).join(" ")}]` : "";
}

/** `1 reply`, `3 replies`. */
export function repliesText(n: number): string {
  return n === 1 ? "1 reply" : `${n} replies`;
}

/**
 * A thread root's summary: `3 replies, last 14:02`, with `, 2 new` when some are
 * unread.
 */
export function threadSummary(thread: ThreadSummary, unread = 0): string {
  const fresh = unread > 0 ? `, ${unread} new` : "";
  return `${repliesText(thread.count)}${fresh}, last ${formatClock(thread.lastAt)}`;
}

/** Where a message stands in a thread: `[thread: 3 replies, last 14:02]`, `(in thread #12)`. */
export function threadMarker(message: Message): string {
  if (message.threadRoot !== undefined) return `(in thread #${message.threadRoot})`;
  if (message.thread && message.thread.count > 0) {
    return `[thread: ${threadSummary(message.thread)}]`;
  }
  return "";
}

/** What follows a message's text: its files, `(edited)`, the reactions, its thread. */
export function messageSuffix(message: Message, me?: string): string {
  const thread = threadMarker(message);
  if (message.deleted) return thread;
  const parts = [
    fileMarkers(message),
    message.editedAt ? "(edited)" : "",
    reactionsText(message, me),
    thread,
  ];
  return parts.filter(Boolean).join(" ");
}

/**
 * The line above a reply: `↪ alice: the first words of what it answers`, cut to
 * `width` columns (the excerpt on one line, sanitized).
 */
export function replyLine(ref: ReplyRef, width = Infinity): string {
  const excerpt = ref.deleted ? DELETED_TEXT : sanitizeLine(ref.excerpt).trim();
  const line = `↪ ${sanitizeLine(ref.username)}: ${excerpt}`;
  return Number.isFinite(width) ? truncate(line, Math.max(1, width)) : line;
}

/** Text lines with a suffix after the last one. */
function withSuffix(lines: string[], suffix: string): string[] {
  if (!suffix) return lines;
  const out = [...lines];
  out[out.length - 1] = out[out.length - 1] ? `${out[out.length - 1]} ${suffix}` : suffix;
  return out;
}

export interface FormatOptions {
  /** My user id: my reactions are marked with `*`. */
  me?: string;
  /** Columns of the terminal, to cut the reply line to (default: not cut). */
  width?: number;
  /** The room's label, shown before the seq (lines from several rooms). */
  room?: string;
}

/**
 * A message as printed by `history` and `tail`: `2024-05-01 12:30 #7 alice: text`
 * (`… #General #7 alice: …` with `room`), continuation lines indented under the
 * text, then its files (`[file: report.pdf 1.2 MB id:…]`), `(edited)`, the
 * reactions and its thread (`[thread: 2 replies, last 14:02]`, `(in thread #7)`);
 * a reply has a `↪ bob: excerpt` line above it, a deleted message says so.
 */
export function formatMessage(message: Message, options: FormatOptions = {}): string {
  const room = options.room ? `${options.room} ` : "";
  const head = `${formatDateTime(message.createdAt)} ${room}#${message.seq} ${
    sanitizeLine(message.username)
  }: `;
  const indent = " ".repeat(displayWidth(head));
  if (message.deleted) {
    const thread = threadMarker(message);
    return `${head}(${DELETED_TEXT})${thread ? ` ${thread}` : ""}`;
  }
  const [first, ...rest] = withSuffix(
    sanitizeLines(message.text),
    messageSuffix(message, options.me),
  );
  const lines = [head + first, ...rest.map((line) => indent + line)];
  if (message.replyTo) {
    lines.unshift(indent + replyLine(message.replyTo, (options.width ?? Infinity) - indent.length));
  }
  return lines.join("\n");
}

/** What changed between two states of a message (a `tail --follow` update). */
export type ChangeKind = "edited" | "deleted" | "reactions" | "changed";

function sameReactions(a: Message, b: Message): boolean {
  const key = (m: Message) =>
    JSON.stringify((m.reactions ?? []).map((r) => [r.emoji, r.count, r.users]));
  return key(a) === key(b);
}

/**
 * The changes from `before` to `after`, most telling first; `[]` when nothing
 * shown changed (a thread summary). When the state before is not known: an edit
 * if the text was edited after `since` (when the caller has seen every change
 * since then, that edit is this one), nothing when its thread had a reply since
 * (the summary is what changed, most likely: every reply changes it), else
 * `["changed"]`.
 */
export function changeKinds(
  before: Message | undefined,
  after: Message,
  since?: number,
): ChangeKind[] {
  if (after.deleted) return before?.deleted ? [] : ["deleted"];
  if (!before) {
    const editedSince = since !== undefined && (after.editedAt ?? -Infinity) >= since;
    if (editedSince) return ["edited"];
    const repliedSince = since !== undefined && (after.thread?.lastAt ?? -Infinity) >= since;
    return repliedSince ? [] : ["changed"];
  }
  const kinds: ChangeKind[] = [];
  if (after.text !== before.text || after.editedAt !== before.editedAt) kinds.push("edited");
  if (!sameReactions(before, after)) kinds.push("reactions");
  return kinds;
}

/**
 * The text lines of an update `tail --follow` prints, one per kind of change:
 * `~ 14:02 bob edited #12: new text`, `~ 14:02 deleted #12 from bob`,
 * `~ 14:02 reactions on #12 from bob: [👍 2]`.
 */
export function formatUpdate(
  before: Message | undefined,
  after: Message,
  options: { me?: string; now?: number; since?: number } = {},
): string[] {
  const now = options.now ?? Date.now();
  const name = sanitizeLine(after.username);
  const out: string[] = [];
  const textLines = (head: string, suffix: string) => {
    const indent = " ".repeat(displayWidth(head));
    const [first, ...rest] = withSuffix(sanitizeLines(after.text), suffix);
    return [head + first, ...rest.map((line) => indent + line)].join("\n");
  };
  for (const kind of changeKinds(before, after, options.since)) {
    switch (kind) {
      case "edited":
        out.push(
          textLines(`~ ${formatClock(after.editedAt ?? now)} ${name} edited #${after.seq}: `, ""),
        );
        break;
      case "deleted":
        out.push(`~ ${formatClock(after.deletedAt ?? now)} deleted #${after.seq} from ${name}`);
        break;
      case "reactions":
        out.push(
          `~ ${formatClock(now)} reactions on #${after.seq} from ${name}: ${
            reactionsText(after, options.me) || "none"
          }`,
        );
        break;
      case "changed":
        out.push(
          textLines(
            `~ ${formatClock(now)} changed #${after.seq} from ${name}: `,
            messageSuffix(after, options.me),
          ),
        );
        break;
    }
  }
  return out;
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
