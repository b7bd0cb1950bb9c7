/**
 * @module What a USER argument names: a username, with or without a leading `@`
 * (as messages show it), checked before any request; in a room, one of its members.
 */

import type { ChatApi } from "../lib/client/http.ts";
import { ChatError } from "../lib/errors.ts";
import type { Member, UserProfile } from "../lib/protocol/types.ts";
import { validateUsername } from "../lib/protocol/validate.ts";
import { InvalidInputError, UnknownUserError } from "./errors.ts";
import { sanitizeLine } from "./sanitize.ts";

/** The username of a USER argument (`alice` or `@alice`), validated. */
export function parseUserArg(arg: string): string {
  const name = arg.trim().replace(/^@/, "");
  try {
    return validateUsername(name);
  } catch (err) {
    throw new InvalidInputError(`Invalid user "${arg}": ${(err as Error).message}`);
  }
}

/** The member of that username (usernames are unique ignoring case). */
export function findMember(members: Member[], username: string): Member | undefined {
  const folded = username.toLowerCase();
  return members.find((m) => m.username === username) ??
    members.find((m) => m.username.toLowerCase() === folded);
}

/**
 * The member a USER argument names in a room whose members are given; throws
 * {@linkcode UnknownUserError} (exit 4) naming the room when they are not in it.
 */
export function memberArg(members: Member[], arg: string, roomLabel: string): Member {
  const username = parseUserArg(arg);
  const member = findMember(members, username);
  if (!member) throw new UnknownUserError(arg, `not a member of ${roomLabel}`);
  return member;
}

/** Anyone with an account, by a USER argument: their profile (with their id). */
export async function lookUpUser(api: ChatApi, arg: string): Promise<UserProfile> {
  const username = parseUserArg(arg);
  try {
    return await api.user(username);
  } catch (err) {
    if (err instanceof ChatError && err.code === "not_found") throw new UnknownUserError(arg);
    throw err;
  }
}

/**
 * How a person is named in output: `Alice Smith (@alice)` when they chose a display
 * name, else `alice`. Both come from the server: sanitized.
 */
export function personLabel(user: { username: string; displayName?: string }): string {
  const username = sanitizeLine(user.username);
  const display = user.displayName ? sanitizeLine(user.displayName) : "";
  return display && display !== username ? `${display} (@${username})` : username;
}
