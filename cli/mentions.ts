/**
 * @module What the terminal client reads in a message about me and about threads:
 * whether it mentions me, and whether it belongs in the room's timeline or only in
 * its thread. Shared by the interactive mode and the scriptable commands.
 */

import type { Message } from "../lib/protocol/types.ts";

/** The most ids `message.mentions` lists; beyond it, only those named are. */
const MENTIONS_LISTED_MAX = 100;

/**
 * A message mentions me when the server listed my id, or when it reached the whole
 * room: an `@room` always does; an `@here` reached those online then, so it does
 * when received `live` (I am online), or when the list is full (beyond 100 ids it
 * holds only those named, and cannot say). My own messages never mention me.
 */
export function mentionsMe(
  message: Message,
  me: string | undefined,
  options: { live?: boolean } = {},
): boolean {
  if (message.deleted || me === undefined || message.userId === me) return false;
  if (message.mentions?.includes(me)) return true;
  if (message.mentionsAll === "room") return true;
  if (message.mentionsAll === "here") {
    return options.live === true || (message.mentions?.length ?? 0) >= MENTIONS_LISTED_MAX;
  }
  return false;
}

/** A thread reply that shows only in its thread (not sent with "also in the room"). */
export function inThreadOnly(message: Pick<Message, "threadRoot" | "alsoInRoom">): boolean {
  return message.threadRoot !== undefined && message.alsoInRoom !== true;
}
