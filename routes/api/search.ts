/**
 * @module v2 "Search": `GET /api/search?q=&limit=&cursor=` over the rooms I am a
 * member of (lib/search/service.ts decides what is searched and how).
 */

import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";

export const searchRoutes = new Hono<AppEnv>();

searchRoutes.get("/search", requireAuth(), async (c) => {
  const page = await c.get("services").search.search(c.get("auth").user, {
    q: c.req.query("q"),
    limit: c.req.query("limit"),
    cursor: c.req.query("cursor"),
  });
  return c.json(page);
});
