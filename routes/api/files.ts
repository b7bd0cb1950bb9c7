/**
 * @module v2 "Files": `POST /api/uploads` (the body is the file, streamed), the
 * bytes at `file.url` and `file.thumbUrl`, and `GET /api/config`.
 *
 * Bytes are served so that a file can never act as a page of this site: the type
 * is the sniffed one with `nosniff`, a `sandbox` CSP, and only PNG, JPEG, GIF and
 * WebP shown inline; everything else (SVG and HTML included) is an attachment.
 * With FILES_ORIGIN set, `file.url` answers a redirect to that origin with a
 * short-lived signed address (lib/http/file_links.ts), so the bytes do not even
 * share the app's origin.
 */

import { type Context, Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { BadRequestError, NotFoundError } from "../../lib/errors.ts";
import type { FileRecord } from "../../lib/store/files.ts";
import { contentDisposition, INLINE_TYPES } from "../../lib/media/sniff.ts";
import { FILES_PER_MESSAGE } from "../../lib/protocol/limits.ts";
import { isWellFormedId } from "../../lib/protocol/validate.ts";
import { signFileLink, verifyFileLink } from "../../lib/http/file_links.ts";
import type { ServerConfig } from "../../lib/protocol/types.ts";

export const fileRoutes = new Hono<AppEnv>();

const signedIn = requireAuth();

fileRoutes.get("/config", (c) => {
  const { files, auth } = c.get("services");
  const config: ServerConfig = {
    maxUploadBytes: files.maxUploadBytes,
    maxFilesPerMessage: FILES_PER_MESSAGE,
    uploadQuotaBytesPerDay: files.quotaBytes,
    registration: auth.registration,
  };
  return c.json(config);
});

fileRoutes.post("/uploads", signedIn, async (c) => {
  const { files } = c.get("services");
  const length = c.req.header("content-length");
  const declared = length === undefined ? undefined : Number(length);
  if (declared !== undefined && !(Number.isSafeInteger(declared) && declared >= 0)) {
    throw new BadRequestError("Header content-length is not a byte count");
  }
  // A body that says it is too large is refused before a byte of it is read.
  const file = await files.upload(
    c.get("auth").user,
    c.req.query("name"),
    declared,
    c.req.raw.body,
  );
  return c.json({ file }, 201);
});

fileRoutes.get("/files/:id/:name", (c) => serveFile(c, false));
fileRoutes.get("/thumbs/:id", (c) => serveFile(c, true));

async function serveFile(c: Context<AppEnv>, thumb: boolean): Promise<Response> {
  const services = c.get("services");
  const id = c.req.param("id");
  if (!isWellFormedId(id)) throw new NotFoundError("File not found");
  const filesOrigin = services.config.filesOrigin;
  const sig = c.req.query("sig");
  let record: FileRecord;
  if (sig !== undefined) {
    // The files origin: the signed address is the access check (made by the app).
    if (!filesOrigin || !(await verifyFileLink(services.kv, sig, id, thumb))) {
      throw new NotFoundError("File not found");
    }
    record = await services.files.record(id);
  } else {
    await signedIn(c, async () => {});
    record = await services.files.readable(c.get("auth").user.id, id);
    if (filesOrigin) {
      const link = new URL(c.req.path, filesOrigin);
      link.searchParams.set("sig", await signFileLink(services.kv, id, thumb));
      c.header("cache-control", "private, no-store");
      return c.redirect(link.href, 302);
    }
  }
  if (thumb && !record.thumb && (record.width === undefined || record.noThumb)) {
    throw new NotFoundError("File has no thumbnail");
  }
  // The bytes served: the thumbnail's when it has its own, else the file's.
  const { size, type, sha256 } = thumb && record.thumb ? record.thumb : record;
  const etag = `"${sha256}"`;
  const headers = new Headers({
    "content-type": type === "text/plain" ? "text/plain; charset=utf-8" : type,
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox; default-src 'none'",
    "content-disposition": contentDisposition(
      INLINE_TYPES.has(type) ? "inline" : "attachment",
      record.name,
    ),
    "etag": etag,
    // Revalidated on every use (a 304 is cheap): a deleted message's files, or a
    // room left, stop being served at once.
    "cache-control": "private, no-cache",
    "accept-ranges": "bytes",
    "cross-origin-resource-policy": filesOrigin ? "cross-origin" : "same-origin",
  });
  if (matchesEtag(c.req.header("if-none-match"), etag)) {
    return new Response(null, { status: 304, headers });
  }
  const rangeHeader = c.req.header("range");
  const ifRange = c.req.header("if-range");
  const range = rangeHeader && (!ifRange || ifRange === etag)
    ? parseRange(rangeHeader, size)
    : undefined;
  if (range === "unsatisfiable") {
    // The contract's error body (its code is the closest one: bad_request), as JSON.
    headers.set("content-range", `bytes */${size}`);
    headers.set("content-type", "application/json");
    headers.delete("content-disposition");
    const message = `Range not satisfiable: the file has ${size} bytes`;
    return new Response(JSON.stringify({ error: { code: "bad_request", message } }), {
      status: 416,
      headers,
    });
  }
  const [start, end] = range ?? [0, size - 1];
  headers.set("content-length", String(size === 0 ? 0 : end - start + 1));
  if (range) headers.set("content-range", `bytes ${start}-${end}/${size}`);
  const body = c.req.method === "HEAD" ? null : services.files.bytes(record, thumb, start, end);
  return new Response(body, { status: range ? 206 : 200, headers });
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

/**
 * One byte range of RFC 9110 (`bytes=a-b`, `bytes=a-`, `bytes=-n`), clamped to the
 * file; "unsatisfiable" (416) when it is malformed or starts past the end; undefined
 * (the whole file) for another unit or several ranges, which this server does not combine.
 */
export function parseRange(
  header: string,
  size: number,
): [number, number] | "unsatisfiable" | undefined {
  const value = header.trim();
  // Another unit, or several ranges: ignored (RFC 9110 §14.2), the whole file is sent.
  if (!/^bytes=/i.test(value) || value.includes(",")) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/i.exec(value);
  if (!match) return "unsatisfiable";
  const [, a, b] = match;
  if (a === "" && b === "") return "unsatisfiable";
  if (a.length > 15 || (b.length > 15 && a === "")) return "unsatisfiable";
  if (a === "") {
    const suffix = Number(b);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(a);
  // A last position past the end is clamped (RFC 9110 §14.1.2), however many digits.
  const end = b === "" ? size - 1 : b.length > 15 ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || (b !== "" && b.length <= 15 && Number(b) < start)) return "unsatisfiable";
  return [start, end];
}
