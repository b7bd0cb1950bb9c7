/**
 * @module Server-side twind: turns the class names in rendered HTML into one
 * stylesheet per page (inlined with the CSP nonce, so there is no flash of
 * unstyled content and no runtime CSS-in-JS in the browser).
 *
 * Islands may render class names after hydration that the server never sent (a
 * button that turns red on error). Rather than ship twind to the browser (tens of
 * KB, and a CSP exception for runtime styles), the build scans each island's
 * source files for words that are valid twind classes (`knownClasses`), like
 * Tailwind's content scanning, and pages that render the island include those
 * classes too. One twind sheet holds everything, so rule order stays correct.
 * Class names must therefore appear whole in the source: write
 * `ok ? "bg-green-500" : "bg-red-500"`, never `` `bg-${colour}-500` ``.
 */

import { defineConfig, stringify, type Twind, twind, virtual } from "@twind/core";
import presetTailwind from "@twind/preset-tailwind";
import { ISLAND_TAG } from "./_markers.ts";

/** The design system's twind configuration (dark mode from `prefers-color-scheme`). */
export const TWIND_CONFIG = defineConfig({
  presets: [presetTailwind()],
  darkMode: "media",
  hash: false,
  theme: {
    extend: {
      fontFamily: {
        sans: ["system-ui", "-apple-system", "Segoe UI", "Roboto", "sans-serif"],
      },
      // Focus rings at full strength: the preset's 0.5 makes `ring-indigo-500` a pale
      // lilac, under the 3:1 against white that a focus indicator needs (WCAG 1.4.11).
      ringOpacity: { DEFAULT: "1" },
    },
  },
});

/** Always present: island wrappers must not affect layout. */
const BASE_CSS = `${ISLAND_TAG}{display:contents}`;

/** Words that may be class names: letters, digits and twind's punctuation. */
const CANDIDATE = /^[!-]?[a-z0-9@][a-z0-9:/_.%#!\-[\]]*$/i;

// deno-lint-ignore no-explicit-any
type Sheet = Twind<any, string[]>;
let instance: Sheet | undefined;

function tw(): Sheet {
  if (!instance) {
    const sheet: Sheet = twind(TWIND_CONFIG, virtual());
    // Insert the preflight (reset) rules now, so snapshots start from it.
    sheet("");
    instance = sheet;
  }
  return instance;
}

function decodeEntities(text: string): string {
  return text.replace(
    /&(amp|quot|lt|gt|#39);/g,
    (_, name: string) => ({ amp: "&", quot: '"', lt: "<", gt: ">", "#39": "'" })[name]!,
  );
}

/** Every class attribute value in an HTML string. */
export function classAttributes(html: string): string[] {
  return [...html.matchAll(/\sclass="([^"]*)"/g)].map((match) => decodeEntities(match[1]));
}

/** Pages reuse a handful of class sets: cache the CSS by set (bounded, oldest out). */
const CACHE_SIZE = 256;
const cache = new Map<string, string>();

/**
 * The CSS for a rendered page: twind's preflight, the rules for every class in
 * `html`, and the rules for `extraClasses` (classes islands may add later).
 */
export function pageStyles(html: string, extraClasses: Iterable<string> = []): string {
  const values = [...new Set([...classAttributes(html), ...extraClasses])].sort();
  const key = values.join("\n");
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const sheet = tw();
  const restore = sheet.snapshot();
  let css: string;
  try {
    for (const value of values) sheet(value);
    css = BASE_CSS + stringify(sheet.target);
  } finally {
    restore();
  }
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(key, css);
  return css;
}

/**
 * The words in `text` (usually source code) that twind turns into CSS, sorted.
 * English words that happen to be utilities ("block", "hidden") slip in too;
 * they cost a few bytes of CSS and nothing else.
 */
export function knownClasses(text: string): string[] {
  const sheet = tw();
  const found = new Set<string>();
  for (const word of new Set(text.split(/[\s"'`{}()<>=;,?]+/))) {
    if (!CANDIDATE.test(word) || word.length > 80) continue;
    const restore = sheet.snapshot();
    const before = sheet.target.length;
    try {
      sheet(word);
      if (sheet.target.length > before) found.add(word);
    } catch {
      // Not a class twind understands.
    } finally {
      restore();
    }
  }
  return [...found].sort();
}
