/**
 * @module Rendezvous (highest random weight) hashing: which of a set of isolates
 * takes a key (a room). Every isolate that knows the same set picks the same one,
 * and a key moves only when the isolate it was on comes or goes.
 */

/** The id among `ids` that takes `key`; "" when there is none. */
export function rendezvous(key: string, ids: Iterable<string>): string {
  let best = "";
  let bestScore = -1;
  for (const id of ids) {
    const score = hash32(`${key}\u0000${id}`);
    if (score > bestScore || (score === bestScore && id < best)) {
      best = id;
      bestScore = score;
    }
  }
  return best;
}

/**
 * 32-bit FNV-1a of a string's UTF-16 code units, finished with MurmurHash3's mixer:
 * FNV alone barely stirs the high bits with the last characters, and ids that differ
 * only there then win the same keys.
 */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash >>> 0;
}
