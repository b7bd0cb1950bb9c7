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

type Pages = {
  app: ReturnType<typeof import("./pages.ts").pageApp>;
  errorPage: typeof import("./pages.ts").errorPage;
};
/** The page app, once imported (it holds no state: each request hands it its own). */
let pages: Promise<Pages> | undefined;

/**
 * The pages, imported at the first page request (or just after the first answer:
 * `warmPages`), so that a start answers the API without loading Preact, twind and
 * the islands first (lib/http/pages.ts).
 */
async function loadPages(assets: IslandAssets): Promise<Pages> {
  // A failed import is tried again by the next page request.
  pages ??= import("./pages.ts").then(
    (mod) => ({ app: mod.pageApp(), errorPage: mod.errorPage }),
    (err) => {
      pages = undefined;
      throw err;
    },
  );
  const [loaded] = await Promise.all([pages, assets.register()]);
  return loaded;
}

/** Starts loading the pages in the background (after a start's first answer). */
export function warmPages(assets: IslandAssets): void {
  loadPages(assets).catch(() => {});
}

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
  app.all("*", async (c) => {
    const { app: pages } = await loadPages(assets);
    const vars = { services, assets, nonce: c.get("nonce") };
    return await pages.fetch(c.req.raw, {
      vars,
      info: (c.env as { info?: Deno.ServeHandlerInfo })?.info,
    });
  });
  app.onError(async (err, c) =>
    isApi(c.req.path)
      ? errorResponse(err, { method: c.req.method, path: c.req.path })
      : (await loadPages(assets)).errorPage(c, err)
  );
  app.notFound((c) => errorResponse(new NotFoundError(`Not found: ${c.req.path.slice(0, 100)}`)));
  return app;
}
