/**
 * @module Subcommands about messages: `send` (an argument or stdin, one message
 * per line), `history` and `tail` (with `--follow`, live over the WebSocket).
 */

import { ApiError, type ChatApi, NetworkError } from "../../lib/client/http.ts";
import { ChatSocket, FrameRequestError } from "../../lib/client/socket.ts";
import { ChatError } from "../../lib/errors.ts";
import { HISTORY_MAX } from "../../lib/protocol/limits.ts";
import type { Message } from "../../lib/protocol/types.ts";
import { validateMessageText } from "../../lib/protocol/validate.ts";
import { type Context, requireLogin } from "../context.ts";
import { EXIT, InvalidInputError } from "../errors.ts";
import { formatMessage, plural } from "../format.ts";
import { resolveRoom } from "../resolve_room.ts";
import { stdinLines } from "../stdin.ts";

const SEND_ATTEMPTS = 5;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Sends one message over HTTP. Retries when rate limited (after the delay the server
 * asks for) and on network failures; the same clientId makes a retry of a send
 * that did arrive return the stored message instead of storing it twice.
 */
async function sendWithRetry(api: ChatApi, roomId: string, text: string): Promise<Message> {
  const clientId = crypto.randomUUID();
  for (let attempt = 1;; attempt++) {
    try {
      return await api.send(roomId, text, clientId);
    } catch (err) {
      if (attempt >= SEND_ATTEMPTS) throw err;
      if (err instanceof ApiError && err.code === "rate_limited") {
        await sleep(err.retryAfterMs ?? 1000);
      } else if (err instanceof NetworkError) {
        await sleep(250 * 2 ** attempt);
      } else {
        throw err;
      }
    }
  }
}

/** The text, validated as the server will; `where` and `after` place a refusal. */
function checkText(text: string, where = "", after = () => ""): string {
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
  const fromStdin = words.length === 0 || (words.length === 1 && words[0] === "-");
  // A text given as arguments is refused before anything goes to the server.
  const given = fromStdin ? undefined : checkText(words.join(" "));
  const target = await resolveRoom(ctx.api, roomArg);
  const report = (message: Message) => {
    if (ctx.flags.json) ctx.out.json(message);
  };
  if (given !== undefined) {
    const message = await sendWithRetry(ctx.api, target.id, given);
    report(message);
    if (!ctx.flags.json) ctx.out.line(`Sent to ${target.label} (#${message.seq})`);
    return;
  }
  if (Deno.stdin.isTerminal()) ctx.out.warn("Type messages, one per line; end with Ctrl-D");
  let sent = 0;
  let lineNo = 0;
  for await (const line of stdinLines()) {
    lineNo++;
    if (!line.trim()) continue;
    const text = checkText(line, `Line ${lineNo}: `, () => sentBefore(sent));
    report(await sendWithRetry(ctx.api, target.id, text));
    sent++;
  }
  if (!ctx.flags.json) {
    ctx.out.line(`Sent ${sent} ${sent === 1 ? "message" : "messages"} to ${target.label}`);
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

function print(ctx: Context, message: Message): void {
  if (ctx.flags.json) ctx.out.json(message);
  else ctx.out.line(formatMessage(message));
}

export async function history(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  const messages = await fetchLatest(ctx.api, target.id, ctx.flags.limit ?? 50);
  for (const message of messages) print(ctx, message);
}

export async function tail(ctx: Context): Promise<void> {
  const credentials = requireLogin(ctx);
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  const messages = await fetchLatest(ctx.api, target.id, ctx.flags.limit ?? 10);
  for (const message of messages) print(ctx, message);
  if (!ctx.flags.follow) return;
  let printed = messages.at(-1)?.seq ?? target.room?.lastSeq ?? 0;
  await follow(ctx, target.id, credentials.token, printed, (message) => {
    if (message.seq <= printed) return;
    printed = message.seq;
    print(ctx, message);
  });
}

/**
 * Prints the room's messages as they come until interrupted. Resumes after a
 * reconnect from the last seq printed; when the server could not replay everything
 * that was missed (`recovered: false`), fetches the gap over HTTP first.
 */
function follow(
  ctx: Context,
  roomId: string,
  token: string,
  since: number,
  deliver: (message: Message) => void,
): Promise<void> {
  const socket = new ChatSocket({ url: ctx.api.wsUrl, token });
  let catchingUp: Message[] | undefined;
  let last = since;
  const pass = (message: Message) => {
    last = Math.max(last, message.seq);
    deliver(message);
  };
  return new Promise<void>((_resolve, reject) => {
    // Never resolves: a follow ends with a signal, or fails.
    const stop = (code: number) => {
      socket.close();
      Deno.exit(code);
    };
    Deno.addSignalListener("SIGINT", () => stop(EXIT.INTERRUPTED));
    Deno.addSignalListener("SIGTERM", () => stop(EXIT.OK));
    socket.on("message", (frame) => {
      if (frame.roomId !== roomId) return;
      if (catchingUp) catchingUp.push(frame.message);
      else pass(frame.message);
    });
    socket.on("subscribed", async (frame) => {
      if (frame.roomId !== roomId || frame.recovered) return;
      catchingUp = [];
      try {
        let after = last;
        while (true) {
          const page = await ctx.api.messages(roomId, { after, limit: HISTORY_MAX });
          for (const message of page.messages) pass(message);
          if (!page.hasMore || !page.messages.length) break;
          after = page.messages.at(-1)!.seq;
        }
      } catch (err) {
        reject(err);
      }
      const buffered = catchingUp;
      catchingUp = undefined;
      for (const message of buffered) pass(message);
    });
    let lost = false;
    socket.on("state", (state) => {
      if (state === "reconnecting" && !lost) ctx.out.warn("Connection lost: reconnecting…");
      if (state === "open" && lost) ctx.out.warn("Reconnected");
      if (state === "reconnecting" || state === "open") lost = state === "reconnecting";
    });
    socket.on("sessionEnded", () => {
      socket.close();
      reject(new ChatError("unauthorized", "The session ended"));
    });
    socket.on("error", (frame) => {
      if (frame.code === "forbidden" || frame.code === "not_found") {
        socket.close();
        reject(new ChatError(frame.code, frame.message));
      }
    });
    socket.subscribe(roomId, { since }).catch((err) => {
      // Refused (not a member): give up. Anything else (no answer while the server
      // is away) is retried by the socket, which re-subscribes when it reconnects.
      if (!(err instanceof FrameRequestError)) return;
      socket.close();
      reject(err);
    });
  });
}
