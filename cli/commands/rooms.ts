/**
 * @module Subcommands about rooms: `rooms`, `directory`, `create`, `join`, `leave`,
 * `invite`, `dm` and `who`.
 */

import { inviteNotice } from "../../lib/client/notices.ts";
import type { Member, MyRoom, Room } from "../../lib/protocol/types.ts";
import { validateRoomName, validateTopic } from "../../lib/protocol/validate.ts";
import { type Context, requireLogin } from "../context.ts";
import { InvalidInputError } from "../errors.ts";
import { formatPresence, formatTable, plural, roomLabel } from "../format.ts";
import { parseDmArg, resolveRoom } from "../resolve_room.ts";
import { personLabel } from "../resolve_user.ts";
import { sanitizeLine } from "../sanitize.ts";

function kindOf(room: Room): string {
  return room.kind === "direct" ? "direct" : room.kind;
}

/** `3 unread, 1 mention`, `muted, 2 mentions`, or "" when nothing is waiting. */
export function countsOf(room: Pick<MyRoom, "unread" | "mentions" | "muted" | "kind">): string {
  const parts: string[] = [];
  if (room.muted) parts.push("muted");
  if (room.unread) parts.push(`${room.unread} unread`);
  // In a direct room every unread message counts as a mention: no need to say it twice.
  const mentions = room.kind === "direct" && room.mentions === room.unread ? 0 : room.mentions;
  if (mentions) parts.push(plural(mentions, "mention"));
  return parts.join(", ");
}

export async function rooms(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const list = await ctx.api.rooms();
  if (ctx.flags.json) {
    for (const room of list) ctx.out.json(room);
    return;
  }
  const invited = (await ctx.api.invites()).length;
  if (!list.length) {
    ctx.out.line('No rooms yet: see "chat directory", "chat join ROOM" or "chat create NAME"');
  } else {
    const rows = list.map((room) => [roomLabel(room), kindOf(room), countsOf(room), room.id]);
    for (const line of formatTable(rows)) ctx.out.line(line);
  }
  if (invited) ctx.out.line(`${plural(invited, "invitation")} waiting: see "chat invites"`);
}

export async function invites(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const list = await ctx.api.invites();
  if (ctx.flags.json) {
    for (const invitation of list) ctx.out.json(invitation);
    return;
  }
  if (!list.length) {
    ctx.out.line("No invitations");
    return;
  }
  const rows = list.map(({ room, invitedBy }) => [
    roomLabel(room),
    `from @${sanitizeLine(invitedBy.username)}`,
    room.id,
  ]);
  for (const line of formatTable(rows)) ctx.out.line(line);
  ctx.out.line('Accept with "chat join ROOM", or "chat decline ROOM"');
}

export async function decline(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  await ctx.api.decline(target.id);
  if (ctx.flags.json) ctx.out.json({ roomId: target.id, declined: true });
  else ctx.out.line(`Declined the invitation to ${target.label}`);
}

export async function directory(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const list = await ctx.api.directory();
  if (ctx.flags.json) {
    for (const room of list) ctx.out.json(room);
    return;
  }
  if (!list.length) {
    ctx.out.line('No public rooms yet: create one with "chat create NAME"');
    return;
  }
  const rows = list.map((room) => [
    roomLabel(room),
    plural(room.memberCount, "member"),
    room.joined ? "joined" : "",
    room.id,
    sanitizeLine(room.topic ?? ""),
  ]);
  for (const line of formatTable(rows)) ctx.out.line(line);
}

export async function create(ctx: Context): Promise<void> {
  requireLogin(ctx);
  let name: string;
  let topic: string | undefined;
  try {
    name = validateRoomName(ctx.positionals.join(" "));
    topic = ctx.flags.topic === undefined ? undefined : validateTopic(ctx.flags.topic);
  } catch (err) {
    throw new InvalidInputError((err as Error).message);
  }
  const kind = ctx.flags.private ? "private" : "public";
  const room = await ctx.api.createRoom(name, { kind, ...(topic ? { topic } : {}) });
  if (ctx.flags.json) ctx.out.json(room);
  else ctx.out.line(`Created ${roomLabel(room)} (${room.kind}): ${room.id}`);
}

export async function join(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const arg = ctx.positionals[0];
  const target = await resolveRoom(ctx.api, arg);
  const room = target.room?.kind === "direct" ? target.room : await ctx.api.join(target.id);
  if (ctx.flags.json) ctx.out.json(room);
  else ctx.out.line(`Joined ${roomLabel(room)}: ${room.id}`);
}

export async function leave(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  await ctx.api.leave(target.id);
  if (ctx.flags.json) ctx.out.json({ roomId: target.id, left: true });
  else ctx.out.line(`Left ${target.label}`);
}

export async function invite(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, userArg] = ctx.positionals;
  const username = parseDmArg(userArg.startsWith("@") ? userArg : `@${userArg}`);
  const target = await resolveRoom(ctx.api, roomArg);
  const invited = await ctx.api.invite(target.id, username);
  const { outcome } = invited;
  if (ctx.flags.json) {
    ctx.out.json({ roomId: target.id, username, invited: outcome === "invited", outcome });
  } else {
    ctx.out.line(sanitizeLine(inviteNotice(invited, target.label)));
  }
}

export async function dm(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const arg = ctx.positionals[0];
  const username = parseDmArg(arg.startsWith("@") ? arg : `@${arg}`);
  const room = await ctx.api.dm(username);
  if (ctx.flags.json) ctx.out.json(room);
  else ctx.out.line(`Direct conversation with @${username}: ${room.id}`);
}

/** Online members first, then by name. */
export function sortMembers(members: Member[]): Member[] {
  return [...members].sort((a, b) =>
    Number(b.online) - Number(a.online) ||
    a.username.toLowerCase().localeCompare(b.username.toLowerCase())
  );
}

export async function who(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  const { room, members } = await ctx.api.room(target.id);
  const sorted = sortMembers(members);
  if (ctx.flags.json) {
    for (const member of sorted) ctx.out.json(member);
    return;
  }
  const online = members.filter((m) => m.online).length;
  ctx.out.line(`${roomLabel(room)}: ${plural(members.length, "member")}, ${online} online`);
  const now = Date.now();
  const rows = sorted.map((m) => [personLabel(m), m.role, formatPresence(m, now)]);
  for (const line of formatTable(rows)) ctx.out.line(`  ${line}`);
}
