/**
 * @module base64url (RFC 4648 §5, no padding) for push keys and bodies: what the
 * Push API's `PushSubscription.toJSON()` and `applicationServerKey` speak. Plain
 * `atob`/`btoa`, so the browser helpers (islands/_push.ts) can share it.
 */

/** Bytes as base64url without padding. */
export function encodeBase64Url(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/**
 * The bytes of a base64url string (trailing `=` padding tolerated), or undefined
 * when it has any other character: a standard-base64 `+` or `/` is refused too.
 */
export function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | undefined {
  const bare = text.replace(/={1,2}$/, "");
  if (!/^[A-Za-z0-9_-]*$/.test(bare) || bare.length % 4 === 1) return undefined;
  const binary = atob(bare.replace(/-/g, "+").replace(/_/g, "/"));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
