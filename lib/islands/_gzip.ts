/**
 * @module Gzip in memory, at the highest level: the island files are compressed
 * once, by `deno task build` (written beside them in `_build/islands-gzip/`) or,
 * without a build, when the server loads them, and then sent many times (a
 * level-9 stream is about 1% smaller than the default level 6, which counts
 * against the room page's JavaScript budget).
 *
 * `node:zlib` is loaded on the first call: importing the Node compatibility
 * modules costs a fresh process about 20 ms, which a server started from a
 * build (with its files compressed already) does not spend.
 */

let zlib: Promise<typeof import("node:zlib")> | undefined;

/** Gzips bytes. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const { gzip: deflate } = await (zlib ??= import("node:zlib"));
  const compressed = await new Promise<Uint8Array>((resolve, reject) =>
    deflate(bytes, { level: 9 }, (error, result) => error ? reject(error) : resolve(result))
  );
  // A copy: a Buffer may be a view into a larger shared pool.
  return new Uint8Array(compressed);
}
