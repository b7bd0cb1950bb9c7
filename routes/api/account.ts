/**
 * @module My account: my profile, change my password, my sessions, deactivate my account.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { type AppEnv, isHttps, requireAuth } from "../../lib/http/env.ts";
import { clearedSessionCookie, readJsonBody } from "../../lib/http/request.ts";

export const accountRoutes = new Hono<AppEnv>();
// Per route, as in rooms.ts: the middleware must not leak onto other /api routes.
const signedIn = requireAuth();

accountRoutes.patch("/me", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const user = await c.get("services").profiles.update(c.get("auth").user, body);
  return c.json({ user });
});

accountRoutes.post("/me/password", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  await c.get("services").accounts.changePassword(c.get("auth"), body.current, body.password);
  return c.body(null, 204);
});

accountRoutes.get("/me/sessions", signedIn, async (c) => {
  const sessions = await c.get("services").accounts.sessions(c.get("auth"));
  return c.json({ sessions });
});

accountRoutes.delete("/me/sessions", signedIn, async (c) => {
  await c.get("services").accounts.endOtherSessions(c.get("auth"));
  return c.body(null, 204);
});

accountRoutes.delete("/me/sessions/:id", signedIn, async (c) => {
  const auth = c.get("auth");
  await c.get("services").accounts.endSession(auth, c.req.param("id"));
  if (c.req.param("id") === auth.session.id) clearCookie(c);
  return c.body(null, 204);
});

accountRoutes.post("/me/deactivate", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  await c.get("services").accounts.deactivateSelf(c.get("auth"), body.password);
  clearCookie(c);
  return c.body(null, 204);
});

function clearCookie(c: Context<AppEnv>): void {
  const { config } = c.get("services");
  c.header("set-cookie", clearedSessionCookie(config.secureCookies || isHttps(c)));
}
