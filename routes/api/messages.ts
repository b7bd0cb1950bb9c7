/**
 * @module v2 "Messages that change": edit, delete, reactions, edit history and the
 * changes feed. Each handler parses and calls the message service, the same calls
 * the socket frames make.
 */

import { type Context, Hono } from "hono";
import { type AppEnv, requireAuth } from "../../lib/http/env.ts";
import { readJsonBody } from "../../lib/http/request.ts";
import { parseSeqParam } from "../../lib/protocol/validate.ts";

export const messageRoutes = new Hono<AppEnv>();

const signedIn = requireAuth();
const MESSAGE = "/rooms/:id/messages/:seq";
const REACTION = `${MESSAGE}/reactions/:emoji`;

messageRoutes.patch(MESSAGE, signedIn, async (c) => {
  const body = await readJsonBody(c.req.raw);
  const { message } = await c.get("services").messages.edit(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("seq"),
    body.text,
  );
  return c.json({ message });
});

messageRoutes.delete(MESSAGE, signedIn, async (c) => {
  await c.get("services").messages.delete(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("seq"),
  );
  return c.body(null, 204);
});

messageRoutes.get(`${MESSAGE}/edits`, signedIn, async (c) => {
  const edits = await c.get("services").messages.edits(
    c.get("auth").user,
    c.req.param("id"),
    c.req.param("seq"),
  );
  return c.json({ edits });
});

/** PUT adds my reaction, DELETE removes it: one handler each way. */
function reaction(on: boolean) {
  return async (c: Context<AppEnv>) => {
    await c.get("services").messages.react(
      c.get("auth").user,
      c.req.param("id"),
      c.req.param("seq"),
      { emoji: c.req.param("emoji"), on },
    );
    return c.body(null, 204);
  };
}

messageRoutes.put(REACTION, signedIn, reaction(true));
messageRoutes.delete(REACTION, signedIn, reaction(false));

messageRoutes.get(REACTION, signedIn, async (c) => {
  const { messages, users } = c.get("services");
  const ids = await messages.reactionUsers(
    c.get("auth").user.id,
    c.req.param("id"),
    c.req.param("seq"),
    c.req.param("emoji"),
  );
  const names = await Promise.all(ids.map((id) => users.usernameOf(id)));
  return c.json({
    users: ids.map((id, i) => ({ id, username: names[i] ?? "" })),
  });
});

messageRoutes.get("/rooms/:id/changes", signedIn, async (c) => {
  const page = await c.get("services").messages.changes(c.get("auth").user.id, c.req.param("id"), {
    sinceRev: parseSeqParam(c.req.query("sinceRev"), "sinceRev"),
    limit: parseSeqParam(c.req.query("limit"), "limit"),
  });
  return c.json(page);
});
