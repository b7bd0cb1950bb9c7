/**
 * @module Gzip in memory, at the highest level: the island files are compressed
 * once, when the server loads them, and then sent many times (a level-9 stream is
 * about 1% smaller than the default level 6, which counts against the room page's
 * JavaScript budget).
 */

import { gzip as deflate } from "node:zlib";
import { promisify } from "node:util";

const deflateAsync = promisify(deflate);

/** Gzips bytes. */
export async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  // A copy: a Buffer may be a view into a larger shared pool.
  return new Uint8Array(await deflateAsync(bytes, { level: 9 }));
}
