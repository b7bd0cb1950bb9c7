/**
 * @module Search cursors: where a page ended, signed for the person and the query
 * that asked, so a forged cursor, another query's or another person's is refused
 * (400) rather than trusted.
 *
 * A cursor is `base64url(JSON [at, roomId, seq]) "." base64url(HMAC-SHA-256 …)`
 * (the MAC cut to 128 bits) over the position, the user's id and the query as
 * given. The key is 32 random bytes made once per KV store (`["meta",
 * "search_key"]`), so every isolate accepts every other's cursors and nothing
 * secret is in the repository. Cursors do not expire: all they reveal is a position
 * in results the same person may ask for again.
 */

import { BadRequestError } from "../errors.ts";
import type { Position } from "./engine.ts";

const KEY = ["meta", "search_key"];
const CURSOR_MAX = 300;
const MAC_BYTES = 16;

export class CursorSigner {
  #kv: Deno.Kv;
  #key: Promise<CryptoKey> | undefined;

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /** A cursor for `position` in the results of `query` as `userId` asked it. */
  async sign(userId: string, query: string, position: Position): Promise<string> {
    const payload = encode(
      new TextEncoder().encode(JSON.stringify([position.at, position.room, position.seq])),
    );
    return `${payload}.${encode(await this.#mac(userId, query, payload))}`;
  }

  /** The position a cursor names, or a BadRequestError when it is not one of ours for this. */
  async open(userId: string, query: string, cursor: unknown): Promise<Position> {
    const invalid = () => new BadRequestError("Cursor is not valid for this query");
    if (typeof cursor !== "string" || cursor.length > CURSOR_MAX) throw invalid();
    const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(cursor);
    if (!m) throw invalid();
    const expected = await this.#mac(userId, query, m[1]);
    const given = decode(m[2]);
    if (!given || !equal(given, expected)) throw invalid();
    try {
      const [at, room, seq] = JSON.parse(new TextDecoder().decode(decode(m[1])!));
      if (Number.isSafeInteger(at) && typeof room === "string" && Number.isSafeInteger(seq)) {
        return { at, room, seq };
      }
    } catch { /* below */ }
    throw invalid();
  }

  async #mac(userId: string, query: string, payload: string): Promise<Uint8Array> {
    const key = await (this.#key ??= this.#loadKey());
    const data = new TextEncoder().encode(`search-cursor-v1\n${userId}\n${query}\n${payload}`);
    return new Uint8Array(await crypto.subtle.sign("HMAC", key, data)).slice(0, MAC_BYTES);
  }

  async #loadKey(): Promise<CryptoKey> {
    try {
      let raw = (await this.#kv.get<Uint8Array>(KEY)).value;
      if (!raw) {
        const fresh = crypto.getRandomValues(new Uint8Array(32));
        const made = await this.#kv.atomic().check({ key: KEY, versionstamp: null })
          .set(KEY, fresh).commit();
        raw = made.ok ? fresh : (await this.#kv.get<Uint8Array>(KEY)).value;
        if (!raw) throw new Error("Search cursor key could not be read");
      }
      return await crypto.subtle.importKey(
        "raw",
        new Uint8Array(raw),
        { name: "HMAC", hash: "SHA-256" },
        false,
        ["sign"],
      );
    } catch (err) {
      this.#key = undefined; // asked again by the next search
      throw err;
    }
  }
}

function encode(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function decode(text: string): Uint8Array | undefined {
  try {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

/** Compares in time that does not depend on where they differ. */
function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}
