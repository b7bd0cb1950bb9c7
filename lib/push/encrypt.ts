/**
 * @module Web Push message encryption (RFC 8291) with the `aes128gcm` content coding
 * (RFC 8188), on Web Crypto alone.
 *
 * A push message crosses the browser vendor's push service, so it is encrypted to
 * the subscription's keys: ECDH between a fresh sender key pair and the browser's
 * `p256dh` key, mixed with its `auth` secret and a random salt (HKDF-SHA-256), gives
 * a content key and nonce for AES-128-GCM. The body is one record: the RFC 8188
 * header (salt, record size, the sender's public key as key id), then the payload,
 * its last-record delimiter 0x02, and no padding. One record is all a push message
 * may be: push services take bodies of 4096 bytes at most, which leaves
 * {@linkcode MAX_PLAINTEXT} bytes for the payload.
 */

import { decodeBase64Url } from "./base64url.ts";

/** The record size the header announces (the whole body must fit one record). */
const RECORD_SIZE = 4096;
/** salt (16) + rs (4) + idlen (1) + keyid (65) */
const HEADER_SIZE = 86;
/** The delimiter (1) and the AES-GCM tag (16) a record adds to its plaintext. */
const RECORD_OVERHEAD = 17;
/** The largest payload one push message carries: 4096 − 86 − 17 = 3993 bytes. */
export const MAX_PLAINTEXT = RECORD_SIZE - HEADER_SIZE - RECORD_OVERHEAD;

const ENCODER = new TextEncoder();
const ECDH = { name: "ECDH", namedCurve: "P-256" } as const;

/** A subscription's keys, decoded: `p256dh` (65-byte P-256 point) and `auth` (16 bytes). */
export interface ReceiverKeys {
  p256dh: Uint8Array<ArrayBuffer>;
  auth: Uint8Array<ArrayBuffer>;
}

/** What {@linkcode encryptWith} takes instead of making it: fixed for test vectors. */
export interface SenderSecrets {
  salt: Uint8Array<ArrayBuffer>;
  /** An ECDH P-256 key pair; its public key must be extractable. */
  sender: CryptoKeyPair;
}

/** Encrypts `plaintext` for one subscription with a fresh salt and sender key pair. */
export async function encryptPayload(
  plaintext: Uint8Array,
  receiver: ReceiverKeys,
): Promise<Uint8Array<ArrayBuffer>> {
  const sender = await crypto.subtle.generateKey(ECDH, true, ["deriveBits"]) as CryptoKeyPair;
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return await encryptWith(plaintext, receiver, { salt, sender });
}

/**
 * The RFC 8291 computation itself, with the salt and sender key pair given.
 * Production goes through {@linkcode encryptPayload}; a fixed salt or key reused
 * for two messages would break the encryption.
 */
export async function encryptWith(
  plaintext: Uint8Array,
  receiver: ReceiverKeys,
  { salt, sender }: SenderSecrets,
): Promise<Uint8Array<ArrayBuffer>> {
  if (plaintext.byteLength > MAX_PLAINTEXT) {
    throw new RangeError(
      `Push payload is too large: ${plaintext.byteLength} bytes, the limit is ${MAX_PLAINTEXT}`,
    );
  }
  if (salt.byteLength !== 16) throw new RangeError("Push salt must be 16 bytes");
  if (receiver.auth.byteLength !== 16) throw new RangeError("Push auth secret must be 16 bytes");
  const uaPublic = await crypto.subtle.importKey("raw", receiver.p256dh, ECDH, false, []);
  const asPublic = new Uint8Array(await crypto.subtle.exportKey("raw", sender.publicKey));
  const ecdhSecret = await crypto.subtle.deriveBits(
    { name: "ECDH", public: uaPublic },
    sender.privateKey,
    256,
  );

  // RFC 8291 §3.3–3.4: IKM = HKDF(auth, ecdh_secret, "WebPush: info" 0x00 ua_public as_public)
  const keyInfo = concat(ENCODER.encode("WebPush: info\0"), receiver.p256dh, asPublic);
  const ikm = await hkdf(receiver.auth, new Uint8Array(ecdhSecret), keyInfo, 32);
  // RFC 8188 §2.2–2.3: the content key and nonce from the salt.
  const cek = await hkdf(salt, ikm, ENCODER.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, ENCODER.encode("Content-Encoding: nonce\0"), 12);

  // One record, sequence number 0 (so the nonce is used as it is), ending in 0x02.
  const record = concat(plaintext, Uint8Array.of(0x02));
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const ciphertext = await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, record);

  const header = new Uint8Array(HEADER_SIZE);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = asPublic.byteLength;
  header.set(asPublic, 21);
  return concat(header, new Uint8Array(ciphertext));
}

/**
 * Decodes and checks a subscription's keys as the browser sent them (base64url):
 * `p256dh` a valid uncompressed P-256 point (on the curve), `auth` 16 bytes. The
 * error says which is wrong, for the caller to wrap.
 */
export function decodeReceiverKeys(
  p256dh: string,
  auth: string,
): ReceiverKeys | { error: string } {
  const point = decodeBase64Url(p256dh);
  if (!point) return { error: 'Push key "p256dh" is not base64url' };
  if (point.byteLength !== 65 || point[0] !== 0x04) {
    return {
      error:
        `Push key "p256dh" must be an uncompressed P-256 point: 65 bytes starting 0x04, got ${point.byteLength} bytes`,
    };
  }
  // Deno's Web Crypto imports a point off the curve without a word: check it here.
  if (!onP256(point)) return { error: 'Push key "p256dh" is not a point on the P-256 curve' };
  const secret = decodeBase64Url(auth);
  if (!secret) return { error: 'Push key "auth" is not base64url' };
  if (secret.byteLength !== 16) {
    return { error: `Push key "auth" must be 16 bytes, got ${secret.byteLength}` };
  }
  return { p256dh: point, auth: secret };
}

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

/** Whether an uncompressed point (0x04 ‖ x ‖ y) satisfies y² = x³ − 3x + b (mod p). */
function onP256(point: Uint8Array): boolean {
  const toBig = (bytes: Uint8Array) =>
    BigInt("0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""));
  const x = toBig(point.subarray(1, 33));
  const y = toBig(point.subarray(33, 65));
  if (x >= P || y >= P) return false;
  return (y * y - (x * x * x - 3n * x + B)) % P === 0n;
}

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt, info },
    key,
    length * 8,
  );
  return new Uint8Array(bits);
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}
