/**
 * @module Subcommands about my account: `profile` (my display name), `avatar`,
 * `password` and `sessions`.
 */

import "../../lib/client/admin.ts";
import { ChatError } from "../../lib/errors.ts";
import type { SessionInfo, User } from "../../lib/protocol/types.ts";
import { validateDisplayName, validatePassword } from "../../lib/protocol/validate.ts";
import { deleteCredentials } from "../config.ts";
import { type Context, requireLogin } from "../context.ts";
import { InvalidInputError, UsageError } from "../errors.ts";
import { formatAgo, formatDateTime, formatSize, formatTable } from "../format.ts";
import { sanitizeLine } from "../sanitize.ts";
import { promptHidden, readStdinSecret } from "../stdin.ts";

/** The server refuses larger avatars (413); saying so first spares the upload. */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024;

function checkedInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new InvalidInputError((err as Error).message);
  }
}

/** The lines of `chat profile`: who I am, as others see me. */
export function profileLines(user: User, server: string): string[] {
  const rows = [
    ["Username:", sanitizeLine(user.username)],
    ["Display name:", sanitizeLine(user.displayName ?? user.username)],
    ["Avatar:", user.avatarUrl ? sanitizeLine(new URL(user.avatarUrl, server).href) : "none"],
  ];
  if (user.serverAdmin) rows.push(["Server admin:", "yes"]);
  return formatTable(rows);
}

function printUser(ctx: Context, user: User, said?: string): void {
  if (ctx.flags.json) return ctx.out.json({ server: ctx.server, user });
  if (said) ctx.out.line(said);
  for (const line of profileLines(user, ctx.server)) ctx.out.line(line);
}

/** `chat profile [--display-name NAME | --clear-display-name]`. */
export async function profile(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const { displayName, clearDisplayName } = ctx.flags;
  if (displayName !== undefined && clearDisplayName) {
    throw new UsageError("Give --display-name NAME or --clear-display-name, not both");
  }
  if (displayName === undefined && !clearDisplayName) return printUser(ctx, await ctx.api.me());
  const name = clearDisplayName ? null : checkedInput(() => validateDisplayName(displayName));
  const user = await ctx.api.updateProfile({ displayName: name });
  printUser(ctx, user, name === null ? "Display name cleared" : "Display name set");
}

/** The type an image file's name says, for the upload's `content-type` (the server sniffs). */
export function imageTypeOf(path: string): string {
  const ext = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  const types: Record<string, string> = {
    png: "image/png",
    jpg: "image/jpeg",
    jpeg: "image/jpeg",
    gif: "image/gif",
    webp: "image/webp",
  };
  return (ext && types[ext]) || "application/octet-stream";
}

async function readImage(path: string): Promise<Uint8Array> {
  if (path === "-") return new Uint8Array(await new Response(Deno.stdin.readable).arrayBuffer());
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new InvalidInputError(`No such file: "${path}"`);
    throw err;
  }
  if (!info.isFile) throw new InvalidInputError(`Not a file: "${path}"`);
  if (info.size > AVATAR_MAX_BYTES) {
    throw new InvalidInputError(
      `Avatar is too large: "${path}" is ${formatSize(info.size)}, the limit is ${
        formatSize(AVATAR_MAX_BYTES)
      }`,
    );
  }
  return await Deno.readFile(path);
}

/** `chat avatar FILE` (PNG, JPEG, GIF or WebP; `-` for stdin), `chat avatar --remove`. */
export async function avatar(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [path] = ctx.positionals;
  if (ctx.flags.remove) {
    if (path !== undefined) throw new UsageError("Give FILE or --remove, not both");
    await ctx.api.removeAvatar();
    if (ctx.flags.json) ctx.out.json({ server: ctx.server, avatar: null });
    else ctx.out.line("Avatar removed: your initials show instead");
    return;
  }
  if (path === undefined) throw new UsageError("Missing arguments: usage: chat avatar FILE");
  const bytes = await readImage(path);
  if (!bytes.length) throw new InvalidInputError(`The file is empty: "${path}"`);
  const user = await ctx.api.setAvatar(bytes, imageTypeOf(path));
  if (ctx.flags.json) return ctx.out.json({ server: ctx.server, user });
  const url = user.avatarUrl ? new URL(user.avatarUrl, ctx.server).href : "";
  ctx.out.line(`Avatar set${url ? `: ${sanitizeLine(url)}` : ""}`);
}

/** The two lines of `password --password-stdin`: the current password, then the new one. */
export function splitPasswords(text: string): { current: string; password: string } {
  const lines = text.split(/\r?\n/);
  if (lines.length > 2 && lines.slice(2).some((line) => line !== "")) {
    throw new InvalidInputError("Expected two lines on stdin: the current password, then the new");
  }
  const [current = "", password = ""] = lines;
  if (!current || !password) {
    throw new InvalidInputError("Expected two lines on stdin: the current password, then the new");
  }
  return { current, password };
}

async function askPasswords(fromStdin: boolean): Promise<{ current: string; password: string }> {
  if (fromStdin) return splitPasswords(await readStdinSecret());
  const current = await promptHidden("Current password: ");
  const password = await promptHidden("New password: ");
  checkedInput(() => validatePassword(password));
  const again = await promptHidden("Repeat the new password: ");
  if (again !== password) throw new InvalidInputError("The new passwords do not match");
  return { current, password };
}

/** `chat password [--password-stdin]`: every other session of mine ends. */
export async function password(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const { current, password } = await askPasswords(ctx.flags.passwordStdin);
  checkedInput(() => validatePassword(password));
  if (current === password) {
    throw new InvalidInputError("The new password is the current one: nothing to change");
  }
  try {
    await ctx.api.changePassword(current, password);
  } catch (err) {
    if (err instanceof ChatError && err.code === "invalid_credentials") {
      throw new ChatError("invalid_credentials", "The current password is wrong: nothing changed");
    }
    throw err;
  }
  if (ctx.flags.json) ctx.out.json({ server: ctx.server, changed: true });
  else ctx.out.line("Password changed: your other sessions have ended, this one goes on");
}

/** The rows of `chat sessions`: id, device, created, last used, `*` for this one. */
export function sessionRows(sessions: SessionInfo[], now = Date.now()): string[][] {
  return sessions.map((s) => [
    s.current ? "*" : " ",
    sanitizeLine(s.id),
    sanitizeLine(s.userAgent || "unknown device"),
    formatDateTime(s.createdAt),
    s.current ? "now" : formatAgo(s.lastUsedAt, now),
  ]);
}

/** `chat sessions [--end ID | --end-others]`. */
export async function sessions(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const { end, endOthers } = ctx.flags;
  if (end !== undefined && endOthers) {
    throw new UsageError("Give --end ID or --end-others, not both");
  }
  if (endOthers) {
    await ctx.api.endOtherSessions();
    if (ctx.flags.json) ctx.out.json({ server: ctx.server, ended: "others" });
    else ctx.out.line("Every other session has ended: this one goes on");
    return;
  }
  if (end !== undefined) {
    const id = end.trim();
    if (!id) throw new InvalidInputError("Option --end needs a session id, as chat sessions lists");
    const current = (await ctx.api.sessions()).find((s) => s.current)?.id === id;
    await ctx.api.endSession(id);
    // Ending this session is a logout: its token is dead, forget it.
    if (current) await deleteCredentials(ctx.credentialsPath);
    if (ctx.flags.json) ctx.out.json({ server: ctx.server, ended: id, current });
    else ctx.out.line(current ? `Ended this session (${id}): logged out` : `Ended session ${id}`);
    return;
  }
  const list = await ctx.api.sessions();
  if (ctx.flags.json) {
    for (const session of list) ctx.out.json(session);
    return;
  }
  const header = ["", "ID", "DEVICE", "CREATED", "LAST USED"];
  for (const line of formatTable([header, ...sessionRows(list)])) ctx.out.line(line);
}
