/**
 * @module Signed addresses for FILES_ORIGIN: the app checks who may read a file,
 * then redirects to the files origin with a JWT (HS256, jose) naming that file and
 * expiring in LINK_TTL_S, which the files origin accepts instead of a session (it
 * has no cookie: that is the point of a separate origin). The key is made once and
 * kept in KV, so every isolate signs and verifies with the same one; it is never
 * logged or sent anywhere.
 */

import { jwtVerify, SignJWT } from "jose";

const KEY = ["meta", "file_link_key"];
const LINK_TTL_S = 300;
const keys = new WeakMap<Deno.Kv, Promise<Uint8Array>>();

async function keyOf(kv: Deno.Kv): Promise<Uint8Array> {
  let key = keys.get(kv);
  if (!key) {
    key = (async () => {
      const fresh = crypto.getRandomValues(new Uint8Array(32));
      await kv.atomic().check({ key: KEY, versionstamp: null }).set(KEY, fresh).commit();
      const stored = (await kv.get<Uint8Array>(KEY)).value;
      if (!stored) throw new Error("File link key is missing");
      return stored;
    })();
    keys.set(kv, key);
    key.catch(() => keys.delete(kv));
  }
  return await key;
}

/** A token granting the bytes of one file (or its thumbnail) for LINK_TTL_S. */
export async function signFileLink(kv: Deno.Kv, fileId: string, thumb: boolean): Promise<string> {
  return await new SignJWT({ t: thumb ? 1 : 0 })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(fileId)
    .setIssuedAt()
    .setExpirationTime(`${LINK_TTL_S}s`)
    .sign(await keyOf(kv));
}

/** Whether `token` is a valid, unexpired grant for this file (or its thumbnail). */
export async function verifyFileLink(
  kv: Deno.Kv,
  token: string,
  fileId: string,
  thumb: boolean,
): Promise<boolean> {
  if (token.length > 1000) return false;
  try {
    const { payload } = await jwtVerify(token, await keyOf(kv), { algorithms: ["HS256"] });
    return payload.sub === fileId && payload.t === (thumb ? 1 : 0);
  } catch {
    return false;
  }
}
