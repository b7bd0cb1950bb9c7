/**
 * @module Hono routes for the islands layer: the bundle under `/_islands/`
 * (content-hashed, so cached for a year as immutable, pre-gzipped), the files of
 * `static/` at the site root (revalidated with an ETag), and in dev the reload
 * event stream.
 */

import type { Context, Hono } from "hono";
import { extname, join, normalize, sep } from "node:path";
import type { IslandAssets } from "./assets.ts";
import { ASSET_PREFIX } from "./manifest.ts";
import { DEV_RELOAD_PATH } from "./_markers.ts";
import { etagMatches } from "../http/compress.ts";

/** Cache-Control of content-hashed files. */
export const IMMUTABLE = "public, max-age=31536000, immutable";

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

function notFound(c: Context, what: string) {
  return c.json({ error: { code: "not_found", message: `Not found: ${what}` } }, 404);
}

function acceptsGzip(c: Context): boolean {
  return /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
}

/** The file of `static/` a URL path names, or null (no `..`, no dot files). */
function staticPath(dir: string, urlPath: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (path.includes("\0") || path.split("/").some((part) => part.startsWith("."))) return null;
  const file = normalize(join(dir, path));
  return file.startsWith(dir + sep) ? file : null;
}

/** Mounts the asset routes; call before the app's catch-all routes. */
// deno-lint-ignore no-explicit-any
export function mountIslandAssets(app: Hono<any, any, any>, assets: IslandAssets): void {
  app.get(`${ASSET_PREFIX}:file`, (c) => {
    const name = c.req.param("file");
    const file = assets.files.get(name);
    if (!file) return notFound(c, name);
    const gzip = acceptsGzip(c);
    c.header("content-type", TYPES[extname(name)] ?? "application/octet-stream");
    c.header("cache-control", IMMUTABLE);
    c.header("vary", "accept-encoding");
    c.header("x-content-type-options", "nosniff");
    if (gzip) c.header("content-encoding", "gzip");
    return c.body(gzip ? file.gzip : file.body);
  });

  if (assets.dev) app.get(DEV_RELOAD_PATH, () => reloadStream(assets.manifest.buildId));

  app.on(["GET", "HEAD"], "*", async (c, next) => {
    const path = staticPath(assets.staticDir, c.req.path);
    const info = path ? await Deno.stat(path).catch(() => null) : null;
    if (!path || !info?.isFile) return await next();
    const etag = `W/"${info.size.toString(36)}-${(info.mtime?.getTime() ?? 0).toString(36)}"`;
    c.header("etag", etag);
    c.header("cache-control", "public, max-age=0, must-revalidate");
    c.header("x-content-type-options", "nosniff");
    if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
    c.header("content-type", TYPES[extname(path)] ?? "application/octet-stream");
    c.header("content-length", String(info.size));
    if (c.req.method === "HEAD") return c.body(null);
    return c.body((await Deno.open(path)).readable);
  });
}

/**
 * Server-sent events for the dev reload script: the build id on connect, then
 * keep-alive comments. When the dev server restarts, the browser's EventSource
 * reconnects (after `retry` ms), sees a new build id and reloads the page.
 */
function reloadStream(buildId: string): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setInterval> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(`retry: 300\nevent: build\ndata: ${buildId}\n\n`));
      timer = setInterval(() => controller.enqueue(encoder.encode(": ping\n\n")), 15_000);
    },
    cancel() {
      clearInterval(timer);
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
  });
}
