import assert from "node:assert/strict";
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify } from "jose";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { checkSubject, VAPID_TTL_S, vapidAuthorization } from "./vapid.ts";

async function keyPair() {
  const pair = await crypto.subtle.generateKey(
    { name: "ECDSA", namedCurve: "P-256" },
    true,
    ["sign", "verify"],
  ) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", pair.publicKey));
  return { publicKey: encodeBase64Url(raw), privateKey: pair.privateKey, verify: pair.publicKey };
}

Deno.test("vapidAuthorization() signs an ES256 JWT for the endpoint's origin, at most 24 h", async () => {
  const keys = await keyPair();
  const now = Date.UTC(2026, 0, 1);
  const header = await vapidAuthorization(
    new URL("https://push.example.net:8443/wpush/v2/secret-token?x=1"),
    keys,
    { subject: "mailto:ops@chat.example", now },
  );
  const match = /^vapid t=([\w-]+\.[\w-]+\.[\w-]+), k=([\w-]+)$/.exec(header);
  assert.ok(match, header);
  const [, token, k] = match;
  assert.equal(k, keys.publicKey);
  assert.equal(decodeBase64Url(k)!.byteLength, 65);
  assert.deepEqual(decodeProtectedHeader(token), { typ: "JWT", alg: "ES256" });
  const claims = decodeJwt(token);
  assert.deepEqual(claims, {
    aud: "https://push.example.net:8443",
    exp: now / 1000 + VAPID_TTL_S,
    sub: "mailto:ops@chat.example",
  });
  assert.ok(VAPID_TTL_S <= 24 * 3600);
  // What a push service does: verify with the key from `k`.
  const point = decodeBase64Url(k)!;
  const verifyKey = await importJWK({
    kty: "EC",
    crv: "P-256",
    x: encodeBase64Url(point.subarray(1, 33)),
    y: encodeBase64Url(point.subarray(33)),
  }, "ES256");
  const { payload } = await jwtVerify(token, verifyKey, {
    audience: "https://push.example.net:8443",
    currentDate: new Date(now + 1000),
  });
  assert.equal(payload.sub, "mailto:ops@chat.example");
  assert.doesNotMatch(header, /secret-token/);
});

Deno.test("checkSubject() takes mailto: and https: contacts only", () => {
  assert.equal(checkSubject("mailto:ops@chat.example"), "mailto:ops@chat.example");
  assert.equal(checkSubject("https://chat.example/contact"), "https://chat.example/contact");
  for (const bad of ["", "ops@chat.example", "mailto:", "mailto:nobody", "http://chat.example"]) {
    assert.throws(() => checkSubject(bad), /Invalid push subject/, bad);
  }
});
