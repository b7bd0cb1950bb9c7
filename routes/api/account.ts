/**
 * @module My account: my profile and avatar, change my password, my sessions,
 * deactivate my account; and everyone's avatars.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { type AppEnv, isHttps, requireAuth } from "../../lib/http/env.ts";
import { clearedSessionCookie, readJsonBody } from "../../lib/http/request.ts";
import { BadRequestError, NotFoundError } from "../../lib/errors.ts";
import { isWellFormedId } from "../../lib/protocol/validate.ts";

export const accountRoutes = new Hono<AppEnv>();
// Per route, as in rooms.ts: the middleware must not leak onto other /api routes.
const signedIn = requireAuth();

accountRoutes.patch("/me", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const user = await c.get("services").profiles.update(c.get("auth").user, body);
  return c.json({ user });
});

accountRoutes.put("/me/avatar", signedIn, async (c) => {
  const length = c.req.header("content-length");
  const declared = length === undefined ? undefined : Number(length);
  if (declared !== undefined && !(Number.isSafeInteger(declared) && declared >= 0)) {
    throw new BadRequestError("Header content-length is not a byte count");
  }
  const { profiles } = c.get("services");
  const user = await profiles.setAvatar(c.get("auth").user, c.req.raw.body, declared);
  return c.json({ user });
});

accountRoutes.delete("/me/avatar", signedIn, async (c) => {
  await c.get("services").profiles.removeAvatar(c.get("auth").user);
  return c.body(null, 204);
});

// Anyone signed in sees everyone's avatars (as they see names). The address names
// the version, so it may be kept for good; the bytes are our own JPEG, and still
// served so that they can never act as a page.
accountRoutes.get("/avatars/:userId/:version", signedIn, async (c) => {
  const { userId, version } = c.req.param();
  if (!isWellFormedId(userId) || !isWellFormedId(version)) {
    throw new NotFoundError("No such avatar");
  }
  const avatar = await c.get("services").profiles.avatar(userId, version);
  if (!avatar) throw new NotFoundError("No such avatar");
  return c.body(avatar.bytes, 200, {
    "content-type": avatar.type,
    "cache-control": "private, max-age=31536000, immutable",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; sandbox",
  });
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
