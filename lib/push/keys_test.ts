import assert from "node:assert/strict";
import { decodeBase64Url } from "./base64url.ts";
import { openKv } from "../store/kv.ts";
import { loadVapidKeys, VAPID_KEY } from "./keys.ts";

Deno.test("loadVapidKeys() makes the key pair once and keeps it in KV", async () => {
  using kv = await Deno.openKv(":memory:");
  assert.equal((await kv.get(VAPID_KEY)).value, null);
  const first = await loadVapidKeys(kv);
  assert.equal(decodeBase64Url(first.publicKey)!.byteLength, 65);
  assert.equal(first.privateKey.extractable, false);
  assert.deepEqual(first.privateKey.usages, ["sign"]);
  const again = await loadVapidKeys(kv);
  assert.equal(again.publicKey, first.publicKey);

  // The stored private key belongs to the public key: a signature verifies.
  const data = new TextEncoder().encode("proof");
  const algorithm = { name: "ECDSA", hash: "SHA-256" };
  const signature = await crypto.subtle.sign(algorithm, again.privateKey, data);
  const verifier = await crypto.subtle.importKey(
    "raw",
    decodeBase64Url(first.publicKey)!,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  assert.ok(await crypto.subtle.verify(algorithm, verifier, signature, data));
});

Deno.test("loadVapidKeys() racing on one KV file: every isolate ends up with the same key", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = `${dir}/push.db`;
    // Separate handles, as separate isolates have (opened as the server opens them).
    const handles = await Promise.all(Array.from({ length: 6 }, () => openKv(path)));
    try {
      const keys = await Promise.all(handles.map((kv) => loadVapidKeys(kv)));
      assert.equal(new Set(keys.map((k) => k.publicKey)).size, 1);
      const stored = await handles[0].get<{ publicKey: string }>(VAPID_KEY);
      assert.equal(stored.value?.publicKey, keys[0].publicKey);
    } finally {
      for (const kv of handles) kv.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
