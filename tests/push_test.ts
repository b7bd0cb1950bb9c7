/**
 * Web Push end to end (docs/api.md, "Notifications") against a real push service
 * on this machine: the npm package web-push-testing (run as a child process) takes
 * subscriptions, checks each push's VAPID token and decrypts its body as a browser
 * would. Its endpoints are plain http://localhost; ours must be https:, so a TLS
 * front with a throwaway certificate (openssl) stands before it, and the sender
 * trusts that certificate (a client with `caCerts` for PushService, `DENO_CERT`
 * for the server).
 *
 * First PushService on its own (real KV), then the server's routes and a mention
 * of a user with no tab open arriving as a push.
 */

import assert from "node:assert/strict";
import { BadRequestError } from "../lib/errors.ts";
import { PushService } from "../lib/push/service.ts";
import { decodeBase64Url, encodeBase64Url } from "../lib/push/base64url.ts";
import { assertError, eventually, withServer } from "./_api.ts";
import { freePort } from "./_server.ts";

const ROOT = new URL("../", import.meta.url);
const SUBJECT = "mailto:push-test@chat.example";

/** A subscription as the push service hands it to a browser, endpoint behind TLS. */
interface TestSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  clientHash: string;
}

interface PushHarness {
  /** Subscribes at the push service for this server key (what pushManager.subscribe does). */
  subscribe(applicationServerKey: string): Promise<TestSubscription>;
  /** The decrypted messages the push service received for a subscription. */
  messages(subscription: TestSubscription): Promise<unknown[]>;
  /** Makes the push service answer 410 for this subscription from now on. */
  expire(subscription: TestSubscription): Promise<void>;
  /** `fetch` that trusts the TLS front's certificate. */
  fetch: typeof fetch;
  /** The certificate's PEM file (for DENO_CERT). */
  caFile: string;
  stop(): Promise<void>;
}

async function startPushHarness(): Promise<PushHarness> {
  const dir = await Deno.makeTempDir({ prefix: "push-test-" });
  const { code, stderr } = await new Deno.Command("openssl", {
    args: [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", `${dir}/key.pem`, "-out", `${dir}/cert.pem`, "-days", "1"],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
      ...["-addext", "basicConstraints=critical,CA:FALSE"],
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`openssl failed: ${new TextDecoder().decode(stderr)}`);
  const cert = await Deno.readTextFile(`${dir}/cert.pem`);
  const key = await Deno.readTextFile(`${dir}/key.pem`);

  // The push service, as deno.json pins it.
  const imports = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))).imports;
  const port = freePort();
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", `${imports["web-push-testing"]}/src/bin/server.js`, `${port}`],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let output = "";
  const decoder = new TextDecoder();
  const ready = Promise.withResolvers<void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      output += decoder.decode(chunk, { stream: true });
      if (output.includes("Server running on port")) ready.resolve();
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]);
  const timer = setTimeout(() => ready.reject(new Error(`web-push-testing: ${output}`)), 30_000);
  child.status.then(() => ready.reject(new Error(`web-push-testing exited: ${output}`)));
  await ready.promise.finally(() => clearTimeout(timer));
  const upstream = `http://127.0.0.1:${port}`;

  // The TLS front: https://127.0.0.1:FRONT/notify/… → http://127.0.0.1:PORT/notify/…
  const front = Deno.serve(
    { hostname: "127.0.0.1", port: 0, cert, key, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      const res = await fetch(upstream + url.pathname, {
        method: req.method,
        headers: req.headers,
        body: await req.arrayBuffer(),
      });
      return new Response(await res.arrayBuffer(), { status: res.status, headers: res.headers });
    },
  );
  const frontOrigin = `https://127.0.0.1:${front.addr.port}`;
  const client = Deno.createHttpClient({ caCerts: [cert] });

  async function call(path: string, body: unknown) {
    const res = await fetch(upstream + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    assert.ok(res.ok, `${path} answered ${res.status}: ${text}`);
    return res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : undefined;
  }

  return {
    async subscribe(applicationServerKey) {
      const { data } = await call("/subscribe", { userVisibleOnly: "true", applicationServerKey });
      const endpoint = frontOrigin + new URL(data.endpoint).pathname;
      return { endpoint, keys: data.keys, clientHash: data.clientHash };
    },
    async messages(subscription) {
      const { data } = await call("/get-notifications", { clientHash: subscription.clientHash });
      return data.messages.map((m: string) => JSON.parse(m));
    },
    async expire(subscription) {
      await call(`/expire-subscription/${subscription.clientHash}`, {});
    },
    fetch:
      ((input: URL | RequestInfo, init?: RequestInit) =>
        fetch(input, { ...init, client } as RequestInit)) as typeof fetch,
    caFile: `${dir}/cert.pem`,
    async stop() {
      client.close();
      await front.shutdown();
      try {
        child.kill("SIGTERM");
      } catch { /* gone */ }
      await child.status;
      await pumps.catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

const PAYLOAD = {
  roomId: "room_general",
  roomName: "general",
  seq: 42,
  reason: "mention" as const,
  from: "alice",
  url: "/rooms/room_general#42",
  text: "@bob the build is green",
};

Deno.test({
  name: "PushService: a real push service receives and decrypts exactly our payload",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const harness = await startPushHarness();
    using kv = await Deno.openKv(":memory:");
    const push = new PushService(kv, {
      allowPrivate: true,
      subject: SUBJECT,
      fetch: harness.fetch,
    });
    try {
      const publicKey = await push.publicKey();
      const plain = await harness.subscribe(publicKey);
      const preview = await harness.subscribe(publicKey);

      await t.step("subscribe() takes the push service's subscription", async () => {
        const a = await push.subscribe("bob", { endpoint: plain.endpoint, keys: plain.keys });
        assert.equal(a.created, true);
        assert.equal(a.subscription.previews, false);
        const b = await push.subscribe("bob", {
          endpoint: preview.endpoint,
          expirationTime: null, // what PushSubscription.toJSON() also has: ignored
          keys: preview.keys,
          previews: true,
        });
        assert.equal(b.created, true);
        assert.deepEqual(
          (await push.list("bob")).map((s) => [s.endpoint, s.previews]),
          [[plain.endpoint, false], [preview.endpoint, true]],
        );
      });

      await t.step("send() is accepted by both; the text only where previews are on", async () => {
        assert.equal(await push.send("bob", PAYLOAD), 2);
        const { text: _, ...withoutText } = PAYLOAD;
        assert.deepEqual(await harness.messages(plain), [withoutText]);
        assert.deepEqual(await harness.messages(preview), [PAYLOAD]);
      });

      await t.step("a 410 from the push service deletes that subscription", async () => {
        await harness.expire(plain);
        assert.equal(await push.send("bob", { ...PAYLOAD, seq: 43 }), 1);
        assert.deepEqual((await push.list("bob")).map((s) => s.endpoint), [preview.endpoint]);
        assert.equal((await harness.messages(plain)).length, 1, "nothing new");
        assert.equal((await harness.messages(preview)).length, 2);
      });

      await t.step("bad input is a BadRequestError and stores nothing", async () => {
        const strict = new PushService(kv, {
          allowPrivate: false,
          subject: SUBJECT,
          fetch: harness.fetch,
          resolve: () => Promise.resolve([]), // no DNS here: no name resolves
        });
        const fresh = await harness.subscribe(publicKey);
        const good = { endpoint: fresh.endpoint, keys: fresh.keys };
        const offCurve = encodeBase64Url(Uint8Array.of(4, ...new Uint8Array(64).fill(7)));
        const cases: Array<[PushService, unknown, RegExp]> = [
          [push, { ...good, endpoint: fresh.endpoint.replace("https:", "http:") }, /https: URL/],
          [strict, good, /is refused: "127.0.0.1"/],
          [strict, { ...good, endpoint: "https://10.0.0.1/push/x" }, /is refused: "10.0.0.1"/],
          [strict, { ...good, endpoint: "https://localhost/push/x" }, /is refused: "localhost"/],
          [strict, { ...good, endpoint: "https://push.example.com/x" }, /does not resolve/],
          [push, { ...good, endpoint: `${fresh.endpoint}?${"a".repeat(2048)}` }, /too long/],
          [
            push,
            { ...good, keys: { ...fresh.keys, p256dh: offCurve } },
            /not a point on the P-256/,
          ],
          [push, { ...good, keys: { ...fresh.keys, p256dh: "BAAA" } }, /65 bytes/],
          [push, { ...good, keys: { ...fresh.keys, auth: "c2hvcnQ" } }, /"auth" must be 16 bytes/],
          [push, { ...good, keys: "nope" }, /needs "keys"/],
          [push, "https://example.com", /must be an object/],
        ];
        for (const [service, input, message] of cases) {
          await assert.rejects(service.subscribe("eve", input), (err) => {
            assert.ok(err instanceof BadRequestError, String(err));
            assert.match(err.message, message);
            return true;
          });
        }
        assert.deepEqual(await push.list("eve"), []);
        // A valid key pair from the push service, but encryption to a different one:
        // the push service cannot decrypt, answers 400, and the subscription stays.
        const other = await harness.subscribe(publicKey);
        await push.subscribe("eve", { endpoint: fresh.endpoint, keys: other.keys });
        const quiet = console.error;
        console.error = () => {};
        try {
          assert.equal(await push.send("eve", PAYLOAD), 0);
        } finally {
          console.error = quiet;
        }
        assert.equal((await push.list("eve")).length, 1);
      });
    } finally {
      await push.close();
      await harness.stop();
    }
  },
});

Deno.test({
  name: "push routes: the key, my subscriptions, and a mention pushed while I have no tab open",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const harness = await startPushHarness();
    try {
      const env = { PUSH_ALLOW_PRIVATE: "1", DENO_CERT: harness.caFile };
      await withServer(env, async ({ req, newUser }) => {
        const ada = await newUser("pada");
        const bob = await newUser("pbob");

        await t.step("every route needs a session", async () => {
          for (
            const [method, path] of [
              ["GET", "/api/push/key"],
              ["GET", "/api/push/subscriptions"],
              ["POST", "/api/push/subscriptions"],
              ["DELETE", "/api/push/subscriptions"],
            ]
          ) {
            assertError(
              await req(method, path, method === "GET" ? {} : { body: {} }),
              401,
              "unauthorized",
              path,
            );
          }
        });

        let publicKey = "";
        await t.step("GET /api/push/key: the VAPID public key, the same every time", async () => {
          const first = await req("GET", "/api/push/key", { token: bob.token });
          assert.equal(first.status, 200);
          publicKey = first.body.publicKey;
          assert.equal(decodeBase64Url(publicKey)?.byteLength, 65);
          const again = await req("GET", "/api/push/key", { token: ada.token });
          assert.equal(again.body.publicKey, publicKey);
        });

        let sub: TestSubscription;
        await t.step("POST 201, again 200 (updated); GET lists mine only", async () => {
          sub = await harness.subscribe(publicKey);
          const body = { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys };
          const created = await req("POST", "/api/push/subscriptions", { token: bob.token, body });
          assert.equal(created.status, 201, created.text);
          const { subscription } = created.body;
          assert.deepEqual(Object.keys(subscription).sort(), [
            "createdAt",
            "endpoint",
            "id",
            "previews",
          ]);
          assert.equal(subscription.endpoint, sub.endpoint);
          assert.equal(subscription.previews, false);
          const updated = await req("POST", "/api/push/subscriptions", {
            token: bob.token,
            body: { ...body, previews: true },
          });
          assert.equal(updated.status, 200, updated.text);
          assert.deepEqual(updated.body.subscription, { ...subscription, previews: true });
          const mine = await req("GET", "/api/push/subscriptions", { token: bob.token });
          assert.deepEqual(mine.body, { subscriptions: [updated.body.subscription] });
          const theirs = await req("GET", "/api/push/subscriptions", { token: ada.token });
          assert.deepEqual(theirs.body, { subscriptions: [] });
        });

        await t.step("bad input: 400, nothing stored", async () => {
          for (
            const body of [
              { endpoint: sub.endpoint.replace("https:", "http:"), keys: sub.keys },
              { endpoint: sub.endpoint, keys: { ...sub.keys, auth: "AAAA" } },
              { endpoint: sub.endpoint },
              { endpoint: "https://x.example/" + "a".repeat(2040), keys: sub.keys },
            ]
          ) {
            const res = await req("POST", "/api/push/subscriptions", { token: ada.token, body });
            assertError(res, 400, "bad_request", JSON.stringify(body).slice(0, 60));
          }
          const theirs = await req("GET", "/api/push/subscriptions", { token: ada.token });
          assert.deepEqual(theirs.body, { subscriptions: [] });
        });

        await t.step("a mention of bob, who has no socket open, arrives as a push", async () => {
          const room = await ada.createRoom("Push room");
          await bob.join(room.id);
          const message = await ada.send(room.id, `@${bob.name} lunch?`);
          await eventually(async () => {
            const messages = await harness.messages(sub) as Array<Record<string, unknown>>;
            assert.equal(messages.length, 1, JSON.stringify(messages));
            assert.equal(messages[0].roomId, room.id);
            assert.equal(messages[0].seq, message.seq);
            assert.equal(messages[0].reason, "mention");
            assert.equal(messages[0].text, `@${bob.name} lunch?`); // previews are on
          });
        });

        await t.step("DELETE 204, then the list is empty; again 204", async () => {
          for (let i = 0; i < 2; i++) {
            const res = await req("DELETE", "/api/push/subscriptions", {
              token: bob.token,
              body: { endpoint: sub.endpoint },
            });
            assert.equal(res.status, 204, res.text);
          }
          const mine = await req("GET", "/api/push/subscriptions", { token: bob.token });
          assert.deepEqual(mine.body, { subscriptions: [] });
        });
      });

      await t.step("without PUSH_ALLOW_PRIVATE an endpoint on 127.0.0.1 is refused", async () => {
        await withServer({}, async ({ req, newUser }) => {
          const eve = await newUser("peve");
          const key = await req("GET", "/api/push/key", { token: eve.token });
          const sub = await harness.subscribe(key.body.publicKey);
          const res = await req("POST", "/api/push/subscriptions", {
            token: eve.token,
            body: { endpoint: sub.endpoint, keys: sub.keys },
          });
          assertError(res, 400, "bad_request");
          assert.match(res.body.error.message, /127\.0\.0\.1/);
        });
      });
    } finally {
      await harness.stop();
    }
  },
});
