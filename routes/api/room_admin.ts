/**
 * @module Room administration: rename and topic, roles, removing and banning
 * members, deleting the room (the rules are in lib/chat/room_admin.ts).
 */

import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { readJsonBody } from "../../lib/http/request.ts";

export const roomAdminRoutes = new Hono<AppEnv>();
// Per route, as in rooms.ts: the middleware must not leak onto other /api routes.
const signedIn = requireAuth();

roomAdminRoutes.patch("/rooms/:id", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const room = await c.get("services").roomAdmin.update(c.get("auth").user, c.req.param("id"), {
    name: body.name,
    topic: body.topic,
  });
  return c.json({ room });
});

roomAdminRoutes.delete("/rooms/:id", signedIn, async (c) => {
  await c.get("services").roomAdmin.deleteRoom(c.get("auth").user, c.req.param("id"));
  return c.body(null, 204);
});

roomAdminRoutes.put("/rooms/:id/members/:userId", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  await c.get("services").roomAdmin.setRole(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("userId"),
    body.role,
  );
  return c.body(null, 204);
});

roomAdminRoutes.delete("/rooms/:id/members/:userId", signedIn, async (c) => {
  await c.get("services").roomAdmin.remove(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("userId"),
  );
  return c.body(null, 204);
});

roomAdminRoutes.get("/rooms/:id/bans", signedIn, async (c) => {
  const bans = await c.get("services").roomAdmin.bans(c.get("auth").user, c.req.param("id"));
  return c.json({ bans });
});

roomAdminRoutes.post("/rooms/:id/bans", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  await c.get("services").roomAdmin.ban(c.get("auth").user, c.req.param("id"), body.username);
  return c.body(null, 204);
});

roomAdminRoutes.delete("/rooms/:id/bans/:userId", signedIn, async (c) => {
  await c.get("services").roomAdmin.unban(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("userId"),
  );
  return c.body(null, 204);
});
