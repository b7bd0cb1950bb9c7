/**
 * @module Mentions in message text: `@username`, `@here` and `@room`, found on the
 * server when a message is stored or edited (the clients only render what the
 * server decided, `message.mentions`).
 *
 * A mention starts with `@` that does not follow a username character or another
 * `@` (so `a@b.c` stays an e-mail address) and runs over username characters
 * (`[A-Za-z0-9_.-]`); a trailing `.` or `-` that names nobody is tried without it, so
 * "thanks @alice." mentions alice. Code (`inline` and fenced blocks) mentions nobody.
 * Usernames are ASCII, so `@ålice` is text. The work is bounded: text is at most
 * 4000 characters, and at most {@linkcode MENTIONS_NAMED_MAX} distinct names are kept.
 */

/** Users one message may mention by name; later names are plain text. */
export const MENTIONS_NAMED_MAX = 50;
/** Ids `message.mentions` lists at most (named first, then `@room`/`@here`'s). */
export const MENTIONS_LISTED_MAX = 100;

const NAME_CHAR = /[A-Za-z0-9_.-]/;

/** What the text asks for, before membership decides. */
export interface MentionTokens {
  /** Candidate usernames, lowercased, distinct, in order of appearance (each with its
   * shorter forms without trailing `.`/`-`, tried in that order). */
  names: string[][];
  room: boolean;
  here: boolean;
}

/** Blanks out code spans and fenced blocks (same length, so nothing else moves). */
function withoutCode(text: string): string {
  if (!text.includes("`")) return text;
  const blank = (m: string) => m.replace(/[^\n]/g, " ");
  return text.replace(/```[\s\S]*?(?:```|$)/g, blank).replace(/`[^`\n]*`/g, blank);
}

/** The mentions a text asks for (see the module doc). */
export function mentionTokens(input: string): MentionTokens {
  const tokens: MentionTokens = { names: [], room: false, here: false };
  if (!input.includes("@")) return tokens;
  const text = withoutCode(input);
  const seen = new Set<string>();
  for (let i = text.indexOf("@"); i !== -1; i = text.indexOf("@", i + 1)) {
    const before = i > 0 ? text[i - 1] : "";
    if (before && (NAME_CHAR.test(before) || before === "@")) continue;
    let end = i + 1;
    while (end < text.length && NAME_CHAR.test(text[end])) end++;
    const raw = text.slice(i + 1, end).toLowerCase();
    // A run longer than any username (and its punctuation) is not a mention.
    if (raw.length === 0 || raw.length > 40) continue;
    if (end < text.length && text[end] === "@") continue; // "@a@b": an address
    const forms = [raw];
    for (let cut = raw; /[.-]$/.test(cut);) {
      cut = cut.slice(0, -1);
      if (cut) forms.push(cut);
    }
    if (forms.includes("room")) tokens.room = true;
    if (forms.includes("here")) tokens.here = true;
    const key = forms.join(" ");
    if (seen.has(key)) continue;
    seen.add(key);
    const names = forms.filter((f) => f.length >= 3 && f.length <= 32);
    if (names.length) tokens.names.push(names);
  }
  return tokens;
}

/** Whether a text asks for any mention at all (else nothing needs resolving). */
export function hasMentions(tokens: MentionTokens): boolean {
  return tokens.names.length > 0 || tokens.room || tokens.here;
}

/** Who a message mentions, once membership and roles decided. */
export interface Mentions {
  /** Ids of the members named (at most MENTIONS_NAMED_MAX), in order. */
  named: string[];
  /** `@room` or `@here` counted (the sender may use them). */
  all?: "room" | "here";
  /** For `@here`: the members online when it was sent. */
  hereIds?: string[];
  /** `message.mentions`: named, then those `@room`/`@here` reached, up to MENTIONS_LISTED_MAX. */
  listed: string[];
}

export interface MentionContext {
  /** The room's members: lowercased username → id. */
  members: Map<string, string>;
  /** Whether the sender may use `@room` and `@here`. */
  mayMentionAll: boolean;
  /** The ids of the members online now (asked only for an `@here` that counts). */
  online(): Promise<string[]>;
  /** The sender, never mentioned by their own `@room`/`@here`. */
  senderId: string;
}

/** Resolves a text's tokens against the room (see {@linkcode Mentions}). */
export async function resolveMentions(
  tokens: MentionTokens,
  ctx: MentionContext,
): Promise<Mentions> {
  const named: string[] = [];
  for (const forms of tokens.names) {
    if (named.length >= MENTIONS_NAMED_MAX) break;
    for (const form of forms) {
      const id = ctx.members.get(form);
      if (id === undefined) continue;
      if (!named.includes(id)) named.push(id);
      break;
    }
  }
  const mentions: Mentions = { named, listed: named.slice(0, MENTIONS_LISTED_MAX) };
  if (!ctx.mayMentionAll || !(tokens.room || tokens.here)) return mentions;
  let reached: string[];
  if (tokens.room) {
    mentions.all = "room";
    reached = [...ctx.members.values()];
  } else {
    mentions.all = "here";
    const members = new Set(ctx.members.values());
    reached = (await ctx.online()).filter((id) => members.has(id) && id !== ctx.senderId);
    mentions.hereIds = reached;
  }
  reached = reached.filter((id) => id !== ctx.senderId && !named.includes(id));
  if (named.length + reached.length <= MENTIONS_LISTED_MAX) {
    mentions.listed = [...named, ...reached];
  }
  return mentions;
}

/** Whether a stored message mentions a user (by name, or by an `@room`/`@here` that reached them). */
export function mentionsUser(
  message: { mentions?: string[]; mentionsAll?: "room" | "here"; userId: string },
  userId: string,
  hereIds?: string[],
): boolean {
  if (message.userId === userId) return false;
  if (message.mentions?.includes(userId)) return true;
  if (message.mentionsAll === "room") return true;
  return message.mentionsAll === "here" && (hereIds?.includes(userId) ?? false);
}
