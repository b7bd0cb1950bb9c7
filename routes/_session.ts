/**
 * @module Sessions for pages: who is signed in (session cookie only: pages are
 * for browsers), redirects for the signed-out, and the Origin check for form
 * posts. Page forms are cookie-authenticated unsafe requests, so they get the
 * same Origin rule as the API (browsers send Origin on form posts).
 */

import type { Context, MiddlewareHandler } from "hono";
import { ForbiddenError, UnauthorizedError } from "../lib/errors.ts";
import type { Authenticated } from "../lib/auth/auth.ts";
import { type AppEnv, isHttps } from "../lib/http/env.ts";
import {
  clearedSessionCookie,
  credentialOf,
  isOwnOrigin,
  sessionCookie,
} from "../lib/http/request.ts";

/** The signed-in user behind the request's session cookie, or null. */
export async function sessionOf(c: Context<AppEnv>): Promise<Authenticated | null> {
  const credential = credentialOf(c.req.raw);
  if (!credential || credential.via !== "cookie") return null;
  try {
    return await c.get("services").auth.authenticate(credential.token, {
      userAgent: c.req.header("user-agent"),
    });
  } catch (error) {
    if (error instanceof UnauthorizedError) return null;
    throw error;
  }
}

/** Where to go after logging in: a path on this site, never another origin. */
export function safeNext(value: string | null | undefined): string {
  if (!value || value.length > 500 || !/^\/(?![/\\])[\x21-\x7e]*$/.test(value)) return "/";
  return value;
}

/** Pages for signed-in users: others are sent to /login (303), and come back after. */
export function signedInPage(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const auth = await sessionOf(c);
    if (!auth) {
      if (credentialOf(c.req.raw)) c.header("set-cookie", clearedSessionCookie(secure(c)));
      const target = c.req.method === "GET" ? c.req.path + new URL(c.req.url).search : "/";
      return c.redirect(
        target === "/" ? "/login" : `/login?next=${encodeURIComponent(target)}`,
        303,
      );
    }
    c.set("auth", auth);
    c.set("via", "cookie");
    await next();
  };
}

/** Form posts must come from our own pages (CSRF): 403 otherwise. */
export function sameOriginForm(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (
      c.req.method === "POST" && !isOwnOrigin(c.req.raw, c.get("services").config.allowedOrigins)
    ) {
      throw new ForbiddenError("Request refused: it does not come from this site's pages");
    }
    await next();
  };
}

function secure(c: Context<AppEnv>): boolean {
  return c.get("services").config.secureCookies || isHttps(c);
}

/** Sets the session cookie after a login or registration. */
export function setSessionCookie(c: Context<AppEnv>, token: string): void {
  const { config } = c.get("services");
  c.header(
    "set-cookie",
    sessionCookie(token, { secure: secure(c), maxAgeS: Math.floor(config.sessionMaxMs / 1000) }),
  );
}

/** Clears the session cookie (logout, stale cookie). */
export function clearSessionCookie(c: Context<AppEnv>): void {
  c.header("set-cookie", clearedSessionCookie(secure(c)));
}
