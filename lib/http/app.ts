/**
 * @module The Hono application: security headers on everything, the API under
 * /api (JSON errors), the island bundle and static files, and the pages (HTML
 * errors). Errors are mapped in one place per kind of answer: lib/http/errors.ts
 * for the API, routes/_error.tsx for pages.
 */

import { Hono } from "hono";
import { NotFoundError } from "../errors.ts";
import type { Services } from "../services.ts";
import type { IslandAssets } from "../islands/assets.ts";
import { securityHeaders } from "../islands/security.ts";
import { mountIslandAssets } from "../islands/serve.ts";
import type { AppEnv } from "./env.ts";
import { errorResponse } from "./errors.ts";
import { compression } from "./compress.ts";
import { authRoutes } from "../../routes/api/auth.ts";
import { roomRoutes } from "../../routes/api/rooms.ts";
import { roomAdminRoutes } from "../../routes/api/room_admin.ts";
import { accountRoutes } from "../../routes/api/account.ts";
import { adminRoutes } from "../../routes/api/admin.ts";
import { messageRoutes } from "../../routes/api/messages.ts";
import { userRoutes } from "../../routes/api/users.ts";
import { fileRoutes } from "../../routes/api/files.ts";
import { threadRoutes } from "../../routes/api/threads.ts";
import { pushRoutes } from "../../routes/api/push.ts";
import { searchRoutes } from "../../routes/api/search.ts";
import { swRoutes } from "../../routes/sw.ts";
import { authPages } from "../../routes/auth.tsx";
import { directoryPages } from "../../routes/directory.tsx";
import { roomPages } from "../../routes/room.tsx";
import { threadPages } from "../../routes/threads.tsx";
import { searchPages } from "../../routes/search.tsx";
import { settingsPages } from "../../routes/settings.tsx";
import { adminPages } from "../../routes/admin.tsx";
import { errorPage } from "../../routes/_error.tsx";

function isApi(path: string): boolean {
  return path === "/api" || path.startsWith("/api/");
}

export function createApp(services: Services, assets: IslandAssets): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  // CSP with a per-request nonce, nosniff, frame-ancestors/X-Frame-Options and
  // Referrer-Policy: on pages, and on API answers too (they cost nothing there).
  app.use(securityHeaders<AppEnv>({ imgOrigin: services.config.filesOrigin || undefined }));
  // Pages, JSON and static text, brotli or gzip (lib/http/compress.ts says what is left alone).
  app.use(compression());
  app.use(async (c, next) => {
    c.set("services", services);
    c.set("assets", assets);
    await next();
    if (isApi(c.req.path) && !c.res.headers.has("cache-control")) {
      c.header("cache-control", "no-store");
    }
  });
  app.route("/api", authRoutes);
  app.route("/api", userRoutes);
  app.route("/api", roomRoutes);
  app.route("/api", roomAdminRoutes);
  app.route("/api", accountRoutes);
  app.route("/api", adminRoutes);
  app.route("/api", messageRoutes);
  app.route("/api", fileRoutes);
  app.route("/api", threadRoutes);
  app.route("/api", pushRoutes);
  app.route("/api", searchRoutes);
  app.all("/api/*", (c) => {
    throw new NotFoundError(`No such endpoint: ${c.req.method} ${c.req.path.slice(0, 100)}`);
  });
  mountIslandAssets(app, assets);
  app.route("/", swRoutes);
  app.route("/", authPages);
  app.route("/", directoryPages);
  app.route("/", roomPages);
  app.route("/", threadPages);
  app.route("/", searchPages);
  app.route("/", settingsPages);
  app.route("/", adminPages);
  app.onError((err, c) =>
    isApi(c.req.path)
      ? errorResponse(err, { method: c.req.method, path: c.req.path })
      : errorPage(c, err)
  );
  app.notFound((c) => {
    const err = new NotFoundError(`Not found: ${c.req.path.slice(0, 100)}`);
    return isApi(c.req.path) ? errorResponse(err) : errorPage(c, err);
  });
  return app;
}
