/**
 * @module VAPID (RFC 8292): how a push service knows a push comes from the server
 * the browser subscribed with. Each request carries `Authorization: vapid t=JWT,
 * k=KEY`: an ES256 JWT signed with the server's key (lib/push/keys.ts), naming the
 * push service's origin (`aud`), an expiry at most 24 hours away (`exp`), and a
 * contact for the push service's operators (`sub`, a `mailto:` or `https:` URL),
 * with the public key that `applicationServerKey` gave the browser.
 */

import { SignJWT } from "jose";

/** How long a token is valid: well inside RFC 8292's 24 hours, and clock skew. */
export const VAPID_TTL_S = 12 * 60 * 60;

/** The server's VAPID key pair: the public key as browsers are given it. */
export interface VapidKeys {
  /** base64url of the uncompressed P-256 point (65 bytes). */
  publicKey: string;
  /** ECDSA P-256, sign only, not extractable. */
  privateKey: CryptoKey;
}

/** Checks the contact a token names; throws on anything but a `mailto:` or `https:` URL. */
export function checkSubject(subject: string): string {
  let url: URL | undefined;
  try {
    url = new URL(subject);
  } catch {
    // reported below
  }
  const ok = url?.protocol === "https:" ||
    (url?.protocol === "mailto:" && /^[^@\s]+@[^@\s]+$/.test(url.pathname));
  if (!ok) {
    throw new TypeError(`Invalid push subject: "${subject}": expected mailto:… or https://…`);
  }
  return subject;
}

/** The `Authorization` header value for a push to `endpoint`, signed at `now` (ms). */
export async function vapidAuthorization(
  endpoint: URL,
  keys: VapidKeys,
  options: { subject: string; now: number },
): Promise<string> {
  const token = await new SignJWT({})
    .setProtectedHeader({ typ: "JWT", alg: "ES256" })
    .setAudience(endpoint.origin)
    .setExpirationTime(Math.floor(options.now / 1000) + VAPID_TTL_S)
    .setSubject(options.subject)
    .sign(keys.privateKey);
  return `vapid t=${token}, k=${keys.publicKey}`;
}
