/**
 * Offline, in Chromium against the real server: the service worker (/sw.js,
 * registered by every page with islands) keeps copies of the pages I opened. With
 * the network gone (`context.setOffline`), a page I opened shows as it was under a
 * banner that says so, its scripts from the worker's cache; one I never opened
 * gets the offline page; back online the live page returns. Logging out clears
 * the copies (they are mine). The app is installable: a manifest with PNG icons.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { newUser, waitFor } from "../_clients.ts";
import { startServer } from "../_server.ts";
import { launchChromium, openPage } from "./_chromium.ts";
import { assertClean, live, logIn, rows } from "./_pages.ts";

const PASSWORD = "correct horse battery";

/** Waits until the service worker controls the page (it claims open pages). */
async function controlled(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null, undefined, {
    timeout: 15_000,
  });
}

Deno.test({
  name:
    "in Chromium: offline, pages I opened show as they were under a banner; logging out clears them",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await launchChromium();
    try {
      const ada = await newUser(server.url, "ada");
      const me = await ada.me();
      const room = await ada.createRoom(`offline-${crypto.randomUUID().slice(0, 6)}`);
      for (const text of ["first words", "second words", "third words"]) {
        await ada.send(room.id, text);
      }
      const watched = await openPage(browser);
      const { page } = watched;
      await logIn(page, server.url, me.username, PASSWORD, `/rooms/${room.id}`);
      await live(page);
      await controlled(page);
      // Installed, the worker holds every file of the bundle, the lazily loaded ones
      // too: offline, a page may need one it never loaded online.
      const script = await (await fetch(`${server.url}/sw.js`)).text();
      const bundle: string[] = JSON.parse(/^const BUNDLE = (\[.*\]);$/m.exec(script)![1]);
      assert.ok(bundle.length > 3 && bundle.every((path) => path.startsWith("/_islands/")));
      const cached = await page.evaluate(async () => {
        const keys = await (await caches.open("static-v1")).keys();
        return keys.map((request) => new URL(request.url).pathname);
      });
      assert.deepEqual(bundle.filter((path) => !cached.includes(path)), [], "bundle files cached");
      // The worker keeps the copy from the next load (it controls the page now).
      await page.reload();
      await live(page);
      assert.equal(await rows(page).count(), 3);
      assert.equal(await page.locator("#offline-copy").count(), 0, "no banner while online");

      await page.context().setOffline(true);
      await page.reload();
      await page.waitForSelector("#offline-copy");
      assert.match(await page.locator("#offline-copy").innerText(), /You are offline/);
      assert.equal(await page.locator("html[data-offline-copy]").count(), 1);
      assert.equal(await rows(page).count(), 3, "the messages as they were");
      assert.ok(await page.getByText("third words").isVisible());
      // Its scripts came from the worker's cache: the islands hydrate.
      await page.waitForSelector("html[data-hydrated]");
      await watched.screenshot("offline-copy");

      // A page never opened: the offline page, not an error.
      await page.goto(`${server.url}/threads`);
      assert.match(await page.locator("h1").innerText(), /You are offline/);

      // Back online: the live page, and a message sent meanwhile is there.
      await ada.send(room.id, "while you were away");
      await page.context().setOffline(false);
      await page.goto(`${server.url}/rooms/${room.id}`);
      await live(page);
      assert.equal(await page.locator("#offline-copy").count(), 0);
      assert.ok(await page.getByText("while you were away").isVisible());

      // Logging out drops the copies: offline, the room is no longer there to see.
      await page.evaluate(async () => {
        const form = document.createElement("form");
        form.method = "post";
        form.action = "/logout";
        document.body.append(form);
        form.submit();
        await new Promise(() => {});
      }).catch(() => {});
      // The socket's 4001 (session ended) can send the page to /login too, aborting the
      // form's own way there (waitForURL would fail on that): wait for where it ends up.
      await waitFor("the login page", () => /\/login/.test(page.url()));
      await page.waitForLoadState("load");
      await page.context().setOffline(true);
      await page.goto(`${server.url}/rooms/${room.id}`);
      assert.match(await page.locator("h1").innerText(), /You are offline/);
      assert.equal(await page.getByText("third words").count(), 0, "no copy after logging out");
      await page.context().setOffline(false);
      assertClean(watched, "the offline pages", (errors) =>
        // Loads that fail while offline are the browser's own console errors.
        errors.filter((e) =>
          !/ERR_INTERNET_DISCONNECTED|Failed to load resource|WebSocket/.test(e)
        ));
      await watched.close();
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "in Chromium: installable: a manifest with PNG icons, linked from every page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const login = await (await fetch(`${server.url}/login`)).text();
      assert.match(login, /<link rel="manifest" href="\/manifest.webmanifest">/);
      assert.match(login, /<meta name="theme-color" content="#[0-9a-f]{6}">/);
      const res = await fetch(`${server.url}/manifest.webmanifest`);
      assert.equal(res.headers.get("content-type"), "application/manifest+json");
      const manifest = await res.json();
      assert.equal(manifest.display, "standalone");
      assert.equal(manifest.start_url, "/");
      const sizes = new Set<string>();
      for (const icon of manifest.icons) {
        const file = await fetch(new URL(icon.src, server.url));
        assert.equal(file.status, 200, icon.src);
        assert.equal(file.headers.get("content-type"), icon.type);
        const bytes = new Uint8Array(await file.arrayBuffer());
        if (icon.type === "image/png") {
          // The PNG's own header says its size.
          const view = new DataView(bytes.buffer);
          sizes.add(`${view.getUint32(16)}x${view.getUint32(20)}`);
          assert.ok(icon.sizes.split(" ").includes(`${view.getUint32(16)}x${view.getUint32(20)}`));
        }
      }
      assert.ok(sizes.has("192x192") && sizes.has("512x512"), "the sizes installs need");
      assert.ok(manifest.icons.some((i: { purpose?: string }) => i.purpose === "maskable"));
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "the service worker script names every file of the island bundle, each one served",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    try {
      const res = await fetch(`${server.url}/sw.js`);
      assert.equal(res.headers.get("cache-control"), "no-cache");
      const script = await res.text();
      const bundle: string[] = JSON.parse(/^const BUNDLE = (\[.*\]);$/m.exec(script)![1]);
      assert.deepEqual(
        bundle,
        [...bundle].sort(),
        "in a stable order: the same build, the same bytes",
      );
      // The boot script, the islands and their chunks.
      assert.ok(bundle.some((path) => /^\/_islands\/boot-[\w]+\.js$/.test(path)), "boot");
      assert.ok(bundle.some((path) => /^\/_islands\/island_chat_room-[\w]+\.js$/.test(path)));
      assert.ok(bundle.some((path) => /^\/_islands\/chunk-[\w]+\.js$/.test(path)), "chunks");
      for (const path of bundle) {
        const file = await fetch(new URL(path, server.url));
        assert.equal(file.status, 200, path);
        await file.body?.cancel();
      }
      // Unchanged, it revalidates to a 304.
      const again = await fetch(`${server.url}/sw.js`, {
        headers: { "if-none-match": res.headers.get("etag")! },
      });
      assert.equal(again.status, 304);
    } finally {
      await server.stop();
    }
  },
});
