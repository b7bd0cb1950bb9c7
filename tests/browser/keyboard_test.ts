/**
 * The web app by keyboard alone, in Chromium against the real server
 * (tests/_server.ts): the skip link is the first Tab stop and takes me to the
 * composer; every Tab stop of a room page shows a focus ring; Alt+↑/↓ go through
 * the rooms of the sidebar (wrapping), Alt+Shift+↓ to the next with unread
 * messages; `?` opens the shortcuts sheet (not in a text field) and Escape closes
 * it with the focus back where it was; Escape on the room menu and on a message's
 * popover gives the focus back to what opened them; the message list is one Tab
 * stop with ↑/↓ inside. Screenshots go to test-artifacts/keyboard-*.png.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import type { Room } from "../../lib/protocol/types.ts";
import { registered } from "../_clients.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn, row, rows } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);

/** What has the focus: its id, else its text or label, else its tag. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return "body";
    return el.id || el.getAttribute("aria-label") || el.textContent?.trim() ||
      el.tagName.toLowerCase();
  });
}

/** The room ids of the sidebar's links, in their order. */
function sidebar(page: Page): Promise<string[]> {
  return page.locator("nav a[data-room]").evaluateAll((links) =>
    links.map((link) => link.getAttribute("data-room")!)
  );
}

/** Waits until the page shows the room `id` (a page load or a switch in place), live. */
async function showsRoom(page: Page, id: string): Promise<void> {
  await page.waitForFunction((id) => location.pathname === `/rooms/${id}`, id);
  await page.locator(`nav a[data-room="${id}"][aria-current="page"]`).waitFor();
  await live(page);
}

Deno.test({
  name: "the web app by keyboard: skip link, focus rings, room keys, shortcuts, Escape, rows",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer({ env: { SEND_RATE_BURST: "200" } });
    const url = server.url;
    const browser = await launchChromium();
    const ada = `ada_${suffix}`;
    const bob = `bob_${suffix}`;
    const apis = await registered(url, [ada, bob], PASSWORD);
    // Four rooms (in the sidebar in an order of its own: the test reads it).
    const rooms: Room[] = [];
    for (const name of ["north", "east", "south", "west"]) {
      const room = await apis[ada].createRoom(`${name}-${suffix}`);
      await apis[bob].join(room.id);
      rooms.push(room);
    }
    let three = 0;
    for (const text of ["one", "two", "three"]) {
      three = (await apis[ada].send(rooms[1].id, text)).seq;
    }
    // Unread for Ada.
    await apis[bob].send(rooms[3].id, "news for ada");

    const watched: WatchedPage = await openPage(browser);
    const { page } = watched;
    page.setDefaultTimeout(10_000);
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    try {
      await logIn(page, url, ada, PASSWORD, `/rooms/${rooms[1].id}`);
      await live(page);
      const order = await sidebar(page);
      assert.equal(order.length, 4);
      const unread = await page.locator("nav a[data-room][data-unread]").evaluateAll((links) =>
        links.map((link) => link.getAttribute("data-room"))
      );
      assert.deepEqual(unread, [rooms[3].id]);

      await step(
        "the skip link is the first Tab stop, shown, and goes to the composer",
        async () => {
          await page.reload();
          await live(page);
          await page.keyboard.press("Tab");
          assert.equal(await focused(page), "Skip to composer");
          const box = await page.locator("a", { hasText: "Skip to composer" }).boundingBox();
          assert.ok(
            box && box.width > 40 && box.height > 20 && box.y >= 0,
            "it shows when focused",
          );
          await watched.screenshot("keyboard-skip-link");
          await page.keyboard.press("Enter");
          await page.waitForFunction(() => document.activeElement?.id === "composer");
          // On other pages it skips to the content.
          await page.goto(`${url}/directory`);
          await page.waitForSelector("html[data-hydrated]");
          await page.keyboard.press("Tab");
          assert.equal(await focused(page), "Skip to content");
        },
      );

      await step("every Tab stop of a room page shows a focus ring", async () => {
        await page.goto(`${url}/rooms/${rooms[1].id}`);
        await live(page);
        const seen = new Set<string>();
        const bare: string[] = [];
        for (let i = 0; i < 60; i++) {
          await page.keyboard.press("Tab");
          const stop = await page.evaluate(() => {
            const el = document.activeElement as HTMLElement;
            const style = getComputedStyle(el);
            const ring = style.boxShadow !== "none" ||
              (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0);
            const what = `${el.tagName.toLowerCase()} "${
              (el.getAttribute("aria-label") || el.textContent || el.id).trim().slice(0, 40)
            }"`;
            return { what, ring, key: el.outerHTML.slice(0, 200) };
          });
          if (seen.has(stop.key)) break;
          seen.add(stop.key);
          if (!stop.ring) bare.push(stop.what);
          if (i === 6) await watched.screenshot("keyboard-focus-sidebar");
        }
        assert.ok(seen.size > 10, `Tab went through the page: ${seen.size} stops`);
        assert.deepEqual(bare, [], "Tab stops without a visible focus ring");
      });

      await step("Alt+↓ and Alt+↑ go to the next and previous room, wrapping", async () => {
        await page.goto(`${url}/rooms/${order[1]}`);
        await live(page);
        await page.keyboard.press("Alt+ArrowDown");
        await showsRoom(page, order[2]);
        await page.keyboard.press("Alt+ArrowUp");
        await showsRoom(page, order[1]);
        await page.keyboard.press("Alt+ArrowUp");
        await showsRoom(page, order[0]);
        // From the first, up is the last; and from the last, down the first.
        await page.keyboard.press("Alt+ArrowUp");
        await showsRoom(page, order[3]);
        await page.keyboard.press("Alt+ArrowDown");
        await showsRoom(page, order[0]);
        // In the composer too.
        await page.getByRole("textbox", { name: /^Message / }).focus();
        await page.keyboard.press("Alt+ArrowDown");
        await showsRoom(page, order[1]);
        assertClean(watched, "the rooms by Alt+arrows");
      });

      await step("Alt+Shift+↓ goes to the next room with unread messages", async () => {
        await page.goto(`${url}/rooms/${rooms[1].id}`);
        await live(page);
        // A message two rooms below mine (wrapping): its link is marked, live.
        const before = await sidebar(page);
        const target = before[(before.indexOf(rooms[1].id) + 2) % before.length];
        await apis[bob].send(target, "more news");
        await page.locator(`nav a[data-room="${target}"][data-unread]`).waitFor();
        const now = await sidebar(page);
        const marked = await page.locator("nav a[data-room][data-unread]").evaluateAll((links) =>
          links.map((link) => link.getAttribute("data-room")!)
        );
        // The nearest unread one below mine, wrapping past the end.
        const here = now.indexOf(rooms[1].id);
        const expected = [...now.slice(here + 1), ...now.slice(0, here)]
          .find((id) => marked.includes(id))!;
        assert.notEqual(expected, now[(here + 1) % now.length], "it skips a read room");
        await page.keyboard.press("Alt+Shift+ArrowDown");
        await showsRoom(page, expected);
        // It is read now: its link is no longer marked.
        assert.equal(
          await page.locator(`nav a[data-room="${expected}"]`).getAttribute("data-unread"),
          null,
        );
      });

      await step("? opens the shortcuts sheet; Escape closes it, focus back", async () => {
        await page.goto(`${url}/rooms/${rooms[1].id}`);
        await live(page);
        // In a text field, ? is a character.
        const composer = page.getByRole("textbox", { name: /^Message / });
        await composer.focus();
        await page.keyboard.type("?");
        assert.equal(await composer.inputValue(), "?");
        await composer.fill("");
        const summary = page.locator("summary", { hasText: "Room menu" });
        await summary.focus();
        await page.keyboard.press("?");
        const sheet = page.getByRole("dialog", { name: "Keyboard shortcuts" });
        await sheet.waitFor();
        for (const text of ["Alt+↓", "Alt+Shift+↓", "Ctrl+K", "Shift+Enter", "Escape"]) {
          await sheet.locator("kbd", { hasText: text }).first().waitFor();
        }
        assert.equal(await focused(page), "Close", "the focus is in the sheet");
        // Modal: Tab stays in it, and the page's keys wait.
        await page.keyboard.press("Tab");
        assert.ok(await sheet.evaluate((el) => el.contains(document.activeElement)));
        await page.keyboard.press("Alt+ArrowDown");
        await watched.screenshot("keyboard-shortcuts");
        assert.equal(new URL(page.url()).pathname, `/rooms/${rooms[1].id}`);
        await page.keyboard.press("Escape");
        await sheet.waitFor({ state: "detached" });
        assert.equal(await focused(page), "Room menu");
        // Its button closes it too.
        await page.keyboard.press("?");
        await sheet.getByRole("button", { name: "Close" }).click();
        await sheet.waitFor({ state: "detached" });
        assertClean(watched, "the shortcuts sheet");
      });

      await step("Escape closes the room menu and gives the focus to its summary", async () => {
        const summary = page.locator("summary", { hasText: "Room menu" });
        const menu = page.locator("details[data-menu]", { has: summary });
        await summary.focus();
        await page.keyboard.press("Enter");
        await page.locator("details[data-menu][open]", { has: summary }).waitFor();
        // Into the menu, to its invite field.
        await page.getByLabel("Invite someone").focus();
        await page.keyboard.press("Escape");
        assert.equal(await menu.getAttribute("open"), null);
        assert.equal(await focused(page), "Room menu");
      });

      await step("Escape closes a message's reaction picker, focus back on React", async () => {
        const message = row(page, "two");
        await message.focus();
        await message.getByRole("button", { name: "React" }).waitFor();
        await page.keyboard.press("Tab");
        assert.equal(await focused(page), "React");
        await page.keyboard.press("Enter");
        const picker = page.getByRole("dialog", { name: "Add a reaction" });
        await picker.waitFor();
        assert.ok(await picker.evaluate((el) => el.contains(document.activeElement)));
        await page.keyboard.press("Escape");
        await picker.waitFor({ state: "detached" });
        assert.equal(await focused(page), "React");
      });

      await step("the message list is one Tab stop; ↑/↓ move between messages", async () => {
        // The newest message is a thread reply, not shown in the room.
        await apis[bob].send(rooms[1].id, "in the thread", undefined, { threadRoot: three });
        await page.goto(`${url}/rooms/${rooms[1].id}`);
        await live(page);
        const stops = await rows(page).evaluateAll((list) =>
          list.filter((li) => li.tabIndex === 0).length
        );
        assert.equal(stops, 1, "one message is in the tab order");
        // The newest one: one Tab from the room menu, the last stop before the list
        // (the scroller around it is not a stop of its own); Shift+Tab goes back there.
        const newest = row(page, "three");
        assert.equal(await newest.getAttribute("tabindex"), "0");
        const isFocused = (text: string) =>
          row(page, text).evaluate((el) => el === document.activeElement);
        await page.locator("summary", { hasText: "Room menu" }).focus();
        await page.keyboard.press("Tab");
        assert.ok(await isFocused("three"), "Tab enters the list at the newest message");
        await page.keyboard.press("Shift+Tab");
        assert.equal(await focused(page), "Room menu");
        await page.keyboard.press("Tab");
        await page.keyboard.press("ArrowUp");
        assert.ok(await isFocused("two"));
        await page.keyboard.press("ArrowUp");
        assert.ok(await isFocused("one"));
        await page.keyboard.press("ArrowUp");
        assert.ok(await isFocused("one"), "the oldest stays");
        await page.keyboard.press("ArrowDown");
        assert.ok(await isFocused("two"));
        await watched.screenshot("keyboard-message-focus");
        // The list stays one stop: the one focused last is it now.
        assert.equal(await row(page, "two").getAttribute("tabindex"), "0");
        assert.equal(await newest.getAttribute("tabindex"), "-1");
        // Tab goes to its actions, not to the next message; past them, out of the list.
        // They render once their lazily loaded toolbar is in (just after a page load, on a
        // loaded machine, that can be after the key press): wait for them.
        await row(page, "two").getByRole("button", { name: "React" }).waitFor();
        await page.keyboard.press("Tab");
        assert.equal(await focused(page), "React");
        for (let i = 0; i < 6; i++) {
          await page.keyboard.press("Tab");
          const inRow = await row(page, "two").evaluate((el) =>
            el.contains(document.activeElement)
          );
          if (!inRow) break;
        }
        const out = await page.evaluate(() => !document.activeElement?.closest("li[data-seq]"));
        assert.ok(out, "Tab leaves the list after the message's actions");
        assertClean(watched, "the message list by keyboard");
      });
    } finally {
      await watched.close().catch(() => {});
      await browser.close();
      await server.stop();
    }
  },
});
