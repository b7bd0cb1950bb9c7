import assert from "node:assert/strict";
import { decodeJwt } from "jose";
import { BadRequestError } from "../errors.ts";
import { decodeBase64Url } from "./base64url.ts";
import { decryptPush, newUserAgent, type UserAgent } from "./_testing.ts";
import type { Resolver } from "./endpoint.ts";
import { type PushPayload, PushService, type PushServiceOptions } from "./service.ts";

/** What a push service received. */
interface Received {
  url: string;
  headers: Headers;
  body: Uint8Array;
}

/**
 * A stand-in for the push services on the network: records each request and
 * answers with `status(url)` (or throws what it returns, as fetch does).
 */
function pushServices(status: (url: string) => number | Error = () => 201) {
  const received: Received[] = [];
  const fetchFn = ((input: URL | RequestInfo, init?: RequestInit) => {
    const url = String(input);
    assert.equal(init?.redirect, "manual");
    received.push({
      url,
      headers: new Headers(init?.headers),
      body: new Uint8Array(init?.body as Uint8Array),
    });
    const answer = status(url);
    if (answer instanceof Error) return Promise.reject(answer);
    return Promise.resolve(new Response(null, { status: answer }));
  }) as typeof fetch;
  return { received, fetch: fetchFn };
}

let clock = 1_000_000;
function service(kv: Deno.Kv, options: Partial<PushServiceOptions> = {}): PushService {
  return new PushService(kv, {
    allowPrivate: true,
    subject: "mailto:ops@chat.example",
    now: () => ++clock,
    ...options,
  });
}

const PAYLOAD: PushPayload = {
  roomId: "room1",
  roomName: "general",
  seq: 7,
  reason: "mention",
  from: "alice",
  url: "/rooms/room1#7",
  text: "hello @bob",
};

async function subscription(endpoint: string, previews?: boolean) {
  const agent = await newUserAgent();
  return {
    agent,
    input: { endpoint, keys: agent.keys, ...(previews === undefined ? {} : { previews }) },
  };
}

async function decrypted(received: Received, agent: UserAgent): Promise<unknown> {
  return JSON.parse(new TextDecoder().decode(await decryptPush(received.body, agent)));
}

/** Collects what the logger writes (warn and error go to console.error). */
async function logsOf(fn: () => Promise<void>): Promise<string> {
  const lines: string[] = [];
  const { error, log } = console;
  console.error = (line: unknown) => lines.push(String(line));
  console.log = (line: unknown) => lines.push(String(line));
  try {
    await fn();
  } finally {
    Object.assign(console, { error, log });
  }
  return lines.join("\n");
}

Deno.test("subscribe() stores a subscription; the same endpoint again updates it", async () => {
  using kv = await Deno.openKv(":memory:");
  const push = service(kv);
  const { input } = await subscription("https://push.example.com/send/abc");
  const first = await push.subscribe("u1", { ...input, expirationTime: null });
  assert.equal(first.created, true);
  assert.equal(first.subscription.endpoint, "https://push.example.com/send/abc");
  assert.equal(first.subscription.previews, false);
  assert.match(first.subscription.id, /^[\w-]{22}$/);
  assert.deepEqual(await push.list("u1"), [first.subscription]);

  const again = await push.subscribe("u1", { ...input, previews: true });
  assert.equal(again.created, false);
  assert.deepEqual(again.subscription, { ...first.subscription, previews: true });
  assert.deepEqual(await push.list("u1"), [again.subscription]);
  assert.deepEqual(await push.list("u2"), []);
});

Deno.test("subscribe() refuses bad input with a clear message and stores nothing", async () => {
  using kv = await Deno.openKv(":memory:");
  const resolve: Resolver = () => Promise.resolve(["10.0.0.7"]);
  const push = service(kv, { allowPrivate: false, resolve });
  const { agent } = await subscription("");
  const good = { endpoint: "https://push.example.com/x", keys: agent.keys };
  const cases: Array<[unknown, RegExp]> = [
    [null, /must be an object/],
    [[good], /must be an object/],
    [{ ...good, endpoint: undefined }, /needs an "endpoint"/],
    [{ ...good, endpoint: "http://push.example.com/x" }, /https: URL/],
    [{ ...good, endpoint: "https://127.0.0.1/x" }, /is refused: "127.0.0.1"/],
    [{ ...good, endpoint: "https://10.0.0.1/x" }, /is refused/],
    [{ ...good, endpoint: "https://localhost/x" }, /is refused/],
    [{ ...good, endpoint: "https://[::1]/x" }, /is refused/],
    [{ ...good, endpoint: "https://push.example.com/" + "a".repeat(2030) }, /too long/],
    [good, /is refused: "push.example.com"/], // it resolves to 10.0.0.7
    [{ ...good, keys: undefined }, /needs "keys"/],
    [{ ...good, keys: { p256dh: agent.keys.p256dh } }, /needs "keys"/],
    [{ ...good, keys: { ...agent.keys, p256dh: "AAAA" } }, /65 bytes starting 0x04, got 3/],
    [{ ...good, keys: { ...agent.keys, auth: "AAAA" } }, /"auth" must be 16 bytes, got 3/],
    [{ ...good, keys: { ...agent.keys, auth: "x".repeat(500) } }, /too long/],
    [{ ...good, previews: "yes" }, /"previews" must be true or false/],
  ];
  for (const [input, message] of cases) {
    await assert.rejects(push.subscribe("u1", input), (err) => {
      assert.ok(err instanceof BadRequestError, `${JSON.stringify(input)?.slice(0, 80)}: ${err}`);
      assert.match(err.message, message);
      return true;
    });
  }
  assert.deepEqual(await push.list("u1"), []);
  const stored = await Array.fromAsync(kv.list({ prefix: [] }));
  assert.deepEqual(stored.map((e) => e.key), [], "nothing in KV at all");
});

Deno.test("a user keeps 10 subscriptions at most: the oldest goes, even when they race", async () => {
  using kv = await Deno.openKv(":memory:");
  const push = service(kv);
  const made = [];
  for (let i = 0; i < 11; i++) {
    made.push(await push.subscribe("u1", (await subscription(`https://p.example/${i}`)).input));
  }
  const kept = (await push.list("u1")).map((s) => s.endpoint);
  assert.deepEqual(kept, made.slice(1).map((m) => m.subscription.endpoint));

  const inputs = await Promise.all(
    Array.from({ length: 12 }, (_, i) => subscription(`https://p.example/race/${i}`)),
  );
  await Promise.all(inputs.map(({ input }) => push.subscribe("u2", input)));
  assert.equal((await push.list("u2")).length, 10);
  const endpoints = await Array.fromAsync(kv.list({ prefix: ["push_endpoint"] }));
  assert.equal(endpoints.length, 20, "the endpoint index holds exactly the kept ones");
});

Deno.test("an endpoint subscribed by another user moves to them; unsubscribe is mine only", async () => {
  using kv = await Deno.openKv(":memory:");
  const push = service(kv);
  const { input } = await subscription("https://push.example.com/shared-browser");
  await push.subscribe("ada", input);
  await push.unsubscribe("bob", input.endpoint); // not bob's: nothing happens
  assert.equal((await push.list("ada")).length, 1);

  const moved = await push.subscribe("bob", input);
  assert.equal(moved.created, true);
  assert.deepEqual(await push.list("ada"), []);
  assert.deepEqual((await push.list("bob")).map((s) => s.endpoint), [input.endpoint]);

  await push.unsubscribe("bob", input.endpoint);
  await push.unsubscribe("bob", input.endpoint); // again: still fine
  assert.deepEqual(await push.list("bob"), []);
  assert.deepEqual(await Array.fromAsync(kv.list({ prefix: ["push_endpoint"] })), []);
  await assert.rejects(push.unsubscribe("bob", 42), BadRequestError);
});

Deno.test("send() encrypts the payload for each subscription, text only with previews", async () => {
  using kv = await Deno.openKv(":memory:");
  const services = pushServices();
  const push = service(kv, { fetch: services.fetch });
  const plain = await subscription("https://a.push.example/one", false);
  const preview = await subscription("https://b.push.example:8443/two", true);
  await push.subscribe("bob", plain.input);
  await push.subscribe("bob", preview.input);
  const long = "é".repeat(150) + "👋".repeat(100);

  assert.equal(await push.send("bob", { ...PAYLOAD, text: long }), 2);
  const [a, b] = ["https://a.push.example/one", "https://b.push.example:8443/two"].map((url) =>
    services.received.find((r) => r.url === url)!
  );
  const { text: _, ...withoutText } = PAYLOAD;
  assert.deepEqual(await decrypted(a, plain.agent), withoutText);
  const cut = "é".repeat(150) + "👋".repeat(50); // 200 characters, no pair split
  assert.deepEqual(await decrypted(b, preview.agent), { ...PAYLOAD, text: cut });

  for (const r of [a, b]) {
    assert.equal(r.headers.get("content-encoding"), "aes128gcm");
    assert.equal(r.headers.get("content-type"), "application/octet-stream");
    assert.equal(r.headers.get("ttl"), "86400");
    assert.equal(r.headers.get("urgency"), "high");
    assert.match(r.headers.get("topic")!, /^[A-Za-z0-9_-]{32}$/);
    const [, token, k] = /^vapid t=(\S+), k=(\S+)$/.exec(r.headers.get("authorization")!)!;
    assert.equal(k, await push.publicKey());
    assert.equal(decodeJwt(token).aud, new URL(r.url).origin);
  }
  assert.equal(a.headers.get("topic"), b.headers.get("topic"), "one topic per room");

  services.received.length = 0;
  await push.send("bob", { ...PAYLOAD, roomId: "room2", reason: "message" });
  assert.equal(services.received[0].headers.get("urgency"), "normal");
  assert.notEqual(services.received[0].headers.get("topic"), a.headers.get("topic"));
  assert.equal(await push.send("nobody", PAYLOAD), 0);
});

Deno.test("send() keeps the payload within one push message", async () => {
  using kv = await Deno.openKv(":memory:");
  const services = pushServices();
  const push = service(kv, { fetch: services.fetch });
  const { agent, input } = await subscription("https://push.example/x", true);
  await push.subscribe("bob", input);
  const roomName = "\u0001".repeat(5000); // 6 bytes each as JSON
  const text = "\u0002".repeat(300);
  assert.equal(await push.send("bob", { ...PAYLOAD, roomName, text }), 1);
  const body = services.received[0].body;
  assert.ok(body.byteLength <= 4096, `${body.byteLength} bytes`);
  const got = await decrypted(services.received[0], agent) as PushPayload;
  assert.equal(got.text, text.slice(0, 200));
  assert.equal(got.roomName, roomName.slice(0, 64));
  // Fields that cannot be cut: shortening the text and the room name is all it can do.
  const huge = { ...PAYLOAD, text: "x".repeat(200), url: "/r/" + "u".repeat(3800) };
  services.received.length = 0;
  assert.equal(await push.send("bob", huge), 1);
  const small = await decrypted(services.received[0], agent) as PushPayload;
  assert.equal(small.url, huge.url);
  assert.ok(small.text === undefined || small.text.length < 200);
  const logs = await logsOf(async () => {
    assert.equal(await push.send("bob", { ...huge, url: "/" + "u".repeat(4000) }), 0);
  });
  assert.match(logs, /push_payload_too_large/);
});

Deno.test("send() deletes a subscription on 404 or 410, logs other failures without the path", async () => {
  using kv = await Deno.openKv(":memory:");
  const services = pushServices((url) =>
    url.endsWith("/gone")
      ? 410
      : url.endsWith("/missing")
      ? 404
      : url.endsWith("/busy")
      ? 503
      : new TypeError(`error sending request for url (${url})`)
  );
  const push = service(kv, { fetch: services.fetch });
  for (const name of ["gone", "missing", "busy", "broken"]) {
    await push.subscribe("bob", (await subscription(`https://push.example/SECRET/${name}`)).input);
  }
  let sent = -1;
  const logs = await logsOf(async () => {
    sent = await push.send("bob", PAYLOAD);
  });
  assert.equal(sent, 0);
  assert.deepEqual((await push.list("bob")).map((s) => s.endpoint).sort(), [
    "https://push.example/SECRET/broken",
    "https://push.example/SECRET/busy",
  ]);
  assert.match(logs, /"event":"push_rejected".*"status":503/);
  assert.match(logs, /"event":"push_failed".*"error":"TypeError"/);
  assert.match(logs, /"host":"push.example"/);
  assert.doesNotMatch(logs, /SECRET|hello|alice/);
});

Deno.test("send() checks the endpoint again: a name that now resolves privately is not sent to", async () => {
  using kv = await Deno.openKv(":memory:");
  let answer = ["93.184.216.34"];
  const resolve: Resolver = () => Promise.resolve(answer);
  const services = pushServices();
  const push = service(kv, { allowPrivate: false, resolve, fetch: services.fetch });
  await push.subscribe("bob", (await subscription("https://rebind.example/x")).input);
  answer = ["169.254.169.254"]; // DNS rebinding
  let sent = -1;
  const logs = await logsOf(async () => {
    sent = await push.send("bob", PAYLOAD);
  });
  assert.equal(sent, 0);
  assert.deepEqual(services.received, []);
  assert.match(logs, /push_endpoint_refused/);
  assert.equal((await push.list("bob")).length, 1, "kept: DNS may change back");

  // A subscription stored with allowPrivate (dev) is not sent to by a server without it.
  await service(kv).subscribe("eve", (await subscription("https://127.0.0.1:1/x")).input);
  await logsOf(async () => {
    assert.equal(await push.send("eve", PAYLOAD), 0);
  });
  assert.deepEqual(services.received, []);
});

Deno.test("close() waits for sends in flight; later sends do nothing", async () => {
  using kv = await Deno.openKv(":memory:");
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let calls = 0;
  const slow = (async () => {
    calls++;
    await gate;
    return new Response(null, { status: 201 });
  }) as typeof fetch;
  const push = service(kv, { fetch: slow });
  await push.subscribe("bob", (await subscription("https://push.example/x")).input);
  const sending = push.send("bob", PAYLOAD);
  while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  let closed = false;
  const closing = push.close().then(() => closed = true);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(closed, false);
  release();
  await closing;
  assert.equal(await sending, 1);
  assert.equal(await push.send("bob", PAYLOAD), 0);
  assert.equal(calls, 1);
});

Deno.test("publicKey() is one key for every service on the same KV", async () => {
  using kv = await Deno.openKv(":memory:");
  const [a, b] = await Promise.all([service(kv).publicKey(), service(kv).publicKey()]);
  assert.equal(a, b);
  assert.equal(decodeBase64Url(a)!.byteLength, 65);
  assert.throws(() => service(kv, { subject: "nobody" }), /Invalid push subject/);
});
