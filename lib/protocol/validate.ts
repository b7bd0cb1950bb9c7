/**
 * @module Validation of everything a client sends, shared by the server (which
 * trusts nothing) and the clients (which show the same rules before sending).
 * Each function returns the normalized value or throws {@linkcode BadRequestError}.
 */

import { BadRequestError } from "../errors.ts";
import {
  CLIENT_ID_MAX,
  EMOJI_MAX_BYTES,
  FILES_PER_MESSAGE,
  ID_MAX,
  MESSAGE_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  ROOM_NAME_MAX,
  TOPIC_MAX,
  USERNAME_MAX,
  USERNAME_MIN,
} from "./limits.ts";

const USERNAME_RE = /^[A-Za-z0-9_.-]+$/;
const ID_RE = /^[0-9a-z]+$/;
const CLIENT_ID_RE = /^[\x21-\x7e]+$/;
// A lone surrogate cannot be encoded as UTF-8: it would be silently corrupted.
const LONE_SURROGATE_RE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Control and invisible format characters (bidi overrides, zero-width spaces, BOM)
// make names that render misleadingly. U+200D (joiner) and the tag characters
// stay allowed: emoji sequences need them.
const NAME_FORBIDDEN_RE = /[\p{Cc}]|(?![\u200d\u{e0020}-\u{e007f}])\p{Cf}/u;

/** Length in code points, which is what a person counts as characters. */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") {
    throw new BadRequestError(`Field "${field}" must be a string`);
  }
  return value;
}

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE_RE.test(text);
}

/** True when `value` follows the username rules (no message: for lookups, not input). */
export function isUsername(value: unknown): value is string {
  return typeof value === "string" && value.length >= USERNAME_MIN &&
    value.length <= USERNAME_MAX && USERNAME_RE.test(value);
}

export function validateUsername(value: unknown): string {
  const name = requireString(value, "username");
  const len = name.length;
  if (len < USERNAME_MIN || len > USERNAME_MAX) {
    throw new BadRequestError(
      `Username must be ${USERNAME_MIN}–${USERNAME_MAX} characters: it has ${charLength(name)}`,
    );
  }
  if (!USERNAME_RE.test(name)) {
    throw new BadRequestError(
      "Username may contain only letters, digits, underscores, dots and hyphens",
    );
  }
  return name;
}

export function validatePassword(value: unknown): string {
  const password = requireString(value, "password");
  // Checked on UTF-16 length first so a megabyte password costs nothing to refuse.
  if (password.length > PASSWORD_MAX * 2) {
    throw new BadRequestError(`Password is too long: the limit is ${PASSWORD_MAX} characters`);
  }
  const len = charLength(password);
  if (len < PASSWORD_MIN) {
    throw new BadRequestError(`Password is too short: the minimum is ${PASSWORD_MIN} characters`);
  }
  if (len > PASSWORD_MAX) {
    throw new BadRequestError(`Password is too long: the limit is ${PASSWORD_MAX} characters`);
  }
  if (hasLoneSurrogate(password)) {
    throw new BadRequestError("Password contains an invalid character: a lone surrogate");
  }
  return password;
}

function validateLabel(value: unknown, field: string, label: string, max: number): string {
  const text = requireString(value, field).trim();
  if (hasLoneSurrogate(text)) {
    throw new BadRequestError(`${label} contains an invalid character: a lone surrogate`);
  }
  if (NAME_FORBIDDEN_RE.test(text)) {
    throw new BadRequestError(`${label} contains a control or invisible formatting character`);
  }
  const len = charLength(text);
  if (len > max) {
    throw new BadRequestError(`${label} is too long: ${len} characters, the limit is ${max}`);
  }
  return text;
}

export function validateRoomName(value: unknown): string {
  const name = validateLabel(value, "name", "Room name", ROOM_NAME_MAX);
  if (name.length === 0) throw new BadRequestError("Room name must not be empty");
  return name;
}

/** v2: a display name: 1–64 characters after trimming, validated like a room name. */
export function validateDisplayName(value: unknown): string {
  const name = validateLabel(value, "displayName", "Display name", ROOM_NAME_MAX);
  if (name.length === 0) throw new BadRequestError("Display name must not be empty");
  return name;
}

export function validateTopic(value: unknown): string {
  if (value === undefined || value === null) return "";
  return validateLabel(value, "topic", "Topic", TOPIC_MAX);
}

/** Message text: trailing whitespace trimmed, 1–4000 characters, no NUL. */
export function validateMessageText(value: unknown): string {
  const raw = requireString(value, "text");
  if (raw.length > MESSAGE_MAX * 4) {
    throw new BadRequestError(`Message is too long: the limit is ${MESSAGE_MAX} characters`);
  }
  const text = raw.trimEnd();
  if (text.length === 0) throw new BadRequestError("Message must not be empty");
  if (text.includes("\0")) throw new BadRequestError("Message contains a NUL character");
  if (hasLoneSurrogate(text)) {
    throw new BadRequestError("Message contains an invalid character: a lone surrogate");
  }
  const len = charLength(text);
  if (len > MESSAGE_MAX) {
    throw new BadRequestError(
      `Message is too long: ${len} characters, the limit is ${MESSAGE_MAX}`,
    );
  }
  return text;
}

export function validateClientId(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  const id = requireString(value, "clientId");
  if (id.length === 0 || id.length > CLIENT_ID_MAX || !CLIENT_ID_RE.test(id)) {
    throw new BadRequestError(
      `Field "clientId" must be 1–${CLIENT_ID_MAX} printable ASCII characters`,
    );
  }
  return id;
}

/** True when `value` could be an id the server minted. Anything else names nothing. */
export function isWellFormedId(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= ID_MAX &&
    ID_RE.test(value);
}

// One RGI emoji (ZWJ sequences, flags, keycaps, skin tones), or a pictograph with an
// optional emoji presentation selector (❤ and ❤️ both). Made on first use, as the
// segmenter is: building either costs milliseconds, and every start would pay them.
let emojiRe: RegExp | undefined;
let graphemes: Intl.Segmenter | undefined;

/** One emoji: a single grapheme that is an emoji, at most 32 bytes of UTF-8. */
export function validateEmoji(value: unknown): string {
  const emoji = requireString(value, "emoji");
  if (emoji.length > EMOJI_MAX_BYTES || new TextEncoder().encode(emoji).length > EMOJI_MAX_BYTES) {
    throw new BadRequestError(`Emoji is too long: the limit is ${EMOJI_MAX_BYTES} bytes`);
  }
  if (emoji.length === 0 || hasLoneSurrogate(emoji)) {
    throw new BadRequestError("Emoji must be one emoji");
  }
  graphemes ??= new Intl.Segmenter(undefined, { granularity: "grapheme" });
  let count = 0;
  for (const _ of graphemes.segment(emoji)) count++;
  emojiRe ??= /^(?:\p{RGI_Emoji}|\p{Extended_Pictographic}\uFE0F?)$/v;
  if (count !== 1 || !emojiRe.test(emoji)) throw new BadRequestError("Emoji must be one emoji");
  return emoji;
}

/** A sequence number: a safe non-negative integer. */
export function validateSeq(value: unknown, field: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new BadRequestError(`Field "${field}" must be a non-negative integer`);
  }
  return value;
}

/** Parses a query parameter as a sequence number; absent gives undefined. */
export function parseSeqParam(value: string | undefined, field: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  if (!/^\d{1,15}$/.test(value)) {
    throw new BadRequestError(`Parameter "${field}" must be a non-negative integer`);
  }
  return Number(value);
}

/**
 * v2 `files` of a send: up to FILES_PER_MESSAGE well-formed ids, no repeats (which
 * file they name, and whether it is mine to post, the file service checks).
 */
export function validateFileIds(value: unknown): string[] {
  if (!Array.isArray(value)) throw new BadRequestError('Field "files" must be an array of ids');
  if (value.length > FILES_PER_MESSAGE) {
    throw new BadRequestError(
      `Too many files: ${value.length}, a message carries at most ${FILES_PER_MESSAGE}`,
    );
  }
  for (const id of value) {
    if (!isWellFormedId(id)) throw new BadRequestError('Field "files" must hold file ids');
  }
  if (new Set(value).size !== value.length) {
    throw new BadRequestError('Field "files" names a file twice');
  }
  return value as string[];
}

/**
 * A message's text when it may be empty because it carries files: trailing
 * whitespace trimmed, and otherwise the rules of `validateMessageText`.
 */
export function validateCaption(value: unknown): string {
  if (value === undefined || value === null) return "";
  const raw = requireString(value, "text");
  return raw.trimEnd() === "" ? "" : validateMessageText(raw);
}
