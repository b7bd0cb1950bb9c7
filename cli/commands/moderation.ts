/**
 * @module Subcommands that run a room (its owner and admins): `room` (its info, or
 * --rename and --topic), `kick`, `ban`, `unban`, `promote`, `demote` and
 * `delete-room`. The server decides who may: its refusals (403 not an admin, 409
 * name taken) are shown as it words them.
 */

import "../../lib/client/admin.ts";
import { ChatError } from "../../lib/errors.ts";
import type { Role } from "../../lib/protocol/types.ts";
import { validateRoomName, validateTopic } from "../../lib/protocol/validate.ts";
import { type Context, requireLogin } from "../context.ts";
import { InvalidInputError, UsageError } from "../errors.ts";
import { formatPresence, formatTable, plural, roomLabel } from "../format.ts";
import { resolveRoom } from "../resolve_room.ts";
import { lookUpUser, memberArg, parseUserArg, personLabel } from "../resolve_user.ts";
import { sanitizeLine } from "../sanitize.ts";
import { sortMembers } from "./rooms.ts";

function checkedInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new InvalidInputError((err as Error).message);
  }
}

/** Owner first, then admins, then members; online first within each, then by name. */
const ROLE_ORDER: Record<Role, number> = { owner: 0, admin: 1, member: 2 };

/** `chat room ROOM`: name, kind, topic, id and the members with their roles. */
async function info(ctx: Context, roomId: string): Promise<void> {
  const { room, members } = await ctx.api.room(roomId);
  const sorted = sortMembers(members).sort((a, b) => ROLE_ORDER[a.role] - ROLE_ORDER[b.role]);
  if (ctx.flags.json) return ctx.out.json({ room, members: sorted });
  const online = members.filter((m) => m.online).length;
  const rows = [
    ["Name:", roomLabel(room)],
    ["Kind:", room.kind],
    ["Topic:", room.topic ? sanitizeLine(room.topic) : "(none)"],
    ["Id:", room.id],
    ["Members:", `${plural(members.length, "member")}, ${online} online`],
  ];
  for (const line of formatTable(rows)) ctx.out.line(line);
  const now = Date.now();
  const memberRows = sorted.map((m) => [
    personLabel(m),
    m.role,
    m.deactivated ? "deactivated" : formatPresence(m, now),
  ]);
  for (const line of formatTable(memberRows)) ctx.out.line(`  ${line}`);
}

/** `chat room ROOM [--rename NAME] [--topic TEXT]`. */
export async function room(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const { rename, topic } = ctx.flags;
  const changes: { name?: string; topic?: string } = {};
  if (rename !== undefined) changes.name = checkedInput(() => validateRoomName(rename));
  if (topic !== undefined) changes.topic = checkedInput(() => validateTopic(topic));
  const target = await resolveRoom(ctx.api, ctx.positionals[0]);
  if (rename === undefined && topic === undefined) return await info(ctx, target.id);
  const updated = await ctx.api.updateRoom(target.id, changes);
  if (ctx.flags.json) return ctx.out.json(updated);
  if (changes.name !== undefined) {
    ctx.out.line(`Renamed ${target.label} to ${roomLabel(updated)}`);
  }
  if (changes.topic !== undefined) {
    ctx.out.line(
      updated.topic
        ? `Topic of ${roomLabel(updated)}: ${sanitizeLine(updated.topic)}`
        : `Topic of ${roomLabel(updated)} cleared`,
    );
  }
}

/** The room of the first argument and the member the second names in it. */
async function roomAndMember(ctx: Context) {
  const [roomArg, userArg] = ctx.positionals;
  parseUserArg(userArg);
  const target = await resolveRoom(ctx.api, roomArg);
  const { room, members } = await ctx.api.room(target.id);
  const label = roomLabel(room);
  return { room, label, member: memberArg(members, userArg, label) };
}

/** `chat kick ROOM USER`: out at once (they may join a public room again: see ban). */
export async function kick(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const { room, label, member } = await roomAndMember(ctx);
  await ctx.api.removeMember(room.id, member.id);
  if (ctx.flags.json) ctx.out.json({ roomId: room.id, userId: member.id, removed: true });
  else ctx.out.line(`Removed ${personLabel(member)} from ${label}`);
}

/** `chat ban ROOM USER`: removed if a member, and kept out. */
export async function ban(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, userArg] = ctx.positionals;
  const username = parseUserArg(userArg);
  const target = await resolveRoom(ctx.api, roomArg);
  try {
    await ctx.api.ban(target.id, username);
  } catch (err) {
    if (err instanceof ChatError && err.code === "not_found" && /user/i.test(err.message)) {
      throw new ChatError("not_found", `Unknown user: "${userArg}": ${err.message}`);
    }
    throw err;
  }
  if (ctx.flags.json) ctx.out.json({ roomId: target.id, username, banned: true });
  else ctx.out.line(`Banned ${sanitizeLine(username)} from ${target.label}`);
}

/** `chat unban ROOM USER`: they may join again (fine when there was no ban). */
export async function unban(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, userArg] = ctx.positionals;
  parseUserArg(userArg);
  const target = await resolveRoom(ctx.api, roomArg);
  const user = await lookUpUser(ctx.api, userArg);
  await ctx.api.unban(target.id, user.id);
  if (ctx.flags.json) ctx.out.json({ roomId: target.id, userId: user.id, banned: false });
  else ctx.out.line(`Unbanned ${personLabel(user)} from ${target.label}: they may join again`);
}

async function setRole(ctx: Context, role: "admin" | "member"): Promise<void> {
  requireLogin(ctx);
  const { room, label, member } = await roomAndMember(ctx);
  if (member.role === "owner") {
    throw new InvalidInputError(`${personLabel(member)} owns ${label}: the owner's role stays`);
  }
  await ctx.api.setRole(room.id, member.id, role);
  if (ctx.flags.json) return ctx.out.json({ roomId: room.id, userId: member.id, role });
  const already = member.role === role ? " (already)" : "";
  ctx.out.line(
    `${personLabel(member)} is now ${
      role === "admin" ? "an admin" : "a member"
    } of ${label}${already}`,
  );
}

/** `chat promote ROOM USER`: an admin of the room (its owner only). */
export function promote(ctx: Context): Promise<void> {
  return setRole(ctx, "admin");
}

/** `chat demote ROOM USER`: a plain member again (its owner only). */
export function demote(ctx: Context): Promise<void> {
  return setRole(ctx, "member");
}

/** `chat delete-room ROOM --yes`: the room, its messages and files, for everyone. */
export async function deleteRoom(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg] = ctx.positionals;
  if (!ctx.flags.yes) {
    throw new UsageError(
      `Deleting a room deletes its messages and files for every member: ` +
        `to go ahead, run "chat delete-room ${roomArg} --yes"`,
    );
  }
  const target = await resolveRoom(ctx.api, roomArg);
  await ctx.api.deleteRoom(target.id);
  if (ctx.flags.json) ctx.out.json({ roomId: target.id, deleted: true });
  else ctx.out.line(`Deleted ${target.label} (${target.id}), its messages and its files`);
}
