/**
 * @module The server-rendered pages as one Hono app of their own, loaded at the
 * first page request (lib/http/app.ts): Preact, its renderer, twind and the island
 * components are most of what a start imports, and an API client, a socket or a
 * health check needs none of it. The outer app hands over what it set on the
 * request (the services, the island assets, the CSP nonce its headers will carry).
 */

import { Hono } from "hono";
import type { AppEnv } from "./env.ts";
import { authPages } from "../../routes/auth.tsx";
import { directoryPages } from "../../routes/directory.tsx";
import { roomPages } from "../../routes/room.tsx";
import { threadPages } from "../../routes/threads.tsx";
import { searchPages } from "../../routes/search.tsx";
import { settingsPages } from "../../routes/settings.tsx";
import { adminPages } from "../../routes/admin.tsx";
import { errorPage } from "../../routes/_error.tsx";
import { NotFoundError } from "../errors.ts";

export { errorPage };

/** What the outer app passes as the page app's `env`: its variables, and Deno's. */
export interface HandOver {
  vars: Pick<AppEnv["Variables"], "services" | "assets" | "nonce">;
  info?: Deno.ServeHandlerInfo;
}

export function pageApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => {
    const { services, assets, nonce } = (c.env as HandOver).vars;
    c.set("services", services);
    c.set("assets", assets);
    c.set("nonce", nonce);
    await next();
  });
  app.route("/", authPages);
  app.route("/", directoryPages);
  app.route("/", roomPages);
  app.route("/", threadPages);
  app.route("/", searchPages);
  app.route("/", settingsPages);
  app.route("/", adminPages);
  app.onError((err, c) => errorPage(c, err));
  app.notFound((c) => errorPage(c, new NotFoundError(`Not found: ${c.req.path.slice(0, 100)}`)));
  return app;
}
