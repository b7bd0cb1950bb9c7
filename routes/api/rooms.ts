/**
 * @module Rooms, membership, invites, history, sending, and direct conversations.
 */

import { Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { readJsonBody } from "../../lib/http/request.ts";
import { parseSeqParam } from "../../lib/protocol/validate.ts";
import { BadRequestError } from "../../lib/errors.ts";

export const roomRoutes = new Hono<AppEnv>();
// Every route here needs a session; the middleware is per route so that it does
// not leak onto the other /api routes when this group is mounted.
const signedIn = requireAuth();

roomRoutes.get("/rooms", signedIn, async (c) => {
  const rooms = await c.get("services").rooms.mine(c.get("auth").user.id);
  return c.json({ rooms });
});

roomRoutes.get("/directory", signedIn, async (c) => {
  const rooms = await c.get("services").rooms.directory(c.get("auth").user.id);
  return c.json({ rooms });
});

roomRoutes.post("/rooms", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const room = await c.get("services").rooms.create(c.get("auth").user, body);
  return c.json({ room }, 201);
});

roomRoutes.get("/rooms/:id", signedIn, async (c) => {
  const result = await c.get("services").rooms.details(c.get("auth").user.id, c.req.param("id"));
  return c.json(result);
});

roomRoutes.post("/rooms/:id/join", signedIn, async (c) => {
  const room = await c.get("services").rooms.join(c.get("auth").user, c.req.param("id"));
  return c.json({ room });
});

roomRoutes.post("/rooms/:id/leave", signedIn, async (c) => {
  await c.get("services").rooms.leave(c.get("auth").user, c.req.param("id"));
  return c.body(null, 204);
});

roomRoutes.post("/rooms/:id/invites", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const invite = await c.get("services").rooms.invite(
    c.get("auth").user,
    c.req.param("id"),
    body.username,
  );
  // v1 answers 204; a client that asks is told what happened (already a member…).
  if (!/\breturn=representation\b/i.test(c.req.header("prefer") ?? "")) return c.body(null, 204);
  c.header("preference-applied", "return=representation");
  return c.json({ invite }, 200);
});

roomRoutes.get("/invites", signedIn, async (c) => {
  const invites = await c.get("services").rooms.invitations(c.get("auth").user.id);
  return c.json({ invites });
});

roomRoutes.delete("/invites/:id", signedIn, async (c) => {
  await c.get("services").rooms.decline(c.get("auth").user, c.req.param("id"));
  return c.body(null, 204);
});

roomRoutes.get("/rooms/:id/messages", signedIn, async (c) => {
  const limitParam = c.req.query("limit");
  let limit: number | undefined;
  if (limitParam !== undefined) {
    limit = parseSeqParam(limitParam, "limit");
    if (limit === undefined) throw new BadRequestError('Parameter "limit" must be 1–100');
  }
  const page = await c.get("services").messages.history(c.get("auth").user.id, c.req.param("id"), {
    before: parseSeqParam(c.req.query("before"), "before"),
    after: parseSeqParam(c.req.query("after"), "after"),
    limit,
  });
  return c.json(page);
});

roomRoutes.post("/rooms/:id/messages", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const stored = await c.get("services").messages.send(c.get("auth").user, c.req.param("id"), {
    text: body.text,
    clientId: body.clientId,
    replyTo: body.replyTo,
    files: body.files,
    threadRoot: body.threadRoot,
    alsoInRoom: body.alsoInRoom,
  });
  return c.json({ message: stored.message }, stored.duplicate ? 200 : 201);
});

roomRoutes.post("/dms", signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const { room, created } = await c.get("services").rooms.direct(
    c.get("auth").user,
    body.username,
  );
  return c.json({ room }, created ? 201 : 200);
});
