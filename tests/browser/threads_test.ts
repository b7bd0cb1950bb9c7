/**
 * Threads in the web app, in Chromium against the real server (tests/_server.ts):
 * "Reply in thread" opens the panel beside the room (its URL `?thread=SEQ`), a
 * `?thread=SEQ` link opens it too, a reply made by one person shows live in the
 * other's panel and as the root's "1 reply" for both, replies stay out of the
 * room's timeline unless also sent to the room, thread replies count as unread
 * only for the thread's followers (and under "Threads" in their room list, cleared
 * by opening the thread), Escape closes the panel, and on a phone it takes the
 * whole screen. Screenshots go to test-artifacts/threads-*.png.
 */

import assert from "node:assert/strict";
import type { Browser, Locator, Page } from "playwright-core";
import { registered } from "../_clients.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type OpenPageOptions, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn, row, rows } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const PHONE = { width: 390, height: 844 };
const suffix = Date.now().toString(36).slice(-4);

function panel(page: Page): Locator {
  return page.getByRole("complementary", { name: /^Thread/ });
}

function panelRows(page: Page): Locator {
  return page.locator('[data-testid="thread-messages"] li[data-seq]');
}

function threadComposer(page: Page): Locator {
  return page.getByRole("textbox", { name: "Message the thread" });
}

/** The room timeline's summary of the thread of `root`. */
function summary(page: Page, root: number): Locator {
  return page.locator(`[data-testid="messages"] #m-${root} a[data-thread="${root}"]`);
}

async function signedIn(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  options: OpenPageOptions = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser, options);
  watched.page.setDefaultTimeout(10_000);
  await logIn(watched.page, url, username, PASSWORD, path);
  await live(watched.page);
  return watched;
}

Deno.test({
  name: "threads in the web app: the panel, live replies, summaries, unread, phone",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer({ env: { SEND_RATE_BURST: "200" } });
    const url = server.url;
    const browser = await launchChromium();
    const ada = `ada_${suffix}`;
    const bob = `bob_${suffix}`;
    const cy = `cy_${suffix}`;
    const apis = await registered(url, [ada, bob, cy], PASSWORD);
    const general = await apis[ada].createRoom(`general-${suffix}`);
    const lobby = await apis[ada].createRoom(`lobby-${suffix}`);
    for (const name of [bob, cy]) {
      await apis[name].join(general.id);
      await apis[name].join(lobby.id);
    }
    const root = (await apis[ada].send(general.id, "Plan for Friday?")).seq;
    const path = `/rooms/${general.id}`;
    const roomUrl = `${url}${path}`;

    const a = await signedIn(browser, url, ada, path);
    const b = await signedIn(browser, url, bob, path);
    // Cy read the room, then went to the lobby: he follows no thread.
    const c = await signedIn(browser, url, cy, path);
    await c.page.goto(`${url}/rooms/${lobby.id}`);
    await live(c.page);
    const cyLink = c.page.locator(`nav a[data-room="${general.id}"]`);
    const pages: WatchedPage[] = [a, b, c];
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };

    try {
      await step("Reply in thread opens the panel beside the room", async () => {
        const { page } = a;
        const message = row(page, "Plan for Friday?");
        await message.hover();
        await message.getByRole("button", { name: "Reply in thread", exact: true }).click();
        await panel(page).waitFor();
        assert.equal(page.url(), `${roomUrl}?thread=${root}`);
        await panelRows(page).first().waitFor();
        assert.equal(await panelRows(page).first().getAttribute("data-seq"), String(root));
        assert.match((await panel(page).getByRole("heading").textContent())!, /Thread in #general/);
        // Its composer has the focus, and says where it sends.
        await page.waitForFunction(() => document.activeElement?.id === "thread-composer");
        await panel(page).getByRole("checkbox", { name: `Also send to #${general.name}` })
          .waitFor();
      });

      await step(
        "a reply from a ?thread link shows live in the other's panel, 1 reply for both",
        async () => {
          const { page } = b;
          await page.goto(`${roomUrl}?thread=${root}`);
          await live(page);
          await panel(page).waitFor();
          await threadComposer(page).fill("I can do Friday");
          await threadComposer(page).press("Enter");
          const reply = panelRows(a.page).filter({ hasText: "I can do Friday" });
          await reply.waitFor();
          for (const watched of [a, b]) {
            await summary(watched.page, root).filter({ hasText: "1 reply" }).waitFor();
            assert.match((await summary(watched.page, root).textContent())!, /1 reply.*last reply/);
            // Only in the thread, not in the room.
            assert.equal(
              await rows(watched.page).filter({ hasText: "I can do Friday" }).count(),
              0,
            );
          }
          // Cy follows no thread: the reply is nothing unread for him.
          await c.page.waitForTimeout(500);
          assert.equal(await cyLink.getByLabel(/unread/i).count(), 0);
          await a.screenshot("threads-panel-desktop");
        },
      );

      await step(
        "a reply also sent to the room shows in both, and counts for everyone",
        async () => {
          const { page } = a;
          await panel(page).getByRole("checkbox", { name: `Also send to #${general.name}` })
            .check();
          await threadComposer(page).fill("Friday it is");
          await threadComposer(page).press("Enter");
          await panelRows(page).filter({ hasText: "Friday it is" }).waitFor();
          for (const watched of [a, b]) {
            const inRoom = row(watched.page, "Friday it is");
            await inRoom.waitFor();
            assert.equal(
              await inRoom.getByRole("link", { name: "Replied in a thread" }).getAttribute("href"),
              `?thread=${root}`,
            );
            await summary(watched.page, root).filter({ hasText: "2 replies" }).waitFor();
          }
          assert.ok(!(await panel(page).getByRole("checkbox").isChecked()), "one message only");
          await cyLink.getByLabel("Unread messages").waitFor();
        },
      );

      await step(
        "Escape closes the panel; a follower's Threads count clears when he opens it",
        async () => {
          const { page } = b;
          await threadComposer(page).focus();
          await page.keyboard.press("Escape");
          await panel(page).waitFor({ state: "detached" });
          assert.equal(page.url(), roomUrl);
          // The members list is back in its place.
          await page.getByRole("complementary", { name: "Members" }).waitFor();
          await apis[ada].send(general.id, "see you then", undefined, { threadRoot: root });
          const threads = page.getByRole("link", { name: /^Threads/ });
          await threads.getByLabel("1 unread in threads").waitFor();
          await b.screenshot("threads-unread-sidebar");
          await summary(page, root).filter({ hasText: "3 replies" }).click();
          await panel(page).waitFor();
          await panelRows(page).filter({ hasText: "see you then" }).waitFor();
          await threads.getByLabel(/unread/).waitFor({ state: "detached" });
          assert.equal(page.url(), `${roomUrl}?thread=${root}`);
        },
      );

      await step("on a phone the panel takes the whole screen", async () => {
        const phone = await signedIn(browser, url, bob, `${path}?thread=${root}`, {
          viewport: PHONE,
        });
        pages.push(phone);
        const { page } = phone;
        await panel(page).waitFor();
        await panelRows(page).filter({ hasText: "see you then" }).waitFor();
        const box = (await panel(page).boundingBox())!;
        assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, PHONE.width, PHONE.height]);
        await phone.screenshot("threads-panel-phone");
        await panel(page).getByRole("button", { name: "Close thread" }).click();
        await panel(page).waitFor({ state: "detached" });
        await row(page, "Plan for Friday?").waitFor();
        for (const watched of pages) assertClean(watched, "the thread pages");
      });
    } finally {
      for (const watched of pages) await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});
