/**
 * @module Public profiles with presence, and the WebSocket endpoint.
 */

import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { BadRequestError, NotFoundError, RateLimitedError } from "../../lib/errors.ts";
import { acceptSocket } from "../../lib/realtime/socket_handler.ts";

export const userRoutes = new Hono<AppEnv>();
// Every route here needs a session; the middleware is per route so that it does
// not leak onto the other /api routes when this group is mounted.
const signedIn = requireAuth();

userRoutes.get("/users/:username", signedIn, async (c) => {
  const { users } = c.get("services");
  const profile = await users.profile(c.req.param("username"));
  if (!profile) {
    throw new NotFoundError(`User not found: "${c.req.param("username").slice(0, 64)}"`);
  }
  return c.json({ user: profile });
});

userRoutes.get("/ws", signedIn, (c) => {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new BadRequestError("Expected a WebSocket upgrade");
  }
  const services = c.get("services");
  const auth = c.get("auth");
  if (services.hub.socketsOf(auth.user.id) >= services.config.maxSocketsPerUser) {
    throw new RateLimitedError(
      `Too many open sockets: the limit is ${services.config.maxSocketsPerUser} per user`,
      5000,
    );
  }
  return acceptSocket(c.req.raw, auth, services);
});
