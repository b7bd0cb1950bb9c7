/**
 * A message's text with its formatting (`lib/markup/`): bold, italics, strikes,
 * code, code blocks, quotes and links, as Preact elements. Text is always text
 * (Preact escapes it), never HTML. Links open in a new tab without a handle on
 * this page; right-to-left text is isolated (`dir="auto"`) and long words wrap.
 *
 * Mentions (`mentions`: the names the server found) are chips, mine in bold on
 * amber; an `@name` the server did not count stays text.
 *
 * A plain one-paragraph message stays one `<p>`. A long one folds behind a
 * `<details>` "Show more": a real disclosure button that works before (and
 * without) JavaScript. Nothing here depends on the time or the locale, so the
 * server's HTML and the hydrated island's agree.
 */

import type { ComponentChildren } from "preact";
import { cx } from "./_cx.ts";
import { fold } from "../lib/markup/fold.ts";
import { type Block, type Inline, parse } from "../lib/markup/parse.ts";

export { linkify, type TextPart } from "../lib/markup/links.ts";

const WRAP = "break-words [overflow-wrap:anywhere]";
const LINK =
  "text-indigo-700 underline decoration-indigo-300 underline-offset-2 hover:decoration-2 dark:text-indigo-300 dark:decoration-indigo-500";
const CODE = "rounded border border-gray-200 bg-gray-100 px-1 font-mono text-[0.875em] " +
  "dark:border-gray-700 dark:bg-black/30";
const PRE = "overflow-x-auto whitespace-pre rounded-md border border-gray-200 bg-gray-100 " +
  "px-3 py-2 font-mono text-[0.875em] leading-snug dark:border-gray-700 dark:bg-black/30";
const QUOTE = "whitespace-pre-wrap border-l-4 border-gray-300 pl-3 dark:border-gray-600";
// list-none hides the disclosure triangle in Chromium and Firefox, the arbitrary
// variant in Safari (on server-rendered pages: the islands' class scan skips it).
const SUMMARY = "w-fit cursor-pointer list-none [&::-webkit-details-marker]:hidden rounded " +
  "text-sm font-medium text-indigo-700 hover:underline focus:outline-none " +
  "focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300";

const CHIP = "rounded px-0.5 font-medium bg-indigo-50 text-indigo-800 " +
  "dark:bg-indigo-900 dark:text-indigo-100";
// (twind has no 950 shades.)
const MY_CHIP = "rounded px-0.5 font-bold bg-amber-200 text-amber-900 " +
  "dark:bg-amber-700 dark:text-white";

/** `me`: my lowercase username, for the chips naming me. */
function element(node: Inline, me?: string): ComponentChildren {
  switch (node.type) {
    case "text":
      return node.text;
    // pre-wrap makes it a line break, and the text keeps its newline.
    case "break":
      return "\n";
    case "strong":
      return <strong>{inline(node.children, me)}</strong>;
    case "em":
      return <em>{inline(node.children, me)}</em>;
    case "strike":
      return <s>{inline(node.children, me)}</s>;
    case "code":
      return <code class={CODE}>{node.text}</code>;
    case "mention":
      return (
        <span data-mention={node.name} class={node.name === me ? MY_CHIP : CHIP}>{node.text}</span>
      );
    case "link":
      return (
        <a href={node.href} target="_blank" rel="noopener noreferrer nofollow" class={LINK}>
          {node.text}
        </a>
      );
  }
}

function inline(nodes: Inline[], me?: string): ComponentChildren[] {
  const children: ComponentChildren[] = [];
  for (const node of nodes) {
    const child = element(node, me);
    // One string per run of text, as in the server's HTML: the browser parses that
    // into one text node, and hydration then finds exactly the nodes it expects.
    if (typeof child === "string" && typeof children.at(-1) === "string") {
      children[children.length - 1] += child;
    } else children.push(child);
  }
  return children;
}

function block(node: Block, me?: string): ComponentChildren {
  switch (node.type) {
    case "paragraph":
      return <p dir="auto" class="whitespace-pre-wrap">{inline(node.children, me)}</p>;
    case "quote":
      return <blockquote dir="auto" class={QUOTE}>{inline(node.children, me)}</blockquote>;
    case "codeBlock":
      return (
        <pre dir="ltr" class={PRE}>
          <code data-lang={node.lang}>{node.text}</code>
        </pre>
      );
  }
}

export interface MessageTextProps {
  text: string;
  /** The lowercase names the message mentions (see `mentionNames`). */
  mentions?: ReadonlySet<string>;
  /** My lowercase username: my chips stand out. */
  me?: string;
  /** Classes for the outer element (text colour, for one). */
  class?: string;
}

export function MessageText({ text, mentions, me, class: extra }: MessageTextProps) {
  const { shown, hidden } = fold(parse(text, { mentions }));
  const [first] = shown;
  if (!first || (first.type === "paragraph" && shown.length === 1 && hidden.length === 0)) {
    return (
      <p dir="auto" class={cx("whitespace-pre-wrap", WRAP, extra)}>
        {first && inline(first.children, me)}
      </p>
    );
  }
  return (
    <div dir="auto" class={cx("space-y-1", WRAP, extra)}>
      {shown.map((b) => block(b, me))}
      {hidden.length > 0 && (
        <details class="group">
          <summary class={SUMMARY}>
            <span class="group-open:hidden">Show more</span>
            <span class="hidden group-open:inline">Show less</span>
          </summary>
          <div class="mt-1 space-y-1">{hidden.map((b) => block(b, me))}</div>
        </details>
      )}
    </div>
  );
}
