/**
 * Profiles and routing of PROTOCOL.md against the real server over real sockets:
 * `GET /api/users/:username` with online and lastSeenAt following a socket, and
 * the JSON 404 of unknown `/api` routes. Every step uses its own users.
 */

import assert from "node:assert/strict";
import { API_ENV, eventually, rejects, withServer } from "./_api.ts";

Deno.test({
  name: "users: a profile shows presence over HTTP; unknown /api routes answer a JSON 404",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ raw, newUser, socketOf }) => {
      await t.step("GET /api/users/:username: profile with online and lastSeenAt", async () => {
        const viewer = await newUser("viewer");
        const subject = await newUser("subject");
        const res = await raw("GET", `/api/users/${subject.name}`, { token: viewer.token });
        assert.equal(res.status, 200);
        assert.equal(res.body.user.id, subject.userId);
        assert.equal(res.body.user.username, subject.name);
        assert.equal(res.body.user.online, false);
        assert.equal(res.body.user.passwordHash, undefined);
        assert.ok(
          res.body.user.lastSeenAt === null || typeof res.body.user.lastSeenAt === "number",
        );

        const socket = await socketOf(subject);
        await eventually(async () => {
          const profile = await viewer.user(subject.name);
          assert.equal(profile.online, true);
          assert.equal(typeof profile.lastSeenAt, "number");
        });
        const closedAt = Date.now();
        socket.close();
        await eventually(async () => {
          const profile = await viewer.user(subject.name);
          assert.equal(profile.online, false);
          assert.equal(typeof profile.lastSeenAt, "number");
          assert.ok(Math.abs(profile.lastSeenAt! - closedAt) < 15_000);
        }, 20_000);

        await rejects(viewer.user("no_such_user_here"), 404, "not_found");
        const anonymous = await raw("GET", `/api/users/${subject.name}`);
        assert.equal(anonymous.status, 401);
      });

      await t.step("unknown /api routes answer 404 with the JSON error body", async () => {
        const api = await newUser("route");
        for (
          const [method, path] of [
            ["GET", "/api/nope"],
            ["POST", "/api/nope"],
            ["GET", "/api/rooms/abc/nope"],
            ["DELETE", "/api/rooms"],
            ["GET", "/api/auth/register"],
          ]
        ) {
          const res = await raw(method, path, { token: api.token });
          assert.equal(res.status, 404, `${method} ${path}`);
          assert.equal(res.body.error.code, "not_found");
          assert.match(res.headers.get("content-type") ?? "", /application\/json/);
        }
      });
    });
  },
});
