/**
 * @module `mentions` (the newest messages that mention me, across my rooms) and
 * `tail --mentions [--follow]`: the same, oldest first, then each new mention as it
 * arrives, from the `notify` frames every socket of mine gets, subscribed to the
 * room or not (`follow_mentions.ts`). What a bot reads to know it was called.
 */

import type { MentionInfo, Room } from "../../lib/protocol/types.ts";
import type { Credentials } from "../config.ts";
import { type Context, outputWidth, requireLogin } from "../context.ts";
import { formatDateTime, formatMessage, formatTable, roomLabel } from "../format.ts";
import { sanitizeLine } from "../sanitize.ts";
import { truncate } from "../width.ts";
import { followMentions, MENTIONS_MAX } from "./follow_mentions.ts";

/** How many characters of a text a table row shows. */
const EXCERPT_SHOWN = 80;

/** `{room, message}` (with `reason` when a notification said why): the JSON of a mention. */
export interface MentionLine extends MentionInfo {
  reason?: string;
}

/** The rows of `chat mentions`: room, seq, who, when, text (one line, cut). */
export function mentionRows(list: MentionInfo[]): string[] {
  const rows = list.map(({ room, message }) => [
    roomLabel(room),
    `#${message.seq}`,
    sanitizeLine(message.username),
    formatDateTime(message.createdAt),
    truncate(sanitizeLine(message.text).trim(), EXCERPT_SHOWN),
  ]);
  return formatTable(rows);
}

/** One mention as `tail --mentions` prints it: a message line naming its room. */
export function printMention(ctx: Context, mention: MentionLine): void {
  if (ctx.flags.json) {
    ctx.out.json(mention);
    return;
  }
  const { room, message } = mention;
  ctx.out.line(formatMessage(message, {
    me: ctx.credentials?.userId,
    width: outputWidth(),
    room: roomLabel(room),
  }));
}

/** `chat mentions [--limit N]`: newest first. */
export async function mentions(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const list = await ctx.api.mentions({ limit: Math.min(ctx.flags.limit ?? 50, MENTIONS_MAX) });
  if (ctx.flags.json) {
    for (const mention of list) ctx.out.json(mention);
    return;
  }
  if (!list.length) {
    ctx.out.line("No mentions of you yet");
    return;
  }
  for (const line of mentionRows(list)) ctx.out.line(line);
}

/**
 * `chat tail --mentions`: the newest N mentions, oldest first (N: `--limit`, by
 * default 10; with `--follow` none unless `--limit` is given, as a bot started
 * again must not answer old ones twice), then with `--follow` the new ones.
 */
export async function tailMentions(ctx: Context, credentials: Credentials): Promise<void> {
  const limit = ctx.flags.limit ?? (ctx.flags.follow ? 0 : 10);
  // Following, the newest ones are fetched all the same: they are what is not new.
  const wanted = ctx.flags.follow ? MENTIONS_MAX : Math.min(limit, MENTIONS_MAX);
  const list = await ctx.api.mentions({ limit: wanted });
  for (const mention of list.slice(0, limit).toReversed()) printMention(ctx, mention);
  if (!ctx.flags.follow) return;
  const rooms = new Map<string, Room>();
  for (const room of await ctx.api.rooms()) rooms.set(room.id, room);
  const lookUp = async (roomId: string): Promise<Room> => {
    if (!rooms.has(roomId)) {
      for (const room of await ctx.api.rooms().catch(() => [])) rooms.set(room.id, room);
    }
    if (!rooms.has(roomId)) {
      // A room left meanwhile: its id is all there is to show.
      const now = Date.now();
      rooms.set(roomId, {
        id: roomId,
        name: roomId,
        topic: "",
        kind: "public",
        createdAt: now,
        lastSeq: 0,
        lastActivityAt: now,
      });
    }
    return rooms.get(roomId)!;
  };
  await followMentions(ctx, {
    token: credentials.token,
    me: credentials.userId,
    seen: list,
    print: async (mention) => {
      const room = mention.room ?? await lookUp(mention.roomId);
      printMention(ctx, { room, message: mention.message, reason: mention.reason });
    },
  });
}
