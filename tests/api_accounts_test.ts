/**
 * Accounts and sessions of PROTOCOL.md against the real server over real sockets:
 * register, login, wrong credentials and their throttle, `GET /api/me` and logout.
 * Each test starts its own server; every step uses its own users so steps stay
 * independent of each other's data, except that the uniqueness step registers
 * again the name the register step made, so the two share a test.
 */

import assert from "node:assert/strict";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import { API_ENV, type Raw, rejects, withServer } from "./_api.ts";

Deno.test({
  name: "accounts: register answers {user, token} and a cookie; usernames are unique, any case",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ base, raw }) => {
      await t.step(
        "register answers 201 {user, token} and sets an HttpOnly SameSite cookie",
        async () => {
          const res = await raw("POST", "/api/auth/register", {
            body: { username: "Alice.Register", password: "s3cret pass" },
          });
          assert.equal(res.status, 201);
          assert.equal(res.body.user.username, "Alice.Register");
          assert.equal(typeof res.body.user.id, "string");
          assert.ok(res.body.user.id.length > 0);
          assert.equal(typeof res.body.token, "string");
          assert.ok(res.body.token.length >= 20, "a token should carry real entropy");
          assert.equal(res.body.user.passwordHash, undefined);

          const cookie = res.headers.get("set-cookie") ?? "";
          assert.match(cookie, /;\s*HttpOnly/i);
          assert.match(cookie, /;\s*SameSite=(Lax|Strict)/i);
          assert.match(cookie, /;\s*Path=\//i);

          // The cookie alone authenticates, as does the bearer token.
          const pair = cookie.split(";")[0];
          const viaCookie = await raw("GET", "/api/me", { headers: { cookie: pair } });
          assert.equal(viaCookie.status, 200);
          assert.deepEqual(viaCookie.body, { user: res.body.user });
          const viaBearer = await raw("GET", "/api/me", { token: res.body.token });
          assert.equal(viaBearer.status, 200);
          assert.deepEqual(viaBearer.body, { user: res.body.user });
        },
      );

      await t.step("usernames are unique case-insensitively and shown as registered", async () => {
        await rejects(
          new ChatApi(base).register("alice.register", "another pass"),
          409,
          "conflict",
        );
        await rejects(
          new ChatApi(base).register("ALICE.REGISTER", "another pass"),
          409,
          "conflict",
        );
        // The original keeps its spelling.
        const api = new ChatApi(base);
        const { user } = await api.login("Alice.Register", "s3cret pass");
        assert.equal(user.username, "Alice.Register");
        assert.equal((await api.me()).username, "Alice.Register");

        // Two registrations of the same name at once: exactly one wins.
        const results = await Promise.allSettled([
          new ChatApi(base).register("Race.Name", "password one"),
          new ChatApi(base).register("race.NAME", "password two"),
        ]);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        assert.equal(won.length, 1);
        assert.equal(lost.length, 1);
        const reason = (lost[0] as PromiseRejectedResult).reason;
        assert.ok(reason instanceof ApiError);
        assert.equal(reason.code, "conflict");
        assert.equal(reason.status, 409);
      });
    });
  },
});

Deno.test({
  name: "accounts: login answers a new session; bad credentials answer alike and are throttled",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ base, raw, newUser }) => {
      await t.step("login answers 200 {user, token} with a new working session", async () => {
        const first = await newUser("login");
        const res = await raw("POST", "/api/auth/login", {
          body: { username: first.name, password: "correct horse" },
        });
        assert.equal(res.status, 200);
        // (v2: `displayName`, the username until chosen; the first account is `serverAdmin`.)
        const { serverAdmin: _admin, displayName, ...user } = res.body.user;
        assert.equal(displayName, user.username);
        assert.deepEqual(user, { id: first.userId, username: first.name });
        assert.notEqual(res.body.token, first.token);
        assert.match(res.headers.get("set-cookie") ?? "", /HttpOnly/i);
        // Both sessions work side by side.
        assert.equal((await raw("GET", "/api/me", { token: res.body.token })).status, 200);
        assert.equal((await first.me()).id, first.userId);
      });

      await t.step(
        "invalid_credentials is the identical answer for an unknown user and a wrong password",
        async () => {
          const known = await newUser("cred");
          const wrongPassword = await raw("POST", "/api/auth/login", {
            body: { username: known.name, password: "wrong password" },
          });
          const unknownUser = await raw("POST", "/api/auth/login", {
            body: { username: "nobody_here_at_all", password: "wrong password" },
          });
          for (const res of [wrongPassword, unknownUser]) {
            assert.equal(res.status, 401);
            assert.equal(res.body.error.code, "invalid_credentials");
            assert.equal(res.headers.get("set-cookie"), null);
            assert.equal(res.body.token, undefined);
          }
          assert.deepEqual(wrongPassword.body, unknownUser.body);
          assert.equal(
            wrongPassword.headers.get("content-type"),
            unknownUser.headers.get("content-type"),
          );
        },
      );

      await t.step(
        "login is throttled per account after repeated failures (429 + Retry-After)",
        async () => {
          const victim = await newUser("victim");
          const bystander = await newUser("bystander");
          let throttled: Raw | undefined;
          for (let i = 0; i < 12 && !throttled; i++) {
            const res = await raw("POST", "/api/auth/login", {
              body: { username: victim.name, password: `wrong guess ${i}` },
            });
            if (res.status === 429) throttled = res;
            else assert.equal(res.body.error.code, "invalid_credentials");
          }
          assert.ok(throttled, "repeated failed logins were never throttled");
          assert.equal(throttled.body.error.code, "rate_limited");
          const retryAfter = Number(throttled.headers.get("retry-after"));
          assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${retryAfter}`);

          // While locked, even the right password is refused, so guessing gains nothing.
          const right = await raw("POST", "/api/auth/login", {
            body: { username: victim.name, password: "correct horse" },
          });
          assert.equal(right.status, 429);
          assert.equal(right.body.error.code, "rate_limited");
          assert.ok(Number(right.headers.get("retry-after")) >= 1);

          // Other accounts and the victim's existing sessions are not affected.
          assert.equal(
            (await new ChatApi(base).login(bystander.name, "correct horse")).user.id,
            bystander.userId,
          );
          assert.equal((await victim.me()).id, victim.userId);
        },
      );
    });
  },
});

Deno.test({
  name: "accounts: GET /api/me answers the user; logout ends the session's token, cookie, sockets",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ base, raw, newUser, socketOf }) => {
      await t.step("GET /api/me answers {user}; without credentials 401 unauthorized", async () => {
        const api = await newUser("me");
        const res = await raw("GET", "/api/me", { token: api.token });
        assert.equal(res.status, 200);
        // (v2: `displayName`, the username until chosen; the first account is `serverAdmin`.)
        const { serverAdmin: _admin, displayName, ...user } = res.body.user;
        assert.equal(displayName, user.username);
        assert.deepEqual(user, { id: api.userId, username: api.name });
        assert.deepEqual(Object.keys(res.body), ["user"]);
        const anonymous = await raw("GET", "/api/me");
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.body.error.code, "unauthorized");
      });

      await t.step(
        "logout answers 204; the session's token, cookie and sockets die at once",
        async () => {
          const api = await newUser("logout");
          // A second session of the same user must survive the first one's logout.
          const other = new ChatApi(base);
          await other.login(api.name, "correct horse");

          const login = await fetch(base + "/api/auth/login", {
            method: "POST",
            body: JSON.stringify({ username: api.name, password: "correct horse" }),
          });
          const { token } = await login.json();
          const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
          assert.equal((await raw("GET", "/api/me", { headers: { cookie } })).status, 200);

          const socket = await socketOf(new ChatApi(base, { token }));
          const ended = new Promise<number>((resolve) =>
            socket.on("sessionEnded", ({ code }) => resolve(code))
          );

          const res = await raw("POST", "/api/auth/logout", { token });
          assert.equal(res.status, 204);
          assert.equal(res.body, undefined);
          assert.match(res.headers.get("set-cookie") ?? "", /Max-Age=0|Expires=Thu, 01 Jan 1970/i);

          for (const dead of [{ token }, { headers: { cookie } }]) {
            const me = await raw("GET", "/api/me", dead);
            assert.equal(me.status, 401);
            assert.equal(me.body.error.code, "unauthorized");
          }
          assert.equal((await raw("GET", "/api/rooms", { token })).status, 401);
          assert.equal((await raw("POST", "/api/auth/logout", { token })).status, 401);
          const timeout = new Promise<string>((resolve) => setTimeout(resolve, 5000, "timeout"));
          assert.equal(await Promise.race([ended, timeout]), 4001);

          assert.equal((await other.me()).id, api.userId);
          assert.equal((await api.me()).id, api.userId);
        },
      );
    });
  },
});
