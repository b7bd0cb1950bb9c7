/**
 * @module What one message puts in the search index: its text's terms, its file
 * names' terms, and the operators' pseudo-terms, bounded per message.
 *
 * Pseudo-terms start with `#`, which no word of a text can (the segmenter never
 * makes it part of a word): `#all` (every live message: what a query of only
 * `in:`/`before:`/`after:` walks), `#from:<userId>`, `#file`, `#link`, and for
 * `is:mention` `#@<userId>` per user the message names, or `#@all` for an `@room`
 * or `@here` (who it reached is then decided by the mention index, at query time).
 */

import type { Message } from "../protocol/types.ts";
import { linkify } from "../markup/links.ts";
import { analyze, indexTerm } from "./tokenize.ts";

/** Distinct terms one message indexes at most (the rest of a long text is not indexed). */
export const TERMS_MAX = 512;
/** Their UTF-8 bytes at most (so a message's index record stays far below KV's 64 KiB). */
export const TERM_BYTES_MAX = 12_000;

export const ALL = "#all";
export const FILE = "#file";
export const LINK = "#link";
export const MENTION_ALL = "#@all";

export function fromTerm(userId: string): string {
  return `#from:${userId}`;
}

export function mentionTerm(userId: string): string {
  return `#@${userId}`;
}

/** Whether a text has a link (the same rule that makes links clickable). */
export function hasLink(text: string): boolean {
  if (!/https?:|www\.|mailto:/i.test(text)) return false;
  return linkify(text).some((part) => typeof part !== "string");
}

/** The distinct terms a message indexes, pseudo-terms first; none once deleted. */
export function termsOf(message: Message): string[] {
  if (message.deleted) return [];
  const terms = new Set<string>([ALL, fromTerm(message.userId)]);
  if (message.files?.length) terms.add(FILE);
  if (hasLink(message.text)) terms.add(LINK);
  if (message.mentionsAll) terms.add(MENTION_ALL);
  else for (const id of message.mentions ?? []) terms.add(mentionTerm(id));
  let bytes = 0;
  for (const term of terms) bytes += term.length + 1;
  const texts = [message.text, ...(message.files ?? []).map((f) => f.name)];
  for (const text of texts) {
    for (const token of analyze(text).tokens) {
      const term = indexTerm(token.term);
      if (terms.has(term)) continue;
      const size = utf8Length(term) + 1;
      if (terms.size >= TERMS_MAX || bytes + size > TERM_BYTES_MAX) return [...terms];
      terms.add(term);
      bytes += size;
    }
  }
  return [...terms];
}

function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
