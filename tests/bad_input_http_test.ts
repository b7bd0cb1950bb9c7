/**
 * Bad HTTP requests against the real server: malformed, non-object, mistyped and
 * deeply nested JSON bodies, `__proto__` keys, invalid ids in paths and bodies
 * (`../etc`, NUL, 5 KB strings, unicode) and invalid history query parameters.
 * Each bad input must get its documented error, change nothing, and never crash
 * the server or leak internals. One server for the file; the steps check "nothing
 * changed" against a few stable rooms made at the start.
 */

import assert from "node:assert/strict";
import type { Room } from "../lib/protocol/types.ts";
import { assertError, BAD_INPUT_ENV, LEAK_RE, PASSWORD, stableRooms, withServer } from "./_api.ts";
import { rawHttp } from "./_probe.ts";

Deno.test({
  name: "bad input over HTTP: malformed JSON, wrong fields and invalid ids answer 400 or 404",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(BAD_INPUT_ENV, async (api) => {
      const { server, req, newUser, userExists } = api;
      const { owner, outsider, room, secret, assertUnchanged } = await stableRooms(api);

      const jsonEndpoints: Array<[string, string, string | undefined]> = [
        ["POST", "/api/auth/register", undefined],
        ["POST", "/api/auth/login", undefined],
        ["POST", "/api/rooms", owner.token],
        ["POST", `/api/rooms/${room.id}/messages`, owner.token],
        ["POST", `/api/rooms/${secret.id}/invites`, owner.token],
        ["POST", "/api/dms", owner.token],
      ];

      await t.step("malformed JSON and non-object JSON bodies answer 400 bad_request", async () => {
        const bodies: Array<string | Uint8Array> = [
          "{",
          '{"name":}',
          "nope",
          "{'name':'x'}",
          '{"name":"x",}',
          '{"name":"x"}garbage',
          "[]",
          '["name"]',
          '"a string"',
          "null",
          "42",
          "true",
          new Uint8Array([0x7b, 0x22, 0x6e, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]), // bad UTF-8
        ];
        for (const [method, path, token] of jsonEndpoints) {
          for (const body of bodies) {
            const res = await req(method, path, { token, body });
            assertError(res, 400, "bad_request", `${path} with ${String(body).slice(0, 20)}`);
          }
        }
        await assertUnchanged("malformed JSON");
      });

      await t.step("missing fields and wrong types answer 400 naming the field", async () => {
        const cases: Array<[string, unknown, string, string?]> = [
          ["/api/auth/register", {}, "username"],
          ["/api/auth/register", { username: "fine_name" }, "password"],
          ["/api/auth/register", { password: PASSWORD }, "username"],
          ["/api/auth/register", { username: 12345, password: PASSWORD }, "username"],
          ["/api/auth/register", { username: ["abc"], password: PASSWORD }, "username"],
          ["/api/auth/register", { username: null, password: PASSWORD }, "username"],
          ["/api/auth/register", { username: "fine_name", password: 12345678 }, "password"],
          ["/api/auth/register", { username: "fine_name", password: { a: 1 } }, "password"],
          ["/api/auth/login", {}, "username"],
          ["/api/auth/login", { username: owner.name }, "password"],
          ["/api/auth/login", { username: 42, password: PASSWORD }, "username"],
          ["/api/auth/login", { username: owner.name, password: true }, "password"],
          ["/api/rooms", {}, "name", owner.token],
          ["/api/rooms", { name: 5 }, "name", owner.token],
          ["/api/rooms", { name: null }, "name", owner.token],
          ["/api/rooms", { name: ["x"] }, "name", owner.token],
          ["/api/rooms", { name: { text: "x" } }, "name", owner.token],
          ["/api/rooms", { name: "ok", topic: 5 }, "topic", owner.token],
          ["/api/rooms", { name: "ok", topic: ["x"] }, "topic", owner.token],
          ["/api/rooms", { name: "ok", kind: "direct" }, "kind", owner.token],
          ["/api/rooms", { name: "ok", kind: "secret" }, "kind", owner.token],
          ["/api/rooms", { name: "ok", kind: 1 }, "kind", owner.token],
          ["/api/rooms", { name: "ok", kind: "PUBLIC" }, "kind", owner.token],
          [`/api/rooms/${room.id}/messages`, {}, "text", owner.token],
          [`/api/rooms/${room.id}/messages`, { text: 5 }, "text", owner.token],
          [`/api/rooms/${room.id}/messages`, { text: null }, "text", owner.token],
          [`/api/rooms/${room.id}/messages`, { text: ["hi"] }, "text", owner.token],
          [`/api/rooms/${room.id}/messages`, { text: "hi", clientId: 5 }, "clientId", owner.token],
          [`/api/rooms/${room.id}/messages`, { text: "hi", clientId: "" }, "clientId", owner.token],
          [
            `/api/rooms/${room.id}/messages`,
            { text: "hi", clientId: "x".repeat(65) },
            "clientId",
            owner.token,
          ],
          [
            `/api/rooms/${room.id}/messages`,
            { text: "hi", clientId: "a b" },
            "clientId",
            owner.token,
          ],
          [
            `/api/rooms/${room.id}/messages`,
            { text: "hi", clientId: "a\0b" },
            "clientId",
            owner.token,
          ],
          [
            `/api/rooms/${room.id}/messages`,
            { text: "hi", clientId: "é" },
            "clientId",
            owner.token,
          ],
          [`/api/rooms/${secret.id}/invites`, {}, "username", owner.token],
          [`/api/rooms/${secret.id}/invites`, { username: 7 }, "username", owner.token],
          ["/api/dms", {}, "username", owner.token],
          ["/api/dms", { username: [outsider.name] }, "username", owner.token],
        ];
        for (const [path, body, field, token] of cases) {
          const res = await req("POST", path, { token, body });
          const what = `${path} ${JSON.stringify(body)}`;
          assertError(res, 400, "bad_request", what);
          assert.match(res.body.error.message.toLowerCase(), new RegExp(field.toLowerCase()), what);
        }
        assert.equal(await userExists("fine_name", owner), false);
        await assertUnchanged("missing fields");
      });

      await t.step(
        "ids like ../etc, NUL, 5 KB strings and unicode answer 404 not_found",
        async () => {
          const ids = [
            "..",
            "..%2Fetc",
            "..%2F..%2Fetc%2Fpasswd",
            "%2E%2E%2F%2E%2E%2Fetc",
            "%00",
            "abc%00def",
            "x".repeat(5 * 1024),
            "%F0%9F%92%A9",
            "%E2%80%AE",
            "%ud800",
            "%",
            "%ZZ",
            "%E0%A4%A",
            "a%20b",
            "__proto__",
            "constructor",
            "doesnotexist0000",
            room.id.toUpperCase(),
            room.id + "%00",
          ];
          for (const id of ids) {
            const cases: Array<[string, string, unknown]> = [
              ["GET", `/api/rooms/${id}`, undefined],
              ["POST", `/api/rooms/${id}/join`, undefined],
              ["POST", `/api/rooms/${id}/leave`, undefined],
              ["POST", `/api/rooms/${id}/invites`, { username: outsider.name }],
              ["GET", `/api/rooms/${id}/messages`, undefined],
              ["POST", `/api/rooms/${id}/messages`, { text: "hello?" }],
              ["GET", `/api/users/${id}`, undefined],
            ];
            for (const [method, path, body] of cases) {
              const res = await req(method, path, { token: outsider.token, body });
              assertError(res, 404, "not_found", `${method} ${path.slice(0, 60)}`);
              assert.ok(res.text.length < 1000, "the answer does not echo a 5 KB id");
            }
          }
          // Unnormalized dot segments, as a raw client could send them.
          for (const path of ["/api/rooms/../../etc/passwd", "/api/users/../../../etc/passwd"]) {
            const res = await rawHttp(
              server.port,
              `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n` +
                `Authorization: Bearer ${outsider.token}\r\nConnection: close\r\n\r\n`,
            );
            assert.equal(res.status, 404, res.text);
            const body = res.text.slice(res.text.indexOf("\r\n\r\n") + 4);
            assert.equal(JSON.parse(body).error.code, "not_found");
            assert.doesNotMatch(body, LEAK_RE);
            assert.doesNotMatch(body, /root:/);
          }
          // Ids in bodies: usernames that cannot exist are refused before any lookup.
          for (const username of ["../etc", "a\0b", "x".repeat(5000), "😀😀😀"]) {
            const invite = await req("POST", `/api/rooms/${secret.id}/invites`, {
              token: owner.token,
              body: { username },
            });
            assertError(invite, 400, "bad_request");
            const dm = await req("POST", "/api/dms", { token: owner.token, body: { username } });
            assertError(dm, 400, "bad_request");
          }
          await assertUnchanged("invalid ids");
          assert.deepEqual(await outsider.rooms(), []);
        },
      );

      await t.step("history query parameters are validated (400, never 500)", async () => {
        const queries = [
          "limit=abc",
          "limit=-1",
          "limit=1.5",
          "limit=0",
          "limit=101",
          "limit=1e2",
          "limit=99999999999999999999",
          "before=abc",
          "before=-1",
          "before=1.5",
          "after=0x10",
          "after=99999999999999999999",
          "after=%00",
          "after=" + "9".repeat(5000),
        ];
        for (const query of queries) {
          const res = await req("GET", `/api/rooms/${room.id}/messages?${query}`, {
            token: owner.token,
          });
          assertError(res, 400, "bad_request", query.slice(0, 30));
        }
      });

      await t.step("__proto__ and constructor keys in bodies are harmless", async () => {
        const user = await newUser("proto");
        const res = await req("POST", "/api/rooms", {
          token: user.token,
          body:
            '{"name":"proto","__proto__":{"kind":"private","topic":"polluted","isAdmin":true},' +
            '"constructor":{"prototype":{"polluted":true}}}',
        });
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.room.kind, "public");
        assert.equal(res.body.room.topic, "");
        assert.equal(res.body.room.isAdmin, undefined);

        const ghost = await req("POST", "/api/auth/register", {
          body: '{"__proto__":{"username":"ghost_user","password":"correct horse"}}',
        });
        assertError(ghost, 400, "bad_request");
        assert.equal(await userExists("ghost_user", owner), false);

        const message = await req("POST", `/api/rooms/${room.id}/messages`, {
          token: owner.token,
          body: '{"__proto__":{"text":"smuggled"}}',
        });
        assertError(message, 400, "bad_request");
        const dm = await req("POST", "/api/dms", {
          token: user.token,
          body: '{"__proto__":{"username":"' + owner.name + '"}}',
        });
        assertError(dm, 400, "bad_request");

        // Later requests see no polluted defaults.
        const later = await user.createRoom("after proto");
        assert.equal(later.kind, "public");
        assert.equal(later.topic, "");
        assert.equal((later as Room & { polluted?: unknown }).polluted, undefined);
        await assertUnchanged("__proto__ keys");
      });

      await t.step("deeply nested JSON answers 400, not 500", async () => {
        const depth = 10_000;
        const nestedObject = '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
        const nestedArray = "[".repeat(30_000) + "]".repeat(30_000);
        const nestedField = '{"name":' + "[".repeat(20_000) + "]".repeat(20_000) + "}";
        for (const [method, path, token] of jsonEndpoints) {
          for (const body of [nestedObject, nestedArray, nestedField]) {
            assert.ok(body.length <= 64 * 1024);
            assertError(await req(method, path, { token, body }), 400, "bad_request", path);
          }
        }
        await assertUnchanged("deeply nested JSON");
      });

      await t.step("the server still answers and the stable rooms are unchanged", async () => {
        const me = await req("GET", "/api/me", { token: owner.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.user.id, owner.userId);
        await assertUnchanged("the whole file");
      });
    });
  },
});
