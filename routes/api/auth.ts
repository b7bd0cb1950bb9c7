/**
 * @module Register, log in, log out, and who am I.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { type AppEnv, isHttps, requireAuth } from "../../lib/http/env.ts";
import { clearedSessionCookie, readJsonBody, sessionCookie } from "../../lib/http/request.ts";
import type { AuthResult } from "../../lib/auth/auth.ts";

export const authRoutes = new Hono<AppEnv>();

function signedIn(c: Context<AppEnv>, result: AuthResult, status: 200 | 201) {
  const { config } = c.get("services");
  c.header(
    "set-cookie",
    sessionCookie(result.token, {
      secure: config.secureCookies || isHttps(c),
      maxAgeS: Math.floor(config.sessionMaxMs / 1000),
    }),
  );
  return c.json({ user: result.user, token: result.token }, status);
}

authRoutes.post("/auth/register", async (c) => {
  const body = await readJsonBody(c.req.raw);
  const result = await c.get("services").auth.register(body.username, body.password, {
    invite: body.invite,
    userAgent: c.req.header("user-agent"),
  });
  return signedIn(c, result, 201);
});

authRoutes.post("/auth/login", async (c) => {
  const body = await readJsonBody(c.req.raw);
  const result = await c.get("services").auth.login(body.username, body.password, {
    userAgent: c.req.header("user-agent"),
  });
  return signedIn(c, result, 200);
});

authRoutes.post("/auth/logout", requireAuth(), async (c) => {
  const { auth, config } = c.get("services");
  await auth.logout(c.get("auth"));
  c.header("set-cookie", clearedSessionCookie(config.secureCookies || isHttps(c)));
  return c.body(null, 204);
});

authRoutes.get("/me", requireAuth(), (c) => c.json({ user: c.get("auth").user }));
