/**
 * @module Draws the screen from the model: a title bar (room, topic, members), the
 * transcript (wrapped, scrollable, day separators, pending sends; messages in their
 * current state: `↪` reply lines, `(edited)`, reactions, deletes, and `~` markers
 * reprinting a message that changed off screen), a status bar (user, connection,
 * activity in other rooms, typing) and the input line. Pure: answers styled rows
 * and where the cursor goes (and notes in the model what is on screen). Every
 * string from the server is sanitized here, at the last moment before it reaches
 * the terminal.
 */

import type { FileInfo, Message, ReplyRef } from "../../lib/protocol/types.ts";
import {
  DELETED_TEXT,
  fileMarker,
  formatClock,
  plural,
  reactionChips,
  repliesText,
  replyLine,
  roomLabel,
  threadSummary,
} from "../format.ts";
import { mentionsMe } from "../mentions.ts";
import { compactProgress } from "../progress.ts";
import { sanitizeLine, sanitizeLines } from "../sanitize.ts";
import { displayWidth, padEnd, truncate, wrap } from "../width.ts";
import { stripStyles, type Styler } from "./colors.ts";
import type { InputLine } from "./input_line.ts";
import type { Connection, Entry, Model, Outgoing, RoomView } from "./model.ts";
import { searchRows, searchTitle } from "./search_view.ts";

export interface Size {
  columns: number;
  rows: number;
}

export interface InputView {
  prompt: string;
  line: InputLine;
  /** A password: nothing of it is shown. */
  hidden?: boolean;
}

export interface Frame {
  rows: string[];
  cursor: { row: number; column: number };
}

const CONNECTION_TEXT: Record<Connection, string> = {
  "logged-out": "not logged in",
  connecting: "connecting…",
  open: "online",
  reconnecting: "offline – reconnecting…",
  closed: "disconnected",
  ended: "session ended – /login",
};

function dayOf(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${
    String(d.getDate()).padStart(2, "0")
  }`;
}

function bar(text: string, columns: number, s: Styler): string {
  return `${s.reverse}${padEnd(truncate(text, columns), columns)}${s.reset}`;
}

/** The rows of one transcript item: a head on the first row, the text wrapped under it. */
function itemRows(
  head: { plain: string; styled: string },
  text: string,
  columns: number,
  style = "",
  reset = "",
): string[] {
  const indent = displayWidth(head.plain);
  const width = Math.max(8, columns - indent);
  const rows: string[] = [];
  for (const line of sanitizeLines(text)) {
    for (const chunk of wrap(line, width)) {
      const lead = rows.length ? " ".repeat(indent) : head.styled;
      rows.push(`${lead}${style}${chunk}${reset}`);
    }
  }
  return rows;
}

function nameFor(name: string, columns: number): string {
  return truncate(sanitizeLine(name), Math.max(4, Math.floor(columns / 2) - 8));
}

/** Something shown after a message's text: `(edited)`, a reaction chip. */
interface Token {
  plain: string;
  styled: string;
}

/** Adds tokens after the last row, wrapping to new rows (at `indent`) as needed. */
function appendTokens(rows: string[], tokens: Token[], indent: number, columns: number): void {
  for (const token of tokens) {
    const width = displayWidth(token.plain);
    const row = stripStyles(rows[rows.length - 1]);
    // After a head with no text (a message of files only) the space is there already.
    const gap = row.endsWith(" ") ? 0 : 1;
    const last = displayWidth(row);
    if (last + gap + width <= columns) {
      rows[rows.length - 1] += `${gap ? " " : ""}${token.styled}`;
    } else {
      const at = Math.min(indent, Math.max(0, columns - width));
      rows.push(
        `${" ".repeat(at)}${width > columns ? truncate(token.plain, columns) : token.styled}`,
      );
    }
  }
}

/**
 * The command that saves file `index` of message `seq`: `/download 3`, or
 * `/download 3 2` when the message has several files.
 */
export function downloadRef(seq: number, index: number, count: number): string {
  return count > 1 ? `/download ${seq} ${index + 1}` : `/download ${seq}`;
}

/** `[file: report.pdf 1.2 MB /download 3]` for each file (no command while not stored). */
function fileTokens(
  files: FileInfo[],
  seq: number | undefined,
  s: Styler,
  width: number,
): Token[] {
  return files.map((file, i) => {
    const ref = seq === undefined ? "" : downloadRef(seq, i, files.length);
    const plain = fileMarker(file, ref, width);
    return { plain, styled: `${s.cyan}${plain}${s.reset}` };
  });
}

/** Its files, `(edited)` and the reactions (`[👍 2* ❤️ 1]`, mine in bold) of a message. */
function suffixTokens(m: Message, model: Model, s: Styler, width: number): Token[] {
  const tokens: Token[] = fileTokens(m.files ?? [], m.seq, s, width);
  if (m.editedAt) tokens.push({ plain: "(edited)", styled: `${s.dim}(edited)${s.reset}` });
  // A reply also sent to the room, seen in the room: where its thread is.
  if (m.threadRoot !== undefined && !model.threadOf(m.roomId)) {
    const plain = `(in thread #${m.threadRoot})`;
    tokens.push({ plain, styled: `${s.dim}${plain}${s.reset}` });
  }
  const chips = reactionChips(m, model.user?.id);
  chips.forEach((chip, i) => {
    const open = i === 0 ? "[" : "";
    const close = i === chips.length - 1 ? "]" : "";
    const text = chip.mine ? `${s.bold}${chip.text}${s.reset}` : chip.text;
    tokens.push({ plain: `${open}${chip.text}${close}`, styled: `${open}${text}${close}` });
  });
  return tokens;
}

/**
 * The rows of a message in its current state. `marker`: reprinted because it
 * changed off screen (`~` before the time, no reply line).
 */
function messageRows(
  m: Message,
  model: Model,
  columns: number,
  s: Styler,
  marker = false,
): string[] {
  // The display name of now (not of when it was sent): see the rule in people.ts.
  const name = nameFor(model.nameIn(m.roomId, { id: m.userId, username: m.username }), columns);
  const mine = m.userId === model.user?.id;
  const clock = formatClock(m.createdAt);
  // The message a search jumped to: `>` and its head in reverse video.
  const marked = !marker && model.mark?.roomId === m.roomId && model.mark.seq === m.seq;
  const lead = marker
    ? { plain: "~ ", styled: `${s.yellow}~${s.reset} ` }
    : marked
    ? { plain: "> ", styled: `${s.reverse}>${s.reset} ` }
    : { plain: "", styled: "" };
  const plain = `${lead.plain}${clock} ${name}: `;
  const styled = marked
    ? `${lead.styled}${s.reverse}${clock} ${name}${s.reset}: `
    : `${lead.styled}${s.dim}${clock}${s.reset} ${mine ? s.bold : ""}${
      s.user(m.username)
    }${name}${s.reset}: `;
  const indent = displayWidth(plain);
  const summary = marker ? undefined : summaryRow(m, model, indent, columns, s);
  if (m.deleted) {
    const rows = itemRows({ plain, styled }, DELETED_TEXT, columns, s.dim, s.reset);
    return summary ? [...rows, summary] : rows;
  }
  const mention = mentionsMe(m, model.user?.id);
  const rows = mention
    ? itemRows({ plain, styled }, m.text, columns, s.mention, s.reset)
    : itemRows({ plain, styled }, m.text, columns);
  appendTokens(rows, suffixTokens(m, model, s, columns - indent), indent, columns);
  const quote = marker ? undefined : model.quoteOf(m);
  if (quote) rows.unshift(replyRow(quote, indent, columns, s));
  if (summary) rows.push(summary);
  return rows;
}

/**
 * Under a thread's root in the room: `└ 3 replies, 1 new, last 14:02 (/thread 12)`;
 * in the thread itself, a rule between the root and its replies.
 */
function summaryRow(
  m: Message,
  model: Model,
  indent: number,
  columns: number,
  s: Styler,
): string | undefined {
  const thread = model.threadOf(m.roomId);
  if (thread) {
    if (m.seq !== thread.root) return undefined;
    const count = m.thread?.count ?? 0;
    const text = count ? `──── ${repliesText(count)} ────` : "──── no replies yet: type one ────";
    return `${s.dim}${truncate(text, columns)}${s.reset}`;
  }
  if (!m.thread?.count || m.threadRoot !== undefined) return undefined;
  const unread = model.rooms.get(m.roomId)?.threadUnread.get(m.seq) ?? 0;
  const at = Math.min(indent, Math.max(0, columns - 16));
  const text = `└ ${threadSummary(m.thread, unread)} (/thread ${m.seq})`;
  const style = unread ? s.bold : s.dim;
  return `${" ".repeat(at)}${style}${truncate(text, columns - at)}${s.reset}`;
}

/** The dim `↪ alice: excerpt` row above a reply, under-indented as its text. */
function replyRow(ref: ReplyRef, indent: number, columns: number, s: Styler): string {
  const at = Math.min(indent, Math.max(0, columns - 12));
  return `${" ".repeat(at)}${s.dim}${replyLine(ref, columns - at)}${s.reset}`;
}

function entryRows(entry: Entry, model: Model, columns: number, s: Styler): string[] {
  if (entry.kind === "notice") {
    const color = entry.level === "error" ? s.red : s.yellow;
    const plain = `${formatClock(entry.at)} -!- `;
    const styled = `${s.dim}${formatClock(entry.at)}${s.reset} ${color}-!-${s.reset} `;
    return itemRows(
      { plain, styled },
      entry.text,
      columns,
      entry.level === "error" ? s.red : "",
      s.reset,
    );
  }
  const m = model.messageOf(entry);
  return m ? messageRows(m, model, columns, s, entry.kind === "change") : [];
}

function pendingRows(out: Outgoing, model: Model, columns: number, s: Styler): string[] {
  const name = nameFor(model.user ? model.nameIn(out.roomId, model.user) : "me", columns);
  const state = model.connection === "open"
    ? "sending…"
    : model.connection === "ended" || model.connection === "logged-out"
    ? "queued until you log in"
    : "queued until reconnected";
  const plain = `--:-- ${name}: `;
  const styled = `${s.dim}--:--${s.reset} ${s.bold}${name}${s.reset}: `;
  const rows = itemRows({ plain, styled }, out.text, columns, s.dim, s.reset);
  const marker = `(${state})`;
  appendTokens(
    rows,
    [
      ...fileTokens(out.files ?? [], undefined, s, columns - displayWidth(plain)),
      { plain: marker, styled: `${s.dim}${marker}${s.reset}` },
    ],
    displayWidth(plain),
    columns,
  );
  const original = out.replyTo ? model.rooms.get(out.roomId)?.timeline.get(out.replyTo) : undefined;
  if (original) {
    const ref = {
      seq: original.seq,
      userId: original.userId,
      username: original.username,
      excerpt: original.text,
      ...(original.deleted ? { deleted: true as const } : {}),
    };
    rows.unshift(replyRow(ref, displayWidth(plain), columns, s));
  }
  return rows;
}

/**
 * The visible transcript rows, bottom-aligned. Only as many entries as needed are
 * laid out, from the newest back. Clamps `model.scroll` to what exists, and notes
 * which messages are on screen (`model.onScreen`).
 */
function transcriptRows(model: Model, height: number, columns: number, s: Styler): string[] {
  const roomId = model.current;
  const bottom: string[] = [];
  for (const out of model.outbox) {
    if (model.shows(out)) bottom.push(...pendingRows(out, model, columns, s));
  }
  const entries = model.entries;
  const want = height + model.scroll;
  // A message to scroll to: laid out however far back it is (it is held).
  const reveal = model.reveal?.roomId === roomId ? model.reveal.seq : undefined;
  model.reveal = undefined;
  let revealAt: { end: number; size: number } | undefined;
  /** Newest first. */
  const blocks: Array<{ rows: string[]; seq?: number }> = [];
  let count = bottom.length;
  let i = entries.length;
  // Past it too: a screen of rows above it, for it to be in the middle.
  const laidOut = () => reveal === undefined || (revealAt && count >= revealAt.end + height);
  while (i > 0 && (count < want || !laidOut())) {
    const entry = entries[--i];
    const block = entryRows(entry, model, columns, s);
    const message = entry.kind === "message" ? model.messageOf(entry) : undefined;
    if (message) {
      // A day separator above the first message of each day.
      let j = i - 1;
      while (j >= 0 && entries[j].kind !== "message") j--;
      const prev = j >= 0 ? model.messageOf(entries[j]) : undefined;
      const day = dayOf(message.createdAt);
      if (!prev || dayOf(prev.createdAt) !== day) {
        block.unshift(`${s.dim}${truncate(`──── ${day} ────`, columns)}${s.reset}`);
      }
    }
    blocks.push({ rows: block, seq: entry.kind === "notice" ? undefined : entry.seq });
    if (entry.kind === "message" && entry.seq === reveal) {
      // Rows below it so far (from the bottom), and its own.
      revealAt = { end: count, size: block.length };
    }
    count += block.length;
  }
  const top: string[] = [];
  if (i === 0 && count < want && !model.threadOf(roomId) && model.view?.hasMore) {
    top.push(
      `${s.dim}${truncate("──── older messages: /history or PgUp ────", columns)}${s.reset}`,
    );
  }
  const rows = [...top, ...blocks.toReversed().flatMap((b) => b.rows), ...bottom];
  if (revealAt) {
    // The message in the middle of the screen (its top on screen when it is tall).
    const below = Math.floor(Math.max(0, height - revealAt.size) / 2);
    model.scroll = Math.max(0, revealAt.end - below);
  }
  model.scroll = Math.max(0, Math.min(model.scroll, rows.length - height));
  model.atTop = i === 0 && rows.length - model.scroll <= height;
  const end = rows.length - model.scroll;
  const start = Math.max(0, end - height);
  const onScreen = new Set<number>();
  let blockEnd = rows.length - bottom.length;
  for (const block of blocks) {
    const blockStart = blockEnd - block.rows.length;
    if (block.seq !== undefined && blockEnd > start && blockStart < end) onScreen.add(block.seq);
    blockEnd = blockStart;
  }
  model.onScreen = { roomId, seqs: onScreen };
  const visible = rows.slice(start, end);
  while (visible.length < height) visible.unshift("");
  return visible;
}

function typingText(names: string[]): string {
  const shown = names.map(sanitizeLine);
  if (shown.length === 0) return "";
  if (shown.length === 1) return `${shown[0]} is typing…`;
  if (shown.length === 2) return `${shown[0]} and ${shown[1]} are typing…`;
  return `${shown.length} people are typing…`;
}

/** `[muted]`, `[notify: mentions]`: my settings of the room, when not the usual. */
function prefsText(view: RoomView): string {
  const prefs = view.prefs;
  if (!prefs) return "";
  const muted = prefs.muted ? " [muted]" : "";
  const notify = prefs.notify !== "all" ? ` [notify: ${prefs.notify}]` : "";
  return muted + notify;
}

function titleText(model: Model): string {
  if (model.search) return searchTitle(model.search);
  const view = model.view;
  if (!view) return ` deno-chat – ${model.server}`;
  const thread = model.threadOf(view.room.id);
  if (thread) {
    const root = thread.rootMessage;
    const by = root
      ? ` by ${
        sanitizeLine(model.nameIn(root.roomId, { id: root.userId, username: root.username }))
      }`
      : "";
    const replies = root ? repliesText(root.thread?.count ?? 0) : "loading…";
    const label = roomLabel(view.room);
    return ` ${label} › thread #${thread.root}${by} (${replies}) – /back to the room`;
  }
  const topic = view.room.topic ? ` – ${sanitizeLine(view.room.topic)}` : "";
  const members = [...view.members.values()];
  const online = members.filter((m) => m.online).length;
  const count = members.length ? ` (${plural(members.length, "member")}, ${online} online)` : "";
  const kind = view.room.kind === "private" ? " [private]" : "";
  return ` ${roomLabel(view.room)}${kind}${prefsText(view)}${topic}${count}`;
}

/**
 * A room in the activity list: `#dev(3)` unread, `#dev(3(1!))` of which one
 * mentions me, `@bob(2!)` when all of them do (a direct room, or a muted one
 * that counts only mentions).
 */
export function activityText(view: RoomView): string {
  const { unread, mentions } = view;
  const count = mentions >= unread
    ? `${mentions}!`
    : mentions
    ? `${unread}(${mentions}!)`
    : `${unread}`;
  return `${roomLabel(view.room)}(${count})`;
}

/** Most important first, as a narrow terminal cuts the end: room, connection, activity. */
function statusText(model: Model, now: number): string {
  const view = model.view;
  const thread = view && model.threadOf(view.room.id);
  const here = model.search
    ? "(search)"
    : view
    ? `${roomLabel(view.room)}${thread ? ` › #${thread.root}` : ""}`
    : "(status)";
  const parts = [here, CONNECTION_TEXT[model.connection]];
  for (const t of model.transfers.slice(0, 2)) {
    parts.push(compactProgress({ ...t, elapsedMs: now - t.startedAt }));
  }
  if (model.transfers.length > 2) parts.push(`+${model.transfers.length - 2} more`);
  const active = model.activity().map(activityText);
  if (active.length) parts.push(`act: ${active.join(" ")}`);
  const typers = model.typers(model.current, now);
  const typing = typingText(typers.map((username) => model.nameIn(model.current, { username })));
  if (typing) parts.push(typing);
  if (model.scroll > 0 && !model.search) parts.push("more below: PgDn");
  const host = model.server.replace(/^https?:\/\//, "");
  parts.push(model.user ? `${sanitizeLine(model.user.username)}@${host}` : host);
  return ` ${parts.join(" │ ")}`;
}

/** The whole screen. */
export function renderFrame(
  model: Model,
  input: InputView,
  options: { size: Size; styler: Styler; now?: number },
): Frame {
  const { size, styler: s, now = Date.now() } = options;
  const { columns, rows } = size;
  if (rows < 5 || columns < 20) {
    const rowsOut = Array.from(
      { length: rows },
      (_, i) => i === 0 ? truncate("Too small", columns) : "",
    );
    return { rows: rowsOut, cursor: { row: 0, column: 0 } };
  }
  const out: string[] = [];
  out.push(bar(titleText(model), columns, s));
  out.push(
    ...model.search
      ? searchRows(model.search, rows - 3, columns, s)
      : transcriptRows(model, rows - 3, columns, s),
  );
  out.push(bar(statusText(model, now), columns, s));
  const prompt = truncate(input.prompt, Math.floor(columns / 2));
  const promptWidth = displayWidth(prompt);
  const typed = input.line.render(columns - promptWidth, { hidden: input.hidden });
  out.push(`${s.bold}${prompt}${s.reset}${typed.text}`);
  return {
    rows: out,
    cursor: { row: rows - 1, column: Math.min(columns - 1, promptWidth + typed.cursor) },
  };
}

/** The prompt before the input line. */
export function promptFor(model: Model): string {
  if (model.search) return "[search] ";
  const view = model.view;
  if (!view) return "[status] ";
  const thread = model.threadOf(view.room.id);
  return thread ? `[${roomLabel(view.room)} › #${thread.root}] ` : `[${roomLabel(view.room)}] `;
}
