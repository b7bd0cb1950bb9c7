/**
 * The islands layer in a real browser: a tiny Hono app (not the chat server)
 * renders pages with and without the demo island; Chromium checks hydration,
 * CSP and styling.
 */

import assert from "node:assert/strict";
import { Hono } from "hono";
import { signal } from "@preact/signals";
import { h } from "preact";
import { loadIslands } from "../../lib/islands/assets.ts";
import { renderPage } from "../../lib/islands/render.ts";
import { type SecurityEnv, securityHeaders } from "../../lib/islands/security.ts";
import { IMMUTABLE, mountIslandAssets } from "../../lib/islands/serve.ts";
import { Card } from "../../components/card.tsx";
import { Avatar } from "../../components/avatar.tsx";
import Counter from "../../islands/counter.tsx";
import { waitFor } from "../_clients.ts";
import { launchChromium, openPage } from "./_chromium.ts";

async function startApp() {
  const assets = await loadIslands();
  const app = new Hono<SecurityEnv>();
  app.use("*", securityHeaders());
  mountIslandAssets(app, assets);
  app.get("/", (c) => {
    const count = signal(1);
    const body = h("main", { class: "mx-auto max-w-md p-8" }, [
      h(Card, { title: "Two islands, one signal" }, [
        h(Counter, { count, label: "First" }),
        h("div", { class: "h-4" }),
        h(Counter, { count, label: "Second" }),
      ]),
    ]);
    return c.html(renderPage(body, { assets, nonce: c.get("nonce"), title: "Islands" }));
  });
  app.get("/plain", (c) => {
    const body = h(
      "main",
      { class: "p-8" },
      h(Card, { title: "No islands" }, h(Avatar, { username: "ada" })),
    );
    return c.html(renderPage(body, { assets, nonce: c.get("nonce"), title: "Plain" }));
  });
  // A page that breaks the CSP, to prove the helper notices violations.
  app.get(
    "/violation",
    (c) => c.html("<!DOCTYPE html><p>x</p><script>document.title = 'ran'</script>"),
  );
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, app.fetch);
  return { server, url: `http://127.0.0.1:${server.addr.port}`, assets };
}

Deno.test({
  name: "islands hydrate in Chromium under a strict CSP, and plain pages ship no JavaScript",
  // playwright keeps its pipe to the browser open between steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const { server, url, assets } = await startApp();
    const browser = await launchChromium();
    try {
      await t.step("a click on one counter updates both (hydrated, signal shared)", async () => {
        const watched = await openPage(browser);
        const response = await watched.page.goto(url);
        const csp = response?.headers()["content-security-policy"] ?? "";
        assert.match(csp, /script-src 'self' 'nonce-[A-Za-z0-9+/=]{24}'/);
        assert.ok(!csp.includes("unsafe-inline"));
        await watched.page.waitForSelector("html[data-hydrated]");
        const counts = watched.page.getByTestId("count");
        assert.deepEqual(await counts.allTextContents(), ["1", "1"]);
        await watched.page.getByRole("button", { name: "Increase" }).first().click();
        await watched.page.getByRole("button", { name: "Increase" }).last().click();
        assert.deepEqual(await counts.allTextContents(), ["3", "3"]);
        // text-amber-600 is only rendered in the browser; its CSS came from the build.
        const colour = await counts.first().evaluate((el) => getComputedStyle(el).color);
        assert.equal(colour, "rgb(217, 119, 6)");
        await watched.screenshot("islands-light");
        assert.deepEqual(watched.cspViolations, []);
        assert.deepEqual(watched.failedRequests, []);
        assert.deepEqual(watched.consoleErrors, []);
        assert.deepEqual(watched.pageErrors, []);
        await watched.close();
      });

      await t.step("dark mode follows prefers-color-scheme", async () => {
        const watched = await openPage(browser, { colorScheme: "dark" });
        await watched.page.goto(url);
        await watched.page.waitForSelector("html[data-hydrated]");
        const background = await watched.page.evaluate(() =>
          getComputedStyle(document.body).backgroundColor
        );
        assert.equal(background, "rgb(17, 24, 39)");
        await watched.screenshot("islands-dark");
        assert.deepEqual(watched.cspViolations, []);
        assert.deepEqual(watched.consoleErrors, []);
        await watched.close();
      });

      await t.step("a page without islands has no script at all", async () => {
        const html = await (await fetch(`${url}/plain`)).text();
        assert.ok(!html.includes("<script"), "no script in the HTML");
        assert.ok(!html.includes("modulepreload"));
        const watched = await openPage(browser);
        await watched.page.goto(`${url}/plain`);
        assert.equal(await watched.page.evaluate(() => document.scripts.length), 0);
        assert.equal(
          await watched.page.getByText("A", { exact: true }).count(),
          1,
          "avatar initials",
        );
        assert.deepEqual(watched.cspViolations, []);
        assert.deepEqual(watched.consoleErrors, []);
        await watched.close();
      });

      await t.step("bundles are served immutable and gzipped", async () => {
        const file = assets.manifest.islands.counter.file;
        const response = await fetch(`${url}/_islands/${file}`, {
          headers: { "accept-encoding": "gzip" },
        });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get("cache-control"), IMMUTABLE);
        assert.equal(response.headers.get("content-encoding"), "gzip");
        assert.match(response.headers.get("content-type") ?? "", /^text\/javascript/);
        assert.ok((await response.text()).length > 0);
      });

      await t.step(
        "the helper reports CSP violations (an inline script without nonce)",
        async () => {
          const watched = await openPage(browser);
          await watched.page.goto(`${url}/violation`);
          // The report comes through a binding, after the page's own event: wait for it.
          await waitFor("the violation reported", () => watched.cspViolations.length > 0);
          assert.notEqual(await watched.page.title(), "ran");
          assert.ok(watched.cspViolations.some((v) => v.startsWith("script-src-elem inline")));
          await watched.close();
        },
      );
    } finally {
      await browser.close();
      await server.shutdown();
    }
  },
});
