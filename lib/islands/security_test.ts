import assert from "node:assert/strict";
import { Hono } from "hono";
import {
  contentSecurityPolicy,
  createNonce,
  type SecurityEnv,
  securityHeaders,
} from "./security.ts";

Deno.test("createNonce() gives 128 random bits in base64, different every time", () => {
  const nonces = new Set(Array.from({ length: 100 }, createNonce));
  assert.equal(nonces.size, 100);
  for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
});

Deno.test("contentSecurityPolicy() allows only self and the nonce for scripts and styles", () => {
  const csp = contentSecurityPolicy({ nonce: "abc123==", host: "chat.example:8000" });
  const directives = Object.fromEntries(
    csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1).join(" ")]),
  );
  assert.equal(directives["script-src"], "'self' 'nonce-abc123=='");
  assert.equal(directives["style-src"], "'self' 'nonce-abc123=='");
  assert.equal(directives["connect-src"], "'self' ws://chat.example:8000 wss://chat.example:8000");
  assert.equal(directives["object-src"], "'none'");
  assert.equal(directives["base-uri"], "'none'");
  assert.equal(directives["frame-ancestors"], "'none'");
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*/);
});

Deno.test("contentSecurityPolicy() ignores a host that could smuggle directives", () => {
  const csp = contentSecurityPolicy({ nonce: "n", host: "evil.example; script-src *" });
  assert.match(csp, /connect-src 'self';/);
  assert.throws(() => contentSecurityPolicy({ nonce: "x' 'unsafe-inline" }), /Invalid CSP nonce/);
});

Deno.test("securityHeaders() gives each request its own nonce and adds the headers", async () => {
  const app = new Hono<SecurityEnv>();
  app.use("*", securityHeaders());
  app.get("/", (c) => c.text(c.get("nonce")));
  app.get("/own", (c) => c.text("x", 200, { "referrer-policy": "no-referrer" }));
  app.get("/redirect", () => Response.redirect("http://localhost/", 302));
  const first = await app.request("http://localhost:8000/");
  const second = await app.request("http://localhost:8000/");
  const nonce = await first.text();
  assert.notEqual(nonce, await second.text());
  assert.ok(first.headers.get("content-security-policy")?.includes(`'nonce-${nonce}'`));
  assert.match(first.headers.get("content-security-policy")!, /ws:\/\/localhost:8000/);
  assert.equal(first.headers.get("x-content-type-options"), "nosniff");
  assert.equal(first.headers.get("referrer-policy"), "strict-origin-when-cross-origin");
  assert.equal(first.headers.get("x-frame-options"), "DENY");
  const own = await app.request("/own");
  assert.equal(own.headers.get("referrer-policy"), "no-referrer", "a handler's own value wins");
  const redirect = await app.request("/redirect");
  assert.equal(redirect.status, 302);
  assert.equal(redirect.headers.get("x-content-type-options"), "nosniff", "immutable headers too");
});
