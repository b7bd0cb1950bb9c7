/**
 * The security table: one row per attack, each with the answer the server must
 * give. Cross-site WebSocket hijacking, CSRF on the API and on page forms, session
 * fixation, token replay after logout, expired sessions, forged JWTs, hostile JSON,
 * prototype pollution, ids that are not ids, deceptive Unicode in names, huge
 * passwords, header injection (Host, paths, names, `next`), and brute force on
 * logins, with the timing of existing vs unknown accounts measured.
 *
 * The exhaustive limit-by-limit checks live in tests/bad_input_*_test.ts; the rows
 * here each take one attack end to end.
 */

import assert from "node:assert/strict";
import { startServer, type TestServer } from "./_server.ts";
import { rawRequest, upgradeHead } from "./_raw_ws.ts";
import { newUser, RecordingSocket, waitFor } from "./_clients.ts";
import { loadConfig } from "../lib/config.ts";
import { createChatServer } from "../lib/server.ts";
import { type Clock, SYSTEM_CLOCK } from "../lib/clock.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PASSWORD = "correct horse battery";
const ENCODER = new TextEncoder();

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  json: any;
}

async function request(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: BodyInit; json?: unknown } = {},
): Promise<Answer> {
  const headers = { ...options.headers };
  let body = options.body;
  if (options.json !== undefined) {
    headers["content-type"] ??= "application/json";
    body = JSON.stringify(options.json);
  }
  const res = await fetch(base + path, { method, headers, body, redirect: "manual" });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

function base64url(data: string | Uint8Array): string {
  const bytes = typeof data === "string" ? ENCODER.encode(data) : data;
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

async function hs256(payload: Record<string, unknown>, key: Uint8Array): Promise<string> {
  const head = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
  const body = base64url(JSON.stringify(payload));
  const cryptoKey = await crypto.subtle.importKey(
    "raw",
    key as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = await crypto.subtle.sign("HMAC", cryptoKey, ENCODER.encode(`${head}.${body}`));
  return `${head}.${body}.${base64url(new Uint8Array(signature))}`;
}

/** The session cookie a login or register answer set, as `name=value`. */
function cookieOf(res: Answer): string {
  const setCookie = res.headers.get("set-cookie") ?? "";
  return setCookie.split(";")[0];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

Deno.test({
  name: "security table: every attack gets the documented refusal",
  ...opts,
  async fn(t) {
    const server: TestServer = await startServer();
    const base = server.url;
    const own = base; // the server's own Origin
    const evil = "https://evil.example";
    try {
      const alice = await newUser(base, "alice");
      const aliceName = (await alice.me()).username;
      const aliceId = (await alice.me()).id;
      const room = await alice.createRoom("security room");
      const login = await request(base, "POST", "/api/auth/login", {
        json: { username: aliceName, password: PASSWORD },
      });
      const cookie = cookieOf(login);
      const upgrade = async (headers: Record<string, string>) => {
        const { status, head, conn } = await rawRequest(
          server.port,
          upgradeHead(server.port, headers),
        );
        conn.close();
        return { status, head };
      };

      await t.step(
        "CSWSH: cookie upgrade with a foreign, null or missing Origin → 403, no socket",
        async () => {
          for (
            const headers of [{ origin: evil }, { origin: "null" }, {}] as Record<string, string>[]
          ) {
            const { status, head } = await upgrade({ cookie, ...headers });
            assert.equal(status, 403, head);
            assert.doesNotMatch(head, /sec-websocket-accept/i);
          }
          assert.equal((await upgrade({ cookie, origin: own })).status, 101);
        },
      );

      await t.step("CSRF (API): cross-site cookie POSTs → 403, nothing changes", async () => {
        const before = (await alice.messages(room.id)).messages.length;
        for (
          const headers of [
            { origin: evil },
            { "sec-fetch-site": "cross-site" },
            { "sec-fetch-site": "same-site" }, // a sibling subdomain is not our origin
            { origin: evil, "sec-fetch-site": "cross-site" },
          ] as Record<string, string>[]
        ) {
          const res = await request(base, "POST", `/api/rooms/${room.id}/messages`, {
            headers: { cookie, ...headers },
            json: { text: "forged" },
          });
          assert.equal(res.status, 403, res.text);
          assert.equal(res.json.error.code, "forbidden");
          // A classic form post (no preflight) is refused the same way.
          const form = await request(base, "POST", "/api/rooms", {
            headers: { cookie, ...headers, "content-type": "application/x-www-form-urlencoded" },
            body: "name=forged",
          });
          assert.equal(form.status, 403, form.text);
        }
        assert.equal((await alice.messages(room.id)).messages.length, before);
      });

      await t.step(
        "CSRF (page forms): cross-site posts to /login, /rooms, /logout → 403",
        async () => {
          const form = "application/x-www-form-urlencoded";
          // Login CSRF: a foreign page logging the victim into the attacker's account.
          const forged = await request(base, "POST", "/login", {
            headers: { origin: evil, "content-type": form },
            body: `username=${aliceName}&password=${encodeURIComponent(PASSWORD)}`,
          });
          assert.equal(forged.status, 403);
          assert.equal(forged.headers.get("set-cookie"), null, "no session handed out");
          for (const path of ["/rooms", "/logout", `/rooms/${room.id}/messages`]) {
            const res = await request(base, "POST", path, {
              headers: { cookie, "sec-fetch-site": "cross-site", "content-type": form },
              body: "name=x&text=x",
            });
            assert.equal(res.status, 403, `${path}: ${res.status}`);
          }
          assert.equal(
            (await request(base, "GET", "/api/me", { headers: { cookie } })).status,
            200,
          );
        },
      );

      await t.step(
        "session fixation: an attacker's cookie is replaced at login; every login gets a new token",
        async () => {
          const planted = "chat_session=attacker-chosen-value";
          const res = await request(base, "POST", "/api/auth/login", {
            headers: { cookie: planted },
            json: { username: aliceName, password: PASSWORD },
          });
          assert.equal(res.status, 200);
          const fresh = cookieOf(res);
          assert.notEqual(fresh, planted);
          assert.match(
            res.headers.get("set-cookie")!,
            /^chat_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
          );
          assert.equal(fresh.slice("chat_session=".length), res.json.token);
          const again = await request(base, "POST", "/api/auth/login", {
            json: { username: aliceName, password: PASSWORD },
          });
          assert.notEqual(again.json.token, res.json.token, "a new token at every login");
          const planted401 = await request(base, "GET", "/api/me", {
            headers: { cookie: planted },
          });
          assert.equal(planted401.status, 401, "the planted value is no session");
        },
      );

      await t.step(
        "token replay after logout: bearer, cookie and upgrade → 401; open sockets closed 4001",
        async () => {
          const victim = await newUser(base, "victim");
          const token = victim.token!;
          const socket = await RecordingSocket.open(victim);
          await victim.logout();
          await waitFor("socket closed with 4001", () => socket.closes.includes(4001));
          for (
            const headers of [
              { authorization: `Bearer ${token}` },
              { cookie: `chat_session=${token}`, origin: own },
            ] as Record<string, string>[]
          ) {
            for (
              const [method, path] of [["GET", "/api/me"], ["GET", "/api/rooms"], [
                "POST",
                "/api/auth/logout",
              ]]
            ) {
              const res = await request(base, method, path, { headers });
              assert.equal(res.status, 401, `${method} ${path}`);
              assert.equal(res.json.error.code, "unauthorized");
            }
            assert.equal((await upgrade(headers)).status, 401);
          }
        },
      );

      await t.step(
        "forged JWTs (alg none, wrong key, real user id) as bearer or cookie → 401",
        async () => {
          const claims = { sub: aliceId, userId: aliceId, username: aliceName, exp: 4_000_000_000 };
          const none = `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${
            base64url(JSON.stringify(claims))
          }.`;
          const wrongKey = await hs256(claims, crypto.getRandomValues(new Uint8Array(32)));
          const weakKey = await hs256(claims, ENCODER.encode("secret"));
          for (const jwt of [none, wrongKey, weakKey, none.slice(0, -1)]) {
            for (
              const headers of [{ authorization: `Bearer ${jwt}` }, {
                cookie: `chat_session=${jwt}`,
                origin: own,
              }] as Record<string, string>[]
            ) {
              const res = await request(base, "GET", "/api/me", { headers });
              assert.equal(res.status, 401, jwt);
            }
            assert.equal((await upgrade({ authorization: `Bearer ${jwt}` })).status, 401);
          }
        },
      );

      await t.step(
        "hostile JSON: 32,000-deep nesting → 400 fast; 10 MB body → 413 without reading it",
        async () => {
          const deep = "[".repeat(32_000) + "]".repeat(32_000);
          let started = performance.now();
          const nested = await request(base, "POST", "/api/rooms", {
            headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
            body: deep,
          });
          assert.equal(nested.status, 400);
          assert.ok(performance.now() - started < 1000);
          // Ten megabytes, streamed without a length: refused after 64 KiB.
          let sent = 0;
          const chunk = new Uint8Array(64 * 1024).fill(0x20);
          const stream = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (sent >= 10 * 1024 * 1024) return controller.close();
              sent += chunk.length;
              controller.enqueue(chunk);
            },
          });
          started = performance.now();
          const big = await request(base, "POST", "/api/rooms", {
            headers: { authorization: `Bearer ${alice.token}`, "content-type": "application/json" },
            body: stream,
          }).catch(() => ({ status: 413 } as Answer)); // the server may hang up mid-upload
          assert.equal(big.status, 413);
          assert.ok(performance.now() - started < 2000);
        },
      );

      await t.step(
        "ids that are not ids (paths, NUL, 5 KB, unicode, in HTTP and frames) → 404",
        async () => {
          const ids = [
            "..%2F..%2Fetc%2Fpasswd",
            "%00",
            "x".repeat(5000),
            "%F0%9F%98%80",
            "ROOM",
            "-1",
            "%22%3E%3Cscript%3E",
          ];
          for (const id of ids) {
            const res = await request(base, "GET", `/api/rooms/${id}`, {
              headers: { authorization: `Bearer ${alice.token}` },
            });
            assert.equal(res.status, 404, id);
            assert.doesNotMatch(res.text, /<script>/);
          }
          const socket = await RecordingSocket.open(alice);
          for (const roomId of ["../x", "\u0000", "x".repeat(5000), "😀"]) {
            socket.socket.sendRaw({ type: "send", roomId, text: "hi", ref: "r" });
          }
          await waitFor("answers", () => socket.of("error").length === 4);
          assert.ok(socket.of("error").every((f) => f.code === "not_found"));
          socket.close();
        },
      );

      await t.step(
        "deceptive names: NUL, lone surrogates, RTL override, zero-width → 400",
        async () => {
          for (
            const username of ["nul\u0000name", "rtl\u202Eevil", "zero\u200Bwidth", "sur\ud800"]
          ) {
            const res = await request(base, "POST", "/api/auth/register", {
              json: { username, password: PASSWORD },
            });
            assert.equal(res.status, 400, JSON.stringify(username));
          }
          const bad = [
            "nul\u0000room",
            "rtl\u202Eroom",
            "zero\u200Bwidth",
            "\u2066isolate",
            "b\uFEFFom",
            "sur\udc00",
            "a\r\nb",
          ];
          for (const name of bad) {
            const res = await request(base, "POST", "/api/rooms", {
              headers: { authorization: `Bearer ${alice.token}` },
              json: { name },
            });
            assert.equal(res.status, 400, JSON.stringify(name));
          }
          // Emoji sequences need the zero-width joiner: they are fine.
          const family = await alice.createRoom("👨‍👩‍👧 family");
          assert.equal(family.name, "👨‍👩‍👧 family");
        },
      );

      await t.step(
        "1 MB passwords → 413 at once; 60 KB ones → 400 before any hashing",
        async () => {
          const mega = "p".repeat(1024 * 1024);
          const started = performance.now();
          const answers = await Promise.all([
            request(base, "POST", "/api/auth/register", {
              json: { username: "megapw", password: mega },
            }),
            request(base, "POST", "/api/auth/login", {
              json: { username: aliceName, password: mega },
            }),
            ...Array.from({ length: 10 }, () =>
              request(base, "POST", "/api/auth/login", {
                json: { username: aliceName, password: "p".repeat(60_000) },
              })),
          ]);
          const elapsed = performance.now() - started;
          assert.deepEqual(answers.map((a) => a.status), [413, 413, ...Array(10).fill(400)]);
          // Ten argon2id hashes would take a second or more on one worker.
          assert.ok(elapsed < 800, `${elapsed} ms`);
        },
      );

      await t.step(
        "header injection: Host, paths, names and `next` never reach a header",
        async () => {
          const answers: Answer[] = [];
          answers.push(await request(base, "GET", "/api/users/evil%0d%0aX-Injected:%201"));
          answers.push(
            await request(base, "GET", "/api/rooms/x%0d%0aSet-Cookie:%20evil=1", {
              headers: { authorization: `Bearer ${alice.token}` },
            }),
          );
          answers.push(
            await request(base, "POST", "/api/auth/login", {
              json: { username: "evil\r\nSet-Cookie: evil=1", password: PASSWORD },
            }),
          );
          answers.push(
            await request(base, "POST", "/api/rooms", {
              headers: { authorization: `Bearer ${alice.token}` },
              json: { name: "room\r\nX-Injected: 1" },
            }),
          );
          for (
            const next of [
              "/\r\nSet-Cookie: evil=1",
              "//evil.example",
              "/\\evil.example",
              "https://evil.example",
            ]
          ) {
            const res = await request(base, "POST", "/login", {
              headers: { origin: own, "content-type": "application/x-www-form-urlencoded" },
              body: new URLSearchParams({ username: aliceName, password: PASSWORD, next })
                .toString(),
            });
            assert.equal(res.status, 303);
            assert.equal(res.headers.get("location"), "/", `next=${JSON.stringify(next)}`);
            answers.push(res);
          }
          for (const res of answers) {
            for (const [name, value] of res.headers) {
              assert.ok(!/injected/i.test(name) && !/evil/i.test(value), `${name}: ${value}`);
            }
          }
          // A Host header Deno cannot make a URL of: 400, not 500 (and no reflection).
          for (const host of ["x y", "evil;script-src *"]) {
            const res = await rawRequest(
              server.port,
              `GET /api/me HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`,
            );
            res.conn.close();
            assert.equal(res.status, 400, host);
            assert.doesNotMatch(res.head, /script-src \*/);
          }
        },
      );

      await t.step(
        "brute force: per-account throttle, same answers for existing and unknown users",
        async () => {
          const victim = await newUser(base, "bruted");
          const victimName = (await victim.me()).username;
          const unknown = `nobody_${crypto.randomUUID().slice(0, 8)}`;
          const answers = new Map<string, string[]>();
          for (const name of [victimName, unknown]) {
            const seen: string[] = [];
            for (let i = 0; i < 7; i++) {
              const res = await request(base, "POST", "/api/auth/login", {
                json: { username: name, password: `wrong password ${i}` },
              });
              seen.push(`${res.status} ${res.json.error.code} ${res.json.error.message}`);
              if (res.status === 429) assert.ok(Number(res.headers.get("retry-after")) >= 1);
            }
            answers.set(name, seen);
          }
          assert.deepEqual(answers.get(victimName), answers.get(unknown));
          assert.deepEqual(answers.get(victimName)!.map((a) => a.split(" ")[0]), [
            "401",
            "401",
            "401",
            "401",
            "401",
            "429",
            "429",
          ]);
          // Locked: even the right password is refused, so the lock tells nothing.
          const right = await request(base, "POST", "/api/auth/login", {
            json: { username: victimName, password: PASSWORD },
          });
          assert.equal(right.status, 429);
          // Other accounts are not affected.
          assert.equal(
            (await request(base, "POST", "/api/auth/login", {
              json: { username: aliceName, password: PASSWORD },
            })).status,
            200,
          );
        },
      );

      const errors = server.output().split("\n").filter((l) => /"level":"error"|Uncaught/.test(l));
      assert.deepEqual(errors, [], "the server logged no error");
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "login timing: existing and unknown accounts take the same time (medians within 25 % or 30 ms)",
  ...opts,
  async fn() {
    const server = await startServer();
    try {
      // Each account allows 5 failures before it is locked: 5 samples per account.
      const existing = await Promise.all([1, 2, 3, 4].map(() => newUser(server.url, "timed")));
      const names = await Promise.all(existing.map(async (api) => (await api.me()).username));
      const unknown = names.map((_, i) => `ghost_${crypto.randomUUID().slice(0, 8)}_${i}`);
      const attempt = async (username: string) => {
        const started = performance.now();
        const res = await request(server.url, "POST", "/api/auth/login", {
          json: { username, password: "not the password" },
        });
        const ms = performance.now() - started;
        assert.equal(res.status, 401);
        return ms;
      };
      await attempt(`warmup_${crypto.randomUUID().slice(0, 8)}`); // first unknown: builds the decoy hash
      const known: number[] = [];
      const ghosts: number[] = [];
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < names.length; i++) {
          // Interleaved, so drift in machine load hits both alike.
          known.push(await attempt(names[i]));
          ghosts.push(await attempt(unknown[i]));
        }
      }
      const a = median(known);
      const b = median(ghosts);
      const diff = Math.abs(a - b);
      console.log(
        `login timing over ${known.length} + ${ghosts.length} attempts: existing median ${
          a.toFixed(1)
        } ms, ` +
          `unknown median ${b.toFixed(1)} ms, difference ${diff.toFixed(1)} ms ` +
          `(${(diff / Math.max(a, b) * 100).toFixed(1)} %)`,
      );
      assert.ok(diff < Math.max(30, 0.25 * Math.max(a, b)), `medians ${a} vs ${b}`);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "in process: an open socket whose session expires is closed (4001), the others stay",
  ...opts,
  async fn() {
    // Sockets re-check their sessions on one shared timer (lib/realtime/schedule.ts):
    // every second here rather than every 30.
    let offset = 0;
    const clock: Clock = { ...SYSTEM_CLOCK, now: () => Date.now() + offset };
    const config = loadConfig({ KV_PATH: ":memory:", LOG_LEVEL: "error", SESSION_IDLE_HOURS: "1" });
    const chat = await createChatServer(config, { clock, sessionCheckMs: 1000 });
    const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, chat.fetch);
    const url = `http://127.0.0.1:${http.addr.port}`;
    try {
      const fading = await newUser(url, "fading");
      const fresh = await newUser(url, "fresh");
      const fadingSocket = await RecordingSocket.open(fading);
      const freshSockets = [await RecordingSocket.open(fresh), await RecordingSocket.open(fresh)];
      // An hour and a minute pass; the second user used their session 40 minutes in,
      // which keeps it alive (idle expiry counts from the last use).
      offset += 40 * 60_000;
      await fresh.me(); // throws on a 401
      offset += 21 * 60_000;
      await waitFor(
        "the expired session's socket closed",
        () => fadingSocket.closes.includes(4001),
      );
      // Two more rounds of checks: the live session's sockets are left open.
      await new Promise((r) => setTimeout(r, 2500));
      for (const socket of freshSockets) assert.deepEqual(socket.closes, []);
      for (const socket of freshSockets) socket.close();
    } finally {
      await http.shutdown();
      await chat.shutdown();
    }
  },
});

Deno.test({
  name: "in process: expired sessions are refused, and __proto__ keys pollute nothing",
  ...opts,
  async fn() {
    // Real timers, and a wall clock the test moves forward by hand (a ManualClock
    // would also run every presence heartbeat of the hours skipped, one by one).
    let offset = 0;
    const clock: Clock = { ...SYSTEM_CLOCK, now: () => Date.now() + offset };
    const advance = (ms: number) => offset += ms;
    const config = loadConfig({
      KV_PATH: ":memory:",
      LOG_LEVEL: "error",
      SESSION_IDLE_HOURS: "1",
      SESSION_MAX_DAYS: "1",
    });
    const chat = await createChatServer(config, { clock });
    const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, chat.fetch);
    const url = `http://127.0.0.1:${http.addr.port}`;
    try {
      // Idle expiry: unused for an hour.
      const idle = await newUser(url, "idle");
      await idle.me();
      advance(61 * 60_000);
      const idleRes = await request(url, "GET", "/api/me", {
        headers: { authorization: `Bearer ${idle.token}` },
      });
      assert.equal(idleRes.status, 401);
      // Absolute expiry: used every 50 minutes, still over after a day.
      const busy = await newUser(url, "busy");
      for (let elapsed = 0; elapsed < 24 * 60; elapsed += 50) {
        assert.equal(
          (await request(url, "GET", "/api/me", {
            headers: { authorization: `Bearer ${busy.token}` },
          })).status,
          200,
        );
        advance(50 * 60_000);
      }
      const busyRes = await request(url, "GET", "/api/me", {
        headers: { authorization: `Bearer ${busy.token}` },
      });
      assert.equal(busyRes.status, 401);
      const { status } = await rawRequest(
        http.addr.port,
        upgradeHead(http.addr.port, {
          authorization: `Bearer ${busy.token}`,
        }),
      ).then((r) => (r.conn.close(), r));
      assert.equal(status, 401, "no socket for an expired session");

      // Prototype pollution: __proto__ / constructor.prototype keys in every body.
      const user = await newUser(url, "proto");
      const room = await user.createRoom("proto room");
      const poison = '"__proto__":{"polluted":"yes","isAdmin":true,"kind":"private"},' +
        '"constructor":{"prototype":{"polluted":"yes"}}';
      const bodies: Array<[string, string]> = [
        ["/api/rooms", `{${poison},"name":"p"}`],
        [`/api/rooms/${room.id}/messages`, `{${poison},"text":"p"}`],
        [`/api/rooms/${room.id}/invites`, `{${poison},"username":"nobody_here"}`],
        ["/api/dms", `{${poison},"username":"nobody_here"}`],
        ["/api/auth/login", `{${poison},"username":"x","password":"y"}`],
        ["/api/auth/register", `{"__proto__":{"username":"ghost_user","password":"${PASSWORD}"}}`],
      ];
      for (const [path, body] of bodies) {
        const res = await request(url, "POST", path, {
          headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
          body,
        });
        assert.ok(res.status < 500, `${path}: ${res.status}`);
      }
      const socket = await RecordingSocket.open(user);
      socket.socket.sendRaw(`{${poison},"type":"send","roomId":"${room.id}","text":"p","ref":"x"}`);
      socket.socket.sendRaw(`{"type":"subscribe","roomId":"${room.id}","__proto__":{"since":0}}`);
      await waitFor("answers", () => socket.frames.length >= 3);
      socket.close();
      // deno-lint-ignore no-explicit-any
      assert.equal(({} as any).polluted, undefined, "Object.prototype was polluted");
      // deno-lint-ignore no-explicit-any
      assert.equal(({} as any).isAdmin, undefined);
      assert.deepEqual(Object.keys(Object.prototype), []);
      const created = (await user.rooms()).find((r) => r.name === "p");
      assert.equal(created?.kind, "public", "the __proto__ kind was not taken");
      const ghost = await request(url, "GET", "/api/users/ghost_user", {
        headers: { authorization: `Bearer ${user.token}` },
      });
      assert.equal(ghost.status, 404, "no user registered from __proto__ fields");
    } finally {
      await http.shutdown();
      await chat.shutdown();
    }
  },
});
