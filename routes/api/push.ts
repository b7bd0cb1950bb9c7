/**
 * @module Web Push subscriptions (docs/api.md, "Notifications"): the server's VAPID
 * key for `applicationServerKey`, and adding, listing and removing my
 * subscriptions. Delivery itself is lib/push/service.ts, called when a
 * notification finds its user with no socket open.
 */

import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { readJsonBody } from "../../lib/http/request.ts";

export const pushRoutes = new Hono<AppEnv>();
// Per route, as in rooms.ts: the middleware must not leak onto other /api routes.
const signedIn = requireAuth();

pushRoutes.get("/push/key", signedIn, async (c) => {
  return c.json({ publicKey: await c.get("services").push.publicKey() });
});

pushRoutes.get("/push/subscriptions", signedIn, async (c) => {
  const subscriptions = await c.get("services").push.list(c.get("auth").user.id);
  return c.json({ subscriptions });
});

pushRoutes.post("/push/subscriptions", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const { push, notify } = c.get("services");
  const userId = c.get("auth").user.id;
  const { subscription, created } = await push.subscribe(userId, body);
  notify.forgetPushable(userId);
  return c.json({ subscription }, created ? 201 : 200);
});

pushRoutes.delete("/push/subscriptions", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  await c.get("services").push.unsubscribe(c.get("auth").user.id, body.endpoint);
  return c.body(null, 204);
});
