import assert from "node:assert/strict";
import { Hono } from "hono";
import { join } from "node:path";
import type { IslandAssets } from "./assets.ts";
import { gzip } from "./_gzip.ts";
import { IMMUTABLE, mountIslandAssets } from "./serve.ts";

async function fakeAssets(dev = false): Promise<IslandAssets> {
  const staticDir = await Deno.makeTempDir({ prefix: "islands-static-" });
  await Deno.writeTextFile(join(staticDir, "robots.txt"), "User-agent: *\n");
  await Deno.writeTextFile(join(staticDir, ".secret"), "hidden");
  const body = new TextEncoder().encode("export const x=1;".repeat(50));
  return {
    manifest: {
      version: 1,
      buildId: "build-1",
      boot: { file: "boot-AAAA.js", imports: [], signals: [] },
      islands: {},
      inputs: [],
      sourceHash: "",
    },
    files: new Map([["boot-AAAA.js", { body, gzip: await gzip(body) }]]),
    dev,
    staticDir,
    source: "memory",
    register: () => Promise.resolve(),
  };
}

function appWith(assets: IslandAssets): Hono {
  const app = new Hono();
  mountIslandAssets(app, assets);
  app.get("*", (c) => c.text("app route"));
  return app;
}

Deno.test("mountIslandAssets() serves bundles immutable, gzipped only when accepted", async () => {
  const assets = await fakeAssets();
  const app = appWith(assets);
  const zipped = await app.request("/_islands/boot-AAAA.js", {
    headers: { "accept-encoding": "gzip, br" },
  });
  assert.equal(zipped.status, 200);
  assert.equal(zipped.headers.get("cache-control"), IMMUTABLE);
  assert.equal(zipped.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(zipped.headers.get("content-encoding"), "gzip");
  assert.equal(zipped.headers.get("vary"), "accept-encoding");
  const packed = new Uint8Array(await zipped.arrayBuffer());
  assert.deepEqual(packed, assets.files.get("boot-AAAA.js")!.gzip);
  const plain = await app.request("/_islands/boot-AAAA.js");
  assert.equal(plain.headers.get("content-encoding"), null);
  assert.equal(await plain.text(), "export const x=1;".repeat(50));
  const missing = await app.request("/_islands/nope.js");
  assert.equal(missing.status, 404);
  assert.equal((await missing.json()).error.code, "not_found");
  await Deno.remove(assets.staticDir, { recursive: true });
});

Deno.test("mountIslandAssets() serves static/ with an ETag and falls through otherwise", async () => {
  const assets = await fakeAssets();
  const app = appWith(assets);
  const first = await app.request("/robots.txt");
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("content-type"), "text/plain; charset=utf-8");
  assert.equal(await first.text(), "User-agent: *\n");
  const etag = first.headers.get("etag")!;
  assert.match(etag, /^W\/"/);
  const again = await app.request("/robots.txt", { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  const head = await app.request("/robots.txt", { method: "HEAD" });
  assert.equal(head.headers.get("content-length"), "14");
  for (
    const path of [
      "/",
      "/rooms/1",
      "/.secret",
      "/%2e%2e/etc/passwd",
      "/..%2f..%2fetc%2fpasswd",
      "/%E0%A4%A",
    ]
  ) {
    const response = await app.request(path);
    assert.equal(await response.text(), "app route", path);
  }
  await Deno.remove(assets.staticDir, { recursive: true });
});

Deno.test("mountIslandAssets() adds the reload event stream only in dev", async () => {
  const prod = await fakeAssets(false);
  assert.equal(await (await appWith(prod).request("/_dev/reload")).text(), "app route");
  const dev = await fakeAssets(true);
  const response = await appWith(dev).request("/_dev/reload");
  assert.equal(response.headers.get("content-type"), "text/event-stream");
  const reader = response.body!.getReader();
  const { value } = await reader.read();
  assert.equal(new TextDecoder().decode(value), "retry: 300\nevent: build\ndata: build-1\n\n");
  await reader.cancel();
  for (const assets of [prod, dev]) await Deno.remove(assets.staticDir, { recursive: true });
});
