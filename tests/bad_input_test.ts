/**
 * Every limit and error code of PROTOCOL.md against the real server: malformed and
 * oversized bodies and frames, binary frames, unknown frame types, invalid ids,
 * non-members, foreign Origins, missing or revoked tokens, control characters and
 * lone surrogates, and per-user send rate limiting. Each bad input must get its
 * documented error, change nothing, and never crash the server or leak internals.
 */

import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import type { Message, Room } from "../lib/protocol/types.ts";

/** Stack frames, file paths or module URLs in a body would be leaked internals. */
const LEAK_RE = /\n\s+at |\bat \S+ \(|file:\/\/|\.ts:\d+|\/work\/|\/tmp\//;
const STATUS_OF: Record<string, number> = {
  bad_request: 400,
  unauthorized: 401,
  invalid_credentials: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
};
const PASSWORD = "correct horse";
const ENCODER = new TextEncoder();

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  body: any;
}

// deno-lint-ignore no-explicit-any
type Frame = Record<string, any>;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks what every answer must be: never 500, never internals, the error envelope. */
function checkAnswer(what: string, status: number, text: string): unknown {
  assert.ok(status < 500, `${what} answered ${status}: ${text}`);
  assert.doesNotMatch(text, LEAK_RE, `${what} leaked internals: ${text}`);
  if (!text) return undefined;
  const body = JSON.parse(text);
  if (status >= 400) {
    const { code, message } = body.error;
    assert.equal(STATUS_OF[code], status, `${what}: code "${code}" with HTTP ${status}`);
    assert.equal(typeof message, "string");
    assert.ok(message.length > 0 && message.length <= 1000, `${what}: message length`);
  }
  return body;
}

function assertError(res: Answer, status: number, code: string, what = ""): void {
  assert.equal(
    res.status,
    status,
    `${what} expected ${status} ${code}, got ${res.status}: ${res.text}`,
  );
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text}`);
}

/** A raw HTTP/1.1 exchange over TCP, for requests fetch would normalize or refuse. */
async function rawHttp(port: number, head: string): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 5000);
  let data = new Uint8Array(0);
  try {
    await conn.write(ENCODER.encode(head));
    const buf = new Uint8Array(16384);
    while (true) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      const next = new Uint8Array(data.length + n);
      next.set(data);
      next.set(buf.subarray(0, n), data.length);
      data = next;
      const text = new TextDecoder().decode(data);
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      if (/^HTTP\/1\.1 101/.test(text)) break;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
      if (length && data.length >= ENCODER.encode(text.slice(0, end + 4)).length + +length[1]) {
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  const text = new TextDecoder().decode(data);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, text };
}

function upgradeRequest(port: number, headers: Record<string, string>, path = "/api/ws"): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return lines.join("\r\n") + "\r\n\r\n";
}

/** A raw WebSocket that queues the frames it receives, for sending anything at all. */
class Probe {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  opened = false;
  /** Wakes every pending `next` when a frame arrives or the socket closes. */
  #waiters = new Set<() => void>();

  constructor(url: string, headers: Record<string, string>) {
    // Deno takes handshake headers here; the "dom" lib's type does not know it.
    this.ws = new WebSocket(url, { headers } as unknown as string[]);
    this.ws.onopen = () => this.opened = true;
    this.ws.onmessage = (event) => {
      this.frames.push(JSON.parse(String(event.data)));
      this.#wake();
    };
    this.ws.onerror = () => {};
    this.closed = new Promise((resolve) => {
      this.ws.onclose = (event) => {
        this.#wake();
        resolve({ code: event.code, reason: event.reason });
      };
    });
  }

  static async connect(url: string, token: string): Promise<Probe> {
    const probe = new Probe(url, { authorization: `Bearer ${token}` });
    const ready = await probe.next((f) => f.type === "ready");
    assert.equal(typeof ready.user.id, "string");
    return probe;
  }

  /** The close, or a failure when the socket is still open after `timeoutMs`. */
  closedWithin(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Socket still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  send(data: string | Frame | Uint8Array<ArrayBuffer>): void {
    this.ws.send(
      typeof data === "string" || data instanceof Uint8Array ? data : JSON.stringify(data),
    );
  }

  /** The first queued frame that matches, waiting for it if need be. */
  async next(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`No matching frame; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Like `next`, but answers undefined once the socket closed without such a frame. */
  async nextOrClose(match: (frame: Frame) => boolean): Promise<Frame | undefined> {
    try {
      return await this.next(match);
    } catch (err) {
      if (this.ws.readyState === WebSocket.CLOSED) return undefined;
      throw err;
    }
  }

  /** The error frame answering `ref` (or the next ref-less one). */
  error(ref?: string): Promise<Frame> {
    return this.next((f) => f.type === "error" && f.ref === ref);
  }

  /** Proves the socket still works: a ping is answered by a pong. */
  async assertAlive(): Promise<void> {
    const ref = `alive-${crypto.randomUUID()}`;
    this.send({ type: "ping", ref });
    await this.next((f) => f.type === "pong" && f.ref === ref);
    assert.equal(this.ws.readyState, WebSocket.OPEN);
  }

  close(): void {
    this.ws.close(1000);
  }
}

Deno.test({
  name: "bad input: every limit and error code of the contract is enforced",
  // One server and several sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      // A small allowance makes rate limiting quick to reach; every step that sends
      // valid messages uses its own users and stays within the burst.
      env: { SEND_RATE_BURST: "5", SEND_RATE_PER_SEC: "1" },
    });
    const base = server.url;
    const wsUrl = base.replace(/^http/, "ws") + "/api/ws";
    const ownOrigin = base;
    const probes: Probe[] = [];

    /** One request; `body` strings and bytes are sent as they are, anything else as JSON. */
    async function req(
      method: string,
      path: string,
      options: {
        body?: unknown;
        token?: string;
        headers?: Record<string, string>;
      } = {},
    ): Promise<Answer> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: BodyInit | undefined;
      if (options.body !== undefined) {
        headers["content-type"] ??= "application/json";
        body = typeof options.body === "string" || options.body instanceof Uint8Array ||
            options.body instanceof ReadableStream
          ? options.body as BodyInit
          : JSON.stringify(options.body);
      }
      const res = await fetch(base + path, { method, headers, body });
      const text = await res.text();
      const what = `${method} ${path.slice(0, 80)}`;
      return {
        status: res.status,
        headers: res.headers,
        text,
        body: checkAnswer(what, res.status, text),
      };
    }

    let userCount = 0;
    async function newUser(prefix = "u"): Promise<ChatApi & { userId: string; name: string }> {
      const name = `${prefix}${++userCount}_${crypto.randomUUID().slice(0, 6)}`;
      const api = new ChatApi(base);
      const { user } = await api.register(name, PASSWORD);
      return Object.assign(api, { userId: user.id, name });
    }

    async function probeOf(api: ChatApi): Promise<Probe> {
      const probe = await Probe.connect(wsUrl, api.token!);
      probes.push(probe);
      return probe;
    }

    /** What a room looks like to its owner: details, members and all its messages. */
    async function snapshot(api: ChatApi, roomId: string): Promise<string> {
      const { room, members } = await api.room(roomId);
      const { messages } = await api.messages(roomId, { after: 0, limit: 100 });
      return JSON.stringify({
        room,
        members: members.map((m) => [m.id, m.role]).sort(),
        messages,
      });
    }

    async function userExists(name: string, viewer: ChatApi): Promise<boolean> {
      const res = await req("GET", `/api/users/${encodeURIComponent(name)}`, {
        token: viewer.token,
      });
      return res.status === 200;
    }

    try {
      // A few users and rooms most steps check "nothing changed" against.
      const owner = await newUser("owner");
      const outsider = await newUser("outsider");
      const room = await owner.createRoom("Stable", { topic: "Unchanged" });
      const secret = await owner.createRoom("Stable secret", { kind: "private" });
      await owner.send(room.id, "the only message");
      const roomBefore = await snapshot(owner, room.id);
      const secretBefore = await snapshot(owner, secret.id);
      const ownerRooms = async () => (await owner.rooms()).map((r) => r.id).sort().join();
      const ownerRoomsBefore = await ownerRooms();
      const assertUnchanged = async (what: string) => {
        assert.equal(await snapshot(owner, room.id), roomBefore, `${what} changed the room`);
        assert.equal(await snapshot(owner, secret.id), secretBefore, `${what} changed the room`);
        assert.equal(await ownerRooms(), ownerRoomsBefore, `${what} changed the room list`);
      };

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

      await t.step("WS: binary frames get an error frame and the socket stays open", async () => {
        const probe = await probeOf(owner);
        probe.send(new Uint8Array([1, 2, 3, 4]));
        const error = await probe.error();
        assert.equal(error.code, "bad_request");
        assert.equal(typeof error.message, "string");
        await probe.assertAlive();
        probe.send(ENCODER.encode(JSON.stringify({ type: "ping", ref: "binary-json" })));
        assert.equal((await probe.error()).code, "bad_request");
        await probe.assertAlive();
        probe.close();
        await assertUnchanged("binary frames");
      });

      await t.step("WS: invalid JSON, non-objects and unknown types get error frames", async () => {
        const probe = await probeOf(owner);
        for (const text of ["{", "not json", "", "[]", "null", "42", '"ping"', "\0"]) {
          probe.send(text);
          const error = await probe.error();
          assert.equal(error.code, "bad_request", JSON.stringify(text));
          assert.doesNotMatch(error.message, LEAK_RE);
        }
        await probe.assertAlive();

        const withRef: Array<[Frame, string]> = [
          [{ type: "explode", ref: "u1" }, "u1"],
          [{ type: "__proto__", ref: "u2" }, "u2"],
          [{ type: "constructor", ref: "u3" }, "u3"],
          [{ ref: "u4" }, "u4"],
          [{ type: 5, ref: "u5" }, "u5"],
          [{ type: "SEND", roomId: room.id, text: "caps", ref: "u6" }, "u6"],
          [{ type: "subscribe", ref: "u7" }, "u7"],
          [{ type: "subscribe", roomId: 123, ref: "u8" }, "u8"],
          [{ type: "subscribe", roomId: room.id, since: -1, ref: "u9" }, "u9"],
          [{ type: "send", roomId: room.id, ref: "u10" }, "u10"],
          [{ type: "send", roomId: room.id, text: 5, ref: "u11" }, "u11"],
          [{ type: "send", roomId: room.id, text: "x", clientId: "", ref: "u12" }, "u12"],
          [{ type: "read", roomId: room.id, seq: "1", ref: "u13" }, "u13"],
          [{ type: "read", roomId: room.id, seq: 1.5, ref: "u14" }, "u14"],
        ];
        for (const [frame, ref] of withRef) {
          probe.send(frame);
          const error = await probe.error(ref);
          assert.equal(error.code, "bad_request", JSON.stringify(frame));
        }
        // An unusable ref is not echoed, but still answered.
        probe.send({ type: "ping", ref: 42 });
        assert.equal((await probe.error()).code, "bad_request");
        probe.send({ type: "ping", ref: "r".repeat(5000) });
        assert.equal((await probe.error()).code, "bad_request");
        await probe.assertAlive();
        probe.close();
        await assertUnchanged("malformed frames");
      });

      await t.step(
        "WS: frames over 16 KiB close the socket with 1009, binary ones too",
        async () => {
          // Exactly 16 KiB is allowed.
          const probe = await probeOf(owner);
          const frame = (padLength: number) =>
            JSON.stringify({ type: "ping", ref: "fits", pad: "p".repeat(padLength) });
          const fill = 16 * 1024 - frame(0).length;
          probe.send(frame(fill));
          await probe.next((f) => f.type === "pong" && f.ref === "fits");

          probe.send({ type: "send", roomId: room.id, text: "x".repeat(17 * 1024), ref: "big" });
          assert.equal((await probe.closedWithin()).code, 1009);
          assert.ok(!probe.frames.some((f) => f.type === "ack"));

          // Multi-byte characters count in bytes: 6000 × 3 bytes is over the limit.
          const multibyte = await probeOf(owner);
          multibyte.send({ type: "ping", ref: "€".repeat(6000) });
          assert.equal((await multibyte.closedWithin()).code, 1009);

          const binary = await probeOf(owner);
          binary.send(new Uint8Array(17 * 1024));
          assert.equal((await binary.closedWithin()).code, 1009);
          await assertUnchanged("oversized frames");
        },
      );

      await t.step("WS: a client that keeps sending garbage is closed with 1008", async () => {
        // Each bad frame is answered until the server has had enough. The client
        // waits for each answer: Deno drops a connection without its close frame
        // when frames keep arriving after the server closed (reported, not fixed).
        const probe = await probeOf(owner);
        let errors = 0;
        for (let i = 0; i < 200 && probe.ws.readyState === WebSocket.OPEN; i++) {
          probe.send(i % 2 ? "garbage" : new Uint8Array([i]));
          if (await probe.nextOrClose((f) => f.type === "error")) errors++;
        }
        const closed = await probe.closedWithin();
        assert.equal(closed.code, 1008);
        assert.ok(errors >= 1, "bad frames are answered before the socket is closed");

        // A client that pipelines garbage without reading is disconnected as well.
        const pipelined = await probeOf(owner);
        for (let i = 0; i < 200 && pipelined.ws.readyState === WebSocket.OPEN; i++) {
          pipelined.send("garbage");
        }
        await pipelined.closedWithin();
        assert.equal(pipelined.ws.readyState, WebSocket.CLOSED);

        // A well-behaved socket of the same user is unaffected.
        await (await probeOf(owner)).assertAlive();
        await assertUnchanged("garbage frames");
      });

      await t.step(
        "WS: non-members are forbidden; unknown or invalid rooms are not_found",
        async () => {
          const probe = await probeOf(outsider);
          const cases: Array<[Frame, string]> = [
            [{ type: "subscribe", roomId: secret.id }, "forbidden"],
            [{ type: "subscribe", roomId: room.id }, "forbidden"], // public: join first
            [{ type: "subscribe", roomId: room.id, since: 0 }, "forbidden"],
            [{ type: "send", roomId: secret.id, text: "let me in" }, "forbidden"],
            [{ type: "send", roomId: room.id, text: "drive-by" }, "forbidden"],
            [{ type: "typing", roomId: secret.id }, "forbidden"],
            [{ type: "read", roomId: secret.id, seq: 1 }, "forbidden"],
            [{ type: "subscribe", roomId: "doesnotexist0000" }, "not_found"],
            [{ type: "subscribe", roomId: "../etc" }, "not_found"],
            [{ type: "subscribe", roomId: "\0" }, "not_found"],
            [{ type: "subscribe", roomId: "" }, "not_found"],
            [{ type: "subscribe", roomId: "x".repeat(5 * 1024) }, "not_found"],
            [{ type: "subscribe", roomId: "😀" }, "not_found"],
            [{ type: "subscribe", roomId: "__proto__" }, "not_found"],
            [{ type: "send", roomId: "doesnotexist0000", text: "anyone?" }, "not_found"],
            [{ type: "send", roomId: "../etc", text: "anyone?" }, "not_found"],
            [{ type: "send", roomId: "x".repeat(5 * 1024), text: "anyone?" }, "not_found"],
            [{ type: "typing", roomId: "../etc" }, "not_found"],
            [{ type: "read", roomId: "doesnotexist0000", seq: 1 }, "not_found"],
          ];
          for (const [i, [frame, code]] of cases.entries()) {
            const ref = `nm${i}`;
            probe.send({ ...frame, ref });
            const error = await probe.error(ref);
            assert.equal(error.code, code, JSON.stringify(frame).slice(0, 80));
          }
          await probe.assertAlive();
          assert.ok(!probe.frames.some((f) => f.type === "message" || f.type === "subscribed"));
          await assertUnchanged("non-member frames");
        },
      );

      await t.step("WS: bad texts in send frames change nothing", async () => {
        const probe = await probeOf(owner);
        const texts = ["", "   \n", "nul\0", "lone \ud800", "x".repeat(4001)];
        for (const [i, text] of texts.entries()) {
          probe.send({ type: "send", roomId: room.id, text, ref: `t${i}` });
          assert.equal((await probe.error(`t${i}`)).code, "bad_request");
        }
        await probe.assertAlive();
        assert.ok(!probe.frames.some((f) => f.type === "ack"));
        await assertUnchanged("bad texts over the socket");
      });

      await t.step(
        "sending faster than the per-user rate: rate_limited with retryAfterMs, then 4029",
        async () => {
          const fast = await newUser("fast");
          const calm = await newUser("calm");
          const own = await fast.createRoom("Fast");
          await calm.join(own.id);
          const probe = await probeOf(fast);

          // The burst (5) goes through; the next send is refused with a retry time.
          for (let i = 0; i < 5; i++) {
            probe.send({ type: "send", roomId: own.id, text: `burst ${i}`, ref: `b${i}` });
          }
          const acks = await Promise.all(
            Array.from(
              { length: 5 },
              (_, i) => probe.next((f) => f.type === "ack" && f.ref === `b${i}`),
            ),
          );
          assert.deepEqual(acks.map((a) => a.message.seq).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
          probe.send({ type: "send", roomId: own.id, text: "one too many", ref: "over" });
          const limited = await probe.error("over");
          assert.equal(limited.code, "rate_limited");
          assert.equal(typeof limited.retryAfterMs, "number");
          assert.ok(limited.retryAfterMs > 0 && limited.retryAfterMs <= 1000, limited.retryAfterMs);
          await probe.assertAlive();

          // The limit is per user, whichever door: HTTP answers 429 with Retry-After.
          const http = await req("POST", `/api/rooms/${own.id}/messages`, {
            token: fast.token,
            body: { text: "over http" },
          });
          assertError(http, 429, "rate_limited");
          const retryAfter = Number(http.headers.get("retry-after"));
          assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
          assert.equal((await fast.room(own.id)).room.lastSeq, 5);
          try {
            await fast.send(own.id, "through the client");
            assert.fail("the client library should surface rate_limited");
          } catch (err) {
            assert.ok(err instanceof ApiError);
            assert.equal(err.code, "rate_limited");
            assert.ok((err.retryAfterMs ?? 0) >= 1000);
          }
          // Other users are not slowed down.
          assert.equal((await calm.send(own.id, "unaffected")).seq, 6);

          // After waiting as told, sending works again.
          await delay(1100);
          probe.send({ type: "send", roomId: own.id, text: "after waiting", ref: "later" });
          const later = await probe.next((f) =>
            (f.type === "ack" || f.type === "error") && f.ref === "later"
          );
          assert.equal(later.type, "ack", JSON.stringify(later));
          assert.equal(later.message.seq, 7);

          // Flooding on regardless closes the socket with 4029.
          // (Each send waits for its answer, as the garbage test explains.)
          const answers: Frame[] = [];
          for (let i = 0; i < 200 && probe.ws.readyState === WebSocket.OPEN; i++) {
            probe.send({ type: "send", roomId: own.id, text: `flood ${i}`, ref: `f${i}` });
            const answer = await probe.nextOrClose((f) => f.ref === `f${i}`);
            if (answer) answers.push(answer);
          }
          const closed = await probe.closedWithin();
          assert.equal(closed.code, 4029);
          const flooded = answers.filter((f) => f.type === "ack");
          const refused = answers.filter((f) => f.type === "error");
          assert.ok(refused.length >= 1);
          assert.ok(refused.every((f) => f.code === "rate_limited"));

          // Exactly the acknowledged messages were stored, nothing else.
          await delay(200);
          const { messages } = await calm.messages(own.id);
          assert.deepEqual(messages.map((m: Message) => m.seq), messages.map((_, i) => i + 1));
          assert.equal(messages.length, 7 + flooded.length);
          const floodTexts = new Set(flooded.map((f) => f.message.text));
          assert.deepEqual(
            new Set(messages.slice(7).map((m) => m.text)),
            floodTexts,
          );
        },
      );

      await t.step("no internal error was logged and the server still answers", async () => {
        assert.doesNotMatch(server.output(), /"level":"error"|Uncaught|panicked/);
        const me = await req("GET", "/api/me", { token: owner.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.user.id, owner.userId);
        await assertUnchanged("the whole file");
      });
    } finally {
      for (const probe of probes) {
        try {
          probe.close();
        } catch { /* already closed */ }
      }
      await server.stop();
    }
  },
});
