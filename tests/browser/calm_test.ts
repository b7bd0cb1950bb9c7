/**
 * A calm sidebar and honest presence, in Chromium against the real server: rooms
 * in name order (the server's render and the browser's the same), direct
 * conversations by activity, nothing moving under the pointer or the keyboard's
 * focus; while the page's connection is down, one indicator and every presence
 * dot "unknown", then real presence again once it is back (a peer who left
 * meanwhile shows offline). And the room header's long topic: a tooltip, and a
 * panel on click.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { newUser, RecordingSocket, USER_PASSWORD, waitFor } from "../_clients.ts";
import { startServer, tempKvPath, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn } from "./_pages.ts";

const PHONE = { width: 360, height: 740 };
const LONG_TOPIC = "Everything about the launch:" +
  " dates, owners, risks and the plan B;".repeat(5);

/** Browser noise that is expected while the server is deliberately down. */
function unexpected(errors: string[]): string[] {
  return errors.filter((e) =>
    !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET/.test(e)
  );
}

/** The room ids of the sidebar's links, top to bottom. */
function linkOrder(page: Page): Promise<string[]> {
  return page.locator("a[data-room]").evaluateAll((links) =>
    links.map((a) => a.getAttribute("data-room")!)
  );
}

/** The names in one of the sidebar's sections ("rooms-heading", "dms-heading"). */
function sectionNames(page: Page, heading: string): Promise<string[]> {
  return page.locator(`section[aria-labelledby="${heading}"] a[data-room] bdi`).allTextContents();
}

/** What a direct conversation's dot says to screen readers. */
function dmDot(page: Page, roomId: string): Promise<string> {
  return page.locator(`a[data-room="${roomId}"] .sr-only`).first().innerText();
}

/** `data-online` of each member in the member list. */
function memberStates(page: Page): Promise<Record<string, string>> {
  return page.locator("#members li[data-member]").evaluateAll((items) =>
    Object.fromEntries(
      items.map((li) => [li.getAttribute("data-member"), li.getAttribute("data-online")]),
    )
  );
}

async function unread(page: Page, roomId: string): Promise<boolean> {
  const link = page.locator(`a[data-room="${roomId}"]`);
  return await link.locator('[aria-label="Unread messages"], [aria-label*="unread mention"]')
    .count() > 0;
}

Deno.test({
  name: "in Chromium: the sidebar keeps still under the pointer, presence is unknown while offline",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const kvPath = await tempKvPath();
    const env = { PRESENCE_GRACE_MS: "200", SEND_RATE_BURST: "200" };
    let server: TestServer = await startServer({ kvPath, env });
    const url = server.url;
    const browser = await launchChromium();
    const pages: WatchedPage[] = [];
    const sockets: RecordingSocket[] = [];
    try {
      const tag = crypto.randomUUID().slice(0, 4);
      const ada = await newUser(url, "ada");
      const bob = await newUser(url, "bob");
      const carol = await newUser(url, "carol");
      const [bobMe, carolMe] = [await bob.me(), await carol.me()];
      // Created (and last active) in an order that is not the names' order.
      const rooms: Record<string, string> = {};
      for (const name of [`zulu-${tag}`, `Alpha-${tag}`, `émile-${tag}`, `delta-${tag}`]) {
        const room = await ada.createRoom(name, { topic: LONG_TOPIC });
        rooms[name] = room.id;
        for (const api of [bob, carol]) await api.join(room.id);
      }
      for (const name of [`delta-${tag}`, `Alpha-${tag}`]) await ada.send(rooms[name], "hello");
      const withCarol = await ada.dm(carolMe.username);
      await carol.send(withCarol.id, "an older conversation");
      const withBob = await ada.dm(bobMe.username);
      await bob.send(withBob.id, "a newer one");
      for (const api of [bob, carol]) sockets.push(await RecordingSocket.open(api));
      const alpha = rooms[`Alpha-${tag}`];

      const desk = await openPage(browser);
      pages.push(desk);
      const page = desk.page;
      const adaName = (await ada.me()).username;
      await logIn(page, url, adaName, USER_PASSWORD, `/rooms/${alpha}`);
      await live(page);

      await t.step("rooms are in name order, the same in the server's render", async () => {
        const expected = [`Alpha-${tag}`, `delta-${tag}`, `émile-${tag}`, `zulu-${tag}`];
        assert.deepEqual(await sectionNames(page, "rooms-heading"), expected);
        assert.deepEqual(await sectionNames(page, "dms-heading"), [
          bobMe.username,
          carolMe.username,
        ]);
        const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`)
          .join("; ");
        const html = await fetch(`${url}/rooms/${alpha}`, { headers: { cookie } })
          .then((r) => r.text());
        const served = [...html.matchAll(/data-room="([^"]+)"/g)].map((m) => m[1]);
        assert.deepEqual(served, await linkOrder(page), "the server's order is the browser's");
      });

      await t.step("the topic: truncated, a tooltip with all of it, a panel on click", async () => {
        const summary = page.locator("header summary[title]");
        assert.equal(await summary.getAttribute("title"), LONG_TOPIC);
        await summary.click();
        const panel = page.locator("header details[open] [data-room-info] p").first();
        await panel.waitFor();
        assert.equal((await panel.innerText()).trim(), LONG_TOPIC);
        // The room's info below it: kind, members, created.
        assert.match(
          await page.locator("header [data-room-info]").innerText(),
          /Public room · \d+ members? · created .*\d{4}/,
        );
        await desk.screenshot("web-topic-panel-desktop");
        await page.keyboard.press("Escape");
        await page.locator("header details[open]").waitFor({ state: "detached" });
      });

      await t.step("nothing moves under the pointer; leaving applies the order", async () => {
        await page.locator('nav[aria-label="Rooms and conversations"]').hover();
        const before = await linkOrder(page);
        await carol.send(withCarol.id, "back on top, later");
        await bob.send(rooms[`zulu-${tag}`], "a message in the room at the bottom");
        await waitFor(
          "both marked unread",
          async () => await unread(page, withCarol.id) && await unread(page, rooms[`zulu-${tag}`]),
        );
        assert.deepEqual(await linkOrder(page), before, "no link moved");
        await page.mouse.move(900, 400);
        await waitFor(
          "carol's conversation first",
          async () => (await sectionNames(page, "dms-heading"))[0] === carolMe.username,
        );
        assert.deepEqual(await sectionNames(page, "rooms-heading"), [
          `Alpha-${tag}`,
          `delta-${tag}`,
          `émile-${tag}`,
          `zulu-${tag}`,
        ]);
      });

      await t.step("nothing moves under the keyboard's focus either", async () => {
        await page.locator(`a[data-room="${rooms[`zulu-${tag}`]}"]`).focus();
        const before = await linkOrder(page);
        await bob.send(withBob.id, "and bob again");
        await waitFor("bob's conversation unread", () => unread(page, withBob.id));
        assert.deepEqual(await linkOrder(page), before, "no link moved");
        await page.getByRole("textbox", { name: /^Message / }).focus();
        await waitFor(
          "bob's conversation first",
          async () => (await sectionNames(page, "dms-heading"))[0] === bobMe.username,
        );
      });

      const phone = await openPage(browser, { viewport: PHONE });
      pages.push(phone);
      await logIn(phone.page, url, adaName, USER_PASSWORD, `/rooms/${alpha}`);
      await live(phone.page);
      // What the page loads on its own a moment after (not the point here) is in.
      await phone.page.waitForLoadState("networkidle");

      await t.step("on a phone the topic's panel fits the screen", async () => {
        await phone.page.locator("header summary[title]").click();
        const box = await phone.page.locator("header details[open] [data-room-info]").boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, JSON.stringify(box));
        await phone.page.keyboard.press("Escape");
      });

      await t.step("before the outage: real presence", async () => {
        await waitFor(
          "bob and carol online",
          async () =>
            await dmDot(page, withBob.id) === "online" &&
            await dmDot(page, withCarol.id) === "online",
        );
        const members = await memberStates(page);
        assert.equal(members[bobMe.username], "true");
        assert.equal(members[carolMe.username], "true");
      });

      await t.step("server down: one indicator, every dot unknown", async () => {
        // Bob's and carol's sockets end with it; only bob comes back (carol leaves
        // while nobody can tell).
        await server.stop();
        for (const p of [page, phone.page]) {
          const status = p.getByText(/^(Reconnecting…|Offline)$/);
          await status.waitFor();
          assert.equal(await status.count(), 1, "exactly one indicator");
          assert.ok(await status.isVisible(), "the indicator shows");
          assert.equal(await status.getAttribute("role"), "status");
        }
        await page.waitForSelector('[data-connection="reconnecting"]', { state: "attached" });
        await waitFor(
          "the dots unknown",
          async () =>
            await dmDot(page, withBob.id) === "presence unknown" &&
            await dmDot(page, withCarol.id) === "presence unknown",
        );
        const members = await memberStates(page);
        assert.deepEqual(
          new Set(Object.values(members)),
          new Set(["unknown"]),
          `every member unknown: ${JSON.stringify(members)}`,
        );
        const green = await page.locator("nav .bg-emerald-500, #members .bg-emerald-500").count();
        assert.equal(green, 0, "no green dot");
        await desk.screenshot("web-presence-unknown-desktop");
        await phone.screenshot("web-reconnecting-phone");
      });

      await t.step("back: real presence again, carol offline", async () => {
        server = await startServer({ kvPath, port: server.port, env });
        sockets.push(await RecordingSocket.open(bob));
        await live(page);
        await live(phone.page);
        await waitFor(
          "bob online, carol offline",
          async () =>
            await dmDot(page, withBob.id) === "online" &&
            await dmDot(page, withCarol.id) === "offline",
          20_000,
        );
        await waitFor("the member list agrees", async () => {
          const members = await memberStates(page);
          return members[bobMe.username] === "true" && members[carolMe.username] === "false" &&
            members[adaName] === "true";
        }, 20_000);
        assert.equal(await page.getByText(/^(Reconnecting…|Offline|Connecting…)$/).count(), 0);
      });

      await t.step("the browser offline: said at once, not after the pings time out", async () => {
        const status = page.locator('[role="status"]', { hasText: /^Reconnecting…$/ });
        // Chromium's offline mode leaves an open WebSocket be: only the `offline` event tells.
        await page.context().setOffline(true);
        await status.waitFor({ timeout: 3_000 });
        assert.equal(await dmDot(page, withBob.id), "presence unknown");
        await page.context().setOffline(false);
        // And back at once, not after the backoff.
        await page.waitForSelector('[data-connection="open"]', {
          state: "attached",
          timeout: 5_000,
        });
        await status.waitFor({ state: "hidden", timeout: 3_000 });
      });

      for (const watched of pages) assertClean(watched, "ada's pages", unexpected);
    } finally {
      for (const socket of sockets) socket.close();
      for (const watched of pages) await watched.close().catch(() => {});
      await browser.close();
      await server.stop();
    }
  },
});
