/**
 * @module Moving file bytes between the disk and the server, for the scriptable
 * commands and the interactive mode alike: local files checked and streamed up
 * (never read whole into memory), a download argument turned into a path of the
 * server in use (never another host: the session's token goes only to its own
 * server), and downloads streamed into a temporary file that is renamed once all
 * of it arrived and its SHA-256 matches the ETag, so no half or corrupt file is
 * ever left under the final name.
 */

import { createHash } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { ApiError, type ChatApi, NetworkError } from "../lib/client/http.ts";
import { ChatError } from "../lib/errors.ts";
import type { FileInfo } from "../lib/protocol/types.ts";
import { isWellFormedId } from "../lib/protocol/validate.ts";
import { IntegrityError, InvalidInputError, UnknownFileError } from "./errors.ts";
import { numberedName, parseContentDisposition, safeFileName } from "./file_names.ts";
import { formatSize } from "./format.ts";

/** A local file about to be uploaded. */
export interface LocalFile {
  path: string;
  /** The name it is uploaded under (its base name). */
  name: string;
  size: number;
}

/**
 * A local file checked before anything is sent: a regular file, not empty, not
 * over `maxBytes` (the server's limit). Throws {@linkcode InvalidInputError}.
 */
export async function checkUpload(path: string, maxBytes: number): Promise<LocalFile> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) throw new InvalidInputError(`No such file: "${path}"`);
    if (err instanceof Deno.errors.PermissionDenied) {
      throw new InvalidInputError(`Cannot read "${path}": permission denied`);
    }
    throw err;
  }
  if (info.isDirectory) throw new InvalidInputError(`Not a file: "${path}" is a directory`);
  if (!info.isFile) throw new InvalidInputError(`Not a regular file: "${path}"`);
  if (info.size === 0) throw new InvalidInputError(`File is empty: "${path}"`);
  if (info.size > maxBytes) {
    throw new InvalidInputError(
      `File is too large: "${path}" is ${formatSize(info.size)}, the limit is ${
        formatSize(maxBytes)
      }`,
    );
  }
  return { path, name: basename(path), size: info.size };
}

const ATTEMPTS = 5;
/** A rate limit longer than this (the daily quota) is not waited out. */
const WAIT_MAX_MS = 30_000;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/**
 * Uploads one local file, streamed from disk as it is sent; `onProgress` gets the
 * bytes read so far (from 0 again on a retry). Retried after a short rate limit
 * (too many uploads at once) and on network failures, reopening the file.
 */
export async function uploadFile(
  api: ChatApi,
  file: LocalFile,
  options: { onProgress?(sent: number): void; signal?: AbortSignal } = {},
): Promise<FileInfo> {
  for (let attempt = 1;; attempt++) {
    const handle = await Deno.open(file.path, { read: true });
    try {
      options.onProgress?.(0);
      return await api.upload(file.name, handle.readable, {
        onProgress: options.onProgress,
        signal: options.signal,
      });
    } catch (err) {
      if (attempt >= ATTEMPTS || options.signal?.aborted) throw err;
      if (err instanceof ApiError && err.code === "rate_limited") {
        const wait = err.retryAfterMs ?? 1000;
        if (wait > WAIT_MAX_MS) throw err;
        await sleep(wait, options.signal);
      } else if (err instanceof NetworkError) {
        await sleep(250 * 2 ** attempt, options.signal);
      } else {
        throw err;
      }
    } finally {
      try {
        handle.close();
      } catch { /* closed by its stream already */ }
    }
  }
}

/**
 * What a download argument names, as a path of the server in use (relative to
 * `server`, e.g. `/api/files/ID/download`): a file id, a `/api/files/…` path, or
 * a full URL of that same server. Anything else is refused, another host above
 * all (the token would go there).
 */
export function fileUrlFor(server: string, arg: string): string {
  const value = arg.trim();
  // (Cast: the type guard would narrow `value` to never in the other branch.)
  if (isWellFormedId(value as unknown)) return `/api/files/${encodeURIComponent(value)}/download`;
  const base = new URL(server);
  const basePath = base.pathname.replace(/\/+$/, "");
  let url: URL;
  try {
    url = /^[a-z][a-z0-9+.-]*:/i.test(value)
      ? new URL(value)
      : value.startsWith("/")
      ? new URL(`${base.origin}${basePath}${value}`)
      : new URL("about:invalid");
  } catch {
    url = new URL("about:invalid");
  }
  const http = url.protocol === "http:" || url.protocol === "https:";
  if (http && url.origin !== base.origin) {
    throw new InvalidInputError(
      `Refused: "${value}" is not on the server in use (${server}): ` +
        "the session is only ever sent to its own server",
    );
  }
  const prefix = `${basePath}/api/files/`;
  if (!http || !url.pathname.startsWith(prefix) || url.pathname.length === prefix.length) {
    throw new InvalidInputError(
      `Not a file of this server: "${value}": give a file id (history shows it as id:…) ` +
        "or its /api/files/… address",
    );
  }
  return url.pathname.slice(basePath.length) + url.search;
}

/** The SHA-256 an ETag announces (`"<hex>"`), or undefined for any other ETag. */
export function etagSha256(etag: string | null): string | undefined {
  const match = /^(?:W\/)?"([0-9a-fA-F]{64})"$/.exec(etag?.trim() ?? "");
  return match?.[1].toLowerCase();
}

/** Where a download goes. */
export type Destination =
  | { stdout: true }
  /** This exact path, replaced if it exists (the user named it). */
  | { path: string }
  /**
   * A directory, under the name the server gives: when a file has that name
   * already, `fail`, `overwrite` it, or `rename` to the first free `name (n).ext`.
   */
  | { dir: string; exists: "fail" | "overwrite" | "rename" };

export interface Saved {
  /** Where it was written; `-` for stdout. */
  path: string;
  /** The name the server gave, made safe. */
  name: string;
  size: number;
  sha256: string;
  type: string;
}

export interface DownloadOptions {
  /** The argument as the user gave it, for error messages. */
  label?: string;
  /** The name to save under when the server gives none. */
  fallbackName?: string;
  /** The name and size are known (the body starts). */
  onStart?(name: string, total?: number): void;
  onProgress?(done: number): void;
  signal?: AbortSignal;
}

/** The NAME of `/api/files/ID/NAME` (the ID when NAME is a placeholder). */
function nameInUrl(url: string): string {
  const [, , , id = "", name = ""] = url.split(/[?#]/)[0].split("/");
  try {
    return name && name !== "download" ? decodeURIComponent(name) : id || "download";
  } catch {
    return id || "download";
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return false;
    throw err;
  }
}

function existsError(path: string): InvalidInputError {
  return new InvalidInputError(
    `File exists: "${path}": give -o PATH to choose where, or --force to replace it`,
  );
}

/**
 * Gives the finished temporary file its name. Without replacing, a hard link
 * claims the name atomically (it fails when the name is taken, however close the
 * race); where links are not supported, a check and a rename do.
 */
async function claimName(temp: string, target: string): Promise<boolean> {
  try {
    await Deno.link(temp, target);
  } catch (err) {
    if (err instanceof Deno.errors.AlreadyExists) return false;
    if (await exists(target)) return false;
    await Deno.rename(temp, target);
    return true;
  }
  await Deno.remove(temp);
  return true;
}

async function place(temp: string, dest: Destination, name: string): Promise<string> {
  if ("path" in dest) {
    await Deno.rename(temp, dest.path);
    return dest.path;
  }
  if (!("dir" in dest)) throw new Error("Unreachable: stdout has no file");
  if (dest.exists === "overwrite") {
    const target = join(dest.dir, name);
    await Deno.rename(temp, target);
    return target;
  }
  const tries = dest.exists === "rename" ? 1000 : 1;
  for (let n = 0; n < tries; n++) {
    const target = join(dest.dir, numberedName(name, n));
    if (await claimName(temp, target)) return target;
  }
  throw existsError(join(dest.dir, name));
}

async function writeAll(file: { write(p: Uint8Array): Promise<number> }, bytes: Uint8Array) {
  while (bytes.length) bytes = bytes.subarray(await file.write(bytes));
}

/**
 * Downloads a file (`url`: from {@linkcode fileUrlFor} or `file.url`) to `dest`,
 * streamed. A file is written to a temporary file beside its destination and
 * renamed only once complete and verified (its SHA-256 against the ETag; a
 * mismatch throws {@linkcode IntegrityError} and leaves nothing). On stdout the
 * bytes go out as they come, and a mismatch is told at the end.
 */
export async function downloadFile(
  api: ChatApi,
  url: string,
  dest: Destination,
  options: DownloadOptions = {},
): Promise<Saved> {
  let res: Response;
  try {
    res = await api.download(url, { signal: options.signal });
  } catch (err) {
    if (err instanceof ChatError && err.code === "not_found") {
      throw new UnknownFileError(options.label ?? url);
    }
    throw err;
  }
  const length = res.headers.get("content-length");
  const total = length !== null && /^\d+$/.test(length) ? Number(length) : undefined;
  const expected = etagSha256(res.headers.get("etag"));
  const announced = parseContentDisposition(res.headers.get("content-disposition")).filename;
  const fallback = options.fallbackName ?? nameInUrl(url);
  const name = safeFileName(announced ?? fallback, fallback);
  const type = (res.headers.get("content-type") ?? "").split(";")[0].trim();
  if ("dir" in dest && dest.exists === "fail" && await exists(join(dest.dir, name))) {
    await res.body?.cancel();
    throw existsError(join(dest.dir, name));
  }
  const hash = createHash("sha256");
  let done = 0;
  let temp: string | undefined;
  let out: Deno.FsFile | undefined;
  const reader = (res.body ?? new ReadableStream<Uint8Array>()).getReader();
  let finished = false;
  const removeTemp = () => {
    try {
      if (temp) Deno.removeSync(temp);
    } catch { /* gone already */ }
    temp = undefined;
  };
  // Ctrl-C in the interactive mode quits at once: the temporary file goes with it.
  options.signal?.addEventListener("abort", removeTemp, { once: true });
  try {
    if (!("stdout" in dest)) {
      const dir = "path" in dest ? dirname(dest.path) : dest.dir;
      temp = join(dir, `.chat-download-${crypto.randomUUID().slice(0, 8)}.part`);
      out = await Deno.open(temp, { write: true, createNew: true });
    }
    options.onStart?.(name, total);
    const sink = out ?? Deno.stdout;
    while (true) {
      let read: ReadableStreamReadResult<Uint8Array>;
      try {
        read = await reader.read();
      } catch (err) {
        if (options.signal?.aborted) throw err;
        throw new NetworkError(`Download was cut off: ${formatSize(done)} arrived`, {
          cause: err,
        });
      }
      if (read.done) break;
      hash.update(read.value);
      await writeAll(sink, read.value);
      done += read.value.byteLength;
      options.onProgress?.(done);
    }
    finished = true;
    out?.close();
    out = undefined;
    const sha256 = hash.digest("hex");
    const where = "stdout" in dest
      ? "the bytes written to stdout are not the file"
      : "nothing was saved";
    if (total !== undefined && done !== total) {
      throw new IntegrityError(
        `Download is incomplete: ${done} bytes of ${total} arrived: ${where}`,
      );
    }
    if (expected && sha256 !== expected) {
      throw new IntegrityError(
        `Download is corrupt: its SHA-256 is ${sha256}, the server says ${expected}: ${where}`,
      );
    }
    const path = "stdout" in dest ? "-" : await place(temp!, dest, name);
    temp = undefined;
    return { path, name, size: done, sha256, type };
  } finally {
    // Given up half-way (a full disk, a closed stdout): the rest is not wanted.
    if (!finished) await reader.cancel().catch(() => {});
    options.signal?.removeEventListener("abort", removeTemp);
    try {
      out?.close();
    } catch { /* closed */ }
    removeTemp();
  }
}
