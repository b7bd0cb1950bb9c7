/**
 * @module Subcommands about the session: `register` (`--invite CODE` on a server
 * that registers by invitation), `login`, `logout`, `whoami`.
 */

import "../../lib/client/admin.ts";
import { ChatApi, NetworkError } from "../../lib/client/http.ts";
import { ChatError } from "../../lib/errors.ts";
import { validatePassword, validateUsername } from "../../lib/protocol/validate.ts";
import { deleteCredentials, saveCredentials } from "../config.ts";
import { type Context, requireLogin } from "../context.ts";
import { InvalidInputError } from "../errors.ts";
import { sanitizeLine } from "../sanitize.ts";
import { readPassword } from "../stdin.ts";

function usernameArg(ctx: Context): string {
  try {
    return validateUsername(ctx.positionals[0]);
  } catch (err) {
    throw new InvalidInputError((err as Error).message);
  }
}

async function authenticate(ctx: Context, mode: "register" | "login"): Promise<void> {
  const username = usernameArg(ctx);
  const password = await readPassword({
    fromStdin: ctx.flags.passwordStdin,
    confirm: mode === "register",
  });
  if (mode === "register") {
    try {
      validatePassword(password);
    } catch (err) {
      throw new InvalidInputError((err as Error).message);
    }
  }
  const api = new ChatApi(ctx.server);
  const invite = ctx.flags.invite?.trim();
  if (ctx.flags.invite !== undefined && !invite) {
    throw new InvalidInputError("Option --invite needs the code the server's admin gave you");
  }
  const result = mode === "login"
    ? await api.login(username, password)
    : invite
    ? await api.registerWithInvite(username, password, invite)
    : await registerOpen(api, username, password);
  // A previous session of ours on this server is not needed any more: revoke it.
  const previous = ctx.credentials;
  if (previous && previous.token !== result.token) {
    await new ChatApi(ctx.server, { token: previous.token }).logout().catch(() => {});
  }
  await saveCredentials({
    server: ctx.server,
    username: result.user.username,
    userId: result.user.id,
    token: result.token,
    savedAt: Date.now(),
  }, ctx.credentialsPath);
  if (ctx.flags.json) {
    ctx.out.json({ server: ctx.server, user: result.user });
  } else {
    const verb = mode === "register" ? "Registered and logged in" : "Logged in";
    ctx.out.line(`${verb} as ${sanitizeLine(result.user.username)} on ${ctx.server}`);
  }
}

/**
 * Registers without a code; on a server that wants one (403), says how to get in
 * rather than only that it may not.
 */
async function registerOpen(api: ChatApi, username: string, password: string) {
  try {
    return await api.register(username, password);
  } catch (err) {
    if (!(err instanceof ChatError && err.code === "forbidden")) throw err;
    const mode = await api.config().then((c) => c.registration, () => undefined);
    if (mode !== "invite") throw err;
    throw new ChatError(
      "forbidden",
      `${err.message}: this server registers by invitation: ask its admin for a code, then ` +
        `"chat register ${username} --invite CODE"`,
    );
  }
}

export function register(ctx: Context): Promise<void> {
  return authenticate(ctx, "register");
}

export function login(ctx: Context): Promise<void> {
  return authenticate(ctx, "login");
}

/**
 * Revokes the session on the server, then deletes the saved credentials. When the
 * server cannot be reached the file is kept, so that the token can still be revoked.
 */
export async function logout(ctx: Context): Promise<void> {
  const credentials = requireLogin(ctx);
  let revoked = true;
  try {
    await ctx.api.logout();
  } catch (err) {
    if (err instanceof NetworkError) {
      throw new NetworkError(
        `Cannot reach the server to end the session: ${ctx.server}: nothing was changed, try again later`,
      );
    }
    // Expired or already revoked elsewhere: nothing left to revoke.
    if (!(err instanceof ChatError && err.code === "unauthorized")) throw err;
    revoked = false;
  }
  await deleteCredentials(ctx.credentialsPath);
  if (ctx.flags.json) {
    ctx.out.json({ server: ctx.server, username: credentials.username, revoked });
  } else {
    ctx.out.line(`Logged out ${sanitizeLine(credentials.username)} from ${ctx.server}`);
  }
}

export async function whoami(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const user = await ctx.api.me();
  if (ctx.flags.json) ctx.out.json({ server: ctx.server, user });
  else ctx.out.line(`${sanitizeLine(user.username)} on ${ctx.server}`);
}
