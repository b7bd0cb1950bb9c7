/**
 * @module The server's admin: invite codes, users (and deactivating them), rooms.
 */

import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { readJsonBody } from "../../lib/http/request.ts";

export const adminRoutes = new Hono<AppEnv>();
// Per route, as in rooms.ts: the middleware must not leak onto other /api routes.
const signedIn = requireAuth();

adminRoutes.post("/admin/invites", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const created = await c.get("services").serverAdmin.createInvite(c.get("auth").user, body);
  return c.json(created, 201);
});

adminRoutes.get("/admin/invites", signedIn, async (c) => {
  const invites = await c.get("services").serverAdmin.invites(c.get("auth").user);
  return c.json({ invites });
});

adminRoutes.delete("/admin/invites/:id", signedIn, async (c) => {
  await c.get("services").serverAdmin.revokeInvite(c.get("auth").user, c.req.param("id"));
  return c.body(null, 204);
});

adminRoutes.get("/admin/users", signedIn, async (c) => {
  const page = await c.get("services").serverAdmin.users(c.get("auth").user, {
    limit: c.req.query("limit"),
    cursor: c.req.query("cursor"),
  });
  return c.json(page);
});

adminRoutes.get("/admin/rooms", signedIn, async (c) => {
  const page = await c.get("services").serverAdmin.rooms(c.get("auth").user, {
    limit: c.req.query("limit"),
    cursor: c.req.query("cursor"),
  });
  return c.json(page);
});

adminRoutes.get("/admin/stats", signedIn, async (c) => {
  const services = c.get("services");
  return c.json(await services.serverAdmin.stats(c.get("auth").user, services.isolateId));
});

adminRoutes.post("/admin/users/:id/deactivate", signedIn, async (c) => {
  await c.get("services").serverAdmin.deactivate(c.get("auth").user, c.req.param("id"));
  return c.body(null, 204);
});
