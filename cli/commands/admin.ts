/**
 * @module `chat admin …`: the server's administration, for its admins (the first
 * account registered): invite codes, the accounts, deactivating one. Anyone else
 * gets the server's 403, as it words it. And the server's counters (`admin stats`).
 */

import "../../lib/client/admin.ts";
import type { AdminUser, ServerInvite } from "../../lib/protocol/types.ts";
import { type Context, requireLogin } from "../context.ts";
import { formatAgo, formatDateTime, formatTable, plural } from "../format.ts";
import { lookUpUser } from "../resolve_user.ts";
import { sanitizeLine } from "../sanitize.ts";
import { statsRows } from "../../lib/client/stats_rows.ts";

/** Accounts listed at most (`admin users`), a page of 500 at a time. */
const USERS_MAX = 10_000;

/** The web page that registers with a code (the code filled in). */
export function registerLink(server: string, code: string): string {
  return `${server}/register?invite=${encodeURIComponent(code)}`;
}

/** `chat admin invite [--uses N] [--expires 7d]`: the code, shown this once. */
export async function invite(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const { uses, expires } = ctx.flags;
  const created = await ctx.api.createServerInvite({
    ...(uses !== undefined ? { uses } : {}),
    ...(expires !== undefined ? { expiresInDays: expires } : {}),
  });
  const code = sanitizeLine(created.code);
  const link = registerLink(ctx.server, code);
  if (ctx.flags.json) return ctx.out.json({ ...created, link });
  const count = plural(created.invite.uses, "registration");
  ctx.out.line(`Invite code: ${code}`);
  ctx.out.line(`Good for ${count}, until ${formatDateTime(created.expiresAt)} (shown only now)`);
  ctx.out.line(`Register link: ${link}`);
  ctx.out.line(`Or: chat register USERNAME --invite ${code} --server ${ctx.server}`);
}

function inviteState(invite: ServerInvite, now: number): string {
  if (invite.used >= invite.uses) return "used up";
  if (invite.expiresAt <= now) return "expired";
  return invite.spent ? "spent" : "active";
}

/** `chat admin invites`: the codes made, newest first (never the codes themselves). */
export async function invites(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const list = await ctx.api.serverInvites();
  if (ctx.flags.json) {
    for (const invite of list) ctx.out.json(invite);
    return;
  }
  if (!list.length) return ctx.out.line('No invite codes yet: make one with "chat admin invite"');
  const now = Date.now();
  const rows = list.map((i) => [
    sanitizeLine(i.id),
    inviteState(i, now),
    `${i.used}/${i.uses} used`,
    `expires ${formatDateTime(i.expiresAt)}`,
    `by ${sanitizeLine(i.createdBy.username)} ${formatDateTime(i.createdAt)}`,
  ]);
  for (const line of formatTable([["ID", "STATE", "USES", "EXPIRES", "CREATED"], ...rows])) {
    ctx.out.line(line);
  }
}

/** `chat admin users`: every account, in the server's order. */
export async function users(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const all: AdminUser[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.api.adminUsers({ limit: 500, ...(cursor ? { cursor } : {}) });
    all.push(...page.users);
    cursor = page.nextCursor;
  } while (cursor && all.length < USERS_MAX);
  if (ctx.flags.json) {
    for (const user of all) ctx.out.json(user);
    return;
  }
  const now = Date.now();
  // The server's list may leave display names out: a column only when there are some.
  const named = all.some((u) => u.displayName && u.displayName !== u.username);
  const rows = all.map((u) => [
    sanitizeLine(u.username),
    ...(named ? [sanitizeLine(u.displayName ?? "")] : []),
    u.serverAdmin ? "admin" : "",
    u.deactivatedAt
      ? `deactivated ${formatDateTime(u.deactivatedAt)}`
      : u.online
      ? "online"
      : u.lastSeenAt
      ? `seen ${formatAgo(u.lastSeenAt, now)}`
      : "never seen",
    `joined ${formatDateTime(u.createdAt)}`,
    sanitizeLine(u.id),
  ]);
  const header = ["USERNAME", ...(named ? ["DISPLAY NAME"] : []), "ROLE", "STATE", "JOINED", "ID"];
  for (const line of formatTable([header, ...rows])) ctx.out.line(line);
  if (cursor) ctx.out.warn(`Only the first ${all.length} accounts are listed`);
}

/** `chat admin deactivate USER`: their sessions end and they cannot sign in. */
export async function deactivate(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const user = await lookUpUser(ctx.api, ctx.positionals[0]);
  await ctx.api.deactivateUser(user.id);
  if (ctx.flags.json) ctx.out.json({ userId: user.id, username: user.username, deactivated: true });
  else {
    ctx.out.line(
      `Deactivated ${sanitizeLine(user.username)}: their sessions ended, their messages stay`,
    );
  }
}

/**
 * `chat admin stats`: the counters of the isolate that answered, since it started
 * (with `deno serve --parallel`, each isolate counts its own).
 */
export async function stats(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const counters = await ctx.api.adminStats();
  if (ctx.flags.json) return ctx.out.json(counters);
  const rows = statsRows(counters);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) {
    ctx.out.line(`${`${label}:`.padEnd(width + 2)}${sanitizeLine(value)}`);
  }
}
