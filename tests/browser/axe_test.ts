/**
 * Accessibility checks with axe-core (npm `axe-core`) in Chromium against the real
 * server (tests/_server.ts): every page of the app, signed out and in, a room with
 * all it can show (messages, a reply, a file, a thread summary, the member list),
 * a direct conversation, the dialogs and sheets opened (room settings, keyboard
 * shortcuts, the quick switcher) and a room in dark mode. A violation of impact
 * "serious" or "critical" fails the test, with its rule, impact and the selectors
 * of the nodes it was found on; lesser ones are printed.
 *
 * axe's source is run in the page over the DevTools protocol (`page.evaluate`),
 * which the page's Content-Security-Policy does not govern: the pages are checked
 * as served, CSP and all (and `assertClean` still sees any violation).
 */

import assert from "node:assert/strict";
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import { registered } from "../_clients.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, row, signedIn as signedInAs } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);
const FAILING: ReadonlySet<string | null | undefined> = new Set(["serious", "critical"]);

interface Found {
  id: string;
  impact?: string | null;
  help: string;
  targets: string[];
}

/** Runs axe on the page as it is now; answers its violations. */
async function audit(page: Page): Promise<Found[]> {
  if (!await page.evaluate(() => "axe" in globalThis)) await page.evaluate(axe.source);
  return await page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: typeof axe }).axe.run;
    const results = await run(document, { resultTypes: ["violations"] });
    return results.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      // Where, and what was wrong there ("insufficient color contrast of 3.97 …").
      targets: v.nodes.map((node) =>
        `${node.target.join(" ")}${node.any[0] ? `: ${node.any[0].message}` : ""}`
      ),
    }));
  });
}

function describe(found: Found[]): string {
  return found.map((v) => `  ${v.id} (${v.impact}): ${v.help}\n    ${v.targets.join("\n    ")}`)
    .join("\n");
}

/** No serious or critical violation on the page as it is now (lesser ones are printed). */
async function assertAccessible(watched: WatchedPage, what: string): Promise<void> {
  const found = await audit(watched.page);
  const failing = found.filter((v) => FAILING.has(v.impact));
  const minor = found.filter((v) => !FAILING.has(v.impact));
  if (minor.length) console.log(`axe, lesser findings on ${what}:\n${describe(minor)}`);
  assert.equal(failing.length, 0, `axe on ${what}:\n${describe(failing)}`);
  assertClean(watched, what);
}

function signedIn(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  colorScheme: "light" | "dark" = "light",
): Promise<WatchedPage> {
  return signedInAs(browser, url, username, PASSWORD, path, { colorScheme });
}

Deno.test({
  name: "axe finds no serious or critical violation on any page, dialog or sheet",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer({ env: { SEND_RATE_BURST: "200" } });
    const url = server.url;
    const browser = await launchChromium();
    // The first to register is the server's admin.
    const ada = `ada_${suffix}`;
    const bob = `bob_${suffix}`;
    const apis = await registered(url, [ada, bob], PASSWORD);
    const general = await apis[ada].createRoom(`general-${suffix}`, { topic: "Everything" });
    await apis[ada].createRoom(`lobby-${suffix}`);
    await apis[bob].join(general.id);
    const root = await apis[ada].send(general.id, "Plan for Friday? Search for picnic");
    await apis[bob].send(general.id, "Sounds good", undefined, { threadRoot: root.seq });
    await apis[bob].send(general.id, "Bring snacks", undefined, { replyTo: root.seq });
    const file = await apis[bob].upload("notes.txt", new TextEncoder().encode("picnic list"), {
      type: "text/plain",
    });
    await apis[bob].send(general.id, "The list", undefined, { files: [file.id] });
    await apis[bob].send(general.id, `@${ada} are you in?`);
    const direct = await apis[bob].dm(ada);
    await apis[bob].send(direct.id, "Hi Ada");
    const roomPath = `/rooms/${general.id}`;

    const pages: WatchedPage[] = [];
    // Each step loads its own page: one that fails does not stop the others.
    const step = async (name: string, fn: () => Promise<void>) => void await t.step(name, fn);
    try {
      await step("signed out: login and register", async () => {
        const watched = await openPage(browser);
        pages.push(watched);
        await watched.page.goto(`${url}/login`);
        await assertAccessible(watched, "/login");
        await watched.page.goto(`${url}/register`);
        await assertAccessible(watched, "/register");
      });

      const a = await signedIn(browser, url, ada, "/");
      pages.push(a);
      const { page } = a;

      await step("the home page, directory, threads, search, settings, admin", async () => {
        for (const path of ["/", "/directory", "/threads", "/search?q=picnic", "/settings"]) {
          await page.goto(`${url}${path}`);
          await page.waitForSelector("html[data-hydrated]");
          await assertAccessible(a, path);
        }
        await page.goto(`${url}/admin`);
        await page.getByRole("heading", { name: /Admin/i }).first().waitFor();
        await assertAccessible(a, "/admin");
      });

      await step("a room with a reply, a file, a thread and members", async () => {
        await page.goto(`${url}${roomPath}`);
        await live(page);
        await row(page, "The list").waitFor();
        await page.locator(`#m-${root.seq} a[data-thread="${root.seq}"]`).waitFor();
        await page.locator("#members").waitFor();
        await assertAccessible(a, "a room");
      });

      await step("a message's actions, the reaction picker, a thread", async () => {
        const message = row(page, "Bring snacks");
        await message.focus();
        await message.locator("[data-actions]").waitFor();
        await assertAccessible(a, "a room, a message's actions shown");
        await message.getByRole("button", { name: "React" }).click();
        await page.getByRole("dialog", { name: "Add a reaction" }).waitFor();
        await assertAccessible(a, "the reaction picker");
        await page.keyboard.press("Escape");
        await page.locator(`#m-${root.seq} a[data-thread="${root.seq}"]`).click();
        await page.getByRole("complementary", { name: /^Thread/ })
          .locator("li[data-seq]", { hasText: "Sounds good" }).waitFor();
        await assertAccessible(a, "a thread open");
      });

      await step("a direct conversation", async () => {
        await page.goto(`${url}/rooms/${direct.id}`);
        await live(page);
        await row(page, "Hi Ada").waitFor();
        await assertAccessible(a, "a direct conversation");
      });

      await step("the room menu and the room settings dialog", async () => {
        await page.goto(`${url}${roomPath}`);
        await live(page);
        await page.locator("summary", { hasText: "Room menu" }).click();
        await page.locator("[data-room-settings]").waitFor();
        await assertAccessible(a, "the room menu open");
        await page.locator("[data-room-settings]").click();
        await page.getByRole("dialog", { name: /^Settings of #/ }).waitFor();
        await assertAccessible(a, "the room settings dialog");
        await page.keyboard.press("Escape");
      });

      await step("the keyboard shortcuts sheet", async () => {
        await page.goto(`${url}${roomPath}`);
        await live(page);
        await page.locator("body").press("?");
        await page.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
        await assertAccessible(a, "the shortcuts sheet");
      });

      await step("the quick switcher", async () => {
        await page.goto(`${url}${roomPath}`);
        await live(page);
        await page.keyboard.press("Control+k");
        await page.getByRole("combobox", { name: /Jump to/ }).waitFor();
        await assertAccessible(a, "the quick switcher");
      });

      await step("a room in dark mode", async () => {
        const dark = await signedIn(browser, url, ada, roomPath, "dark");
        pages.push(dark);
        await live(dark.page);
        await row(dark.page, "The list").waitFor();
        await assertAccessible(dark, "a room, dark");
        await dark.page.goto(`${url}/directory`);
        await assertAccessible(dark, "/directory, dark");
      });
    } finally {
      for (const watched of pages) await watched.close().catch(() => {});
      await browser.close();
      await server.stop();
    }
  },
});
