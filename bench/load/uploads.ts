/**
 * @module The load generator's side of files: random file bytes, bodies streamed at
 * a set pace, timed uploads and downloads through the client library, the floor
 * of what KV itself does with the same bytes, and a sampler of a server's memory.
 */

import { ChatApi } from "../../lib/client/client.ts";
import type { FileInfo } from "../../lib/protocol/types.ts";

export const MIB = 1024 * 1024;
/** What the server stores a blob in (lib/store/blobs.ts): 64 KiB values, 8 per commit. */
const CHUNK = 64 * 1024;
const CHUNKS_PER_COMMIT = 8;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `bytes` random bytes (nothing the server could take for an image or text). */
export function randomBytes(bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  // getRandomValues fills at most 64 KiB per call.
  for (let offset = 0; offset < bytes; offset += 65_536) {
    crypto.getRandomValues(out.subarray(offset, Math.min(bytes, offset + 65_536)));
  }
  return out;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * `bytes` as a stream of `chunk`-byte pieces, one every `everyMs`, each produced
 * only when the reader asks for it (so a slow server is not flooded).
 */
export function pacedBody(
  bytes: Uint8Array,
  options: { chunk: number; everyMs: number },
): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset > 0) await sleep(options.everyMs);
      const end = Math.min(bytes.byteLength, offset + options.chunk);
      controller.enqueue(bytes.slice(offset, end));
      offset = end;
      if (offset >= bytes.byteLength) controller.close();
    },
  }, { highWaterMark: 0 });
}

/** MiB per second of `bytes` in `ms`. */
export function mibPerSec(bytes: number, ms: number): number {
  return bytes / MIB / (ms / 1000);
}

/**
 * Uploads `body` as `token`'s user and checks what the server answered (its size
 * and SHA-256 against `expected`); answers the file and the milliseconds it took.
 */
export async function timedUpload(
  url: string,
  token: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  expected: { size: number; sha256: string },
): Promise<{ file: FileInfo; ms: number }> {
  const api = new ChatApi(url, { token });
  const t = performance.now();
  const file = await api.upload(`bench-${crypto.randomUUID().slice(0, 8)}.bin`, body);
  const ms = performance.now() - t;
  if (file.size !== expected.size || file.sha256 !== expected.sha256) {
    throw new Error(
      `Upload stored other bytes: ${file.size} bytes, SHA-256 ${file.sha256}; sent ${expected.size}, ${expected.sha256}`,
    );
  }
  return { file, ms };
}

/**
 * Downloads `file` to the end (timed), then checks the bytes against its SHA-256
 * (untimed); answers the milliseconds the bytes took to arrive.
 */
export async function timedDownload(url: string, token: string, file: FileInfo): Promise<number> {
  const api = new ChatApi(url, { token });
  const t = performance.now();
  const res = await api.download(file.url);
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const part of res.body!) {
    parts.push(part);
    size += part.byteLength;
  }
  const ms = performance.now() - t;
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    whole.set(part, offset);
    offset += part.byteLength;
  }
  const sha256 = await sha256Hex(whole);
  if (size !== file.size || sha256 !== file.sha256) {
    throw new Error(
      `Download differs from the upload: ${size} bytes, SHA-256 ${sha256}; stored ${file.size}, ${file.sha256}`,
    );
  }
  return ms;
}

/**
 * The floor under the server: `bytes` written to a fresh KV file as the server
 * writes a blob (64 KiB values, 8 per atomic commit, one commit at a time), then
 * read back as it serves one (one `get` per chunk, the next one already asked
 * for). No HTTP, no hashing, no markers. Answers milliseconds for each.
 */
export async function kvFloor(bytes: Uint8Array): Promise<{ writeMs: number; readMs: number }> {
  const dir = await Deno.makeTempDir({ prefix: "chat-bench-kv-" });
  const kv = await Deno.openKv(`${dir}/floor.db`);
  try {
    const chunks = Math.ceil(bytes.byteLength / CHUNK);
    const t0 = performance.now();
    for (let first = 0; first < chunks; first += CHUNKS_PER_COMMIT) {
      const op = kv.atomic();
      for (let i = first; i < Math.min(chunks, first + CHUNKS_PER_COMMIT); i++) {
        op.set(["blob", i], bytes.slice(i * CHUNK, (i + 1) * CHUNK));
      }
      if (!(await op.commit()).ok) throw new Error("KV floor: a commit failed");
    }
    const writeMs = performance.now() - t0;
    const t1 = performance.now();
    let read = 0;
    let ahead = kv.get<Uint8Array>(["blob", 0]);
    for (let i = 0; i < chunks; i++) {
      const entry = await ahead;
      if (i + 1 < chunks) ahead = kv.get<Uint8Array>(["blob", i + 1]);
      read += entry.value?.byteLength ?? 0;
    }
    const readMs = performance.now() - t1;
    if (read !== bytes.byteLength) throw new Error(`KV floor: read ${read} of ${bytes.byteLength}`);
    return { writeMs, readMs };
  } finally {
    kv.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Reads `read()` (KiB) every `everyMs` until stopped; answers the highest reading. */
export function sampleMemory(read: () => number, everyMs: number): {
  stop(): { peakKb: number; samples: number };
} {
  let peakKb = read();
  let samples = 1;
  const timer = setInterval(() => {
    const kb = read();
    samples++;
    if (kb > peakKb) peakKb = kb;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const kb = read();
      return { peakKb: Math.max(peakKb, kb), samples: samples + 1 };
    },
  };
}
