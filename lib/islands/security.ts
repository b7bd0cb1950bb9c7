/**
 * @module Security headers for pages: a fresh CSP nonce per request, a
 * Content-Security-Policy without 'unsafe-inline' (every inline script and style
 * the islands layer emits carries the nonce), nosniff and a referrer policy.
 *
 * The referrer policy is strict-origin-when-cross-origin, not no-referrer: under
 * no-referrer browsers send `Origin: null` on same-origin POSTs, which the
 * server's Origin check would refuse.
 */

import type { MiddlewareHandler } from "hono";

/** Hono variables set by {@linkcode securityHeaders}: read with `c.get("nonce")`. */
export type SecurityEnv = { Variables: { nonce: string } };

/** 128 random bits, base64: a CSP nonce for one response. */
export function createNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes));
}

export interface CspOptions {
  nonce: string;
  /** The request's host (`example.com:8000`): allows `ws://` and `wss://` to it. */
  host?: string;
  /** Another origin images may come from (a separate files origin). */
  imgOrigin?: string;
}

/** The Content-Security-Policy header value for a page. */
export function contentSecurityPolicy({ nonce, host, imgOrigin }: CspOptions): string {
  if (!/^[A-Za-z0-9+/=]+$/.test(nonce)) throw new TypeError(`Invalid CSP nonce: "${nonce}"`);
  const connect = ["'self'"];
  // Browsers match ws:/wss: against 'self' only since CSP level 3; be explicit.
  if (host && /^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9a-fA-F:.]+\](:\d+)?$/.test(host)) {
    connect.push(`ws://${host}`, `wss://${host}`);
  }
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    `style-src 'self' 'nonce-${nonce}'`,
    `img-src 'self' data: blob:${
      imgOrigin && /^https?:\/\/[^\s;,']+$/.test(imgOrigin) ? ` ${imgOrigin}` : ""
    }`,
    "font-src 'self'",
    `connect-src ${connect.join(" ")}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/** Every security header for a page response. */
export function securityHeaderValues(options: CspOptions): Record<string, string> {
  return {
    "content-security-policy": contentSecurityPolicy(options),
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
    "x-frame-options": "DENY",
  };
}

/**
 * Middleware: makes a nonce for the request (`c.get("nonce")`, pass it to
 * `renderPage`) and adds the security headers to the response unless the
 * handler set them itself. In an app with its own env, add `nonce: string` to its
 * variables and pass the env: `app.use(securityHeaders<AppEnv>())`.
 */
export function securityHeaders<E extends SecurityEnv = SecurityEnv>(
  options: { imgOrigin?: string } = {},
): MiddlewareHandler<E> {
  return async (c, next) => {
    const nonce = createNonce();
    c.set("nonce", nonce);
    await next();
    if (c.res.status === 101) return; // WebSocket upgrade: nothing to protect, headers may be frozen.
    const values = securityHeaderValues({
      nonce,
      host: new URL(c.req.url).host,
      imgOrigin: options.imgOrigin,
    });
    const headers = new Headers(c.res.headers);
    for (const [name, value] of Object.entries(values)) {
      if (!headers.has(name)) headers.set(name, value);
    }
    // A new Response: the handler's may have immutable headers (fetch, redirect).
    c.res = new Response(c.res.body, {
      status: c.res.status,
      statusText: c.res.statusText,
      headers,
    });
  };
}
