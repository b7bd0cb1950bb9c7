/**
 * @module The commands of the interactive mode (`/join ROOM`, `/who`, `/thread 12`,
 * `/mute`, …): parsing a line into a command and its arguments, and running it
 * against the session. Their output goes to the transcript as notices.
 */

import { inviteNotice } from "../../lib/client/notices.ts";
import { parseEmoji } from "../emoji.ts";
import { ChatError } from "../../lib/errors.ts";
import type { NotifyLevel, Room, RoomSettings } from "../../lib/protocol/types.ts";
import { parseSeq } from "../args.ts";
import type { ClientSettings } from "../config.ts";
import {
  validatePassword,
  validateRoomName,
  validateUsername,
} from "../../lib/protocol/validate.ts";
import { formatClock, formatPresence, formatTable, plural, roomLabel } from "../format.ts";
import { truncate } from "../width.ts";
import { ambiguousRoom, matchRooms, resolveRoom } from "../resolve_room.ts";
import { sanitizeLine } from "../sanitize.ts";
import { sortMembers } from "../commands/rooms.ts";
import { ADMIN_COMMANDS } from "./admin_commands.ts";
import { expandHome, parseDownloadArgs, splitPathArg } from "./file_actions.ts";
import { fullName } from "./people.ts";
import type { ChatSession } from "./session.ts";
import { checked, needLogin, notice } from "./_slash_helpers.ts";

export interface SlashContext {
  session: ChatSession;
  /** Asks a question on the input line; undefined when cancelled (Esc, Ctrl-C). */
  ask(question: string, options?: { hidden?: boolean }): Promise<string | undefined>;
  /** Puts text on the input line, to be edited and sent. */
  setInput(text: string): void;
  /** The preferences of this client (`/set`), and saving a change to them. */
  prefs: { get(): ClientSettings; set(change: Partial<ClientSettings>): Promise<void> };
  quit(): void;
}

export interface SlashCommand {
  usage: string;
  summary: string;
  /** Arguments required (default none). */
  min?: number;
  /** `raw`: what follows the command name, as typed (spaces and new lines kept). */
  run(args: string[], ctx: SlashContext, raw: string): Promise<void> | void;
}

export interface ParsedSlash {
  name: string;
  args: string[];
}

/** `/join  Book club ` → `{ name: "join", args: ["Book", "club"] }`. */
export function parseSlash(line: string): ParsedSlash {
  const [head, ...args] = line.trim().slice(1).split(/\s+/).filter(Boolean);
  return { name: (head ?? "").toLowerCase(), args };
}

/** What follows the command name of a line, as typed: `/edit  2 a  b` → `2 a  b`. */
export function restOf(line: string): string {
  return line.replace(/^\s*\/\S*[ \t]*/, "");
}

/**
 * A leading count, as `/edit 2 text` and `/reply 3 text` take: `{ n: 2, text }`;
 * without one, n is 1 (the latest) and the text is all of it.
 */
export function splitCount(raw: string): { n: number; text: string } {
  const match = /^(\d{1,6})(?:[ \t\n]+|$)([\s\S]*)$/.exec(raw);
  if (!match || Number(match[1]) < 1) return { n: 1, text: raw };
  return { n: Number(match[1]), text: match[2] };
}

/**
 * The arguments of `/react [N] EMOJI`: a leading `-` (or `/unreact`) removes it.
 * Answers the count, the emoji as typed, and whether it is added.
 */
export function parseReactArgs(
  args: string[],
  on = true,
): { n: number; emoji: string; on: boolean } {
  const counted = args.length >= 2 && /^\d{1,6}$/.test(args[0]) && Number(args[0]) >= 1;
  const n = counted ? Number(args[0]) : 1;
  let emoji = (counted ? args[1] : args[0]) ?? "";
  if (emoji.length > 1 && emoji.startsWith("-")) {
    emoji = emoji.slice(1);
    on = false;
  }
  if (args.length > (counted ? 2 : 1)) {
    throw new ChatError("bad_request", "One emoji at a time: /react [N] EMOJI");
  }
  return { n, emoji, on };
}

/** A short quote of a message, for a question on the input line. */
function quote(text: string): string {
  return `“${truncate(sanitizeLine(text), 20)}”`;
}

async function authenticate(args: string[], ctx: SlashContext, register: boolean) {
  const name = args[0] ?? await ctx.ask("Username: ");
  if (name === undefined) return;
  const username = checked(() => validateUsername(name));
  const password = await ctx.ask(`Password for ${username}: `, { hidden: true });
  if (password === undefined) return notice(ctx, "Cancelled");
  if (register) {
    checked(() => validatePassword(password));
    const again = await ctx.ask("Repeat the password: ", { hidden: true });
    if (again === undefined) return notice(ctx, "Cancelled");
    if (again !== password) throw new ChatError("bad_request", "The passwords do not match");
  }
  await ctx.session.login(username, password, { register });
}

/** A room by id or name among mine and my invites, else as `resolveRoom` finds it. */
async function findRoom(ctx: SlashContext, arg: string): Promise<{ id: string; room?: Room }> {
  const model = ctx.session.model;
  const mine = matchRooms([...model.rooms.values()].map((v) => v.room), arg);
  if (mine.length === 1) return mine[0];
  const invited = matchRooms([...model.invites.values()], arg);
  if (invited.length === 1) return invited[0];
  return await resolveRoom(ctx.session.api, arg);
}

async function join(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const arg = args.join(" ");
  const model = ctx.session.model;
  const found = await findRoom(ctx, arg);
  if (model.rooms.has(found.id)) return await ctx.session.open(found.id);
  const room = found.room?.kind === "direct" ? found.room : await ctx.session.api.join(found.id);
  await ctx.session.enter(room);
  notice(ctx, `Joined ${roomLabel(room)}`);
}

async function who(_args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const view = ctx.session.model.view;
  if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
  const { room, members } = await ctx.session.api.room(view.room.id);
  ctx.session.model.setMembers(room.id, members);
  const online = members.filter((m) => m.online).length;
  notice(ctx, `${roomLabel(room)}: ${plural(members.length, "member")}, ${online} online`);
  const now = Date.now();
  // The member list names everyone fully: `Alice (@alice)` (the rule: people.ts).
  const rows = sortMembers(members).map((m) => [
    fullName(m),
    m.role,
    formatPresence(m, now),
  ]);
  for (const line of formatTable(rows)) notice(ctx, `  ${line}`);
}

/** My rooms, numbered as Alt-1…9 reaches them, with unread counts as the server has them. */
async function listRooms(_args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const model = ctx.session.model;
  const fresh = new Map((await ctx.session.api.rooms()).map((r) => [r.id, r]));
  const ids = model.order.filter((id) => fresh.has(id));
  for (const id of fresh.keys()) if (!ids.includes(id)) ids.push(id);
  if (!ids.length) return notice(ctx, "You are in no room: /directory, /join ROOM, /create NAME");
  notice(ctx, `Your rooms (${ids.length}), Ctrl-N/Ctrl-P or Alt-1…9 to switch:`);
  const rows = ids.map((id, i) => {
    const r = fresh.get(id)!;
    const unread = id === model.current
      ? "(on screen)"
      : model.rooms.get(id)?.unread || r.unread
      ? `${model.rooms.get(id)?.unread || r.unread} unread`
      : "";
    return [`${i + 1}.`, roomLabel(r), r.kind, unread];
  });
  for (const line of formatTable(rows)) notice(ctx, `  ${line}`);
}

async function directory(_args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const rooms = await ctx.session.api.directory();
  ctx.session.model.directory = rooms.map((r) => r.name);
  if (!rooms.length) return notice(ctx, "No public rooms yet: /create NAME");
  notice(ctx, `Public rooms (${rooms.length}), /join NAME to enter:`);
  const rows = rooms.map((r) => [
    roomLabel(r),
    plural(r.memberCount, "member"),
    r.joined ? "joined" : "",
    sanitizeLine(r.topic ?? ""),
  ]);
  for (const line of formatTable(rows)) notice(ctx, `  ${line}`);
}

async function create(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const isPrivate = args.includes("--private");
  const name = checked(() => validateRoomName(args.filter((a) => a !== "--private").join(" ")));
  const room = await ctx.session.api.createRoom(name, { kind: isPrivate ? "private" : "public" });
  await ctx.session.enter(room);
  notice(ctx, `Created ${roomLabel(room)} (${room.kind})`);
}

async function dm(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const username = checked(() => validateUsername(args[0]?.replace(/^@/, "")));
  const room = await ctx.session.api.dm(username);
  await ctx.session.enter(room);
}

async function invite(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const view = ctx.session.model.view;
  if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
  const username = checked(() => validateUsername(args[0]?.replace(/^@/, "")));
  const invited = await ctx.session.api.invite(view.room.id, username);
  notice(ctx, sanitizeLine(inviteNotice(invited, roomLabel(view.room))));
}

/** `/edit [N] TEXT`; without TEXT, the message goes on the input line to be edited. */
async function edit(_args: string[], ctx: SlashContext, raw: string): Promise<void> {
  needLogin(ctx);
  const { n, text } = splitCount(raw);
  const message = ctx.session.actions.pick(n, { mine: true });
  if (!text.trim()) {
    // The count is kept when it is needed to read the line back the same way.
    const count = n > 1 || splitCount(message.text).text !== message.text ? `${n} ` : "";
    ctx.setInput(`/edit ${count}${message.text}`);
    return;
  }
  if (text.trimEnd() === message.text) return notice(ctx, "Nothing to change: same text");
  await ctx.session.actions.edit(message, text);
}

async function remove(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const { n, text } = splitCount(args.join(" "));
  if (text) throw new ChatError("bad_request", "Usage: /delete [N]");
  const message = ctx.session.actions.pick(n, { mine: true });
  const answer = await ctx.ask(`Delete ${quote(message.text)}? (y/N) `);
  if (!answer || !/^y(es)?$/i.test(answer.trim())) return notice(ctx, "Not deleted");
  await ctx.session.actions.deleteMessage(message);
}

async function react(args: string[], ctx: SlashContext, on = true): Promise<void> {
  needLogin(ctx);
  const parsed = parseReactArgs(args, on);
  const emoji = parseEmoji(parsed.emoji);
  await ctx.session.actions.react(ctx.session.actions.pick(parsed.n), emoji, parsed.on);
}

function reply(_args: string[], ctx: SlashContext, raw: string): void {
  needLogin(ctx);
  const { n, text } = splitCount(raw);
  if (!text.trim()) throw new ChatError("bad_request", "Usage: /reply [N] TEXT");
  ctx.session.actions.reply(ctx.session.actions.pick(n), text);
}

/**
 * `/upload PATH [caption]`. Like every command it runs beside the input line, so
 * typing and chatting go on while it uploads (progress in the status bar); the
 * message goes out when the upload is done.
 */
async function upload(_args: string[], ctx: SlashContext, raw: string): Promise<void> {
  needLogin(ctx);
  const { path, rest } = splitPathArg(raw);
  if (!path) throw new ChatError("bad_request", "Usage: /upload PATH [TEXT]");
  await ctx.session.files.upload(expandHome(path, Deno.env.get("HOME")), rest, `/upload ${raw}`);
}

async function download(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const { seq, index } = parseDownloadArgs(args);
  await ctx.session.files.download(seq, index);
}

/** `/thread [SEQ]`: the thread of message SEQ (default: the latest message). */
async function thread(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  if (args.length > 1) throw new ChatError("bad_request", "Usage: /thread [SEQ]");
  const seq = args[0] ? checked(() => parseSeq(args[0])) : ctx.session.actions.pick(1).seq;
  await ctx.session.threads.open(seq);
}

/** `/search [QUERY]`: the results in place of the room; alone, the last ones again. */
async function search(_args: string[], ctx: SlashContext, raw: string): Promise<void> {
  needLogin(ctx);
  if (!raw.trim()) return ctx.session.search.reopen();
  await ctx.session.search.start(raw);
}

/** `/back`: from search results, or from a thread, to the room. */
function back(_args: string[], ctx: SlashContext): void {
  if (ctx.session.model.search) return ctx.session.search.close();
  ctx.session.threads.close();
}

/**
 * One of my rooms by id, name (case-insensitive, `#` optional) or `@user` for a
 * direct conversation; undefined when none is.
 */
export function findMyRoom(rooms: Room[], arg: string): Room | undefined {
  const name = arg.trim();
  if (name.startsWith("@")) {
    const user = name.slice(1).toLowerCase();
    return rooms.find((r) => r.kind === "direct" && r.peer?.username.toLowerCase() === user);
  }
  const found = matchRooms(rooms, name);
  if (found.length > 1) {
    throw new ChatError("bad_request", ambiguousRoom(name, found).message);
  }
  return found[0];
}

/** `/goto ROOM`: switches to one of my rooms (joins nothing: that is /join). */
async function goto(_args: string[], ctx: SlashContext, raw: string): Promise<void> {
  needLogin(ctx);
  const model = ctx.session.model;
  const room = findMyRoom([...model.rooms.values()].map((v) => v.room), raw);
  if (!room) {
    throw new ChatError(
      "not_found",
      `Not one of your rooms: "${sanitizeLine(raw.trim())}": /join ROOM to join it`,
    );
  }
  await ctx.session.open(room.id);
}

/** `/also TEXT`: in a thread, a reply that shows in the room too. */
function also(_args: string[], ctx: SlashContext, raw: string): void {
  needLogin(ctx);
  if (!raw.trim()) throw new ChatError("bad_request", "Usage: /also TEXT");
  ctx.session.send(raw, { alsoInRoom: true });
}

const NOTIFY_LEVELS: Record<NotifyLevel, string> = {
  all: "every new message notifies you",
  mentions: "only mentions of you, direct messages and the threads you follow notify you",
  none: "nothing notifies you",
};

/** What my settings of a room mean, in a sentence. */
export function settingsText(label: string, settings: Pick<RoomSettings, "muted" | "notify">) {
  const level = `(notify ${settings.notify})`;
  if (!settings.muted) return `${label}: ${NOTIFY_LEVELS[settings.notify]} ${level}`;
  const what = settings.notify === "none" ? NOTIFY_LEVELS.none : "only mentions of you notify you";
  return `${label} is muted: no unread count, ${what} ${level}`;
}

async function mute(ctx: SlashContext, muted: boolean): Promise<void> {
  needLogin(ctx);
  const view = ctx.session.model.view;
  if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
  const settings = await ctx.session.setPrefs({ muted });
  notice(ctx, settingsText(roomLabel(view.room), settings));
}

/** `/notify [all|mentions|none]`: without a level, what it is. */
async function notifyLevel(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const view = ctx.session.model.view;
  if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
  const level = args[0]?.toLowerCase();
  if (level === undefined) {
    const settings = await ctx.session.api.settings(view.room.id);
    ctx.session.model.setPrefs(view.room.id, settings);
    return notice(ctx, settingsText(roomLabel(view.room), settings));
  }
  if (!Object.hasOwn(NOTIFY_LEVELS, level) || args.length > 1) {
    throw new ChatError("bad_request", "Usage: /notify all|mentions|none");
  }
  const settings = await ctx.session.setPrefs({ notify: level as NotifyLevel });
  notice(ctx, settingsText(roomLabel(view.room), settings));
}

/** `/mentions`: the newest messages that mention me, across my rooms. */
async function mentions(_args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const list = await ctx.session.api.mentions({ limit: 10 });
  if (!list.length) return notice(ctx, "No mentions of you yet");
  notice(ctx, "Mentions of you, newest first:");
  const rows = list.map(({ room, message }) => [
    roomLabel(room),
    `#${message.seq}`,
    formatClock(message.createdAt),
    `${sanitizeLine(message.username)}:`,
    truncate(sanitizeLine(message.text).trim(), 50),
  ]);
  for (const line of formatTable(rows)) notice(ctx, `  ${line}`);
}

/** `/set [bell on|off]`: this client's preferences, saved in its config. */
async function set(args: string[], ctx: SlashContext): Promise<void> {
  const [name, value, ...rest] = args.map((a) => a.toLowerCase());
  if (name === undefined) {
    return notice(ctx, `Settings: bell ${ctx.prefs.get().bell ? "on" : "off"} (/set bell on|off)`);
  }
  if (name !== "bell" || !["on", "off"].includes(value ?? "") || rest.length) {
    throw new ChatError("bad_request", "Usage: /set bell on|off");
  }
  await ctx.prefs.set({ bell: value === "on" });
  notice(ctx, value === "on" ? "The bell rings for mentions and notifications" : "No bell");
}

function help(_args: string[], ctx: SlashContext): void {
  notice(ctx, "Commands:");
  const rows = Object.values(COMMANDS).map((c) => [c.usage, c.summary]);
  for (const line of formatTable(rows)) notice(ctx, `  ${line}`);
  notice(ctx, "Plain text is sent to the room on screen; start it with // to send a /.");
  notice(ctx, "N counts back from the newest message (default 1; /edit, /delete: mine).");
  notice(ctx, "EMOJI is an emoji or a :shortcode: such as :+1: (Tab completes them).");
  notice(ctx, "Files show as [file: NAME SIZE /download SEQ]; they are saved in the current");
  notice(ctx, "  directory (or $CHAT_DOWNLOAD_DIR), never over a file: report (1).pdf.");
  notice(ctx, "Mentions of you (@you, @room) are highlighted and counted apart: #room(3(1!)).");
  notice(ctx, "  The bell rings for them, direct messages and notifications (/set bell off).");
  notice(ctx, "Threads: a root shows └ N replies (/thread SEQ); in a thread, what you type is a");
  notice(ctx, "  reply (/also TEXT: in the room too), /back returns to the room.");
  notice(ctx, 'Search: words, "a phrase", from:USER in:ROOM before:/after:YYYY-MM-DD has:file');
  notice(ctx, "  has:link is:mention -WORD; in the results ↑/↓ PgUp/PgDn select, Enter goes to");
  notice(ctx, "  the message, Esc or /back returns, typing a line searches again.");
  notice(ctx, "Keys: Ctrl-N/Ctrl-P or Alt-1…9 switch rooms, PgUp/PgDn scroll, ↑/↓ recall,");
  notice(ctx, "  Alt-Enter new line, Tab completes, Ctrl-C clears the line, Ctrl-D quits.");
}

const COMMANDS: Record<string, SlashCommand> = {
  register: {
    usage: "/register USER",
    summary: "create an account and log in",
    run: (args, ctx) => authenticate(args, ctx, true),
  },
  login: {
    usage: "/login USER",
    summary: "log in (the session is saved)",
    run: (args, ctx) => authenticate(args, ctx, false),
  },
  logout: { usage: "/logout", summary: "end the session", run: (_, ctx) => ctx.session.logout() },
  rooms: { usage: "/rooms", summary: "my rooms with unread counts", run: listRooms },
  directory: { usage: "/directory", summary: "public rooms", run: directory },
  create: { usage: "/create NAME [--private]", summary: "create a room", min: 1, run: create },
  join: { usage: "/join ROOM", summary: "join a room (or switch to it)", min: 1, run: join },
  leave: {
    usage: "/leave",
    summary: "leave the room on screen",
    run: async (_, ctx) => notice(ctx, `Left ${roomLabel(await ctx.session.leave())}`),
  },
  invite: { usage: "/invite USER", summary: "invite to the room on screen", min: 1, run: invite },
  dm: { usage: "/dm USER", summary: "direct conversation with USER", min: 1, run: dm },
  who: { usage: "/who", summary: "members, online and offline", run: who },
  history: {
    usage: "/history",
    summary: "older messages",
    run: async (_, ctx) => {
      needLogin(ctx);
      if (!await ctx.session.history()) notice(ctx, "No older messages");
    },
  },
  edit: {
    usage: "/edit [N] [TEXT]",
    summary: "change my message (no TEXT: load it to edit)",
    run: edit,
  },
  delete: { usage: "/delete [N]", summary: "delete my message (asks first)", run: remove },
  react: {
    usage: "/react [N] EMOJI",
    summary: "react to a message; -EMOJI takes it back",
    min: 1,
    run: (args, ctx) => react(args, ctx),
  },
  unreact: {
    usage: "/unreact [N] EMOJI",
    summary: "take my reaction back",
    min: 1,
    run: (args, ctx) => react(args, ctx, false),
  },
  reply: { usage: "/reply [N] TEXT", summary: "answer a message", min: 1, run: reply },
  upload: {
    usage: "/upload PATH [TEXT]",
    summary: "send a file (TEXT: its caption; Tab completes paths)",
    min: 1,
    run: upload,
  },
  download: {
    usage: "/download SEQ [N]",
    summary: "save the files of message SEQ (N: only its N-th)",
    min: 1,
    run: download,
  },
  thread: {
    usage: "/thread [SEQ]",
    summary: "open the thread of message SEQ (default: the latest message)",
    run: thread,
  },
  back: {
    usage: "/back",
    summary: "from search results or a thread back to the room",
    run: back,
  },
  search: {
    usage: "/search [QUERY]",
    summary: "search my rooms (alone: the last results); Enter goes to one",
    run: search,
  },
  goto: {
    usage: "/goto ROOM",
    summary: "switch to one of my rooms or @user (Tab completes)",
    min: 1,
    run: goto,
  },
  also: { usage: "/also TEXT", summary: "in a thread: reply, in the room too", min: 1, run: also },
  mentions: { usage: "/mentions", summary: "the latest messages that mention me", run: mentions },
  mute: {
    usage: "/mute",
    summary: "mute the room on screen (mentions still count)",
    run: (_, ctx) => mute(ctx, true),
  },
  unmute: {
    usage: "/unmute",
    summary: "unmute the room on screen",
    run: (_, ctx) => mute(ctx, false),
  },
  notify: {
    usage: "/notify [all|mentions|none]",
    summary: "what notifies me in the room on screen",
    run: notifyLevel,
  },
  ...ADMIN_COMMANDS,
  set: { usage: "/set [bell on|off]", summary: "this client's settings", run: set },
  help: { usage: "/help", summary: "this help", run: help },
  quit: { usage: "/quit", summary: "leave the client", run: (_, ctx) => ctx.quit() },
};

const ALIASES: Record<string, string> = {
  exit: "quit",
  q: "quit",
  j: "join",
  part: "leave",
  query: "dm",
  msg: "dm",
  names: "who",
  list: "directory",
  h: "help",
  del: "delete",
  re: "reply",
  up: "upload",
  dl: "download",
  t: "thread",
  s: "search",
  g: "goto",
};

/** The command names, for completion. */
export const SLASH_NAMES = Object.keys(COMMANDS);

/** Runs one `/command` line. Throws what the command throws. */
export async function runSlash(line: string, ctx: SlashContext): Promise<void> {
  const { name, args } = parseSlash(line);
  const key = Object.hasOwn(ALIASES, name) ? ALIASES[name] : name;
  const command = Object.hasOwn(COMMANDS, key) ? COMMANDS[key] : undefined;
  if (!command) throw new ChatError("bad_request", `Unknown command: "/${name}": type /help`);
  if (args.length < (command.min ?? 0)) {
    throw new ChatError("bad_request", `Usage: ${command.usage}`);
  }
  await command.run(args, ctx, restOf(line));
}
