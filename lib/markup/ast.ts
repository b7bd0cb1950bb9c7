/**
 * @module The message formatting tree: what {@linkcode parse} returns and the
 * renderers (the web component, anything else) walk. It holds text, never HTML:
 * every string in it is shown as text by whoever renders it.
 */

/** A formatting span: `**strong**`, `_em_` or `*em*`, `~~strike~~`. */
export interface Span {
  type: "strong" | "em" | "strike";
  children: Inline[];
}

/** Inline content of a paragraph or quote line. */
export type Inline =
  | { type: "text"; text: string }
  | Span
  /** `` `code` ``: shown as is, no formatting inside. */
  | { type: "code"; text: string }
  /** Always an http:, https: or mailto: URL; `text` is what the author wrote. */
  | { type: "link"; href: string; text: string }
  /**
   * `@name` naming someone the message mentions (only with `parse()`'s `mentions`
   * option): `name` is lowercase (a username, or `room`/`here`), `text` as written.
   */
  | { type: "mention"; name: string; text: string }
  /** A line break. Only ever a direct child of a paragraph or quote. */
  | { type: "break" };

/** A block of a message. */
export type Block =
  /** Lines of text; blank lines inside it are kept (as consecutive breaks). */
  | { type: "paragraph"; children: Inline[] }
  /** Consecutive `> ` lines. */
  | { type: "quote"; children: Inline[] }
  /** A fenced code block; `lang` is the word after the opening fence, if any. */
  | { type: "codeBlock"; text: string; lang?: string };
