/**
 * A message's text: always rendered as text (Preact escapes it), never as HTML.
 * http(s) links become anchors that open in a new tab without giving it a handle
 * on this page; right-to-left text is isolated (`dir="auto"`) and long words wrap.
 */

import { cx } from "./_cx.ts";

/** A piece of a message: plain text, or a link. */
export type TextPart = string | { href: string; label: string };

// Stops at whitespace, quotes and angle brackets; trailing punctuation is trimmed below.
const URL_RE = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?*]$/;

function trimUrl(candidate: string): string {
  let url = candidate;
  while (url.length > 0) {
    if (TRAILING.test(url)) {
      url = url.slice(0, -1);
      continue;
    }
    // A closing bracket belongs to the link only when it has its opening one:
    // "(see https://en.wikipedia.org/wiki/Deno_(software))".
    const last = url.at(-1)!;
    const open = { ")": "(", "]": "[", "}": "{" }[last];
    if (open && url.split(open).length - 1 < url.split(last).length - 1) {
      url = url.slice(0, -1);
      continue;
    }
    return url;
  }
  return url;
}

/** Splits text into plain runs and http(s) links. */
export function linkify(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_RE)) {
    const label = trimUrl(match[0]);
    let href: string;
    try {
      const url = new URL(label);
      if ((url.protocol !== "http:" && url.protocol !== "https:") || !url.hostname) continue;
      href = url.href;
    } catch {
      continue;
    }
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push({ href, label });
    last = match.index + label.length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

export interface MessageTextProps {
  text: string;
  class?: string;
}

export function MessageText({ text, class: extra }: MessageTextProps) {
  return (
    <p
      dir="auto"
      class={cx("whitespace-pre-wrap break-words [overflow-wrap:anywhere]", extra)}
    >
      {linkify(text).map((part) =>
        typeof part === "string" ? part : (
          <a
            href={part.href}
            target="_blank"
            rel="noopener noreferrer"
            class="text-indigo-700 underline decoration-indigo-300 underline-offset-2 hover:decoration-2 dark:text-indigo-300 dark:decoration-indigo-500"
          >
            {part.label}
          </a>
        )
      )}
    </p>
  );
}
