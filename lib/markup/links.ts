/**
 * @module Bare links in message text: `http://`, `https://`, `www.` and `mailto:`.
 * Nothing else ever becomes a link, whatever the text says (`javascript:`,
 * `data:`, `ftp:`), and trailing punctuation stays outside the link unless it
 * closes a bracket the link opened (Wikipedia's `Deno_(software)`).
 */

/** A link found in text: `text` is what was written, `href` the normalized URL. */
export interface LinkMatch {
  href: string;
  text: string;
}

// A candidate runs to whitespace, a quote, a backtick or an angle bracket, and is
// capped so that a pathological run costs a bounded amount.
const CANDIDATE = /(?:https?:\/\/|www\.|mailto:)[^\s<>"'`]{1,2048}/iy;
const TRAILING = /[.,;:!?*_~]/;
const OPENER: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
// Deliberately strict: an address, optionally a query; no other mailto: forms.
const MAILTO = /^mailto:[\w.!#$%&*+/=^{|}~-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:\?[^\s]*)?$/i;

/** Drops trailing punctuation and closing brackets that were never opened, in one pass. */
function trimCandidate(candidate: string): string {
  const balance: Record<string, number> = { "(": 0, "[": 0, "{": 0 };
  for (const ch of candidate) {
    if (ch in balance) balance[ch]++;
    else if (ch in OPENER) balance[OPENER[ch]]--;
  }
  let end = candidate.length;
  while (end > 0) {
    const ch = candidate[end - 1];
    if (TRAILING.test(ch)) end--;
    else if (ch in OPENER && balance[OPENER[ch]] < 0) {
      balance[OPENER[ch]]++;
      end--;
    } else break;
  }
  return candidate.slice(0, end);
}

function toHref(text: string): string | undefined {
  const lower = text.slice(0, 7).toLowerCase();
  if (lower === "mailto:") return MAILTO.test(text) ? new URL(text).href : undefined;
  const www = lower.startsWith("www.");
  let url: URL;
  try {
    url = new URL(www ? `https://${text}` : text);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  // "www.example" alone is more likely a word than a site: ask for a dot after it.
  if (!url.hostname || (www && !/^www\.[^.]+\.[^.]/i.test(url.hostname))) return undefined;
  return url.href;
}

/**
 * The link starting exactly at `index` in `text`, if there is one. `skip` is how
 * many characters a caller may treat as plain text when there is none (so that a
 * scan over a hostile line stays linear).
 */
export function matchLink(
  text: string,
  index: number,
): { link?: LinkMatch; skip: number } {
  CANDIDATE.lastIndex = index;
  const candidate = CANDIDATE.exec(text);
  if (!candidate) return { skip: 1 };
  const label = trimCandidate(candidate[0]);
  const href = toHref(label);
  return href ? { link: { href, text: label }, skip: label.length } : { skip: label.length || 1 };
}

/** Whether a link may start after `prev` (the character before it, "" at the start). */
export function linkMayFollow(prev: string): boolean {
  return !/[\p{L}\p{N}.@/:&=%+-]/u.test(prev);
}

/** A piece of text: plain, or a link. */
export type TextPart = string | { href: string; label: string };

/** Splits text into plain runs and links (no other formatting). */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let plain = 0;
  for (let i = 0; i < text.length;) {
    if (!/[hwm]/i.test(text[i]) || !linkMayFollow(text[i - 1] ?? "")) {
      i++;
      continue;
    }
    const { link, skip } = matchLink(text, i);
    if (link) {
      if (i > plain) parts.push(text.slice(plain, i));
      parts.push({ href: link.href, label: link.text });
      plain = i + skip;
    }
    i += skip;
  }
  if (plain < text.length) parts.push(text.slice(plain));
  return parts;
}
