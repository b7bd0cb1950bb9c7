/**
 * Compression (lib/http/compress.ts) against the real server: pages and JSON go
 * brotli or gzip as the client asks, with `vary: accept-encoding` and the right
 * length; small answers, HEAD, the pre-gzipped island bundle, file downloads (and
 * their ranges) and the WebSocket upgrade are left as they are.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { request } from "node:http";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { chooseEncoding, etagMatches } from "../lib/http/compress.ts";
import { newUser, RecordingSocket } from "./_clients.ts";
import { startServer } from "./_server.ts";

/** A request through node:http, which never decodes: the bytes are what went on the wire. */
function raw(url: string, headers: Record<string, string>, method = "GET") {
  return new Promise<{ res: { status: number; headers: Headers }; bytes: Uint8Array }>(
    (resolve, reject) => {
      const req = request(url, { method, headers }, (res) => {
        const chunks: Uint8Array[] = [];
        res.on("data", (chunk: Uint8Array) => chunks.push(chunk));
        res.on("end", () => {
          const head = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) head.set(name, String(value));
          }
          resolve({
            res: { status: res.statusCode ?? 0, headers: head },
            bytes: new Uint8Array(Buffer.concat(chunks)),
          });
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    },
  );
}

function decoded(encoding: string | null, bytes: Uint8Array): string {
  const plain = encoding === "br"
    ? brotliDecompressSync(bytes)
    : encoding === "gzip"
    ? gunzipSync(bytes)
    : bytes;
  return new TextDecoder().decode(plain);
}

Deno.test({
  name: "compression: pages and JSON as asked, never files, ranges, small answers or the upgrade",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: { SEND_RATE_BURST: "1000" } });
    try {
      const ada = await newUser(server.url, "ada");
      const room = await ada.createRoom(`zip-${crypto.randomUUID().slice(0, 6)}`);
      for (let i = 0; i < 40; i++) {
        await ada.send(room.id, `message ${i} ${"lorem ipsum ".repeat(8)}`);
      }
      const cookie = `chat_session=${ada.token}`;

      // A page: brotli when offered (even beside gzip), else gzip, else plain.
      const plain = await raw(`${server.url}/rooms/${room.id}`, {
        cookie,
        "accept-encoding": "identity",
      });
      assert.equal(plain.res.headers.get("content-encoding"), null);
      assert.match(plain.res.headers.get("vary") ?? "", /accept-encoding/i);
      const html = new TextDecoder().decode(plain.bytes);
      assert.ok(html.includes("message 39"));
      for (
        const [offer, want] of [["gzip, deflate, br", "br"], ["gzip", "gzip"], [
          "br;q=0, gzip",
          "gzip",
        ]]
      ) {
        const { res, bytes } = await raw(`${server.url}/rooms/${room.id}`, {
          cookie,
          "accept-encoding": offer,
        });
        assert.equal(res.headers.get("content-encoding"), want, offer);
        assert.equal(Number(res.headers.get("content-length")), bytes.byteLength);
        assert.ok(bytes.byteLength * 4 < plain.bytes.byteLength, `${want} is much smaller`);
        const text = decoded(want, bytes);
        assert.ok(text.includes("message 39") && text.includes("</html>"), "the whole page");
      }

      // JSON of some size: compressed; a small answer: not.
      const history = await raw(`${server.url}/api/rooms/${room.id}/messages?limit=40`, {
        authorization: `Bearer ${ada.token}`,
        "accept-encoding": "br",
      });
      assert.equal(history.res.headers.get("content-encoding"), "br");
      assert.equal(JSON.parse(decoded("br", history.bytes)).messages.length, 40);
      const config = await raw(`${server.url}/api/config`, { "accept-encoding": "br, gzip" });
      assert.equal(config.res.headers.get("content-encoding"), null, "under 1 KB: as it is");
      assert.ok(JSON.parse(decoded(null, config.bytes)).registration);

      // HEAD: nothing to compress.
      const head = await raw(`${server.url}/login`, { "accept-encoding": "br" }, "HEAD");
      assert.equal(head.res.headers.get("content-encoding"), null);

      // The island bundle keeps its own gzip (not compressed twice, not brotli'd).
      const script = html.match(/\/_islands\/[^"]+\.js/)![0];
      const js = await raw(server.url + script, { "accept-encoding": "br, gzip" });
      assert.equal(js.res.headers.get("content-encoding"), "gzip");
      assert.ok(decoded("gzip", js.bytes).length > 0);

      // A text file the user uploaded: its bytes as they are, and ranges of them.
      const text = "plain text file, compressible ".repeat(200);
      const file = await ada.upload("notes.txt", new TextEncoder().encode(text), {
        type: "text/plain",
      });
      await ada.send(room.id, "the notes", undefined, { files: [file.id] });
      const whole = await raw(server.url + file.url, { cookie, "accept-encoding": "br, gzip" });
      assert.equal(whole.res.status, 200);
      assert.equal(whole.res.headers.get("content-encoding"), null, "a file goes as it is");
      assert.equal(new TextDecoder().decode(whole.bytes), text);
      const part = await raw(server.url + file.url, {
        cookie,
        "accept-encoding": "br",
        range: "bytes=6-9",
      });
      assert.equal(part.res.status, 206);
      assert.equal(part.res.headers.get("content-encoding"), null);
      assert.equal(new TextDecoder().decode(part.bytes), text.slice(6, 10));

      // The service worker, compressed, still revalidates with its (now weak) tag.
      const sw = await raw(`${server.url}/sw.js`, { "accept-encoding": "br" });
      assert.equal(sw.res.headers.get("content-encoding"), "br");
      const tag = sw.res.headers.get("etag")!;
      assert.match(tag, /^W\//);
      const again = await raw(`${server.url}/sw.js`, {
        "accept-encoding": "br",
        "if-none-match": tag,
      });
      assert.equal(again.res.status, 304);

      // The WebSocket upgrade goes through the middleware untouched.
      const socket = await RecordingSocket.open(ada);
      assert.ok(socket.of("ready").length === 1);
      socket.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test("chooseEncoding: brotli first, q=0 refuses, * counts", () => {
  assert.equal(chooseEncoding("gzip, deflate, br, zstd"), "br");
  assert.equal(chooseEncoding("gzip"), "gzip");
  assert.equal(chooseEncoding("br;q=0, gzip"), "gzip");
  assert.equal(chooseEncoding("gzip;q=0.5, br;q=0.4"), "gzip");
  assert.equal(chooseEncoding("*"), "br");
  assert.equal(chooseEncoding("identity"), undefined);
  assert.equal(chooseEncoding(undefined), undefined);
});

Deno.test("etagMatches compares weakly, in lists, and takes *", () => {
  assert.ok(etagMatches('W/"abc"', '"abc"'));
  assert.ok(etagMatches('"abc"', 'W/"abc"'));
  assert.ok(etagMatches('"x", W/"abc"', '"abc"'));
  assert.ok(etagMatches("*", '"abc"'));
  assert.ok(!etagMatches('"abd"', '"abc"'));
  assert.ok(!etagMatches(undefined, '"abc"'));
});
