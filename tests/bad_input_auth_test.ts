/**
 * Foreign Origins and bad credentials against the real server: cookie requests and
 * cookie WebSocket upgrades from another Origin, and missing, malformed or revoked
 * tokens and cookies on every endpoint and on the upgrade.
 * Each bad input must get its documented error, change nothing, and never crash
 * the server or leak internals. One server for the file; the steps check "nothing
 * changed" against a few stable rooms made at the start.
 */

import assert from "node:assert/strict";
import { assertError, BAD_INPUT_ENV, LEAK_RE, PASSWORD, stableRooms, withServer } from "./_api.ts";
import { Probe, rawHttp, upgradeRequest } from "./_probe.ts";

Deno.test({
  name: "bad input: foreign Origins and missing or revoked credentials are refused, HTTP and WS",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(BAD_INPUT_ENV, async (api) => {
      const { server, base, wsUrl, probes, req, newUser } = api;
      const { owner, outsider, room, secret, assertUnchanged } = await stableRooms(api);

      const ownOrigin = base;

      await t.step("cookie-authenticated unsafe requests need this server's Origin", async () => {
        const user = await newUser("cookie");
        const login = await fetch(base + "/api/auth/login", {
          method: "POST",
          body: JSON.stringify({ username: user.name, password: PASSWORD }),
        });
        await login.body?.cancel();
        const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
        assert.match(cookie, /=.+/);
        const target = await user.createRoom("Cookie target");

        const unsafe: Array<[string, unknown]> = [
          ["/api/rooms", { name: "csrf room" }],
          [`/api/rooms/${room.id}/join`, undefined],
          [`/api/rooms/${target.id}/leave`, undefined],
          [`/api/rooms/${target.id}/invites`, { username: outsider.name }],
          [`/api/rooms/${target.id}/messages`, { text: "csrf message" }],
          ["/api/dms", { username: outsider.name }],
          ["/api/auth/logout", undefined],
        ];
        const refused: Array<[string, Record<string, string>]> = [
          ["a foreign Origin", { origin: "https://evil.example" }],
          ["Origin null", { origin: "null" }],
          ["our host on another port", { origin: "http://127.0.0.1:1" }],
          ["our host over another scheme", { origin: `ftp://127.0.0.1:${server.port}` }],
          ["a look-alike host", { origin: `http://127.0.0.1.evil.example:${server.port}` }],
          ["no Origin and no Sec-Fetch-Site", {}],
          ["no Origin and a cross-site fetch", { "sec-fetch-site": "cross-site" }],
        ];
        const state = async () =>
          JSON.stringify([await user.rooms(), await user.messages(target.id)]);
        const before = await state();
        for (const [label, headers] of refused) {
          for (const [path, body] of unsafe) {
            const res = await req("POST", path, { body, headers: { ...headers, cookie } });
            assertError(res, 403, "forbidden", `${label}: ${path}`);
          }
        }
        assert.equal(await state(), before);
        // The session survived every refused logout.
        const me = await req("GET", "/api/me", { headers: { cookie } });
        assert.equal(me.status, 200);
        await assertUnchanged("cross-origin requests");

        // The same requests with a bearer token do not depend on Origin.
        const bearer = await req("POST", "/api/rooms", {
          token: user.token,
          headers: { origin: "https://evil.example" },
          body: { name: "bearer room" },
        });
        assert.equal(bearer.status, 201, bearer.text);
        // And from our own pages, the cookie works.
        const fromOurPages: Record<string, string>[] = [
          { origin: ownOrigin },
          { "sec-fetch-site": "same-origin" },
        ];
        for (const headers of fromOurPages) {
          const res = await req("POST", `/api/rooms/${target.id}/messages`, {
            headers: { ...headers, cookie },
            body: { text: "from our own page" },
          });
          assert.equal(res.status, 201, res.text);
        }
        assert.equal((await user.messages(target.id)).messages.length, 2);
      });

      await t.step(
        "cookie WebSocket upgrades from a foreign Origin are refused with 403",
        async () => {
          const user = await newUser("wscookie");
          const login = await fetch(base + "/api/auth/login", {
            method: "POST",
            body: JSON.stringify({ username: user.name, password: PASSWORD }),
          });
          await login.body?.cancel();
          const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];

          const refused: Record<string, string>[] = [
            { cookie, origin: "https://evil.example" },
            { cookie, origin: "null" },
            { cookie },
          ];
          for (const headers of refused) {
            const res = await rawHttp(server.port, upgradeRequest(server.port, headers));
            assert.equal(res.status, 403, res.text);
            assert.match(res.text, /"code":"forbidden"/);
            assert.doesNotMatch(res.text, LEAK_RE);
          }
          const own = await rawHttp(
            server.port,
            upgradeRequest(server.port, { cookie, origin: ownOrigin }),
          );
          assert.equal(own.status, 101, own.text);

          // The same through a real WebSocket client: it never opens.
          const foreign = new Probe(wsUrl, { cookie, origin: "https://evil.example" });
          const closed = await foreign.closedWithin();
          assert.equal(foreign.opened, false);
          assert.deepEqual(foreign.frames, []);
          assert.notEqual(closed.code, 1000);
          const allowed = new Probe(wsUrl, { cookie, origin: ownOrigin });
          probes.push(allowed);
          const ready = await allowed.next((f) => f.type === "ready");
          assert.equal(ready.user.id, user.userId);
        },
      );

      await t.step("missing, malformed and revoked credentials answer 401 everywhere", async () => {
        const revoked = await newUser("revoked");
        const token = revoked.token!;
        await revoked.logout();
        const credentials: Array<[string, Record<string, string>]> = [
          ["none", {}],
          ["a revoked token", { authorization: `Bearer ${token}` }],
          ["a revoked cookie", { cookie: `chat_session=${token}`, origin: ownOrigin }],
          ["a made-up token", { authorization: "Bearer not-a-real-token" }],
          ["a 5 KB token", { authorization: `Bearer ${"t".repeat(5000)}` }],
          ["an empty bearer", { authorization: "Bearer " }],
          ["basic auth", { authorization: "Basic YWxpY2U6cGFzc3dvcmQ=" }],
          ["a garbage cookie", { cookie: "chat_session=../../etc/passwd", origin: ownOrigin }],
          ["an empty cookie", { cookie: "chat_session=", origin: ownOrigin }],
        ];
        const endpoints: Array<[string, string, unknown]> = [
          ["GET", "/api/me", undefined],
          ["POST", "/api/auth/logout", undefined],
          ["GET", "/api/rooms", undefined],
          ["GET", "/api/directory", undefined],
          ["POST", "/api/rooms", { name: "sneaky" }],
          ["GET", `/api/rooms/${room.id}`, undefined],
          ["POST", `/api/rooms/${room.id}/join`, undefined],
          ["POST", `/api/rooms/${room.id}/leave`, undefined],
          ["POST", `/api/rooms/${secret.id}/invites`, { username: outsider.name }],
          ["GET", `/api/rooms/${room.id}/messages`, undefined],
          ["POST", `/api/rooms/${room.id}/messages`, { text: "sneaky" }],
          ["POST", "/api/dms", { username: owner.name }],
          ["GET", `/api/users/${owner.name}`, undefined],
          ["GET", "/api/ws", undefined],
        ];
        for (const [label, headers] of credentials) {
          for (const [method, path, body] of endpoints) {
            const res = await req(method, path, { headers, body });
            assertError(res, 401, "unauthorized", `${label}: ${method} ${path}`);
          }
        }
        await assertUnchanged("unauthenticated requests");
      });

      await t.step(
        "an unauthenticated WebSocket upgrade answers 401 and opens no socket",
        async () => {
          const revoked = await newUser("wsrevoked");
          const token = revoked.token!;
          await revoked.logout();
          const refused: Record<string, string>[] = [
            {},
            { authorization: `Bearer ${token}` },
            { authorization: "Bearer nope" },
          ];
          for (const headers of refused) {
            const res = await rawHttp(server.port, upgradeRequest(server.port, headers));
            assert.equal(res.status, 401, res.text);
            assert.match(res.text, /"code":"unauthorized"/);
            assert.doesNotMatch(res.text, /sec-websocket-accept/i);
          }
          for (const headers of refused.slice(0, 2)) {
            const probe = new Probe(wsUrl, headers);
            await probe.closedWithin();
            assert.equal(probe.opened, false);
            assert.deepEqual(probe.frames, []);
          }
        },
      );

      await t.step("the server still answers and the stable rooms are unchanged", async () => {
        const me = await req("GET", "/api/me", { token: owner.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.user.id, owner.userId);
        await assertUnchanged("the whole file");
      });
    });
  },
});
