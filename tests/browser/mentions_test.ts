/**
 * Mentions and notifications in the web app, in Chromium against the real server
 * (tests/_server.ts): the `@` autocomplete by keyboard and mouse (a listbox with
 * `aria-activedescendant`; `@here`/`@room` only for the room's owner), a mention
 * counted live in the other person's room list (a red count apart from the unread
 * dot, the tab's title and icon) and cleared when they open the room, the mention
 * highlighted there, muting and the notification level from the room menu, the
 * "Enable notifications" control (no permission asked on load), and a desktop
 * notification while the tab is hidden (its title, text and tag, and a click that
 * opens the room at the message). Screenshots go to test-artifacts/mentions-*.png.
 *
 * Headless Chromium keeps every page visible (another tab in front, CDP focus
 * emulation and lifecycle states change nothing), so a hidden tab is an init
 * script that answers `document.visibilityState` as the test says; another wraps
 * `window.Notification` to record what is shown while still calling the real one.
 */

import assert from "node:assert/strict";
import type { Browser, Locator, Page } from "playwright-core";
import { registered } from "../_clients.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn, row } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);

function composer(page: Page): Locator {
  return page.getByRole("textbox", { name: /^Message #/ });
}

function roomLink(page: Page, roomId: string): Locator {
  return page.locator(`nav a[data-room="${roomId}"]`);
}

/** What `pageHooks` adds to the page's global scope. */
interface Hooks {
  __setHidden(hidden: boolean): void;
  __notifications: Array<{ title: string; body?: string; tag?: string }>;
  __permissionRequests: number;
  __lastNotification: Notification;
}

/** Records notifications and permission requests; `__setHidden(true)` hides the tab. */
function pageHooks() {
  const state = { hidden: false };
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true,
    get: () => state.hidden ? "hidden" : "visible",
  });
  Object.defineProperty(Document.prototype, "hidden", {
    configurable: true,
    get: () => state.hidden,
  });
  const record = globalThis as unknown as Record<string, unknown>;
  record.__setHidden = (hidden: boolean) => {
    state.hidden = hidden;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  const shown: Array<{ title: string; body?: string; tag?: string }> = [];
  record.__notifications = shown;
  record.__permissionRequests = 0;
  const Real = globalThis.Notification;
  if (!Real) return;
  class Recorded extends Real {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      shown.push({ title, body: options?.body, tag: options?.tag });
      record.__lastNotification = this;
    }
    static override get permission() {
      return Real.permission;
    }
    static override requestPermission() {
      record.__permissionRequests = (record.__permissionRequests as number) + 1;
      return Real.requestPermission();
    }
  }
  globalThis.Notification = Recorded as typeof Notification;
}

async function signedIn(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  options: { notifications?: boolean } = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser);
  const { page } = watched;
  page.setDefaultTimeout(10_000);
  if (options.notifications) {
    await page.context().grantPermissions(["notifications"], { origin: url });
  }
  await page.addInitScript(pageHooks);
  await logIn(page, url, username, PASSWORD, path);
  await live(page);
  return watched;
}

Deno.test({
  name: "mentions in the web app: autocomplete, live counts, highlight, settings, notifications",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer({ env: { SEND_RATE_BURST: "200" } });
    const url = server.url;
    const browser = await launchChromium();
    const alice = `alice_${suffix}`;
    const bob = `bob_${suffix}`;
    const carl = `carl_${suffix}`;
    const apis = await registered(url, [alice, bob, carl], PASSWORD);
    const general = await apis[alice].createRoom(`general-${suffix}`);
    const lobby = await apis[alice].createRoom(`lobby-${suffix}`);
    for (const name of [bob, carl]) {
      await apis[name].join(general.id);
      await apis[name].join(lobby.id);
    }
    const generalPath = `/rooms/${general.id}`;
    const lobbyPath = `/rooms/${lobby.id}`;

    const a = await signedIn(browser, url, alice, generalPath);
    const b = await signedIn(browser, url, bob, lobbyPath, { notifications: true });
    const pages: WatchedPage[] = [a, b];
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };

    try {
      await step("@ offers the members by keyboard: ↓ and Enter pick one", async () => {
        const { page } = b;
        // No permission is asked for on its own, only from the control.
        assert.equal(
          await page.evaluate(() => (globalThis as unknown as Hooks).__permissionRequests),
          0,
        );
        const field = composer(page);
        await field.click();
        await page.keyboard.type("hi @al");
        const list = page.getByRole("listbox", { name: "Mention someone" });
        await list.waitFor();
        const options = list.getByRole("option");
        assert.deepEqual(await options.evaluateAll((els) => els.map((e) => e.dataset.username)), [
          alice,
        ]);
        assert.equal(await field.getAttribute("aria-autocomplete"), "list");
        assert.equal(await field.getAttribute("aria-controls"), await list.getAttribute("id"));
        const current = await field.getAttribute("aria-activedescendant");
        assert.equal(await options.first().getAttribute("id"), current);
        assert.equal(await options.first().getAttribute("aria-selected"), "true");
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("Enter");
        await list.waitFor({ state: "detached" });
        assert.equal(await field.inputValue(), `hi @${alice} `);
        assert.equal(await field.getAttribute("aria-activedescendant"), null);
        // Escape closes the list and keeps the text; the members are not the owner's
        // @here and @room.
        await page.keyboard.type("and @");
        await list.waitFor();
        assert.deepEqual(await options.evaluateAll((els) => els.map((e) => e.dataset.username)), [
          alice,
          carl,
        ]);
        await page.keyboard.press("Escape");
        await list.waitFor({ state: "detached" });
        assert.equal(await field.inputValue(), `hi @${alice} and @`);
        // The mouse picks too.
        await page.keyboard.type("c");
        await list.getByRole("option", { name: new RegExp(carl) }).click();
        assert.equal(await field.inputValue(), `hi @${alice} and @${carl} `);
        await field.fill("");
      });

      await step("the room's owner is also offered @here and @room", async () => {
        const { page } = a;
        await composer(page).click();
        await page.keyboard.type("@");
        const list = page.getByRole("listbox", { name: "Mention someone" });
        await list.waitFor();
        const names = await list.getByRole("option").evaluateAll((els) =>
          els.map((e) => e.dataset.username)
        );
        // Online first (bob is here), then alphabetical; never myself.
        assert.deepEqual(names, [bob, carl, "here", "room"]);
        await a.screenshot("mentions-autocomplete");
        await page.keyboard.press("Escape");
        await composer(page).fill("");
      });

      let mentionSeq = 0;
      await step("a mention counts live in bob's room list, with the title and icon", async () => {
        const link = roomLink(b.page, general.id);
        assert.equal(await link.getByLabel(/unread/).count(), 0);
        await composer(a.page).fill(`@${bob} can you look at this?`);
        await composer(a.page).press("Enter");
        await row(a.page, `@${bob} can you look at this?`).waitFor();
        const badge = link.getByLabel("1 unread mention", { exact: true });
        await badge.waitFor();
        assert.match((await badge.getAttribute("class"))!, /bg-red-600/);
        await b.page.waitForFunction(() => document.title.startsWith("(1) "));
        assert.equal(
          await b.page.locator('link[rel="icon"]').getAttribute("href"),
          "/favicon-mention.svg",
        );
        // A message that does not mention him is an unread dot, not a count.
        await composer(a.page).fill("and everyone else too");
        await composer(a.page).press("Enter");
        const other = roomLink(b.page, lobby.id);
        assert.equal(await other.getByLabel(/unread/).count(), 0, "the room he is in");
        await apis[carl].send(lobby.id, "lobby news");
        // He is reading the lobby: it stays read. Carl's message elsewhere is a dot.
        await apis[carl].send(general.id, "a plain line from carl");
        await b.page.waitForTimeout(300);
        assert.equal(await link.getByLabel("1 unread mention", { exact: true }).count(), 1);
        await b.screenshot("mentions-sidebar-badge");
        mentionSeq = (await apis[alice].messages(general.id)).messages
          .find((m) => m.text.startsWith(`@${bob}`))!.seq;
      });

      await step("opening the room clears the count; the mention is highlighted", async () => {
        const { page } = b;
        await roomLink(page, general.id).click();
        await page.waitForURL(`${url}${generalPath}`);
        await live(page);
        const mention = row(page, `@${bob} can you look at this?`);
        await mention.waitFor();
        assert.equal(await mention.getAttribute("data-seq"), String(mentionSeq));
        assert.equal(await mention.getAttribute("data-mentions-me"), "");
        const chip = mention.locator(`[data-mention="${bob.toLowerCase()}"]`);
        assert.equal(await chip.textContent(), `@${bob}`);
        assert.match((await chip.getAttribute("class"))!, /font-bold/);
        assert.equal(
          await row(page, "and everyone else too").getAttribute("data-mentions-me"),
          null,
        );
        await page.waitForFunction(() => !document.title.startsWith("("));
        assert.equal(await page.locator('link[rel="icon"]').getAttribute("href"), "/favicon.svg");
        assert.equal(await roomLink(page, general.id).getByLabel(/unread/).count(), 0);
        await b.screenshot("mentions-room-highlight");
        // Alice sees it as a chip on her own message, not highlighted.
        const sent = row(a.page, `@${bob} can you look at this?`);
        assert.equal(await sent.getAttribute("data-mentions-me"), null);
        assert.match(
          (await sent.locator("[data-mention]").getAttribute("class"))!,
          /font-medium/,
        );
      });

      await step("the room menu mutes the room and sets what notifies", async () => {
        const { page } = b;
        // Bob is in #general (the step before).
        await page.locator("summary", { hasText: "Room menu" }).click();
        const settings = page.locator("[data-settings]");
        const mute = settings.getByRole("button", { name: "Mute room" });
        await mute.waitFor();
        // Three members: every message notifies, by default.
        const all = settings.getByRole("radio", { name: "All messages" });
        await page.waitForFunction(() =>
          (document.querySelector('[data-settings] input[value="all"]') as HTMLInputElement)
            ?.checked
        );
        assert.ok(await all.isChecked());
        assert.match((await settings.textContent())!, /\(default\)/);
        await mute.click();
        await settings.getByRole("button", { name: "Unmute room" }).waitFor();
        await settings.getByRole("radio", { name: "Mentions only" }).check();
        await page.waitForFunction(() =>
          !document.querySelector("[data-settings]")?.textContent?.includes("(default)")
        );
        await b.screenshot("mentions-room-menu");
        assert.deepEqual(await apis[bob].settings(general.id), {
          muted: true,
          notify: "mentions",
          notifyDefault: false,
        });
        await page.keyboard.press("Escape");
        // Muted: dimmed in the list, no unread dot; a mention still counts.
        await page.goto(`${url}${lobbyPath}`);
        await live(page);
        const link = roomLink(page, general.id);
        assert.equal(await link.getAttribute("data-muted"), "");
        await apis[carl].send(general.id, "nobody is mentioned here");
        await page.waitForTimeout(300);
        assert.equal(await link.getByLabel(/unread/i).count(), 0);
        await apis[carl].send(general.id, `hey @${bob}`);
        await link.getByLabel("1 unread mention", { exact: true }).waitFor();
      });

      await step(
        "a hidden tab shows a desktop notification; a click opens the message",
        async () => {
          const { page } = b;
          await page.evaluate(() => (globalThis as unknown as Hooks).__setHidden(true));
          await apis[alice].send(general.id, `@${bob} are you there?`);
          await page.waitForFunction(() =>
            (globalThis as unknown as Hooks).__notifications.length > 0
          );
          const shown = await page.evaluate(() => (globalThis as unknown as Hooks).__notifications);
          assert.deepEqual(shown, [{
            title: `${alice} in #${general.name}`,
            body: `@${bob} are you there?`,
            tag: general.id,
          }]);
          // A visible tab shows none: the page itself does.
          await page.evaluate(() => (globalThis as unknown as Hooks).__setHidden(false));
          await apis[alice].send(general.id, `@${bob} still there?`);
          await page.waitForTimeout(500);
          assert.equal(
            await page.evaluate(() => (globalThis as unknown as Hooks).__notifications.length),
            1,
          );
          const seq = (await apis[alice].messages(general.id)).messages
            .find((m) => m.text === `@${bob} are you there?`)!.seq;
          await page.evaluate(() =>
            (globalThis as unknown as Hooks).__lastNotification.dispatchEvent(new Event("click"))
          );
          await page.waitForURL(`${url}${generalPath}#m-${seq}`);
          await live(page);
          await row(page, `@${bob} are you there?`).waitFor();
        },
      );

      await step(
        "notifications are turned on from a control, never asked for on load",
        async () => {
          // Alice has not allowed them: the control says so, and asks only when pressed.
          const { page } = a;
          const enable = page.getByRole("button", { name: "Enable notifications" });
          await enable.click();
          const menu = page.getByRole("dialog", { name: "Notifications" });
          await menu.waitFor();
          assert.equal(
            await page.evaluate(() => (globalThis as unknown as Hooks).__permissionRequests),
            0,
          );
          const previews = menu.getByRole("checkbox", {
            name: "Show message text in notifications",
          });
          assert.ok(await previews.isChecked());
          await a.screenshot("mentions-enable-notifications");
          await menu.getByRole("button", { name: "Enable notifications" }).click();
          await page.waitForFunction(() =>
            (globalThis as unknown as Hooks).__permissionRequests === 1
          );
          await page.keyboard.press("Escape");
          await menu.waitFor({ state: "detached" });
          // Bob has: a bell that opens the same menu, previews can be turned off.
          await b.page.getByRole("button", { name: "Notification settings" }).click();
          const his = b.page.getByRole("dialog", { name: "Notifications" });
          await his.getByText("Notifications are on in this browser.").waitFor();
          await his.getByRole("checkbox", { name: "Show message text in notifications" }).uncheck();
          assert.equal(
            await b.page.evaluate(() => localStorage.getItem("chat:notify-previews")),
            "off",
          );
          await b.page.keyboard.press("Escape");
          for (const watched of pages) assertClean(watched, "the mention pages");
        },
      );
    } finally {
      for (const watched of pages) await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});
