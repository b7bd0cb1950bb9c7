/**
 * @module Subcommands about messages: `send` (an argument or stdin, one message
 * per line, `--reply SEQ` answering a message, `--thread SEQ` in its thread),
 * `history` and `tail` (with `--follow`, live over the WebSocket: `follow.ts`;
 * `tail --mentions`: `mentions.ts`).
 */

import type { ChatApi, SendOptions } from "../../lib/client/http.ts";
import { HISTORY_MAX } from "../../lib/protocol/limits.ts";
import type { Message } from "../../lib/protocol/types.ts";
import { validateMessageText } from "../../lib/protocol/validate.ts";
import { type Context, outputWidth, requireLogin } from "../context.ts";
import { InvalidInputError, UsageError } from "../errors.ts";
import { formatMessage, plural } from "../format.ts";
import { resolveRoom } from "../resolve_room.ts";
import { stdinLines } from "../stdin.ts";
import { withRetry } from "./_retry.ts";
import { follow } from "./follow.ts";
import { tailMentions } from "./mentions.ts";

/**
 * Sends one message over HTTP, retried when rate limited or on network failures:
 * the same clientId makes a retry of a send that did arrive return the stored
 * message instead of storing it twice.
 */
function sendWithRetry(
  api: ChatApi,
  roomId: string,
  text: string,
  options: SendOptions,
): Promise<Message> {
  const clientId = crypto.randomUUID();
  return withRetry(() => api.send(roomId, text, clientId, options));
}

/** What `--reply`, `--thread` and `--also-in-room` ask of a send. */
export function sendOptionsOf(flags: Context["flags"]): SendOptions {
  if (flags.alsoInRoom && flags.thread === undefined) {
    throw new UsageError("Option --also-in-room needs --thread SEQ");
  }
  return {
    ...(flags.reply ? { replyTo: flags.reply } : {}),
    ...(flags.thread ? { threadRoot: flags.thread } : {}),
    ...(flags.alsoInRoom ? { alsoInRoom: true } : {}),
  };
}

/** ` in reply to #3`, ` in thread #12 (and the room)`: where a send went. */
function whereSent(options: SendOptions): string {
  const reply = options.replyTo ? ` in reply to #${options.replyTo}` : "";
  const thread = options.threadRoot
    ? ` in thread #${options.threadRoot}${options.alsoInRoom ? " (and the room)" : ""}`
    : "";
  return reply + thread;
}

/** The text, validated as the server will; `where` and `after` place a refusal. */
export function checkText(text: string, where = "", after = () => ""): string {
  try {
    return validateMessageText(text);
  } catch (err) {
    throw new InvalidInputError(`${where}${(err as Error).message}${after()}`);
  }
}

/** What a refused line of stdin leaves behind: the lines before it went out. */
function sentBefore(sent: number): string {
  if (!sent) return " (nothing was sent)";
  return ` (${plural(sent, "message")} before it ${sent === 1 ? "was" : "were"} sent)`;
}

export async function send(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, ...words] = ctx.positionals;
  const options = sendOptionsOf(ctx.flags);
  const fromStdin = words.length === 0 || (words.length === 1 && words[0] === "-");
  // A text given as arguments is refused before anything goes to the server.
  const given = fromStdin ? undefined : checkText(words.join(" "));
  const target = await resolveRoom(ctx.api, roomArg);
  const report = (message: Message) => {
    if (ctx.flags.json) ctx.out.json(message);
  };
  const replying = whereSent(options);
  if (given !== undefined) {
    const message = await sendWithRetry(ctx.api, target.id, given, options);
    report(message);
    if (!ctx.flags.json) ctx.out.line(`Sent to ${target.label} (#${message.seq})${replying}`);
    return;
  }
  if (Deno.stdin.isTerminal()) ctx.out.warn("Type messages, one per line; end with Ctrl-D");
  let sent = 0;
  let lineNo = 0;
  for await (const line of stdinLines()) {
    lineNo++;
    if (!line.trim()) continue;
    const text = checkText(line, `Line ${lineNo}: `, () => sentBefore(sent));
    report(await sendWithRetry(ctx.api, target.id, text, options));
    sent++;
  }
  if (!ctx.flags.json) {
    ctx.out.line(
      `Sent ${sent} ${sent === 1 ? "message" : "messages"} to ${target.label}${replying}`,
    );
  }
}

/** The newest `limit` messages, oldest first, paging backwards 100 at a time. */
async function fetchLatest(api: ChatApi, roomId: string, limit: number): Promise<Message[]> {
  const pages: Message[][] = [];
  let count = 0;
  let before: number | undefined;
  while (count < limit) {
    const page = await api.messages(roomId, {
      before,
      limit: Math.min(HISTORY_MAX, limit - count),
    });
    if (!page.messages.length) break;
    pages.unshift(page.messages);
    count += page.messages.length;
    before = page.messages[0].seq;
    if (!page.hasMore || before <= 1) break;
  }
  return pages.flat().slice(-limit);
}

/** Prints a message: its JSON object, or its text lines. */
export function printMessage(ctx: Context, message: Message): void {
  if (ctx.flags.json) ctx.out.json(message);
  else ctx.out.line(formatMessage(message, { me: ctx.credentials?.userId, width: outputWidth() }));
}

export async function history(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  const messages = await fetchLatest(ctx.api, target.id, ctx.flags.limit ?? 50);
  for (const message of messages) printMessage(ctx, message);
}

export async function tail(ctx: Context): Promise<void> {
  const credentials = requireLogin(ctx);
  if (ctx.flags.mentions) {
    if (ctx.positionals.length) {
      throw new UsageError("Option --mentions takes no ROOM: it follows all my rooms");
    }
    return await tailMentions(ctx, credentials);
  }
  if (!ctx.positionals.length) {
    throw new UsageError("Missing arguments: usage: chat tail ROOM [--limit N] [--follow]");
  }
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  const messages = await fetchLatest(ctx.api, target.id, ctx.flags.limit ?? 10);
  for (const message of messages) printMessage(ctx, message);
  if (!ctx.flags.follow) return;
  await follow(ctx, {
    roomId: target.id,
    token: credentials.token,
    shown: messages,
    lastSeq: messages.at(-1)?.seq ?? target.room?.lastSeq ?? 0,
    print: (message) => printMessage(ctx, message),
  });
}
