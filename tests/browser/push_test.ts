/**
 * Web Push in Chromium against the real server: /sw.js is served as a service
 * worker script, registers at scope "/", and turns a push (delivered through the
 * DevTools protocol, as the push service would) into the notification the user
 * sees: title, body, one per room. Also the page-side helpers of islands/_push.ts.
 */

import assert from "node:assert/strict";
import * as esbuild from "esbuild";
import type { Page, Worker } from "playwright-core";
import { startServer } from "../_server.ts";
import { launchChromium, openPage } from "./_chromium.ts";
import { assertClean } from "./_pages.ts";

interface Shown {
  title: string;
  body: string;
  tag: string;
  data: { url: string; roomId: string; seq: number };
}

/** The notifications the browser shows now. */
function shown(page: Page): Promise<Shown[]> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return (await registration.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data,
    }));
  });
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  while (true) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** islands/_push.ts as a script a page can run (its exports on `globalThis.chatPush`). */
async function pushHelpers(): Promise<string> {
  const built = await esbuild.build({
    entryPoints: [new URL("../../islands/_push.ts", import.meta.url).pathname],
    bundle: true,
    format: "iife",
    globalName: "chatPush",
    write: false,
    logLevel: "silent",
  });
  return built.outputFiles[0].text;
}

Deno.test({
  name: "in Chromium: /sw.js shows a push as a notification, one per room",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchChromium();
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      await t.step("GET /sw.js is a root-scoped, revalidated script", async () => {
        const res = await fetch(`${server.url}/sw.js`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-type")!, /^text\/javascript/);
        assert.equal(res.headers.get("service-worker-allowed"), "/");
        assert.equal(res.headers.get("cache-control"), "no-cache");
        assert.match(await res.text(), /addEventListener\("push"/);
        const etag = res.headers.get("etag")!;
        const again = await fetch(`${server.url}/sw.js`, { headers: { "if-none-match": etag } });
        assert.equal(again.status, 304);
        await again.body?.cancel();
      });

      await page.context().grantPermissions(["notifications"], { origin: server.url });
      await page.goto(`${server.url}/login`);
      const helpers = await pushHelpers();

      await t.step("islands/_push.ts: supported here, not enabled yet", async () => {
        const state = await page.evaluate(async (code) => {
          (0, eval)(code);
          const push = (globalThis as unknown as {
            chatPush: typeof import("../../islands/_push.ts");
          }).chatPush;
          return { supported: push.pushSupported(), state: await push.pushState() };
        }, helpers);
        assert.deepEqual(state, { supported: true, state: "disabled" });
      });

      const cdp = await page.context().newCDPSession(page);
      const registrations = new Map<string, string>();
      cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations: list }) => {
        for (const r of list) if (!r.isDeleted) registrations.set(r.scopeURL, r.registrationId);
      });
      await cdp.send("ServiceWorker.enable");
      const workerLog: string[] = [];
      page.context().on("console", (m) => workerLog.push(`${m.type()} ${m.text()}`));

      let worker!: Worker;
      await t.step("the worker registers at scope / and activates", async () => {
        const scope = await page.evaluate(async () => {
          await navigator.serviceWorker.register("/sw.js", { scope: "/" });
          const ready = await navigator.serviceWorker.ready;
          return ready.scope;
        });
        assert.equal(scope, `${server.url}/`);
        await until(() => Promise.resolve(registrations.get(scope)), Boolean);
        assert.ok(registrations.get(scope), "DevTools knows the registration");
        worker = page.context().serviceWorkers()[0] ??
          await page.context().waitForEvent("serviceworker");
        assert.equal(worker.url(), `${server.url}/sw.js`);
        // Records each notification once the browser has shown it. Polling
        // getNotifications() instead races Chromium: a read while a notification
        // is still being displayed can drop it (seen in about one run in three).
        await worker.evaluate(() => {
          const scope = self as unknown as {
            registration: ServiceWorkerRegistration;
            shown: Shown[];
          };
          const registration = scope.registration;
          const show = registration.showNotification.bind(registration);
          scope.shown = [];
          registration.showNotification = async (
            title: string,
            options: NotificationOptions = {},
          ) => {
            await show(title, options);
            const { body = "", tag = "", data } = options;
            scope.shown.push({ title, body, tag, data });
          };
        });
      });

      const push = async (data: unknown): Promise<Shown> => {
        const before = await worker.evaluate(() => (self as unknown as { shown: Shown[] }).shown);
        await cdp.send("ServiceWorker.deliverPushMessage", {
          origin: server.url,
          registrationId: registrations.get(`${server.url}/`)!,
          data: typeof data === "string" ? data : JSON.stringify(data),
        });
        const after = await until(
          () => worker.evaluate(() => (self as unknown as { shown: Shown[] }).shown),
          (list) => list.length > before.length,
        );
        assert.equal(after.length, before.length + 1, "one notification per push");
        return after.at(-1)!;
      };
      const mention = {
        roomId: "room_general",
        roomName: "general",
        seq: 7,
        reason: "mention",
        from: "alice",
        url: "/rooms/room_general#m7",
      };

      await t.step("a mention without preview: who, where, and why", async () => {
        assert.deepEqual(await push(mention), {
          title: "alice in #general",
          body: "mentioned you",
          tag: "room_general",
          data: { url: `${server.url}/rooms/room_general#m7`, roomId: "room_general", seq: 7 },
        });
      });

      await t.step("the text is the body when the push has one", async () => {
        const shown = await push({ ...mention, seq: 8, reason: "thread", text: "shipped it 🚀" });
        assert.equal(shown.title, "alice in #general");
        assert.equal(shown.body, "shipped it 🚀");
        assert.equal(shown.tag, "room_general");
      });

      await t.step("a direct message is titled by its sender", async () => {
        const shown = await push({
          ...mention,
          roomId: "room_dm",
          roomName: "alice",
          reason: "direct",
          url: "https://evil.example/phish",
        });
        assert.equal(shown.title, "alice");
        assert.equal(shown.body, "sent you a message");
        assert.equal(shown.tag, "room_dm");
        assert.equal(shown.data.url, `${server.url}/`, "never a link to another origin");
      });

      await t.step("a push it cannot read still shows something (userVisibleOnly)", async () => {
        const shown = await push("not json {");
        assert.equal(shown.title, "New activity");
      });

      await t.step("one notification per room: the newer replaced the older", async () => {
        const list = await shown(page);
        assert.deepEqual(list.map((n) => [n.tag, n.data.seq ?? null]).sort(), [
          ["chat", null],
          ["room_dm", 7],
          ["room_general", 8],
        ]);
      });

      assertClean(watched, "the login page with the worker");
      assert.deepEqual(workerLog.filter((line) => line.startsWith("error")), []);
    } finally {
      await esbuild.stop();
      await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});
