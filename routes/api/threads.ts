/**
 * @module v2 "Mentions, threads and notifications": a thread's page, the threads I
 * follow, following, my latest mentions and my notification settings of a room.
 * (Thread replies are sent with `threadRoot` through the message routes.)
 */

import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { readJsonBody } from "../../lib/http/request.ts";
import { parseSeqParam } from "../../lib/protocol/validate.ts";

export const threadRoutes = new Hono<AppEnv>();

const signedIn = requireAuth();
const THREAD = "/rooms/:id/messages/:seq/thread";

threadRoutes.get(THREAD, signedIn, async (c) => {
  const page = await c.get("services").threads.thread(
    c.get("auth").user.id,
    c.req.param("id"),
    c.req.param("seq"),
    {
      after: parseSeqParam(c.req.query("after"), "after"),
      limit: parseSeqParam(c.req.query("limit"), "limit"),
    },
  );
  return c.json(page);
});

threadRoutes.put(`${THREAD}/follow`, signedIn, async (c) => {
  await c.get("services").threads.follow(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("seq"),
    true,
  );
  return c.body(null, 204);
});

threadRoutes.delete(`${THREAD}/follow`, signedIn, async (c) => {
  await c.get("services").threads.follow(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("seq"),
    false,
  );
  return c.body(null, 204);
});

threadRoutes.get("/threads", signedIn, async (c) => {
  return c.json({ threads: await c.get("services").threads.followed(c.get("auth").user.id) });
});

threadRoutes.get("/mentions", signedIn, async (c) => {
  const limit = parseSeqParam(c.req.query("limit"), "limit");
  return c.json({
    mentions: await c.get("services").threads.mentions(c.get("auth").user.id, limit),
  });
});

threadRoutes.get("/rooms/:id/settings", signedIn, async (c) => {
  const { rooms, notify } = c.get("services");
  const userId = c.get("auth").user.id;
  const room = await rooms.requireMember(userId, c.req.param("id"));
  return c.json({ settings: await notify.settings(userId, room.id) });
});

threadRoutes.put("/rooms/:id/settings", signedIn, async (c) => {
  const { rooms, notify } = c.get("services");
  const userId = c.get("auth").user.id;
  const room = await rooms.requireMember(userId, c.req.param("id"));
  const body = await readJsonBody(c.req.raw);
  return c.json({ settings: await notify.update(userId, room.id, body) });
});
