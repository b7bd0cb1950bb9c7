/**
 * @module Subcommands about threads: `threads` (the threads I follow, with their
 * unread replies) and `thread ROOM SEQ` (a root and its replies). Replying in a
 * thread is `send ROOM --thread SEQ` (`messages.ts`).
 */

import type { ChatApi } from "../../lib/client/http.ts";
import { HISTORY_MAX } from "../../lib/protocol/limits.ts";
import type { Message, ThreadInfo } from "../../lib/protocol/types.ts";
import { LIMIT_MAX, parseSeq } from "../args.ts";
import { type Context, requireLogin } from "../context.ts";
import { formatDateTime, formatTable, repliesText, roomLabel } from "../format.ts";
import { resolveRoom } from "../resolve_room.ts";
import { sanitizeLine } from "../sanitize.ts";
import { truncate } from "../width.ts";
import { printMessage } from "./messages.ts";

/** How many characters of a root's text a row of `threads` shows. */
const EXCERPT_SHOWN = 60;

/** The rows of `chat threads`: room, root, replies (unread), last activity, root text. */
export function threadRows(list: ThreadInfo[]): string[] {
  const rows = list.map(({ room, root, unread, lastAt }) => {
    const replies = repliesText(root.thread?.count ?? 0);
    const text = root.deleted ? "(message deleted)" : sanitizeLine(root.text).trim();
    return [
      roomLabel(room),
      `#${root.seq}`,
      unread ? `${replies}, ${unread} unread` : replies,
      formatDateTime(lastAt),
      `${sanitizeLine(root.username)}: ${truncate(text, EXCERPT_SHOWN)}`,
    ];
  });
  return formatTable(rows);
}

/** `chat threads`: newest activity first. */
export async function threads(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const list = await ctx.api.threads();
  if (ctx.flags.json) {
    for (const info of list) ctx.out.json(info);
    return;
  }
  if (!list.length) {
    ctx.out.line('You follow no thread yet: reply to one with "chat send ROOM --thread SEQ TEXT"');
    return;
  }
  for (const line of threadRows(list)) ctx.out.line(line);
}

/** A thread's root and its replies, oldest first, paging forwards (at most `max`). */
export async function fetchThread(
  api: ChatApi,
  roomId: string,
  seq: number,
  max = Infinity,
): Promise<{ root: Message; replies: Message[]; hasMore: boolean }> {
  const replies: Message[] = [];
  let after: number | undefined;
  while (true) {
    const page = await api.thread(roomId, seq, { after, limit: HISTORY_MAX });
    replies.push(...page.messages);
    const last = page.messages.at(-1)?.seq;
    if (!page.hasMore || last === undefined || replies.length >= max) {
      return { root: page.root, replies, hasMore: page.hasMore };
    }
    after = last;
  }
}

/** `chat thread ROOM SEQ [--limit N]`: the root, then its replies (the newest N). */
export async function thread(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, seqArg] = ctx.positionals;
  const seq = parseSeq(seqArg);
  const target = await resolveRoom(ctx.api, roomArg);
  const { root, replies } = await fetchThread(ctx.api, target.id, seq, LIMIT_MAX);
  printMessage(ctx, root);
  const limit = ctx.flags.limit;
  for (const reply of limit ? replies.slice(-limit) : replies) printMessage(ctx, reply);
}
