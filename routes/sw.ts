/**
 * @module The service worker script, `GET /sw.js`. It is served from the root, not
 * from static/ (whose files are fingerprinted and cached for a year): a worker's
 * URL must stay the same for the browser to find its updates, and `no-cache` makes
 * each update check revalidate it (ETag, so an unchanged one costs a 304). The
 * source is lib/push/sw_source.js, plain JavaScript, read once.
 *
 * The script starts with the names of the island bundle's files (`BUNDLE`), which
 * the worker fetches when it installs: offline, a page's lazily loaded parts are
 * there even if the page never loaded them online. A new build is new bytes, so
 * the browser installs the worker again, which fetches the new files.
 */

import { Hono } from "hono";
import type { AppEnv } from "../lib/http/env.ts";
import { etagMatches } from "../lib/http/compress.ts";
import type { IslandAssets } from "../lib/islands/assets.ts";
import { ASSET_PREFIX, sha256 } from "../lib/islands/manifest.ts";

const SOURCE_URL = new URL("../lib/push/sw_source.js", import.meta.url);

interface Script {
  body: string;
  etag: string;
}

let source: Promise<string> | undefined;
/** One script per bundle (a server has one; tests start several). */
const scripts = new WeakMap<IslandAssets, Promise<Script>>();

function loadScript(assets: IslandAssets): Promise<Script> {
  let script = scripts.get(assets);
  if (script) return script;
  source ??= Deno.readTextFile(SOURCE_URL);
  source.catch(() => source = undefined);
  script = source.then(async (text) => {
    const files = [...assets.files.keys()].sort().map((name) => ASSET_PREFIX + name);
    const body = `const BUNDLE = ${JSON.stringify(files)};\n${text}`;
    return { body, etag: `"${(await sha256(body)).slice(0, 24)}"` };
  });
  scripts.set(assets, script);
  script.catch(() => scripts.delete(assets));
  return script;
}

export const swRoutes = new Hono<AppEnv>();

swRoutes.get("/sw.js", async (c) => {
  const { body, etag } = await loadScript(c.get("assets"));
  c.header("content-type", "text/javascript; charset=utf-8");
  c.header("service-worker-allowed", "/");
  c.header("cache-control", "no-cache");
  c.header("etag", etag);
  if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  return c.body(body);
});
