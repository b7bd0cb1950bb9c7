/**
 * @module The server's VAPID key pair (lib/push/vapid.ts), made on first use and
 * kept in KV at `["push_vapid"]`: every isolate and every restart signs with the same
 * key, so subscriptions made against one stay valid on all. Browsers bind a
 * subscription to this key; a new one would orphan them all.
 *
 * Two isolates may both find no key and both make one: each writes only where
 * there is none (`check` versionstamp null), and both then use the one stored. The
 * private key is never logged or sent; it lives in KV as a JWK and in memory as a
 * non-extractable CryptoKey.
 */

import { InternalError } from "../errors.ts";
import { encodeBase64Url } from "./base64url.ts";
import type { VapidKeys } from "./vapid.ts";

export const VAPID_KEY: Deno.KvKey = ["push_vapid"];

/** What `["push_vapid"]` holds. */
interface StoredVapidKeys {
  /** base64url, uncompressed P-256 point. */
  publicKey: string;
  /** The private key (`d`, `x`, `y`). */
  privateJwk: JsonWebKey;
  createdAt: number;
}

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;

/** The key pair in KV, made and stored first if there is none. */
export async function loadVapidKeys(kv: Deno.Kv, now = Date.now()): Promise<VapidKeys> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await kv.get<StoredVapidKeys>(VAPID_KEY);
    if (found.value) return await importKeys(found.value);
    const fresh = await makeKeys(now);
    const { ok } = await kv.atomic().check({ key: VAPID_KEY, versionstamp: null })
      .set(VAPID_KEY, fresh).commit();
    // Lost a race: the winner's key is in KV now, read it on the next turn.
    if (ok) return await importKeys(fresh);
  }
  throw new InternalError("VAPID key pair could not be stored");
}

async function makeKeys(now: number): Promise<StoredVapidKeys> {
  const pair = await crypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return {
    publicKey: encodeBase64Url(raw),
    privateJwk: await crypto.subtle.exportKey("jwk", pair.privateKey),
    createdAt: now,
  };
}

async function importKeys(stored: StoredVapidKeys): Promise<VapidKeys> {
  const { kty, crv, d, x, y } = stored.privateJwk;
  const privateKey = await crypto.subtle.importKey(
    "jwk",
    { kty, crv, d, x, y },
    ECDSA,
    false,
    ["sign"],
  );
  return { publicKey: stored.publicKey, privateKey };
}
