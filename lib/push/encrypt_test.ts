import assert from "node:assert/strict";
import { decodeBase64Url, encodeBase64Url } from "./base64url.ts";
import { decodeReceiverKeys, encryptPayload, encryptWith, MAX_PLAINTEXT } from "./encrypt.ts";
import { decryptPush, importPrivateEcdh, newUserAgent } from "./_testing.ts";

/** RFC 8291 Appendix A, its line breaks removed. */
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPublic:
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  uaPublic:
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  uaPrivate: "q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  authSecret: "BTBZMqHH6r4Tts7J_aSIgg",
  body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocIn" +
    "mYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgS" +
    "xsj_Qulcy4a-fN",
};

const b64 = (text: string) => decodeBase64Url(text)!;
const bytes = (text: string) => new TextEncoder().encode(text);

Deno.test("encryptWith() reproduces RFC 8291 Appendix A byte for byte", async () => {
  const sender = {
    privateKey: await importPrivateEcdh(RFC8291.asPrivate, RFC8291.asPublic),
    publicKey: await crypto.subtle.importKey(
      "raw",
      b64(RFC8291.asPublic),
      { name: "ECDH", namedCurve: "P-256" },
      true,
      [],
    ),
  };
  const body = await encryptWith(
    bytes(RFC8291.plaintext),
    { p256dh: b64(RFC8291.uaPublic), auth: b64(RFC8291.authSecret) },
    { salt: b64(RFC8291.salt), sender },
  );
  assert.equal(encodeBase64Url(body), RFC8291.body);

  const agent = {
    keys: { p256dh: RFC8291.uaPublic, auth: RFC8291.authSecret },
    privateKey: await importPrivateEcdh(RFC8291.uaPrivate, RFC8291.uaPublic),
  };
  assert.equal(new TextDecoder().decode(await decryptPush(body, agent)), RFC8291.plaintext);
});

Deno.test("encryptPayload() uses a fresh salt and key each time, and the browser decrypts it", async () => {
  const agent = await newUserAgent();
  const keys = { p256dh: b64(agent.keys.p256dh), auth: b64(agent.keys.auth) };
  const message = bytes(JSON.stringify({ roomId: "r1", text: "héllo 👋" }));
  const first = await encryptPayload(message, keys);
  const second = await encryptPayload(message, keys);
  assert.notDeepEqual(first.slice(0, 16), second.slice(0, 16), "salt");
  assert.notDeepEqual(first.slice(21, 86), second.slice(21, 86), "sender key");
  assert.equal(new DataView(first.buffer).getUint32(16), 4096);
  assert.equal(first[20], 65);
  assert.equal(first.byteLength, 86 + message.byteLength + 17);
  assert.deepEqual(await decryptPush(first, agent), message);
  assert.deepEqual(await decryptPush(second, agent), message);
});

Deno.test("encryptPayload() fills one 4096-byte record at most", async () => {
  const agent = await newUserAgent();
  const keys = { p256dh: b64(agent.keys.p256dh), auth: b64(agent.keys.auth) };
  const largest = await encryptPayload(new Uint8Array(MAX_PLAINTEXT).fill(65), keys);
  assert.equal(largest.byteLength, 4096);
  await assert.rejects(
    encryptPayload(new Uint8Array(MAX_PLAINTEXT + 1), keys),
    /Push payload is too large: 3994 bytes, the limit is 3993/,
  );
});

Deno.test("decodeReceiverKeys() accepts browser keys and names what is wrong with others", async () => {
  const agent = await newUserAgent();
  const good = decodeReceiverKeys(agent.keys.p256dh, agent.keys.auth);
  assert.ok(!("error" in good));
  assert.equal(good.p256dh.byteLength, 65);
  assert.equal(good.auth.byteLength, 16);

  const offCurve = new Uint8Array(65).fill(1);
  offCurve[0] = 4;
  const compressed = b64(agent.keys.p256dh).slice(0, 33);
  compressed[0] = 2;
  const cases: Array<[string, string, RegExp]> = [
    ["not base64!", agent.keys.auth, /"p256dh" is not base64url/],
    [encodeBase64Url(compressed), agent.keys.auth, /65 bytes starting 0x04, got 33 bytes/],
    [encodeBase64Url(offCurve), agent.keys.auth, /not a point on the P-256 curve/],
    [agent.keys.p256dh, "a+b/", /"auth" is not base64url/],
    [agent.keys.p256dh, encodeBase64Url(new Uint8Array(15)), /"auth" must be 16 bytes, got 15/],
  ];
  for (const [p256dh, auth, message] of cases) {
    const result = decodeReceiverKeys(p256dh, auth);
    assert.ok("error" in result, `${p256dh} ${auth}`);
    assert.match(result.error, message);
  }
});
