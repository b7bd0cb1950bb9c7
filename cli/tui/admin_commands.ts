/**
 * @module The interactive mode's commands that run a room and my profile:
 * `/topic`, `/rename`, `/kick`, `/ban`, `/unban` (the room's owner and admins: the
 * server refuses anyone else, and its message is shown) and `/nick`. Their work is
 * done by `admin_actions.ts`; the command table of `slash_commands.ts` takes them in.
 */

import { ChatError } from "../../lib/errors.ts";
import {
  validateDisplayName,
  validateRoomName,
  validateTopic,
} from "../../lib/protocol/validate.ts";
import { roomLabel } from "../format.ts";
import { sanitizeLine } from "../sanitize.ts";
import { fullName } from "./people.ts";
import type { SlashCommand, SlashContext } from "./slash_commands.ts";
import { checked, needLogin, notice } from "./_slash_helpers.ts";

/** One USER argument, or the usage. */
function oneUser(args: string[], usage: string): string {
  if (args.length !== 1) throw new ChatError("bad_request", `Usage: ${usage}`);
  return args[0];
}

/** `/topic [TEXT]`: alone, the topic; `/topic --clear` clears it. */
async function topic(_args: string[], ctx: SlashContext, raw: string): Promise<void> {
  needLogin(ctx);
  const text = raw.trim();
  const view = ctx.session.model.view;
  if (!text) {
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    const current = view.room.topic ? sanitizeLine(view.room.topic) : "(none)";
    return notice(ctx, `The topic of ${roomLabel(view.room)}: ${current} (/topic TEXT sets it)`);
  }
  const value = text === "--clear" ? "" : checked(() => validateTopic(text));
  await ctx.session.admin.setTopic(value);
}

async function rename(_args: string[], ctx: SlashContext, raw: string): Promise<void> {
  needLogin(ctx);
  const name = checked(() => validateRoomName(raw));
  await ctx.session.admin.rename(name);
}

async function kick(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const label = ctx.session.model.view ? roomLabel(ctx.session.model.view.room) : "";
  const member = await ctx.session.admin.kick(oneUser(args, "/kick USER"));
  notice(ctx, `You removed ${fullName(member)} from ${label}`);
}

async function ban(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const label = ctx.session.model.view ? roomLabel(ctx.session.model.view.room) : "";
  const username = await ctx.session.admin.ban(oneUser(args, "/ban USER"));
  notice(
    ctx,
    `You banned ${sanitizeLine(username)} from ${label}: /unban ${username} lets them back`,
  );
}

async function unban(args: string[], ctx: SlashContext): Promise<void> {
  needLogin(ctx);
  const label = ctx.session.model.view ? roomLabel(ctx.session.model.view.room) : "";
  const username = await ctx.session.admin.unban(oneUser(args, "/unban USER"));
  notice(ctx, `${sanitizeLine(username)} may join ${label} again`);
}

/** `/nick NAME`: my display name; `/nick --clear`: my username again. */
async function nick(_args: string[], ctx: SlashContext, raw: string): Promise<void> {
  needLogin(ctx);
  const text = raw.trim();
  const name = text === "--clear" ? null : checked(() => validateDisplayName(text));
  const user = await ctx.session.admin.nick(name);
  notice(ctx, `You are now shown as ${fullName(user)}`);
}

export const ADMIN_COMMANDS: Record<string, SlashCommand> = {
  topic: {
    usage: "/topic [TEXT|--clear]",
    summary: "the room's topic; set or clear it (owner, admins)",
    run: topic,
  },
  rename: {
    usage: "/rename NAME",
    summary: "rename the room (owner, admins)",
    min: 1,
    run: rename,
  },
  kick: {
    usage: "/kick USER",
    summary: "remove USER from the room (owner, admins)",
    min: 1,
    run: kick,
  },
  ban: {
    usage: "/ban USER",
    summary: "remove USER and keep them out (owner, admins)",
    min: 1,
    run: ban,
  },
  unban: { usage: "/unban USER", summary: "let a banned USER join again", min: 1, run: unban },
  nick: {
    usage: "/nick NAME|--clear",
    summary: "my display name (--clear: my username)",
    min: 1,
    run: nick,
  },
};
