/**
 * @module A fuzzer for the chat server, on fast-check: random and mutated-valid
 * WebSocket frames (JSON, text and binary, through a real WebSocket client), frames
 * that break the WebSocket protocol itself (through a raw TCP socket), and random
 * and mutated-valid HTTP requests. Everything is generated from one seed, so a
 * failure can be replayed (FUZZ_SEED). It records what the server answered;
 * anything that looks like a server fault (a 5xx, an `internal` error frame, a
 * 1011 close) lands in `report.faults`.
 */

import fc from "fast-check";
import {
  encodeFrame,
  OP_BINARY,
  OP_CLOSE,
  OP_CONTINUATION,
  OP_PING,
  OP_TEXT,
  RawSocket,
} from "./_raw_ws.ts";

export interface FuzzUser {
  id: string;
  username: string;
  token: string;
}

/** What the fuzzer aims at: ids that exist (and some that do not), and users. */
export interface FuzzTargets {
  url: string;
  port: number;
  users: FuzzUser[];
  /** Rooms the fuzzing users belong to or can see. */
  rooms: string[];
  /** Rooms none of them may enter (private rooms of others, direct rooms of others). */
  foreignRooms: string[];
  /** Valid credentials, so a few mutated logins succeed (their sessions are counted). */
  password: string;
  /** Tokens of throwaway sessions the HTTP fuzzer may log out. */
  spareTokens: { userId: string; token: string }[];
  /**
   * Rooms the fuzzing users own and the fuzzer may delete (room administration: the
   * other rooms keep their owners' rights, so deleting them would end the run early).
   */
  doomedRooms?: string[];
  /** Users (not fuzzing) the fuzzer may ban, remove and deactivate. */
  victims?: { id: string; username: string }[];
}

export interface FuzzReport {
  /** Generated WebSocket frames sent (random or mutated-valid). */
  wsFrames: number;
  /** Valid pings sent in between (they keep a socket from being closed for garbage). */
  wsPings: number;
  rawFrames: number;
  httpRequests: number;
  /** HTTP status → count. */
  statuses: Record<number, number>;
  /** Error frame code → count. */
  errorCodes: Record<string, number>;
  /** Close code → count (sockets the server closed). */
  closes: Record<number, number>;
  /** Anything that looks like a server fault, described. */
  faults: string[];
  /** Sessions each user gained (logins) or lost (logouts) during the run. */
  sessionDelta: Map<string, number>;
  /** Users the fuzzer managed to register: they hold one session each. */
  registered: Set<string>;
  /** Rooms the fuzzer managed to create. */
  createdRooms: Set<string>;
}

export function newReport(): FuzzReport {
  return {
    wsFrames: 0,
    wsPings: 0,
    rawFrames: 0,
    httpRequests: 0,
    statuses: {},
    errorCodes: {},
    closes: {},
    faults: [],
    sessionDelta: new Map(),
    registered: new Set(),
    createdRooms: new Set(),
  };
}

function count<K extends string | number>(table: Record<K, number>, key: K): void {
  table[key] = (table[key] ?? 0) + 1;
}

function fault(report: FuzzReport, text: string): void {
  if (report.faults.length < 100) report.faults.push(text);
}

// ---------------------------------------------------------------------------
// Values: what goes into a field when a valid frame or body is mutated.

const WEIRD_STRINGS = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u202Eevil\u202C",
  "zero\u200Bwidth",
  "\uFEFFbom",
  "\ud800",
  "x\udc00",
  "😀",
  "../../etc/passwd",
  "%2e%2e%2f",
  "<script>alert(1)</script>",
  "' OR 1=1 --",
  "${7*7}",
  "__proto__",
  "constructor",
  "prototype",
  "x".repeat(5000),
  "\r\nSet-Cookie: evil=1",
  "line\nbreak",
  "null",
  "NaN",
  "-1",
  "ａｄｍｉｎ",
];
const WEIRD_NUMBERS = [0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 2 ** 64, 1e-9];

const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 3, arbitrary: fc.constantFrom(...WEIRD_STRINGS) },
  { weight: 2, arbitrary: fc.constantFrom(...WEIRD_NUMBERS) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}) },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 1, max: 200 }).map((depth) =>
      JSON.parse("[".repeat(depth) + "]".repeat(depth))
    ),
  },
);

/** An id: a real one most of the time, else something that is not one. */
function idArb(real: string[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...real) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => id.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom(...real).map((id) => id + "\u0000") },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-v]{20}$/) },
    { weight: 1, arbitrary: weirdValue },
  );
}

/** Applies one mutation to an object: a field replaced, removed or added. */
function mutateObject(base: fc.Arbitrary<Record<string, unknown>>, fields: string[]) {
  return fc.oneof(
    {
      weight: 4,
      arbitrary: fc.tuple(base, fc.constantFrom(...fields), weirdValue).map(
        ([object, key, value]) => ({ ...object, [key]: value }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(base, fc.constantFrom(...fields)).map(([object, key]) => {
        const copy = { ...object };
        delete copy[key];
        return copy;
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(base, fc.string({ maxLength: 12 }), weirdValue).map(
        ([object, key, value]) => ({ ...object, [key]: value }),
      ),
    },
  );
}

/** Text-level mutations of a JSON text: insert, delete, overwrite, truncate. */
function mutateText(text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.tuple(
    text,
    fc.nat(),
    fc.nat({ max: 6 }),
    fc.string({ unit: "binary", maxLength: 6 }),
    fc.constantFrom("insert", "delete", "overwrite", "truncate", "proto", "duplicate"),
  ).map(([json, at, len, junk, how]) => {
    const pos = json.length ? at % json.length : 0;
    switch (how) {
      case "insert":
        return json.slice(0, pos) + junk + json.slice(pos);
      case "delete":
        return json.slice(0, pos) + json.slice(pos + len);
      case "overwrite":
        return json.slice(0, pos) + junk + json.slice(pos + junk.length);
      case "truncate":
        return json.slice(0, pos);
      case "proto":
        // Keys that would pollute prototypes if copied naively into objects.
        return json.replace(
          /^\{/,
          '{"__proto__":{"type":"send","polluted":true,"isAdmin":true},' +
            '"constructor":{"prototype":{"polluted":true}},',
        );
      default:
        // A duplicated key: JSON.parse keeps the last one.
        return json.replace(/^\{("[^"]+":[^,}]+)/, "{$1,$1");
    }
  });
}

// ---------------------------------------------------------------------------
// WebSocket frames.

/** One WebSocket message: text (usually JSON) or binary. */
export function wsFrameArb(t: FuzzTargets): fc.Arbitrary<string | Uint8Array> {
  const room = idArb([...t.rooms, ...t.foreignRooms]);
  const text = fc.oneof(
    fc.string({ maxLength: 100 }),
    fc.string({ unit: "binary", maxLength: 100 }),
    fc.constantFrom(...WEIRD_STRINGS),
  );
  const seq = fc.oneof(fc.nat({ max: 5000 }), fc.constantFrom(...WEIRD_NUMBERS));
  const ref = fc.option(fc.string({ maxLength: 70 }), { nil: undefined });
  const valid: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
    fc.record({
      type: fc.constant("subscribe"),
      roomId: room,
      since: fc.option(seq, { nil: undefined }),
      sinceRev: fc.option(seq, { nil: undefined }),
      ref,
    }),
    fc.record({ type: fc.constant("edit"), roomId: room, seq, text, ref }),
    fc.record({ type: fc.constant("delete"), roomId: room, seq, ref }),
    fc.record({
      type: fc.constant("react"),
      roomId: room,
      seq,
      emoji: fc.oneof(fc.constantFrom("👍", "🎉", "👨‍👩‍👧", "1", "👍👍", "\ud83d"), text),
      on: fc.oneof(fc.boolean(), fc.constantFrom(0, "true", null)),
      ref,
    }),
    fc.record({ type: fc.constant("unsubscribe"), roomId: room, ref }),
    fc.record({
      type: fc.constant("send"),
      roomId: room,
      text,
      clientId: fc.option(fc.string({ unit: "binary-ascii", maxLength: 70 }), { nil: undefined }),
      replyTo: fc.option(seq, { nil: undefined }),
      threadRoot: fc.option(seq, { nil: undefined }),
      alsoInRoom: fc.option(fc.oneof(fc.boolean(), fc.constantFrom(1, "yes")), { nil: undefined }),
      ref,
    }),
    fc.record({ type: fc.constant("typing"), roomId: room, ref }),
    fc.record({ type: fc.constant("read"), roomId: room, seq, ref }),
    fc.record({ type: fc.constant("read"), roomId: room, seq, threadRoot: seq, ref }),
    fc.record({ type: fc.constant("ping"), ref }),
  );
  const fields = [
    "type",
    "roomId",
    "since",
    "sinceRev",
    "text",
    "clientId",
    "seq",
    "ref",
    "replyTo",
    "threadRoot",
    "alsoInRoom",
    "emoji",
    "on",
  ];
  const validText = valid.map((frame) => JSON.stringify(frame));
  return fc.oneof(
    { weight: 3, arbitrary: validText },
    { weight: 6, arbitrary: mutateObject(valid, fields).map((frame) => JSON.stringify(frame)) },
    { weight: 4, arbitrary: mutateText(validText) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom(...WEIRD_STRINGS).map((type) => JSON.stringify({ type })),
    },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  );
}

/** Opens a WebSocket with a bearer token and waits for `ready`. */
function openSocket(url: string, token: string): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(
      url.replace(/^http/, "ws") + "/api/ws",
      { headers: { authorization: `Bearer ${token}` } } as unknown as string[],
    );
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error("WebSocket did not open"));
    }, 10_000);
    ws.onmessage = (event) => {
      if (typeof event.data === "string" && event.data.includes('"ready"')) {
        clearTimeout(timer);
        resolve(ws);
      }
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      reject(new Error(`WebSocket closed before ready: ${event.code}`));
    };
  });
}

/**
 * Sends `frames` over one user's sockets, in batches answered by a ping (so the
 * server keeps up), with a valid ping every few frames so that a socket is not
 * closed for sending garbage (which is tested elsewhere). A socket the server
 * closes anyway is recorded and replaced.
 */
async function fuzzOneSocket(
  t: FuzzTargets,
  user: FuzzUser,
  frames: (string | Uint8Array)[],
  report: FuzzReport,
): Promise<void> {
  let next = 0;
  let batch = 0;
  while (next < frames.length) {
    const ws = await openSocket(t.url, user.token);
    let pong: (() => void) | undefined;
    const closed = new Promise<number>((resolve) => {
      ws.onclose = (event) => resolve(event.code);
    });
    ws.onmessage = (event) => {
      if (typeof event.data !== "string") return fault(report, "a binary frame from the server");
      let frame: { type?: string; code?: string; ref?: string; message?: string };
      try {
        frame = JSON.parse(event.data);
      } catch {
        return fault(report, `an invalid JSON frame from the server: ${event.data.slice(0, 100)}`);
      }
      if (frame.type === "error") {
        count(report.errorCodes, String(frame.code));
        if (frame.code === "internal") {
          fault(report, `internal error frame: ${event.data.slice(0, 200)}`);
        }
      }
      if (frame.type === "pong" && frame.ref === `batch-${batch}`) pong?.();
    };
    let closedCode: number | undefined;
    void closed.then((code) => closedCode = code);
    while (next < frames.length && closedCode === undefined) {
      batch++;
      const end = Math.min(next + 200, frames.length);
      try {
        for (; next < end; next++) {
          ws.send(frames[next] as string | Uint8Array<ArrayBuffer>);
          report.wsFrames++;
          if (next % 8 === 7) {
            ws.send('{"type":"ping"}');
            report.wsPings++;
          }
        }
        ws.send(JSON.stringify({ type: "ping", ref: `batch-${batch}` }));
        report.wsPings++;
      } catch {
        break; // closed under us
      }
      const answered = new Promise<void>((resolve) => pong = resolve);
      const timeout = new Promise<"timeout">((resolve) =>
        setTimeout(() => resolve("timeout"), 15_000)
      );
      const result = await Promise.race([answered, closed, timeout]);
      if (result === "timeout") fault(report, "the server stopped answering a socket's pings");
      if (result === "timeout") break;
    }
    if (closedCode === undefined) {
      ws.close();
      await closed;
    } else {
      count(report.closes, closedCode);
      if (closedCode === 1011) fault(report, "a socket was closed with 1011 (server error)");
    }
  }
}

export async function fuzzWebSockets(
  t: FuzzTargets,
  options: { frames: number; seed: number; socketsPerUser?: number },
  report: FuzzReport,
): Promise<void> {
  const perSocket = Math.ceil(
    options.frames / (t.users.length * (options.socketsPerUser ?? 2)),
  );
  const jobs: Promise<void>[] = [];
  let n = 0;
  for (const user of t.users) {
    for (let s = 0; s < (options.socketsPerUser ?? 2); s++) {
      const frames = fc.sample(wsFrameArb(t), { numRuns: perSocket, seed: options.seed + n++ });
      jobs.push(fuzzOneSocket(t, user, frames, report));
    }
  }
  await Promise.all(jobs);
}

// ---------------------------------------------------------------------------
// Frames that break the WebSocket protocol (RFC 6455) itself.

type RawFrame = { bytes: Uint8Array; label: string };

export function rawFrameArb(): fc.Arbitrary<RawFrame> {
  const payload = fc.uint8Array({ maxLength: 300 });
  return fc.oneof(
    payload.map((p) => ({ bytes: encodeFrame(OP_TEXT, p), label: "text, maybe invalid UTF-8" })),
    payload.map((p) => ({ bytes: encodeFrame(OP_TEXT, p, { mask: false }), label: "unmasked" })),
    fc.tuple(fc.integer({ min: 3, max: 15 }).filter((op) => op < 8 || op > 10), payload).map(
      ([op, p]) => ({ bytes: encodeFrame(op, p), label: `reserved opcode ${op}` }),
    ),
    fc.tuple(fc.integer({ min: 1, max: 7 }), payload).map(([rsv, p]) => ({
      bytes: encodeFrame(OP_TEXT, p, { rsv }),
      label: "RSV bits",
    })),
    fc.uint8Array({ minLength: 126, maxLength: 400 }).map((p) => ({
      bytes: encodeFrame(OP_PING, p),
      label: "control frame over 125 bytes",
    })),
    payload.map((p) => ({ bytes: encodeFrame(OP_PING, p.slice(0, 125)), label: "ping" })),
    fc.integer({ min: 0, max: 65535 }).map((code) => ({
      bytes: encodeFrame(OP_CLOSE, new Uint8Array([code >> 8, code & 255])),
      label: "close with any code",
    })),
    fc.array(fc.string({ maxLength: 40 }), { minLength: 1, maxLength: 6 }).map((parts) => {
      // A fragmented text message: valid, reassembled by the server.
      const frames = parts.map((part, i) =>
        encodeFrame(i === 0 ? OP_TEXT : OP_CONTINUATION, part, { fin: i === parts.length - 1 })
      );
      return { bytes: concat(frames), label: "fragmented text" };
    }),
    fc.integer({ min: 17, max: 40 }).map((kb) => {
      // 17–40 KiB reassembled from 1 KiB fragments: over the limit (1009).
      const part = "x".repeat(1024);
      const frames = Array.from(
        { length: kb },
        (_, i) => encodeFrame(i === 0 ? OP_TEXT : OP_CONTINUATION, part, { fin: i === kb - 1 }),
      );
      return { bytes: concat(frames), label: "oversized fragmented message" };
    }),
    payload.map((p) => ({ bytes: encodeFrame(OP_CONTINUATION, p), label: "stray continuation" })),
    payload.map((p) => ({ bytes: encodeFrame(OP_BINARY, p, { fin: false }), label: "unfinished" })),
    fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => ({
      bytes,
      label: "random bytes",
    })),
    fc.constant({
      // A header announcing 2^62 bytes that never come.
      bytes: new Uint8Array([0x81, 0xff, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4]),
      label: "huge length",
    }),
  );
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Opens `connections` raw sockets and writes a few protocol-breaking frames on each. */
export async function fuzzRawFrames(
  t: FuzzTargets,
  options: { connections: number; seed: number },
  report: FuzzReport,
): Promise<void> {
  const plans = fc.sample(fc.array(rawFrameArb(), { minLength: 1, maxLength: 4 }), {
    numRuns: options.connections,
    seed: options.seed,
  });
  const workers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = w; i < plans.length; i += 8) {
      const user = t.users[i % t.users.length];
      const raw = await RawSocket.open(t.port, { authorization: `Bearer ${user.token}` });
      try {
        for (const frame of plans[i]) {
          await raw.write(frame.bytes);
          report.rawFrames++;
        }
        // A ping last: answered if the socket is still fine, else the server closed it.
        await raw.write(encodeFrame(OP_TEXT, '{"type":"ping","ref":"raw"}'));
        const deadline = Date.now() + 300;
        while (Date.now() < deadline && !raw.eof) {
          const read = raw.readOnce();
          const done = await Promise.race([
            read,
            new Promise((r) => setTimeout(() => r("wait"), 50)),
          ]);
          if (done === "wait") continue;
          if (raw.closeCode() !== undefined || raw.json().some((f) => f.ref === "raw")) break;
        }
        const code = raw.closeCode();
        if (code !== undefined) {
          count(report.closes, code);
          if (code === 1011) fault(report, "a raw socket was closed with 1011");
        }
        for (const frame of raw.json()) {
          if (frame.type === "error" && frame.code === "internal") {
            fault(report, "internal error frame");
          }
        }
      } catch {
        // the server hung up: that is its right
      } finally {
        raw.close();
      }
    }
  });
  await Promise.all(workers);
}

// ---------------------------------------------------------------------------
// HTTP requests.

export interface FuzzRequest {
  method: string;
  path: string;
  /** Index of the fuzz user whose token is sent; -1: none; -2: a bogus one. */
  as: number;
  body?: string | Uint8Array;
  contentType?: string;
  /** What the fuzzer should note when the request succeeds. */
  note?: "login" | "register" | "logout" | "room";
  spare?: number;
}

/** encodeURIComponent that survives lone surrogates (sent as U+FFFD). */
function encodePath(value: unknown): string {
  // A weird value may be an object with no string form at all (a null prototype).
  let text: string;
  try {
    text = String(value);
  } catch {
    text = "[object]";
  }
  return encodeURIComponent(text.toWellFormed());
}

export function httpRequestArb(t: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const users = t.users.length;
  const as = fc.oneof(
    { weight: 10, arbitrary: fc.integer({ min: 0, max: users - 1 }) },
    { weight: 1, arbitrary: fc.constantFrom(-1, -2) },
  );
  const pathId = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...t.rooms, ...t.foreignRooms) },
    { weight: 1, arbitrary: fc.constantFrom(...WEIRD_STRINGS).map(encodePath) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }).map(encodePath) },
    {
      weight: 1,
      arbitrary: fc.constantFrom("..%2f..%2fetc", "%00", "a/b", "%ZZ", "x".repeat(300)),
    },
  );
  const name = fc.oneof(
    fc.constantFrom(...t.users.map((u) => u.username)),
    fc.stringMatching(/^[A-Za-z0-9_.-]{3,32}$/),
    weirdValue,
  );
  const body = (
    base: fc.Arbitrary<Record<string, unknown>>,
    fields: string[],
  ): fc.Arbitrary<string | Uint8Array> =>
    fc.oneof(
      { weight: 3, arbitrary: base.map((b) => JSON.stringify(b)) },
      { weight: 6, arbitrary: mutateObject(base, fields).map((b) => JSON.stringify(b)) },
      { weight: 3, arbitrary: mutateText(base.map((b) => JSON.stringify(b))) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    );
  const room = fc.record({
    name: fc.oneof(fc.string({ minLength: 1, maxLength: 70 }), weirdValue),
    topic: fc.option(fc.string({ maxLength: 300 }), { nil: undefined }),
    kind: fc.constantFrom("public", "private", "direct", "PUBLIC", undefined),
  });
  const message = fc.record({
    text: fc.oneof(fc.string({ minLength: 1, maxLength: 200 }), weirdValue),
    clientId: fc.option(fc.string({ unit: "binary-ascii", maxLength: 70 }), { nil: undefined }),
    replyTo: fc.option(fc.oneof(fc.nat({ max: 50 }), weirdValue), { nil: undefined }),
    threadRoot: fc.option(fc.oneof(fc.nat({ max: 50 }), weirdValue), { nil: undefined }),
    alsoInRoom: fc.option(fc.oneof(fc.boolean(), weirdValue), { nil: undefined }),
    files: fc.option(
      fc.oneof(
        fc.array(fc.oneof(fc.stringMatching(/^[0-9a-v]{20}$/), weirdValue), { maxLength: 12 }),
        weirdValue,
      ),
      { nil: undefined },
    ),
  });
  // Uploads: names of every kind, bodies from nothing to a few KB, some that start
  // like an image and then go wrong.
  const uploadName = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom("../../etc/passwd", "a\u202Egnp.exe", "x".repeat(600), "", "%00", "cat.png"),
    // Not String(v): a generated object such as {"toString": 0} cannot be converted.
    weirdValue.map((v) => typeof v === "string" ? v : JSON.stringify(v) ?? ""),
  );
  const imageStart = fc.constantFrom(
    [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
    [0xff, 0xd8, 0xff, 0xe1, 0x00, 0x10],
    [0x47, 0x49, 0x46, 0x38, 0x39, 0x61],
    [0x52, 0x49, 0x46, 0x46, 0, 0, 0, 0, 0x57, 0x45, 0x42, 0x50],
  );
  const uploadBody = fc.oneof(
    fc.uint8Array({ maxLength: 3000 }),
    fc.tuple(imageStart, fc.uint8Array({ maxLength: 2000 })).map(([head, rest]) =>
      new Uint8Array([...head, ...rest])
    ),
    fc.string({ maxLength: 500 }).map((text) => new TextEncoder().encode(text)),
  );
  const seqPath = fc.oneof(
    { weight: 5, arbitrary: fc.nat({ max: 60 }).map(String) },
    { weight: 1, arbitrary: fc.constantFrom("-1", "0", "1e20", "abc", "1.5", "%00", "") },
  );
  const emojiPath = fc.oneof(
    fc.constantFrom("👍", "🎉", "❤️", "a", "👍👍").map(encodeURIComponent),
    fc.constantFrom("%ED%A0%BD", "%", "%F0%9F", "x".repeat(100)),
  );
  const changeQuery = fc.tuple(
    fc.oneof(fc.nat({ max: 3000 }).map(String), fc.constantFrom(...WEIRD_STRINGS)),
    fc.option(fc.constantFrom("1", "500", "501", "0", "-3"), { nil: undefined }),
  ).map(([since, limit]) => {
    const params = new URLSearchParams({ sinceRev: since });
    if (limit !== undefined) params.set("limit", limit);
    return `?${params}`;
  });
  const query = fc.tuple(
    fc.option(fc.oneof(fc.nat({ max: 3000 }).map(String), fc.constantFrom(...WEIRD_STRINGS)), {
      nil: undefined,
    }),
    fc.constantFrom("before", "after", "limit", "since", "__proto__"),
    fc.option(fc.oneof(fc.nat({ max: 200 }).map(String), fc.constantFrom("-1", "1e3", "0x10")), {
      nil: undefined,
    }),
  ).map(([a, key, b]) => {
    const params = new URLSearchParams();
    if (a !== undefined) params.set(key, a);
    if (b !== undefined) params.set("limit", b);
    return params.size ? `?${params}` : "";
  });
  // Credentials: almost always malformed, so that few of them cost a password hash.
  const credentials = fc.oneof(
    {
      weight: 30,
      arbitrary: mutateObject(fc.record({ username: name, password: weirdValue }), [
        "username",
        "password",
      ]),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        username: fc.constantFrom(...t.users.map((u) => u.username)),
        password: fc.constant(t.password),
      }),
    },
  );
  const registration = fc.oneof(
    {
      weight: 30,
      arbitrary: mutateObject(
        fc.record({
          username: name,
          password: weirdValue,
          invite: fc.oneof(fc.stringMatching(/^[a-z2-7]{26}$/), weirdValue),
        }),
        ["username", "password", "invite"],
      ),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        username: fc.stringMatching(/^fz[a-z0-9]{8}$/),
        password: fc.constant(t.password),
      }),
    },
  );
  const contentType = fc.option(
    fc.constantFrom(
      "application/json",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
    ),
    { nil: undefined },
  );
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: uploadName.map((n) => `/api/uploads?name=${encodePath(n)}`),
        as,
        body: uploadBody,
        contentType: fc.option(fc.constantFrom("image/png", "text/html", "application/pdf"), {
          nil: undefined,
        }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constantFrom("PUT", "DELETE", "POST"),
        path: fc.constant("/api/me/avatar"),
        as,
        body: uploadBody,
        contentType: fc.option(fc.constantFrom("image/png", "image/svg+xml", "text/html"), {
          nil: undefined,
        }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "HEAD"),
        path: fc.tuple(
          fc.oneof(fc.constantFrom(...t.users.map((u) => u.id)), pathId),
          fc.oneof(pathId, fc.constantFrom("..", "%00", "x".repeat(300))),
        )
          .map(([user, version]) => `/api/avatars/${user}/${version}`),
        as,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "HEAD", "DELETE"),
        path: fc.tuple(pathId, fc.constantFrom("/x", "/..%2f..", "", "/a/b"), fc.boolean()).map((
          [id, tail, thumb],
        ) => thumb ? `/api/thumbs/${id}` : `/api/files/${id}${tail}`),
        as,
      }),
    },
    {
      weight: 15,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constant("/api/rooms"),
        as,
        body: body(room, ["name", "topic", "kind"]),
        contentType,
        note: fc.constant("room" as const),
      }),
    },
    {
      weight: 25,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: pathId.map((id) => `/api/rooms/${id}/messages`),
        as,
        body: body(message, ["text", "clientId", "files"]),
        contentType,
      }),
    },
    {
      weight: 12,
      arbitrary: fc.record({
        method: fc.constant("GET"),
        path: fc.tuple(pathId, query).map(([id, q]) => `/api/rooms/${id}/messages${q}`),
        as,
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        method: fc.constant("PATCH"),
        path: fc.tuple(pathId, seqPath).map(([id, seq]) => `/api/rooms/${id}/messages/${seq}`),
        as,
        body: body(fc.record({ text: message.map((m) => m.text) }), ["text"]),
        contentType,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        method: fc.constantFrom("DELETE", "GET"),
        path: fc.tuple(pathId, seqPath, fc.constantFrom("", "/edits")).map(([id, seq, tail]) =>
          `/api/rooms/${id}/messages/${seq}${tail}`
        ),
        as,
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        method: fc.constantFrom("PUT", "DELETE", "GET"),
        path: fc.tuple(pathId, seqPath, emojiPath).map(([id, seq, emoji]) =>
          `/api/rooms/${id}/messages/${seq}/reactions/${emoji}`
        ),
        as,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        method: fc.constant("GET"),
        path: fc.tuple(pathId, changeQuery).map(([id, q]) => `/api/rooms/${id}/changes${q}`),
        as,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "PUT", "DELETE", "POST"),
        path: fc.tuple(
          pathId,
          seqPath,
          fc.constantFrom("/thread", "/thread/follow", "/thread?after=x"),
        )
          .map(([id, seq, tail]) => `/api/rooms/${id}/messages/${seq}${tail}`),
        as,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        method: fc.constant("PUT"),
        path: pathId.map((id) => `/api/rooms/${id}/settings`),
        as,
        body: body(
          fc.record({
            muted: fc.oneof(fc.boolean(), weirdValue),
            notify: fc.oneof(fc.constantFrom("all", "mentions", "none", "ALL"), weirdValue),
          }),
          ["muted", "notify"],
        ),
        contentType,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constant("GET"),
        path: fc.constantFrom(
          "/api/rooms/" + t.rooms[0] + "/settings",
          "/api/threads",
          "/api/mentions",
          "/api/mentions?limit=0",
          "/api/mentions?limit=x",
        ),
        as,
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: pathId.map((id) => `/api/rooms/${id}/invites`),
        as,
        body: body(fc.record({ username: name }), ["username"]),
        contentType,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        method: fc.constantFrom("DELETE", "DELETE", "GET", "POST"),
        path: pathId.map((id) => `/api/invites/${id}`),
        as,
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constant("/api/dms"),
        as,
        body: body(fc.record({ username: name }), ["username"]),
        contentType,
      }),
    },
    {
      weight: 8,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.tuple(pathId, fc.constantFrom("join", "leave", "join", "nope")).map(([id, what]) =>
          `/api/rooms/${id}/${what}`
        ),
        as,
      }),
    },
    {
      weight: 5,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "PUT", "PATCH", "OPTIONS"),
        path: pathId.map((id) => `/api/rooms/${id}`),
        as,
      }),
    },
    ...adminRequestArbs(t, { as, pathId, name, body, contentType }),
    {
      weight: 4,
      arbitrary: fc.record({
        method: fc.constant("GET"),
        path: name.map((n) => `/api/users/${encodePath(n)}`),
        as,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "POST"),
        path: fc.constantFrom(
          "/api/rooms",
          "/api/directory",
          "/api/invites",
          "/api/me",
          "/api/ws",
          "/api",
        ),
        as,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constant("/api/auth/login"),
        as: fc.constant(-1),
        body: body(credentials, ["username", "password"]),
        contentType,
        note: fc.constant("login" as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constant("/api/auth/register"),
        as: fc.constant(-1),
        body: body(registration, ["username", "password"]),
        contentType,
        note: fc.constant("register" as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constant("/api/auth/logout"),
        as: fc.constant(-1),
        note: fc.constant("logout" as const),
        spare: fc.nat({ max: Math.max(0, t.spareTokens.length - 1) }),
      }),
    },
  );
}

/** Sends `count` generated requests, 16 at a time, and checks every answer. */
export async function fuzzHttp(
  t: FuzzTargets,
  options: { requests: number; seed: number },
  report: FuzzReport,
): Promise<void> {
  const requests = fc.sample(httpRequestArb(t), { numRuns: options.requests, seed: options.seed });
  const loggedOut = new Set<number>();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++];
      const headers: Record<string, string> = {};
      let spare: { userId: string; token: string } | undefined;
      if (req.note === "logout" && t.spareTokens.length) {
        spare = t.spareTokens[req.spare ?? 0];
        headers.authorization = `Bearer ${spare.token}`;
      } else if (req.as >= 0) {
        headers.authorization = `Bearer ${t.users[req.as].token}`;
      } else if (req.as === -2) {
        headers.authorization = "Bearer bogus-token";
      }
      if (req.body !== undefined) headers["content-type"] = req.contentType ?? "application/json";
      let status: number;
      let text: string;
      let setCookie: string | null;
      try {
        const res = await fetch(t.url + req.path, {
          method: req.method,
          headers,
          body: req.body as BodyInit | undefined,
          signal: AbortSignal.timeout(15_000),
        });
        status = res.status;
        setCookie = res.headers.get("set-cookie");
        text = await res.text();
      } catch (err) {
        fault(report, `${req.method} ${req.path.slice(0, 60)}: no answer (${err})`);
        continue;
      }
      report.httpRequests++;
      count(report.statuses, status);
      if (status >= 500) {
        fault(
          report,
          `${req.method} ${req.path.slice(0, 60)} answered ${status}: ${text.slice(0, 200)}`,
        );
        continue;
      }
      if (setCookie && /[\r\n]/.test(setCookie)) fault(report, "a Set-Cookie with a line break");
      if (status >= 400 && req.method === "HEAD") continue; // HEAD answers have no body
      if (status >= 400) {
        try {
          const code = JSON.parse(text).error.code;
          if (typeof code !== "string") throw new Error("no code");
        } catch {
          fault(
            report,
            `${req.method} ${req.path.slice(0, 60)} answered ${status} without the error body`,
          );
        }
        continue;
      }
      // Bookkeeping of what succeeded, for the invariants checked afterwards.
      try {
        if (req.note === "login" && status === 200) {
          const { user } = JSON.parse(text);
          report.sessionDelta.set(user.id, (report.sessionDelta.get(user.id) ?? 0) + 1);
        } else if (req.note === "register" && status === 201) {
          report.registered.add(JSON.parse(text).user.id);
        } else if (req.note === "logout" && status === 204 && spare) {
          if (loggedOut.has(req.spare ?? 0)) fault(report, "a session was logged out twice");
          loggedOut.add(req.spare ?? 0);
          report.sessionDelta.set(spare.userId, (report.sessionDelta.get(spare.userId) ?? 0) - 1);
        } else if (req.note === "room" && status === 201) {
          report.createdRooms.add(JSON.parse(text).room.id);
        }
      } catch {
        fault(report, `${req.method} ${req.path}: a success without the expected body`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/**
 * People, rooms and the server (v2): room administration, the server's admin and
 * my account. What would end the run early or change what the run checks stays out
 * of reach: deleting only `doomedRooms`; banning, removing and deactivating only
 * `victims` (and ids that name nobody); passwords only wrong ones; ending all my
 * other sessions only with a bogus token.
 */
function adminRequestArbs(
  t: FuzzTargets,
  arbs: {
    as: fc.Arbitrary<number>;
    pathId: fc.Arbitrary<string>;
    name: fc.Arbitrary<unknown>;
    body: (base: fc.Arbitrary<Record<string, unknown>>, fields: string[]) => fc.Arbitrary<
      string | Uint8Array
    >;
    contentType: fc.Arbitrary<string | undefined>;
  },
): Array<{ weight: number; arbitrary: fc.Arbitrary<FuzzRequest> }> {
  const { as, pathId, body, contentType } = arbs;
  const victims = t.victims?.length ? t.victims : t.users;
  const userIds = [...t.users.map((u) => u.id), ...victims.map((v) => v.id)];
  const anyUser = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...userIds) },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-v]{20}$/) },
    { weight: 1, arbitrary: fc.constantFrom(...WEIRD_STRINGS).map(encodePath) },
  );
  const victimId = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...victims.map((v) => v.id)) },
    { weight: 1, arbitrary: fc.stringMatching(/^[0-9a-v]{20}$/) },
    { weight: 1, arbitrary: fc.constantFrom(...WEIRD_STRINGS).map(encodePath) },
  );
  const victimName = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...victims.map((v) => v.username)) },
    { weight: 1, arbitrary: weirdValue },
  );
  const doomed = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(t.doomedRooms ?? []), ...t.foreignRooms) },
    { weight: 1, arbitrary: fc.constantFrom(...WEIRD_STRINGS).map(encodePath) },
  );
  const wrongPassword = fc.oneof(
    fc.string({ maxLength: 40 }).filter((p) => p !== t.password),
    weirdValue,
  );
  const query = fc.constantFrom(
    "",
    "?limit=1",
    "?limit=0",
    "?limit=x",
    "?cursor=%00",
    "?cursor=AAAA",
  );
  return [
    {
      weight: 5,
      arbitrary: fc.record({
        method: fc.constant("PATCH"),
        path: pathId.map((id) => `/api/rooms/${id}`),
        as,
        body: body(
          fc.record({
            name: fc.oneof(fc.string({ minLength: 1, maxLength: 70 }), weirdValue),
            topic: fc.option(fc.oneof(fc.string({ maxLength: 300 }), weirdValue), {
              nil: undefined,
            }),
          }),
          ["name", "topic"],
        ),
        contentType,
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        method: fc.constant("PUT"),
        path: fc.tuple(pathId, anyUser).map(([id, user]) => `/api/rooms/${id}/members/${user}`),
        as,
        body: body(
          fc.record({
            role: fc.oneof(fc.constantFrom("admin", "member", "owner", "ADMIN"), weirdValue),
          }),
          ["role"],
        ),
        contentType,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constantFrom("DELETE", "GET", "POST"),
        path: fc.tuple(pathId, victimId).map(([id, user]) => `/api/rooms/${id}/members/${user}`),
        as,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: pathId.map((id) => `/api/rooms/${id}/bans`),
        as,
        body: body(fc.record({ username: victimName }), ["username"]),
        contentType,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constantFrom("DELETE", "GET"),
        path: fc.tuple(pathId, fc.oneof(victimId, fc.constant(""))).map(([id, user]) =>
          user ? `/api/rooms/${id}/bans/${user}` : `/api/rooms/${id}/bans`
        ),
        as,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constant("DELETE"),
        path: doomed.map((id) => `/api/rooms/${id}`),
        as,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constant("/api/admin/invites"),
        as,
        body: body(
          fc.record({
            uses: fc.oneof(fc.integer({ min: -2, max: 1002 }), weirdValue),
            expiresInDays: fc.oneof(fc.integer({ min: -2, max: 400 }), weirdValue),
          }),
          ["uses", "expiresInDays"],
        ),
        contentType,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "POST", "DELETE"),
        path: fc.tuple(fc.constantFrom("invites", "users", "rooms"), query).map(([what, q]) =>
          `/api/admin/${what}${q}`
        ),
        as,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constantFrom("DELETE", "POST"),
        path: fc.oneof(
          fc.stringMatching(/^[0-9a-f]{20}$/),
          fc.constantFrom(...WEIRD_STRINGS).map(encodePath),
        )
          .map((id) => `/api/admin/invites/${id}`),
        as,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constantFrom("POST", "GET"),
        path: victimId.map((id) => `/api/admin/users/${id}/deactivate`),
        as,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constant("PATCH"),
        path: fc.constant("/api/me"),
        as,
        body: body(
          fc.record({ displayName: fc.oneof(fc.string({ maxLength: 70 }), weirdValue) }),
          ["displayName"],
        ),
        contentType,
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        method: fc.constant("POST"),
        path: fc.constantFrom("/api/me/password", "/api/me/deactivate"),
        as,
        body: body(
          fc.record({ current: wrongPassword, password: wrongPassword }),
          ["current", "password"],
        ),
        contentType,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        method: fc.constantFrom("GET", "DELETE", "PUT"),
        path: fc.oneof(
          fc.constant("/api/me/sessions"),
          fc.stringMatching(/^[0-9a-v]{20}$/).map((id) => `/api/me/sessions/${id}`),
          fc.constantFrom(...WEIRD_STRINGS).map((id) => `/api/me/sessions/${encodePath(id)}`),
        ),
        // Ending all my other sessions would change what the run counts: only unsigned.
        as: as.map((n) => n),
      }).map((req) =>
        req.method === "DELETE" && req.path === "/api/me/sessions" ? { ...req, as: -2 } : req
      ),
    },
  ];
}
