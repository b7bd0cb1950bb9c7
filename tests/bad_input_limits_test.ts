/**
 * The size and character limits of PROTOCOL.md against the real server: bodies
 * over 64 KiB (declared or chunked), usernames, passwords (a huge one refused
 * without hashing), room names and topics, message texts, with control characters
 * and lone surrogates.
 * Each bad input must get its documented error, change nothing, and never crash
 * the server or leak internals. One server for the file; the steps check "nothing
 * changed" against a few stable rooms made at the start.
 */

import assert from "node:assert/strict";
import { assertError, BAD_INPUT_ENV, ENCODER, PASSWORD, stableRooms, withServer } from "./_api.ts";

Deno.test({
  name: "bad input: body sizes, usernames, passwords, room names and texts are held to limits",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(BAD_INPUT_ENV, async (api) => {
      const { req, newUser, userExists } = api;
      const { owner, room, assertUnchanged } = await stableRooms(api);

      await t.step(
        "bodies over 64 KiB answer 413, declared or chunked; 64 KiB is fine",
        async () => {
          const pad = "x".repeat(70 * 1024);
          const declared = await req("POST", "/api/auth/register", {
            body: { username: "big_declared", password: PASSWORD, pad },
          });
          assertError(declared, 413, "payload_too_large");

          const bytes = ENCODER.encode(
            JSON.stringify({ username: "big_chunked", password: PASSWORD, pad }),
          );
          const chunked = await req("POST", "/api/auth/register", {
            body: new ReadableStream<Uint8Array>({
              start(controller) {
                for (let i = 0; i < bytes.length; i += 8192) {
                  controller.enqueue(bytes.slice(i, i + 8192));
                }
                controller.close();
              },
            }),
          });
          assertError(chunked, 413, "payload_too_large");
          assert.equal(await userExists("big_declared", owner), false);
          assert.equal(await userExists("big_chunked", owner), false);

          const message = await req("POST", `/api/rooms/${room.id}/messages`, {
            token: owner.token,
            body: { text: "padded", pad },
          });
          assertError(message, 413, "payload_too_large");

          const started = performance.now();
          const huge = await req("POST", "/api/rooms", {
            token: owner.token,
            body: { name: "huge", pad: "x".repeat(1024 * 1024) },
          });
          assertError(huge, 413, "payload_too_large");
          assert.ok(performance.now() - started < 1000, "a 1 MB body is refused quickly");
          await assertUnchanged("oversized bodies");

          // Exactly 64 KiB is allowed; one byte more is not.
          const user = await newUser("limit");
          const json = (padLength: number) =>
            JSON.stringify({ name: "exactly 64 KiB", pad: "y".repeat(padLength) });
          const fill = 64 * 1024 - json(0).length;
          assert.equal(json(fill).length, 65536);
          const atLimit = await req("POST", "/api/rooms", { token: user.token, body: json(fill) });
          assert.equal(atLimit.status, 201, atLimit.text);
          const over = await req("POST", "/api/rooms", { token: user.token, body: json(fill + 1) });
          assertError(over, 413, "payload_too_large");
          assert.equal((await user.rooms()).length, 1);
        },
      );

      await t.step("usernames: 3–32 of [A-Za-z0-9_.-]; nothing else is registered", async () => {
        const bad = [
          "",
          "ab",
          "a".repeat(33),
          "bad name",
          "bad/name",
          "../etc",
          "..",
          "name\0",
          "név_user",
          "abc\u202Edef", // right-to-left override
          "abc\u200Bdef", // zero-width space
          "abc\uFEFFdef", // byte order mark
          "abc\u0007def",
          "tab\tname",
          "😀😀😀",
          "abc\ud800",
          "<script>",
          "x".repeat(5000),
        ];
        for (const username of bad) {
          const res = await req("POST", "/api/auth/register", {
            body: { username, password: PASSWORD },
          });
          assertError(res, 400, "bad_request", JSON.stringify(username).slice(0, 40));
          assert.match(res.body.error.message, /username/i);
        }
        for (const username of ["abc", "A".repeat(32), "A.b-c_9"]) {
          const res = await req("POST", "/api/auth/register", {
            body: { username, password: PASSWORD },
          });
          assert.equal(res.status, 201, `${username}: ${res.text}`);
          assert.equal(res.body.user.username, username);
        }
        for (const username of ["ab", "bad name", "abcdef", "abc\u202Edef"]) {
          assert.equal(await userExists(username, owner), false, username);
        }
      });

      await t.step(
        "passwords: 8–256 characters; a huge one is refused without hashing",
        async () => {
          const register = (username: string, password: unknown) =>
            req("POST", "/api/auth/register", { body: { username, password } });
          for (
            const password of [
              "",
              "seven77",
              "x".repeat(257),
              "😀".repeat(257),
              "\ud800".repeat(10),
              "password\udc00",
            ]
          ) {
            const res = await register("pw_bad", password);
            assertError(res, 400, "bad_request", `password of ${password.length}`);
          }
          assert.equal(await userExists("pw_bad", owner), false);

          for (
            const [username, password] of [
              ["pw_eight", "eight888"],
              ["pw_max", "z".repeat(256)],
              ["pw_emoji", "😀".repeat(256)],
              ["pw_unicode", "pässwörd 密码 🔑"],
            ]
          ) {
            const res = await register(username, password);
            assert.equal(res.status, 201, `${username}: ${res.text}`);
            const login = await req("POST", "/api/auth/login", { body: { username, password } });
            assert.equal(login.status, 200, `${username} logs in: ${login.text}`);
          }

          // What one password hash costs here: a wrong password of normal length.
          let started = performance.now();
          const wrong = await req("POST", "/api/auth/login", {
            body: { username: "pw_max", password: "not the password" },
          });
          assertError(wrong, 401, "invalid_credentials");
          const hashMs = performance.now() - started;
          // A long password is refused in a fraction of that, so it was not hashed.
          const long = "p".repeat(60 * 1024);
          const each: number[] = [];
          for (let i = 0; i < 5; i++) {
            started = performance.now();
            assertError(await register(`pw_long${i}`, long), 400, "bad_request");
            each.push(performance.now() - started);
          }
          each.sort((a, b) => a - b);
          assert.ok(each[2] < hashMs / 2, `refusing took ${each[2]} ms, a hash ${hashMs} ms`);
          // And twenty at once (a hash costs ~100 ms of a small worker pool, so hashing
          // them would take seconds) are all refused well under a second.
          // Up to three rounds: one stall of the host can cost a second, while hashing
          // 40 passwords would cost seconds every time.
          const took: number[] = [];
          while (took.length < 3 && !took.some((ms) => ms < 1000)) {
            started = performance.now();
            const answers = await Promise.all(
              Array.from({ length: 20 }, (_, i) => register(`pw_long${i}`, long)),
            );
            for (const res of answers) assertError(res, 400, "bad_request");
            const logins = await Promise.all(
              Array.from(
                { length: 20 },
                () =>
                  req("POST", "/api/auth/login", { body: { username: "pw_max", password: long } }),
              ),
            );
            for (const res of logins) {
              assertError(res, 400, "bad_request");
            }
            took.push(Math.round(performance.now() - started));
          }
          assert.ok(took.some((ms) => ms < 1000), `long passwords were hashed: ${took} ms`);

          // A 1 MB password exceeds the body limit itself: refused as fast.
          started = performance.now();
          const mega = await register("pw_mega", "m".repeat(1024 * 1024));
          assertError(mega, 413, "payload_too_large");
          assert.ok(performance.now() - started < 1000);
          assert.equal(await userExists("pw_long0", owner), false);
          assert.equal(await userExists("pw_mega", owner), false);
          // The throttle did not count any of it against the account.
          const ok = await req("POST", "/api/auth/login", {
            body: { username: "pw_max", password: "z".repeat(256) },
          });
          assert.equal(ok.status, 200);
        },
      );

      await t.step(
        "room names 1–64 after trimming, topics ≤ 256, no control characters",
        async () => {
          const user = await newUser("namer");
          const create = (body: unknown) => req("POST", "/api/rooms", { token: user.token, body });
          const badNames = [
            "",
            "   ",
            "\n\t ",
            "n".repeat(65),
            "😀".repeat(65),
            "bell\u0007",
            "tab\there",
            "new\nline",
            "nul\0",
            "del\u007f",
            "c1\u0085",
            "\u202Eevil.exe",
            "zero\u200Bwidth",
            "b\uFEFFom",
            "lone \ud800 high",
            "lone \udc00 low",
            "\ud800",
            "x".repeat(5000),
          ];
          for (const name of badNames) {
            assertError(
              await create({ name }),
              400,
              "bad_request",
              JSON.stringify(name).slice(0, 30),
            );
          }
          for (
            const topic of ["t".repeat(257), "bell\u0007", "\u202Eoverride", "lone \ud800", "a\0b"]
          ) {
            assertError(
              await create({ name: "ok", topic }),
              400,
              "bad_request",
              topic.slice(0, 20),
            );
          }
          assert.deepEqual(await user.rooms(), []);

          const good: Array<[unknown, string, string]> = [
            [{ name: "n".repeat(64) }, "n".repeat(64), ""],
            [{ name: "😀".repeat(64) }, "😀".repeat(64), ""],
            [{ name: "  trimmed  " }, "trimmed", ""],
            [{ name: "👩‍👩‍👧 family" }, "👩‍👩‍👧 family", ""],
            [{ name: "topical", topic: "t".repeat(256) }, "topical", "t".repeat(256)],
            [{ name: "العربية" }, "العربية", ""],
          ];
          for (const [body, name, topic] of good) {
            const res = await create(body);
            assert.equal(res.status, 201, res.text);
            assert.equal(res.body.room.name, name);
            assert.equal(res.body.room.topic, topic);
          }
          assert.equal((await user.rooms()).length, good.length);
        },
      );

      await t.step("message text: 1–4000 after trimming trailing whitespace, no NUL", async () => {
        const user = await newUser("writer");
        const own = await user.createRoom("Texts");
        const path = `/api/rooms/${own.id}/messages`;
        const send = (body: unknown) => req("POST", path, { token: user.token, body });
        const bad = [
          "",
          " ",
          "   \n\t\r\n",
          "x".repeat(4001),
          "x".repeat(4000) + "y",
          "😀".repeat(4001),
          "nul\0inside",
          "\0",
          "lone \ud800 high",
          "lone \udc00 low",
          "x".repeat(20000),
        ];
        for (const text of bad) {
          assertError(await send({ text }), 400, "bad_request", `text of ${text.length}`);
          assert.equal((await user.room(own.id)).room.lastSeq, 0);
        }
        const good: Array<[string, string]> = [
          ["x".repeat(4000), "x".repeat(4000)],
          ["y".repeat(4000) + "   \n\t", "y".repeat(4000)],
          ["😀".repeat(4000), "😀".repeat(4000)],
          ["  leading kept, trailing cut \n", "  leading kept, trailing cut"],
        ];
        for (const [text, stored] of good) {
          const res = await send({ text });
          assert.equal(res.status, 201, res.text.slice(0, 200));
          assert.equal(res.body.message.text, stored);
        }
        const { messages } = await user.messages(own.id);
        assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3, 4]);
        assert.deepEqual(messages.map((m) => m.text), good.map(([, stored]) => stored));
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
