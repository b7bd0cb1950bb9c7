/**
 * @module Compression of what we render: HTML pages, JSON answers, and static
 * text (CSS, the service worker, the manifest, SVG). Brotli when the client takes
 * it, else gzip.
 *
 * Left alone, on purpose:
 * - bodies that are already compressed (a `content-encoding`: the island bundle is
 *   stored gzipped) and images;
 * - file downloads and anything else with a `content-disposition` or ranges
 *   (`accept-ranges`, 206): their bytes are the user's, served as they are, and a
 *   range must name offsets of those bytes;
 * - the WebSocket upgrade (101), empty answers (204, 304), HEAD, and `no-transform`;
 * - event streams (`text/event-stream` is not a compressible type here):
 *   compressing one would hold events back until a compressor's buffer fills;
 * - anything under COMPRESS_MIN bytes, where the headers cost more than it saves.
 *
 * Every compressible answer of ours is a whole string (a rendered page, JSON, a
 * small static file), so it is read whole and compressed in one call of node:zlib,
 * which runs on libuv's thread pool, not the event loop.
 * Brotli at quality 5: a 70 KB room page in about a millisecond, within a few
 * percent of the best ratio on HTML.
 */

import type { MiddlewareHandler } from "hono";

/** Bodies smaller than this go as they are. */
export const COMPRESS_MIN = 1024;

const COMPRESSIBLE =
  /^(?:text\/(?:html|css|plain|javascript)|application\/(?:json|javascript|manifest\+json)|image\/svg\+xml)\b/i;

let zlib: Promise<typeof import("node:zlib")> | undefined;

/**
 * Brotli (quality 5, text mode) or gzip (level 6). `node:zlib` is loaded on the
 * first answer that needs it, not at start-up: the Node compatibility modules
 * cost a fresh process about 20 ms before its first answer.
 */
async function pack(plain: Uint8Array, encoding: "br" | "gzip"): Promise<Uint8Array> {
  const { brotliCompress, constants, gzip } = await (zlib ??= import("node:zlib"));
  return await new Promise((resolve, reject) => {
    const done = (error: Error | null, result: Uint8Array) =>
      error ? reject(error) : resolve(result);
    if (encoding === "gzip") return gzip(plain, { level: 6 }, done);
    brotliCompress(plain, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      },
    }, done);
  });
}

/** The encoding to use for an `accept-encoding`, or undefined for none. */
export function chooseEncoding(header: string | undefined): "br" | "gzip" | undefined {
  if (!header) return undefined;
  const weights = new Map<string, number>();
  for (const part of header.split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    const weight = q ? Number(q.slice(2)) : 1;
    weights.set(name.trim(), Number.isFinite(weight) ? weight : 0);
  }
  const of = (name: string) => weights.get(name) ?? weights.get("*") ?? 0;
  const br = of("br");
  const gz = of("gzip");
  if (br > 0 && br >= gz) return "br";
  if (gz > 0) return "gzip";
  return undefined;
}

function compressible(res: Response, method: string): boolean {
  if (method === "HEAD" || res.status < 200 || res.status === 204 || res.status === 206) {
    return false;
  }
  if (res.status === 304 || !res.body) return false;
  const h = res.headers;
  if (h.has("content-encoding") || h.has("content-disposition") || h.has("accept-ranges")) {
    return false;
  }
  if (/(?:^|,)\s*no-transform\s*(?:,|$)/i.test(h.get("cache-control") ?? "")) return false;
  if (Number(h.get("content-length") ?? Infinity) < COMPRESS_MIN) return false;
  return COMPRESSIBLE.test(h.get("content-type") ?? "");
}

/** Compresses what COMPRESSIBLE names, for clients that take it (see the module). */
export function compression(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const res = c.res;
    if (!compressible(res, c.req.method)) return;
    const vary = res.headers.get("vary");
    if (vary !== "*" && !/\baccept-encoding\b/i.test(vary ?? "")) {
      c.header("vary", vary ? `${vary}, Accept-Encoding` : "Accept-Encoding");
    }
    const encoding = chooseEncoding(c.req.header("accept-encoding"));
    if (!encoding) return;
    // c.header() may have put a copy in c.res: read that one.
    const source = c.res;
    const plain = new Uint8Array(await source.arrayBuffer());
    if (plain.byteLength < COMPRESS_MIN) {
      c.res = new Response(plain, source);
      return;
    }
    const packed = await pack(plain, encoding);
    // Hono's setter carries the old answer's headers over: set ours after it.
    c.res = new Response(new Uint8Array(packed), source);
    c.res.headers.set("content-encoding", encoding);
    c.res.headers.set("content-length", String(packed.byteLength));
    const etag = c.res.headers.get("etag");
    if (etag && !etag.startsWith("W/")) c.res.headers.set("etag", `W/${etag}`);
  };
}

/**
 * Whether `if-none-match` names `etag`, compared weakly (RFC 9110 §13.1.2), as a
 * compressed answer's tag is the weak form of the plain one's.
 */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (tag: string) => tag.trim().replace(/^W\//, "");
  return ifNoneMatch.trim() === "*" || ifNoneMatch.split(",").some((t) => bare(t) === bare(etag));
}
