/**
 * @module Colours and text styles (ANSI SGR) for the screen, and the stable colour
 * of each username: a hash of the name picks from a palette readable on dark and
 * light backgrounds, so a person keeps their colour across rooms and sessions.
 * `NO_COLOR` (https://no-color.org) turns colours off; bold/reverse stay.
 */

// 256-colour indexes, chosen to be distinct and legible on dark and light themes.
const PALETTE = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];
const PALETTE_256 = [167, 71, 179, 68, 133, 37, 203, 113, 214, 75, 170, 44, 139, 107, 173, 109];

export interface Styler {
  /** The colour escape for a username (empty without colours). */
  user(name: string): string;
  bold: string;
  dim: string;
  reverse: string;
  red: string;
  yellow: string;
  green: string;
  cyan: string;
  /** A message that mentions me: bold yellow, reverse video without colours. */
  mention: string;
  /** A matched word of a search result: bold yellow, bold underlined without colours. */
  hit: string;
  reset: string;
}

/** FNV-1a of the lowercased name: stable across runs and platforms. */
export function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (const char of name.toLowerCase()) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The SGR colour parameter of a username. */
export function userColor(name: string, colors256 = true): string {
  const hash = hashName(name);
  return colors256
    ? `38;5;${PALETTE_256[hash % PALETTE_256.length]}`
    : String(PALETTE[hash % PALETTE.length]);
}

function sgr(params: string): string {
  return `\x1b[${params}m`;
}

export function createStyler(
  options: { color?: boolean; colors256?: boolean } = {},
): Styler {
  const color = options.color ?? true;
  const colors256 = options.colors256 ?? true;
  return {
    user: (name) => color ? sgr(userColor(name, colors256)) : "",
    bold: sgr("1"),
    dim: color ? sgr("2") : "",
    reverse: sgr("7"),
    red: color ? sgr("31") : "",
    yellow: color ? sgr("33") : "",
    green: color ? sgr("32") : "",
    cyan: color ? sgr("36") : "",
    mention: color ? sgr("1;33") : sgr("7"),
    hit: color ? sgr("1;33") : sgr("1;4"),
    reset: sgr("0"),
  };
}

/** The styler for this terminal, from `NO_COLOR` and `TERM`/`COLORTERM`. */
export function stylerFromEnv(env: (name: string) => string | undefined): Styler {
  const term = env("TERM") ?? "";
  const colors256 = /256|truecolor|direct/.test(term) || !!env("COLORTERM");
  return createStyler({ color: !env("NO_COLOR") && term !== "dumb", colors256 });
}

/** Removes SGR escapes: what a styled row looks like as text. */
export function stripStyles(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}
