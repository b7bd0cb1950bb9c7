/**
 * Who a message mentions, as the web app shows it: the server decides
 * (`message.mentions`, `message.mentionsAll`); this reads its answer. Shared by the
 * conversation (highlights, chips) and the room list (mention counts).
 */

import type { Message } from "../lib/protocol/types.ts";

type Mentioning = Pick<Message, "userId" | "mentions" | "mentionsAll">;

/**
 * Whether `message` mentions me: by name, `@room`, or an `@here` (which reached me
 * when I got it `live`: only online members get one; an old one lists them, up to 100).
 * Never my own message.
 */
export function mentionsMe(message: Mentioning, me: string, live = false): boolean {
  return message.userId !== me &&
    (!!message.mentions?.includes(me) || message.mentionsAll === "room" ||
      (live && !!message.mentionsAll));
}

/** The lowercase names whose `@name` is a mention in `message` (see lib/markup). */
export function mentionNames(
  message: Mentioning,
  names: Readonly<Record<string, string>>,
): Set<string> {
  const found = new Set<string>();
  for (const id of message.mentions ?? []) if (names[id]) found.add(names[id].toLowerCase());
  if (message.mentionsAll) found.add(message.mentionsAll);
  return found;
}
