/**
 * @module The Hono application: API routes under /api, error mapping, and headers.
 */

import { Hono } from "hono";
import { NotFoundError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";
import { authRoutes } from "../../routes/api/auth.ts";
import { roomRoutes } from "../../routes/api/rooms.ts";
import { userRoutes } from "../../routes/api/users.ts";

export function createApp(services: Services): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    c.set("services", services);
    await next();
    if (c.req.path.startsWith("/api/")) {
      c.header("cache-control", "no-store");
      c.header("x-content-type-options", "nosniff");
    }
  });
  app.route("/api", authRoutes);
  app.route("/api", userRoutes);
  app.route("/api", roomRoutes);
  app.all("/api/*", (c) => {
    throw new NotFoundError(`No such endpoint: ${c.req.method} ${c.req.path.slice(0, 100)}`);
  });
  app.onError((err, c) => errorResponse(err, { method: c.req.method, path: c.req.path }));
  app.notFound((c) => errorResponse(new NotFoundError(`Not found: ${c.req.path.slice(0, 100)}`)));
  return app;
}
