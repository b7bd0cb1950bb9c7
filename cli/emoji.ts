/**
 * @module Emoji as a terminal user types them: the emoji itself, or a shortcode
 * (`:+1:`, `:tada:`) for keyboards and terminals where typing 👍 is a chore. Used
 * by `chat react` and the interactive `/react`; Tab completes the shortcodes.
 */

import { validateEmoji } from "../lib/protocol/validate.ts";
import { InvalidInputError } from "./errors.ts";
import { sanitizeLine } from "./sanitize.ts";

/** Shortcodes as Slack, GitHub and Discord spell them, for the usual reactions. */
export const SHORTCODES: Readonly<Record<string, string>> = {
  "+1": "👍",
  thumbsup: "👍",
  "-1": "👎",
  thumbsdown: "👎",
  heart: "❤️",
  joy: "😂",
  smile: "😄",
  laughing: "😆",
  wink: "😉",
  slightly_smiling_face: "🙂",
  heart_eyes: "😍",
  thinking: "🤔",
  open_mouth: "😮",
  cry: "😢",
  sob: "😭",
  tada: "🎉",
  partying_face: "🥳",
  eyes: "👀",
  fire: "🔥",
  rocket: "🚀",
  100: "💯",
  pray: "🙏",
  clap: "👏",
  wave: "👋",
  ok_hand: "👌",
  muscle: "💪",
  white_check_mark: "✅",
  check: "✅",
  x: "❌",
  warning: "⚠️",
  star: "⭐",
  coffee: "☕",
};

/** `:name:` for every shortcode (completion candidates). */
export const SHORTCODE_NAMES: readonly string[] = Object.keys(SHORTCODES).map((n) => `:${n}:`);

/**
 * The emoji a user means: a shortcode (`:+1:`, the closing colon optional) or one
 * emoji as is, checked as the server will. Throws {@linkcode InvalidInputError}.
 */
export function parseEmoji(input: string): string {
  const code = /^:([a-z0-9_+-]+):?$/i.exec(input);
  if (code) {
    const name = code[1].toLowerCase();
    if (Object.hasOwn(SHORTCODES, name)) return SHORTCODES[name];
    throw new InvalidInputError(`Unknown emoji shortcode: "${sanitizeLine(input)}"`);
  }
  try {
    return validateEmoji(input);
  } catch (err) {
    const chars = Array.from(input);
    const shown = sanitizeLine(chars.length > 40 ? `${chars.slice(0, 40).join("")}…` : input);
    throw new InvalidInputError(`${(err as Error).message}: got "${shown}"`);
  }
}
