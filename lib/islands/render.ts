/**
 * @module Renders a full HTML document: the page's markup with its islands
 * marked, the twind CSS for it in a nonce'd `<style>`, and, only when islands
 * were rendered, one JSON script with every island's props and one inline module
 * script that imports the boot runtime and the islands and hydrates them. A page
 * without islands gets no JavaScript at all (in dev, only the reload script).
 */

import { type ComponentChildren, Fragment, h } from "preact";
import { renderToString } from "preact-render-to-string";
import type { IslandAssets } from "./assets.ts";
import { ASSET_PREFIX } from "./manifest.ts";
import { collectIslands, type RenderedIsland } from "./registry.ts";
import { serialize, SerializeError } from "./serialize.ts";
import { pageStyles } from "./styles.ts";
import { DEV_RELOAD_PATH, PROPS_ID } from "./_markers.ts";

export interface RenderPageOptions {
  assets: IslandAssets;
  /** This response's CSP nonce (see `security.ts`). */
  nonce: string;
  title: string;
  /** Extra `<head>` content (meta tags); islands are not hydrated here. */
  head?: ComponentChildren;
  lang?: string;
  /** Classes of `<body>`; defaults to the design system's page colours. */
  bodyClass?: string;
  /** The favicon's URL; defaults to `/favicon.svg` (from `static/`). */
  icon?: string;
  /**
   * The app's web manifest, linked from the head (with `themeColour` and an
   * apple-touch-icon); none when absent.
   */
  manifest?: { href: string; themeColour: string; touchIcon?: string };
  /** A service worker the page's scripts register once it is up (pages with islands). */
  serviceWorker?: string;
}

/** The default `<body>` classes: page colours for light and dark. */
export const BODY_CLASS = "min-h-screen bg-gray-50 font-sans text-gray-900 antialiased " +
  "dark:bg-gray-900 dark:text-gray-100";

/** Escapes text for HTML content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function islandProps(islands: RenderedIsland[]) {
  try {
    return serialize(islands.map((island) => island.props));
  } catch (error) {
    if (!(error instanceof SerializeError)) throw error;
    const island = islands[error.path[0] as number];
    throw new SerializeError(`Island "${island.name}" has props that cannot be sent`, error.path);
  }
}

function islandScripts(
  islands: RenderedIsland[],
  assets: IslandAssets,
  nonce: string,
  serviceWorker?: string,
) {
  const { manifest } = assets;
  const names = [...new Set(islands.map((island) => island.name))];
  const props = islandProps(islands);
  const preload = new Set([manifest.boot.file, ...manifest.boot.imports]);
  if (props.signals) { for (const file of manifest.boot.signals) preload.add(file); }
  let code = `import{boot}from"${ASSET_PREFIX}${manifest.boot.file}";`;
  const map: string[] = [];
  names.forEach((name, i) => {
    const entry = manifest.islands[name];
    if (!entry) throw new Error(`Island is not in the build: "${name}", run deno task build`);
    preload.add(entry.file);
    for (const file of entry.imports) preload.add(file);
    code += `import i${i} from"${ASSET_PREFIX}${entry.file}";`;
    map.push(`${JSON.stringify(name)}:i${i}`);
  });
  code += `boot({${map.join(",")}},{signals:${props.signals}});`;
  if (serviceWorker) code += `navigator.serviceWorker?.register(${JSON.stringify(serviceWorker)});`;
  const attr = `nonce="${escapeHtml(nonce)}"`;
  return {
    head: [...preload].map((file) => `<link rel="modulepreload" href="${ASSET_PREFIX}${file}">`)
      .join(""),
    body: `<script type="application/json" id="${PROPS_ID}" ${attr}>${props.json}</script>` +
      `<script type="module" ${attr}>${code}</script>`,
    classes: names.flatMap((name) => manifest.islands[name].classes),
  };
}

/** The dev-only script: reload the page when the server restarts with a new build. */
function devScript(assets: IslandAssets, nonce: string): string {
  const code = `new EventSource("${DEV_RELOAD_PATH}").addEventListener("build",` +
    `(e)=>{if(e.data!==${JSON.stringify(assets.manifest.buildId)})location.reload()});`;
  return `<script type="module" nonce="${escapeHtml(nonce)}">${code}</script>`;
}

/** Renders `body` (a page's content, typically JSX) into a complete HTML document. */
export function renderPage(body: ComponentChildren, options: RenderPageOptions): string {
  const { assets, nonce } = options;
  const bodyClass = options.bodyClass ?? BODY_CLASS;
  const { result: html, islands } = collectIslands(() => renderToString(h(Fragment, null, body)));
  const head = options.head ? renderToString(h(Fragment, null, options.head)) : "";
  const scripts = islands.length > 0
    ? islandScripts(islands, assets, nonce, options.serviceWorker)
    : null;
  const manifest = options.manifest
    ? `<link rel="manifest" href="${escapeHtml(options.manifest.href)}">` +
      (options.manifest.touchIcon
        ? `<link rel="apple-touch-icon" href="${escapeHtml(options.manifest.touchIcon)}">`
        : "") +
      `<meta name="theme-color" content="${escapeHtml(options.manifest.themeColour)}">`
    : "";
  const css = pageStyles(`<body class="${escapeHtml(bodyClass)}">${head}${html}`, scripts?.classes)
    // A class like content-['</style>'] must not end the element early.
    .replaceAll("</", "<\\/");
  return "<!DOCTYPE html>" +
    `<html lang="${escapeHtml(options.lang ?? "en")}"><head>` +
    `<meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<meta name="color-scheme" content="light dark">` +
    `<title>${escapeHtml(options.title)}</title>` +
    `<link rel="icon" href="${escapeHtml(options.icon ?? "/favicon.svg")}">` +
    manifest +
    head +
    `<style nonce="${escapeHtml(nonce)}">${css}</style>` +
    (scripts?.head ?? "") +
    `</head><body class="${escapeHtml(bodyClass)}">` +
    html +
    (scripts?.body ?? "") +
    (assets.dev ? devScript(assets, nonce) : "") +
    "</body></html>";
}
