/**
 * @module The service worker script, `GET /sw.js`. It is served from the root, not
 * from static/ (whose files are fingerprinted and cached for a year): a worker's
 * URL must stay the same for the browser to find its updates, and `no-cache` makes
 * each update check revalidate it (ETag, so an unchanged one costs a 304). The
 * source is lib/push/sw_source.js, plain JavaScript, read once.
 */

import { Hono } from "hono";
import type { AppEnv } from "../lib/http/env.ts";
import { etagMatches } from "../lib/http/compress.ts";

const SOURCE_URL = new URL("../lib/push/sw_source.js", import.meta.url);

interface Script {
  body: string;
  etag: string;
}

let script: Promise<Script> | undefined;

function loadScript(): Promise<Script> {
  script ??= (async () => {
    const body = await Deno.readTextFile(SOURCE_URL);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(body));
    const hex = Array.from(
      new Uint8Array(digest).slice(0, 12),
      (b) => b.toString(16).padStart(2, "0"),
    )
      .join("");
    return { body, etag: `"${hex}"` };
  })();
  script.catch(() => script = undefined);
  return script;
}

export const swRoutes = new Hono<AppEnv>();

swRoutes.get("/sw.js", async (c) => {
  const { body, etag } = await loadScript();
  c.header("content-type", "text/javascript; charset=utf-8");
  c.header("service-worker-allowed", "/");
  c.header("cache-control", "no-cache");
  c.header("etag", etag);
  if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.body(body);
});
