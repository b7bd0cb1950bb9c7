import assert from "node:assert/strict";
import { signal } from "@preact/signals";
import { loadIslands } from "./assets.ts";
import { renderPage } from "./render.ts";
import { createNonce } from "./security.ts";
import Counter from "../../islands/counter.tsx";
import { Button } from "../../components/button.tsx";

const assets = await loadIslands();
const nonce = createNonce();

function scripts(html: string): string[] {
  return [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
}

Deno.test("renderPage() without islands ships no script and still inlines the page's CSS", () => {
  const html = renderPage(
    <main class="p-4">
      <Button>Plain</Button>
    </main>,
    { assets, nonce, title: "Plain" },
  );
  assert.deepEqual(scripts(html), []);
  assert.ok(!html.includes("modulepreload"));
  assert.match(html, /^<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">/);
  assert.match(html, /<meta name="color-scheme" content="light dark">/);
  assert.match(html, /<meta name="viewport" content="width=device-width, initial-scale=1">/);
  assert.match(html, new RegExp(`<style nonce="${nonce.replace(/[+/]/g, "\\$&")}">[^<]*\\.p-4\\{`));
  assert.match(html, /\.bg-indigo-600\{/);
  assert.match(html, /@media \(prefers-color-scheme:dark\)\{\.dark\\:bg-gray-900\{/);
});

Deno.test("renderPage() marks an island, serializes its props once and boots it", () => {
  const count = signal(2);
  const html = renderPage(
    <main>
      <Counter count={count} label="First" />
      <Counter count={count} label="Second" />
    </main>,
    { assets, nonce, title: "Islands" },
  );
  assert.equal(html.match(/<island-root data-island="counter" data-props="\d">/g)?.length, 2);
  assert.match(html, /<island-root data-island="counter" data-props="0"><div class="flex/);
  const props = /<script type="application\/json" id="__islands" nonce="[^"]+">([^<]*)<\/script>/
    .exec(html)?.[1];
  assert.equal(
    props,
    '[{"count":{"_f":"s","v":2},"label":"First"},{"count":{"_f":"r","p":[0,"count"]},"label":"Second"}]',
  );
  const modules = scripts(html).filter((tag) => tag.includes('type="module"'));
  assert.equal(modules.length, 1);
  assert.ok(modules[0].includes(`nonce="${nonce}"`));
  const { boot, islands } = assets.manifest;
  assert.ok(html.includes(`import{boot}from"/_islands/${boot.file}"`));
  assert.ok(html.includes(`import i0 from"/_islands/${islands.counter.file}"`));
  assert.ok(html.includes(`boot({"counter":i0},{signals:true})`));
  assert.ok(html.includes(`<link rel="modulepreload" href="/_islands/${boot.file}">`));
  for (const file of boot.signals) assert.ok(html.includes(`href="/_islands/${file}"`));
});

Deno.test("renderPage() includes CSS for classes an island only renders after hydration", () => {
  // count < 3 renders without the amber class; the build found it in the source.
  const html = renderPage(<Counter count={signal(0)} />, { assets, nonce, title: "t" });
  assert.ok(!/class="[^"]*text-amber-600/.test(html));
  assert.match(html, /\.text-amber-600\{/);
});

Deno.test("renderPage() escapes the title and props so they cannot break out", () => {
  const evil = "</script><script>alert(1)</script>";
  const html = renderPage(<Counter count={signal(1)} label={evil} />, {
    assets,
    nonce,
    title: evil,
  });
  assert.equal(html.split("<script").length - 1, 2, "only the props and boot scripts");
  assert.match(html, /<title>&#60;\/script&#62;/);
});

Deno.test("renderPage() names the island whose props cannot be serialized", () => {
  const bad = { count: signal(1), label: (() => "x") as unknown as string };
  assert.throws(
    () => renderPage(<Counter {...bad} />, { assets, nonce, title: "t" }),
    /Island "counter" has props that cannot be sent: at root\[0\]\.label/,
  );
});

Deno.test("renderPage() adds the reload script only in dev", async () => {
  const dev = { ...assets, dev: true };
  const html = renderPage(<p>hi</p>, { assets: dev, nonce, title: "t" });
  assert.equal(scripts(html).length, 1);
  assert.match(html, /new EventSource\("\/_dev\/reload"\)/);
  assert.equal(
    (await Promise.resolve(renderPage(<p>hi</p>, { assets, nonce, title: "t" })))
      .includes("EventSource"),
    false,
  );
});
