/**
 * @module Draws the screen from the model: a title bar (room, topic, members), the
 * transcript (wrapped, scrollable, day separators, pending sends), a status bar
 * (user, connection, activity in other rooms, typing) and the input line. Pure:
 * answers styled rows and where the cursor goes. Every string from the server is
 * sanitized here, at the last moment before it reaches the terminal.
 */

import { formatClock, plural, roomLabel } from "../format.ts";
import { sanitizeLine, sanitizeLines } from "../sanitize.ts";
import { displayWidth, padEnd, truncate, wrap } from "../width.ts";
import { stripStyles, type Styler } from "./colors.ts";
import type { InputLine } from "./input_line.ts";
import type { Connection, Entry, Model, Outgoing } from "./model.ts";

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
  const m = entry.message;
  const name = nameFor(m.username, columns);
  const mine = m.userId === model.user?.id;
  const plain = `${formatClock(m.createdAt)} ${name}: `;
  const styled = `${s.dim}${formatClock(m.createdAt)}${s.reset} ${mine ? s.bold : ""}${
    s.user(m.username)
  }${name}${s.reset}: `;
  return itemRows({ plain, styled }, m.text, columns);
}

function pendingRows(out: Outgoing, model: Model, columns: number, s: Styler): string[] {
  const name = nameFor(model.user?.username ?? "me", columns);
  const state = model.connection === "open"
    ? "sending…"
    : model.connection === "ended" || model.connection === "logged-out"
    ? "queued until you log in"
    : "queued until reconnected";
  const plain = `--:-- ${name}: `;
  const styled = `${s.dim}--:--${s.reset} ${s.bold}${name}${s.reset}: `;
  const rows = itemRows({ plain, styled }, out.text, columns, s.dim, s.reset);
  const marker = `(${state})`;
  const last = stripStyles(rows[rows.length - 1]);
  if (displayWidth(last) + 1 + displayWidth(marker) <= columns) {
    rows[rows.length - 1] += ` ${s.dim}${marker}${s.reset}`;
  } else {
    const indent = Math.min(displayWidth(plain), Math.max(0, columns - displayWidth(marker)));
    rows.push(`${" ".repeat(indent)}${s.dim}${truncate(marker, columns - indent)}${s.reset}`);
  }
  return rows;
}

/**
 * The visible transcript rows, bottom-aligned. Only as many entries as needed are
 * laid out, from the newest back. Clamps `model.scroll` to what exists.
 */
function transcriptRows(model: Model, height: number, columns: number, s: Styler): string[] {
  const rows: string[] = [];
  for (const out of model.outbox) {
    if (out.roomId === model.current) rows.push(...pendingRows(out, model, columns, s));
  }
  const entries = model.entries;
  const want = height + model.scroll;
  let i = entries.length;
  while (i > 0 && rows.length < want) {
    const entry = entries[--i];
    const block = entryRows(entry, model, columns, s);
    if (entry.kind === "message") {
      // A day separator above the first message of each day.
      let j = i - 1;
      while (j >= 0 && entries[j].kind !== "message") j--;
      const prev = j >= 0 ? entries[j] : undefined;
      const day = dayOf(entry.message.createdAt);
      if (!prev || (prev.kind === "message" && dayOf(prev.message.createdAt) !== day)) {
        block.unshift(`${s.dim}${truncate(`──── ${day} ────`, columns)}${s.reset}`);
      }
    }
    rows.unshift(...block);
  }
  if (i === 0 && rows.length < want && model.view?.hasMore) {
    rows.unshift(
      `${s.dim}${truncate("──── older messages: /history or PgUp ────", columns)}${s.reset}`,
    );
  }
  model.scroll = Math.max(0, Math.min(model.scroll, rows.length - height));
  model.atTop = i === 0 && rows.length - model.scroll <= height;
  const end = rows.length - model.scroll;
  const visible = rows.slice(Math.max(0, end - height), end);
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

function titleText(model: Model): string {
  const view = model.view;
  if (!view) return ` deno-chat – ${model.server}`;
  const topic = view.room.topic ? ` – ${sanitizeLine(view.room.topic)}` : "";
  const members = [...view.members.values()];
  const online = members.filter((m) => m.online).length;
  const count = members.length ? ` (${plural(members.length, "member")}, ${online} online)` : "";
  const kind = view.room.kind === "private" ? " [private]" : "";
  return ` ${roomLabel(view.room)}${kind}${topic}${count}`;
}

/** Most important first, as a narrow terminal cuts the end: room, connection, activity. */
function statusText(model: Model, now: number): string {
  const view = model.view;
  const parts = [view ? roomLabel(view.room) : "(status)", CONNECTION_TEXT[model.connection]];
  const active = model.activity().map((v) => `${roomLabel(v.room)}(${v.unread})`);
  if (active.length) parts.push(`act: ${active.join(" ")}`);
  const typing = typingText(model.typers(model.current, now));
  if (typing) parts.push(typing);
  if (model.scroll > 0) parts.push("more below: PgDn");
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
  out.push(...transcriptRows(model, rows - 3, columns, s));
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
  const view = model.view;
  return view ? `[${roomLabel(view.room)}] ` : "[status] ";
}
