/**
 * @module What the tests of the HTTP API and of bad input share: a server per test
 * (`withServer`) with request helpers that check every answer's error envelope,
 * users, ChatSockets and raw probes (`_probe.ts`), and the stable rooms the
 * bad-input tests check "nothing changed" against.
 */

import assert from "node:assert/strict";
import { startServer, type TestServer } from "./_server.ts";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import { ChatSocket } from "../lib/client/socket.ts";
import type { Room } from "../lib/protocol/types.ts";
import { Probe } from "./_probe.ts";

/** Stack frames, file paths or module URLs in a body would be leaked internals. */
export const LEAK_RE = /\n\s+at |\bat \S+ \(|file:\/\/|\.ts:\d+|\/work\/|\/tmp\//;
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
export const PASSWORD = "correct horse";
export const ENCODER = new TextEncoder();

/**
 * The server of the API tests. History paging sends well over the default burst;
 * rate limits have their own test. A short presence grace lets "offline after the
 * last socket closed" show quickly.
 */
export const API_ENV = {
  SEND_RATE_BURST: "100000",
  SEND_RATE_PER_SEC: "100000",
  PRESENCE_GRACE_MS: "300",
};

/**
 * The server of the bad-input tests. A small allowance makes rate limiting quick
 * to reach; every step that sends valid messages uses its own users and stays
 * within the burst.
 */
export const BAD_INPUT_ENV = { SEND_RATE_BURST: "5", SEND_RATE_PER_SEC: "1" };

/** An answer of `raw()`. */
export interface Raw {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

/** An answer of `req()`, with its text as it came. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  // deno-lint-ignore no-explicit-any
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/** A freshly registered user with a bearer-token client. */
export type TestUser = ChatApi & { userId: string; name: string };

/** One running server and the helpers that talk to it. */
export interface ApiServer {
  server: TestServer;
  base: string;
  wsUrl: string;
  /** Sockets and probes to close when the server stops. */
  sockets: ChatSocket[];
  probes: Probe[];
  /** A raw request; checks the error envelope on every non-2xx answer. */
  raw(method: string, path: string, options?: RequestOptions): Promise<Raw>;
  /** One request; `body` strings and bytes are sent as they are, anything else as JSON. */
  req(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  newUser(prefix?: string): Promise<TestUser>;
  socketOf(api: ChatApi): Promise<ChatSocket>;
  probeOf(api: ChatApi): Promise<Probe>;
  userExists(name: string, viewer: ChatApi): Promise<boolean>;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it stops throwing, or rethrows its last failure. */
export async function eventually(
  check: () => Promise<void>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await delay(100);
    }
  }
}

/** Asserts that `promise` fails with the contract's status and code. */
export async function rejects(promise: Promise<unknown>, status: number, code: string) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.status, status);
    assert.doesNotMatch(err.message, LEAK_RE);
    return true;
  });
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

export function assertError(res: Answer, status: number, code: string, what = ""): void {
  assert.equal(
    res.status,
    status,
    `${what} expected ${status} ${code}, got ${res.status}: ${res.text}`,
  );
  assert.equal(res.body?.error?.code, code, `${what}: ${res.text}`);
}

/**
 * Starts a server with `env` and runs `fn` against it; once `fn` is done, checks
 * that the server never logged an internal error. Whatever happens, the sockets
 * and probes opened through it are closed and the server is stopped.
 */
export async function withServer(
  env: Record<string, string>,
  fn: (api: ApiServer) => Promise<void>,
): Promise<void> {
  const server = await startServer({ env });
  const api = apiServer(server);
  try {
    await fn(api);
    assert.doesNotMatch(server.output(), /"level":"error"|Uncaught|panicked/);
  } finally {
    for (const socket of api.sockets) socket.close();
    for (const probe of api.probes) {
      try {
        probe.close();
      } catch { /* already closed */ }
    }
    await server.stop();
  }
}

function apiServer(server: TestServer): ApiServer {
  const base = server.url;
  const wsUrl = base.replace(/^http/, "ws") + "/api/ws";
  const sockets: ChatSocket[] = [];
  const probes: Probe[] = [];

  async function raw(method: string, path: string, options: RequestOptions = {}): Promise<Raw> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const res = await fetch(base + path, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.text();
    assert.notEqual(res.status, 500, `${method} ${path} answered 500: ${text}`);
    let body: unknown = undefined;
    if (text) body = JSON.parse(text);
    if (!res.ok) {
      assert.doesNotMatch(text, LEAK_RE, `${method} ${path} leaked internals: ${text}`);
      const error = (body as { error: { code: unknown; message: unknown } }).error;
      assert.equal(typeof error.code, "string");
      assert.equal(typeof error.message, "string");
    }
    return { status: res.status, headers: res.headers, body };
  }

  async function req(method: string, path: string, options: RequestOptions = {}): Promise<Answer> {
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
  async function newUser(prefix = "u"): Promise<TestUser> {
    const name = `${prefix}${++userCount}_${crypto.randomUUID().slice(0, 6)}`;
    const api = new ChatApi(base);
    const { user } = await api.register(name, PASSWORD);
    return Object.assign(api, { userId: user.id, name });
  }

  async function socketOf(api: ChatApi): Promise<ChatSocket> {
    const socket = new ChatSocket({ url: api.wsUrl, token: api.token, reconnect: false });
    sockets.push(socket);
    await socket.ready();
    return socket;
  }

  async function probeOf(api: ChatApi): Promise<Probe> {
    const probe = await Probe.connect(wsUrl, api.token!);
    probes.push(probe);
    return probe;
  }

  async function userExists(name: string, viewer: ChatApi): Promise<boolean> {
    const res = await req("GET", `/api/users/${encodeURIComponent(name)}`, {
      token: viewer.token,
    });
    return res.status === 200;
  }

  return { server, base, wsUrl, sockets, probes, raw, req, newUser, socketOf, probeOf, userExists };
}

/** The users and rooms of `stableRooms()`. */
export interface StableRooms {
  owner: TestUser;
  outsider: TestUser;
  /** A public room with a topic and one message, and a private one. */
  room: Room;
  secret: Room;
  /** Fails when either room or the owner's room list differs from the start. */
  assertUnchanged(what: string): Promise<void>;
}

/** A few users and rooms most bad-input steps check "nothing changed" against. */
export async function stableRooms({ newUser }: ApiServer): Promise<StableRooms> {
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
  return { owner, outsider, room, secret, assertUnchanged };
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
