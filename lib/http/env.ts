/**
 * @module The Hono environment shared by every route: the services, the island
 * assets and the response's CSP nonce (for pages), and the authenticated caller
 * once `requireAuth` (or a page's session check) ran.
 */

import type { Context, MiddlewareHandler } from "hono";
import { ForbiddenError, UnauthorizedError } from "../errors.ts";
import type { Authenticated } from "../auth/auth.ts";
import type { Services } from "../services.ts";
import type { IslandAssets } from "../islands/assets.ts";
import { credentialOf, isOwnOrigin } from "./request.ts";

export type AppEnv = {
  Variables: {
    services: Services;
    /** The island bundle pages render with (see lib/islands/). */
    assets: IslandAssets;
    /** This response's CSP nonce, set by `securityHeaders()`. */
    nonce: string;
    auth: Authenticated;
    via: "bearer" | "cookie";
  };
};

const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Authenticates with the bearer token or the session cookie. Cookie-authenticated
 * unsafe requests and upgrades must come from our own Origin (CSRF, CSWSH).
 */
export function requireAuth(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const services = c.get("services");
    const credential = credentialOf(c.req.raw);
    if (!credential) throw new UnauthorizedError();
    const isUpgrade = c.req.header("upgrade")?.toLowerCase() === "websocket";
    if (
      credential.via === "cookie" && (UNSAFE.has(c.req.method) || isUpgrade) &&
      !isOwnOrigin(c.req.raw, services.config.allowedOrigins)
    ) {
      throw new ForbiddenError("Request refused: it does not come from this site's pages");
    }
    c.set(
      "auth",
      await services.auth.authenticate(credential.token, {
        userAgent: c.req.header("user-agent"),
      }),
    );
    c.set("via", credential.via);
    await next();
  };
}

/** True when the request was made over https (directly or behind a proxy). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" ||
    c.req.header("x-forwarded-proto") === "https";
}
