/**
 * @module What the push tests share: a browser's side of RFC 8291, that is a
 * subscription's key pair and secret, and the decryption of what was sent to it.
 * Tests only; nothing in the server imports it.
 */

import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";

const ECDH = { name: "ECDH", namedCurve: "P-256" } as const;

/** A browser's push keys: what it hands the server (`keys`) and keeps (`privateKey`). */
export interface UserAgent {
  keys: { p256dh: string; auth: string };
  privateKey: CryptoKey;
}

/** A fresh subscription key pair and auth secret, as a browser makes them. */
export async function newUserAgent(): Promise<UserAgent> {
  const pair = await crypto.subtle.generateKey(ECDH, true, ["deriveBits"]) as CryptoKeyPair;
  const p256dh = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return {
    keys: { p256dh: encodeBase64Url(p256dh), auth: encodeBase64Url(auth) },
    privateKey: pair.privateKey,
  };
}

/** Imports an RFC 8291 test vector's private key (raw `d`) with its public point. */
export async function importPrivateEcdh(d: string, publicPoint: string): Promise<CryptoKey> {
  const point = decodeBase64Url(publicPoint)!;
  return await crypto.subtle.importKey(
    "jwk",
    {
      kty: "EC",
      crv: "P-256",
      d,
      x: encodeBase64Url(point.subarray(1, 33)),
      y: encodeBase64Url(point.subarray(33, 65)),
    },
    ECDH,
    true,
    ["deriveBits"],
  );
}

/** Decrypts an `aes128gcm` push body as the browser would; throws if anything is off. */
export async function decryptPush(body: Uint8Array, agent: UserAgent): Promise<Uint8Array> {
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset).getUint32(16);
  const idLength = body[20];
  const asPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  if (ciphertext.byteLength > recordSize) throw new Error("More than one record");
  const uaPublic = decodeBase64Url(agent.keys.p256dh)!;
  const auth = decodeBase64Url(agent.keys.auth)!;
  const senderKey = await crypto.subtle.importKey("raw", asPublic, ECDH, false, []);
  const secret = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: senderKey }, agent.privateKey, 256),
  );
  const info = (label: string) => new TextEncoder().encode(label);
  const keyInfo = new Uint8Array([...info("WebPush: info\0"), ...uaPublic, ...asPublic]);
  const ikm = await hkdf(auth, secret, keyInfo, 32);
  const cek = await hkdf(salt, ikm, info("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, info("Content-Encoding: nonce\0"), 12);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const record = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, ciphertext),
  );
  let end = record.length;
  while (end > 0 && record[end - 1] === 0) end--;
  if (record[end - 1] !== 0x02) throw new Error("No last-record delimiter");
  return record.slice(0, end - 1);
}

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, length * 8),
  );
}
