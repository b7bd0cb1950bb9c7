/**
 * @module What every slash command module shares: a notice in the current
 * buffer, the "not logged in" refusal, and turning a parse error into a
 * `bad_request` the prompt shows.
 */

import { ChatError } from "../../lib/errors.ts";
import type { SlashContext } from "./slash_commands.ts";

export function notice(ctx: SlashContext, text: string): void {
  ctx.session.model.notice(text);
}

export function needLogin(ctx: SlashContext): void {
  if (!ctx.session.credentials) throw new ChatError("unauthorized", "Not logged in: /login USER");
}

export function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ChatError("bad_request", (err as Error).message);
  }
}
