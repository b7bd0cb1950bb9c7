/**
 * Search in the web app, in Chromium against the real server (tests/_server.ts):
 * `/` focuses the search box, Enter lands on the results page (grouped by room,
 * the matched word in `<mark>`), the box suggests operators and completes `from:`
 * with people; a click on a result opens the room at that message (one 130
 * messages back, rendered by the server; one 225 back, loaded by the pane), seen
 * and highlighted for a moment; without JavaScript the form, the results, "Load
 * more" and a jump work too. Ctrl+K (and ⌘K) opens the quick switcher: fuzzy names,
 * Enter goes to the room or opens a conversation with a person, Escape gives focus
 * back. The directory filters by name or topic (case and diacritics ignored) and
 * pages. Screenshots go to test-artifacts/search-*.png.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { registered } from "../_clients.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type OpenPageOptions, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn, rows } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);
/** Messages seeded in the big room; the rare words sit at these seqs. */
const SEEDED = 230;
const FAR_SEQ = 5;
const NEAR_SEQ = 100;

async function signedIn(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  options: OpenPageOptions = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser, options);
  watched.page.setDefaultTimeout(15_000);
  await logIn(watched.page, url, username, PASSWORD, path);
  if (options.javaScriptEnabled !== false) await live(watched.page);
  return watched;
}

/** Whether the element is wholly inside the window. */
async function inView(page: Page, selector: string): Promise<boolean> {
  return await page.locator(selector).evaluate((el) => {
    const box = el.getBoundingClientRect();
    return box.top >= 0 && box.bottom <= innerHeight && box.height > 0;
  });
}

/** The layout's search box (a searchbox, then a combobox once its suggestions load). */
function searchBox(page: Page) {
  return page.getByRole("search", { name: "Message search" }).getByLabel("Search messages");
}

Deno.test({
  name: "search in the web app: box, results, jump to an old message, no JS, Ctrl+K, directory",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer({ env: { SEND_RATE_BURST: "2000" } });
    const url = server.url;
    const browser = await launchChromium();
    const ada = `ada_${suffix}`;
    const bob = `bob_${suffix}`;
    const apis = await registered(url, [ada, bob], PASSWORD);
    const general = await apis[ada].createRoom(`general-${suffix}`);
    const design = await apis[ada].createRoom(`design-reviews-${suffix}`);
    const montreal = await apis[ada].createRoom(`equipe-${suffix}`, {
      topic: "L'Équipe de Montréal",
    });
    await apis[bob].join(general.id);
    await apis[bob].join(design.id);
    for (let seq = 1; seq <= SEEDED; seq++) {
      const text = seq === FAR_SEQ
        ? "The quokka migration plan is ready"
        : seq === NEAR_SEQ
        ? "Remember the wombat rollout checklist"
        : `filler message number ${seq}`;
      await apis[seq % 2 ? ada : bob].send(general.id, text);
    }
    await apis[bob].send(design.id, "Another quokka sighting in the review");
    // Indexing may lag a little behind delivery.
    for (let i = 0; i < 100; i++) {
      const [far, near] = await Promise.all([
        apis[ada].search("quokka"),
        apis[ada].search("wombat"),
      ]);
      if (far.results.length === 2 && near.results.length === 1) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const roomPath = `/rooms/${general.id}`;
    const pages: WatchedPage[] = [];
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };

    try {
      const a = await signedIn(browser, url, ada, roomPath);
      pages.push(a);

      await step("/ focuses the search box; Enter shows the results with <mark>", async () => {
        const { page } = a;
        await page.getByRole("textbox", { name: /^Message/ }).click();
        // Typed in the composer, "/" is text.
        await page.keyboard.type("a/b");
        assert.equal(await page.getByRole("textbox", { name: /^Message/ }).inputValue(), "a/b");
        await page.getByRole("textbox", { name: /^Message/ }).fill("");
        await page.getByRole("region", { name: /^Conversation/ }).getByRole("heading").click();
        await page.keyboard.press("/");
        await page.waitForFunction(() => document.activeElement?.id === "search-q");
        await page.keyboard.type("quokka");
        await page.keyboard.press("Enter");
        await page.waitForURL(`${url}/search?q=quokka`);
        await live(page);
        const groups = page.locator("[data-result-room]");
        assert.equal(await groups.count(), 2, "two rooms");
        // Newest first: the design room's result is the newer one.
        assert.equal(await groups.first().getAttribute("data-result-room"), design.id);
        assert.match(
          (await groups.nth(1).getByRole("heading").textContent())!,
          new RegExp(`general-${suffix}`),
        );
        const marks = page.locator("[data-result] mark");
        assert.deepEqual(await marks.allTextContents(), ["quokka", "quokka"]);
        // Results are a list of links to the message.
        const link = groups.nth(1).getByRole("listitem").getByRole("link");
        assert.equal(await link.getAttribute("href"), `${roomPath}?at=${FAR_SEQ}#m-${FAR_SEQ}`);
        assert.equal(await searchBox(page).inputValue(), "quokka");
        await a.screenshot("search-results");
        assertClean(a, "the results page");
      });

      await step("the box suggests operators, from: people and in: rooms", async () => {
        const { page } = a;
        const box = searchBox(page);
        await box.click();
        await box.press("End");
        await page.keyboard.type(" fr");
        const list = page.getByRole("listbox", { name: "Search suggestions" });
        await list.getByRole("option", { name: /^from:/ }).waitFor();
        assert.equal(await box.getAttribute("role"), "combobox");
        assert.equal(await box.getAttribute("aria-expanded"), "true");
        // Nothing is chosen until ↓: Enter would search what was typed.
        assert.equal(await box.getAttribute("aria-activedescendant"), null);
        await page.keyboard.press("ArrowDown");
        assert.ok(await box.getAttribute("aria-activedescendant"));
        await page.keyboard.press("Enter");
        assert.equal(await box.inputValue(), "quokka from:");
        // from: completes people who share a room with me.
        await page.keyboard.type("bo");
        const bobOption = list.getByRole("option", { name: new RegExp(`^from:${bob}`) });
        await bobOption.waitFor();
        await page.keyboard.press("ArrowDown");
        await page.keyboard.press("Tab");
        assert.equal(await box.inputValue(), `quokka from:${bob} `);
        await page.keyboard.type("in:des");
        await list.getByRole("option", { name: new RegExp(`^in:design-reviews-${suffix}`) })
          .click();
        assert.equal(await box.inputValue(), `quokka from:${bob} in:design-reviews-${suffix} `);
        await page.keyboard.type("h");
        await list.getByRole("option").first().waitFor();
        await a.screenshot("search-suggestions");
        await page.keyboard.press("Escape");
        await list.waitFor({ state: "hidden" });
        await page.keyboard.press("Backspace");
        await page.keyboard.press("Enter");
        await page.waitForURL((u) => u.searchParams.get("q")?.includes("from:") ?? false);
        const results = page.locator("[data-result]");
        assert.equal(await results.count(), 1);
        assert.equal(await results.first().getAttribute("data-result"), `${design.id} 1`);
        assertClean(a, "the suggestions");
      });

      await step("a click on an old result opens the room there, highlighted", async () => {
        const { page } = a;
        await page.goto(`${url}/search?q=quokka+in:general-${suffix}`);
        await live(page);
        await page.locator(`[data-result="${general.id} ${FAR_SEQ}"] a`).click();
        await page.waitForURL((u) => u.pathname === roomPath);
        await live(page);
        // 225 messages back: the pane loads the history back to it.
        const target = `#m-${FAR_SEQ}`;
        await page.locator(target).waitFor();
        await page.waitForFunction((sel) => document.activeElement?.matches(sel), target);
        assert.ok(await inView(page, target), "the message is on screen");
        assert.match((await page.locator(target).getAttribute("class"))!, /bg-amber-50/);
        assert.match((await page.locator(target).textContent())!, /quokka migration/);
        await a.screenshot("search-jump-far");
        // Briefly: the highlight goes.
        await page.waitForFunction(
          (sel) => !document.querySelector(sel)!.className.includes("bg-amber-50"),
          target,
          { timeout: 5_000 },
        );
        // The history in between is there, without gaps, and the URL is the room's.
        const seqs = await rows(page).evaluateAll((els) =>
          els.map((el) => Number((el as HTMLElement).dataset.seq))
        );
        assert.ok(seqs[0] <= FAR_SEQ && seqs.at(-1) === SEEDED, `${seqs[0]}…${seqs.at(-1)}`);
        assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1] + 1), "no gaps");
        assert.equal(page.url(), `${url}${roomPath}`);
        assertClean(a, "the jump to an old message");
      });

      await step("a result 130 messages back is rendered by the server, at it", async () => {
        const { page } = a;
        await page.goto(`${url}/search?q=wombat`);
        await live(page);
        const href = await page.locator("[data-result] a").getAttribute("href");
        assert.equal(href, `${roomPath}?at=${NEAR_SEQ}#m-${NEAR_SEQ}`);
        const html = await (await page.request.get(`${url}${href}`)).text();
        assert.match(html, new RegExp(`<li id="m-${NEAR_SEQ}"[^>]*bg-amber-50`));
        assert.match(html, new RegExp(`<li id="m-${NEAR_SEQ - 10}"`), "a few before it too");
        await page.locator("[data-result] a").click();
        await live(page);
        const target = `#m-${NEAR_SEQ}`;
        await page.waitForFunction((sel) => document.activeElement?.matches(sel), target);
        assert.ok(await inView(page, target));
        assert.match((await page.locator(target).getAttribute("class"))!, /bg-amber-50/);
        await a.screenshot("search-jump-near");
        // The pane is live: a new message arrives.
        await apis[bob].send(general.id, "live after the jump");
        await rows(page).filter({ hasText: "live after the jump" }).waitFor();
        assertClean(a, "the jump to a near message");
      });

      await step("Ctrl+K: fuzzy room names, Enter goes there", async () => {
        const { page } = a;
        await page.getByRole("textbox", { name: /^Message/ }).click();
        await page.keyboard.press("Control+k");
        const dialog = page.getByRole("dialog", { name: /Jump to/ });
        await dialog.waitFor();
        const combo = dialog.getByRole("combobox");
        await page.waitForFunction(() => document.activeElement?.id === "switcher-input");
        assert.equal(await combo.getAttribute("aria-expanded"), "true");
        const options = dialog.getByRole("listbox").getByRole("option");
        // Recent first: the room I am in (newest activity) is at the top.
        assert.match((await options.first().textContent())!, new RegExp(`general-${suffix}`));
        await page.keyboard.type("desrev");
        await options.first().filter({ hasText: `design-reviews-${suffix}` }).waitFor();
        assert.equal(await options.first().getAttribute("aria-selected"), "true");
        assert.equal(
          await combo.getAttribute("aria-activedescendant"),
          await options.first().getAttribute("id"),
        );
        await a.screenshot("search-switcher");
        await page.keyboard.press("Enter");
        await page.waitForURL(`${url}/rooms/${design.id}`);
        await live(page);
        assertClean(a, "the quick switcher");
      });

      await step("Escape closes the switcher and gives focus back", async () => {
        const { page } = a;
        const composer = page.getByRole("textbox", { name: /^Message/ });
        await composer.click();
        await page.keyboard.press("Meta+k");
        const dialog = page.getByRole("dialog", { name: /Jump to/ });
        await dialog.waitFor();
        // ↑ wraps to the last option (once the people are in); Tab stays in the dialog.
        const options = dialog.getByRole("option");
        await options.filter({ hasText: bob }).waitFor();
        await page.keyboard.press("ArrowUp");
        assert.equal(await options.last().getAttribute("aria-selected"), "true");
        await page.keyboard.press("Tab");
        await page.waitForFunction(() => document.activeElement?.id === "switcher-input");
        await page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        assert.ok(await composer.evaluate((el) => el === document.activeElement));
        // A click beside it closes it too.
        await page.keyboard.press("Control+k");
        await dialog.waitFor();
        await page.mouse.click(5, 5);
        await dialog.waitFor({ state: "detached" });
        assertClean(a, "closing the switcher");
      });

      await step("Ctrl+K to a person opens a conversation with them", async () => {
        const b = await signedIn(browser, url, bob, "/");
        pages.push(b);
        const { page } = b;
        await page.keyboard.press("Control+k");
        const dialog = page.getByRole("dialog", { name: /Jump to/ });
        // The switcher's code loads on that key: keys typed before its field is there are lost.
        await page.waitForFunction(() => document.activeElement?.id === "switcher-input");
        await page.keyboard.type(ada.slice(0, 5));
        const person = dialog.getByRole("option").filter({ hasText: "Person" });
        await person.filter({ hasText: ada }).waitFor();
        await person.filter({ hasText: ada }).click();
        await page.waitForURL(/\/rooms\//);
        await live(page);
        assert.equal(
          await page.getByRole("region", { name: /^Conversation/ }).getByRole("heading")
            .first().textContent(),
          `${ada}, direct conversation`,
        );
        // Ctrl+F, not typing, focuses the search box too.
        await page.getByRole("region", { name: /^Conversation/ }).getByRole("heading").click();
        await page.keyboard.press("Control+f");
        await page.waitForFunction(() => document.activeElement?.id === "search-q");
        assertClean(b, "a conversation from the switcher");
      });

      await step("without JavaScript: the form, results, Load more, and a jump", async () => {
        const nojs = await signedIn(browser, url, ada, "/", { javaScriptEnabled: false });
        pages.push(nojs);
        const { page } = nojs;
        await searchBox(page).fill("filler");
        await searchBox(page).press("Enter");
        await page.waitForURL(`${url}/search?q=filler`);
        const first = await page.locator("[data-result]").evaluateAll((els) =>
          els.map((el) => el.getAttribute("data-result"))
        );
        assert.equal(first.length, 20);
        assert.equal(await page.locator("[data-result] mark").first().textContent(), "filler");
        await page.getByRole("link", { name: "Load more" }).click();
        await page.waitForURL(/cursor=/);
        const second = await page.locator("[data-result]").evaluateAll((els) =>
          els.map((el) => el.getAttribute("data-result"))
        );
        assert.equal(second.length, 20);
        assert.ok(second.every((r) => !first.includes(r)), "a new page");
        const seqOf = (r: string | null) => Number(r!.split(" ")[1]);
        assert.ok(seqOf(second[0]) < seqOf(first.at(-1)!), "older than the first page");
        // A jump 130 back: the server renders it, the browser scrolls to it.
        await page.goto(`${url}${roomPath}?at=${NEAR_SEQ}#m-${NEAR_SEQ}`);
        assert.ok(await inView(page, `#m-${NEAR_SEQ}`));
        await nojs.screenshot("search-nojs-jump");
        // A refused query says why.
        const bad = await page.goto(`${url}/search?q=before:2026-13-45`);
        assert.equal(bad!.status(), 400);
        await page.getByRole("alert").waitFor();
        // The browser logs the 400 it was just shown.
        assertClean(
          nojs,
          "search without JavaScript",
          (errors) => errors.filter((e) => !/status of 400/.test(e)),
        );
      });

      await step("the directory filters by name or topic and pages", async () => {
        for (let i = 0; i < 55; i++) {
          await apis[bob].createRoom(`bulk-${String(i).padStart(2, "0")}-${suffix}`);
        }
        const nojs = await signedIn(browser, url, ada, "/directory", { javaScriptEnabled: false });
        pages.push(nojs);
        const { page } = nojs;
        const filter = page.getByRole("search", { name: "Public rooms" }).getByRole("searchbox");
        // Diacritics and case ignored, topics searched.
        await filter.fill("MONTREAL");
        await filter.press("Enter");
        await page.waitForURL(/\/directory\?q=MONTREAL/);
        const listed = page.locator("[data-directory-room]");
        assert.deepEqual(
          await listed.evaluateAll((els) => els.map((e) => e.dataset.directoryRoom)),
          [
            montreal.id,
          ],
        );
        await page.goto(`${url}/directory?q=bulk`);
        assert.equal(await listed.count(), 50);
        assert.equal(await page.getByTestId("directory-range").textContent(), "1–50 of 55");
        await nojs.screenshot("search-directory");
        await page.getByRole("link", { name: "Next" }).click();
        await page.waitForURL(/page=2/);
        assert.equal(await listed.count(), 5);
        assert.equal(await page.getByTestId("directory-range").textContent(), "51–55 of 55");
        await page.getByRole("link", { name: "Previous" }).click();
        await page.waitForURL((u) => !u.search.includes("page="));
        await page.goto(`${url}/directory?q=nothing-like-this`);
        await page.getByText("No public room matches").waitFor();
        assertClean(nojs, "the directory");
      });
    } finally {
      for (const watched of pages) await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});
