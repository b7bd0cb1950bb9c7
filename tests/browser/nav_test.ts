/**
 * Switching rooms without a page load (islands/_nav.ts), in Chromium against the
 * real server: across five rooms while another member sends a burst to all of
 * them, on one WebSocket the whole time (the page opens one; the other member
 * never sees me go offline, which a page load would show), with every message
 * there once and in order in each room; back and forward; the quick switcher;
 * focus in the composer;
 * the title; the scroll position and the unsent draft kept per room; and the same links without
 * JavaScript are plain page loads.
 */

import assert from "node:assert/strict";
import type { Page } from "playwright-core";
import { newUser, range, RecordingSocket, sleep, USER_PASSWORD } from "../_clients.ts";
import { startServer } from "../_server.ts";
import { launchChromium, openPage } from "./_chromium.ts";
import { assertClean, live, logIn, rows } from "./_pages.ts";

/** The stored messages of the pane as [seq, text]. */
async function conversation(page: Page): Promise<Array<[number, string]>> {
  return await rows(page).evaluateAll((list) =>
    list.map((row) =>
      [
        Number(row.getAttribute("data-seq")),
        row.querySelector("[data-text]")?.textContent ?? "",
      ] as [number, string]
    )
  );
}

/** Clicks a room in the sidebar and waits until the pane shows it. */
async function open(page: Page, room: { id: string; name: string }): Promise<void> {
  await page.locator(`nav a[data-room="${room.id}"]`).click();
  await shows(page, room);
}

async function shows(page: Page, room: { id: string; name: string }): Promise<void> {
  await page.waitForSelector(`section[aria-label="Conversation: ${room.name}"]`);
  await page.waitForFunction((id) => location.pathname === `/rooms/${id}`, room.id);
}

Deno.test({
  name: "in Chromium: rooms switch in place on one socket, with nothing lost or doubled",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({
      env: { SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" },
    });
    const browser = await launchChromium();
    try {
      const ada = await newUser(server.url, "ada");
      const bob = await newUser(server.url, "bob");
      const me = await ada.me();
      const tag = crypto.randomUUID().slice(0, 5);
      const rooms = [];
      for (const i of range(0, 4)) {
        const room = await ada.createRoom(`nav-${i}-${tag}`);
        await bob.join(room.id);
        for (const n of range(0, 2)) await ada.send(room.id, `before ${n} in ${i}`);
        rooms.push(room);
      }
      const watcher = await RecordingSocket.open(bob);
      for (const room of rooms) await watcher.socket.subscribe(room.id);

      const watched = await openPage(browser);
      const { page } = watched;
      const sockets: string[] = [];
      page.on("websocket", (ws) => sockets.push(ws.url()));
      await logIn(page, server.url, me.username, USER_PASSWORD, `/rooms/${rooms[0].id}`);
      await live(page);
      assert.equal(sockets.length, 1);
      const wentOffline = () =>
        watcher.of("presence").filter((f) => f.userId === me.id && !f.online).length;

      // A burst to every room while I go through them all, twice.
      let sent = 0;
      const burst = (async () => {
        for (const n of range(0, 7)) {
          for (const room of rooms) {
            await bob.send(room.id, `burst ${n} in ${room.name}`);
            sent++;
          }
          await sleep(40);
        }
      })();
      for (const room of [...rooms.slice(1), ...rooms]) {
        await open(page, room);
        await page.waitForFunction(() => document.activeElement?.id === "composer");
        assert.match(await page.title(), new RegExp(`^(\\(\\d+\\) )?${room.name} · `));
        assert.equal(
          await page.locator(`nav a[data-room="${room.id}"]`).getAttribute("aria-current"),
          "page",
        );
      }
      await burst;
      assert.equal(sent, 40);

      // Each room, visited again: exactly what the server has, in order.
      for (const room of rooms) {
        await open(page, room);
        const stored = (await ada.messages(room.id, { limit: 100 })).messages
          .map((m) => [m.seq, m.text] as [number, string]);
        await page.waitForFunction(
          (count) =>
            document.querySelectorAll('[data-testid="messages"] li[data-seq]').length >= count,
          stored.length,
        );
        assert.deepEqual(await conversation(page), stored, `the messages of ${room.name}`);
      }
      assert.equal(sockets.length, 1, "one WebSocket the whole time");
      assert.equal(wentOffline(), 0, "nobody saw me go offline");

      // Back and forward switch too; a message sent meanwhile is there on return.
      await page.goBack();
      await shows(page, rooms[3]);
      await bob.send(rooms[4].id, "while you were back there");
      await page.goForward();
      await shows(page, rooms[4]);
      await page.getByText("while you were back there").waitFor();

      // The scroll position is kept per room.
      for (const n of range(0, 39)) await bob.send(rooms[1].id, `filler ${n}`);
      await open(page, rooms[1]);
      await page.getByText("filler 39", { exact: true }).waitFor();
      const scroller = page.locator('[aria-label="Messages"]');
      await scroller.evaluate((el) => el.scrollTop = -400);
      const left = await scroller.evaluate((el) => el.scrollTop);
      assert.ok(left < -300, `scrolled up: ${left}`);
      // So is what I typed and did not send.
      await page.locator("#composer").fill("half a thought");
      await open(page, rooms[2]);
      assert.equal(await page.locator("#composer").inputValue(), "");
      await open(page, rooms[1]);
      assert.equal(await page.locator("#composer").inputValue(), "half a thought");
      await page.locator("#composer").fill("");
      const back = await scroller.evaluate((el) => el.scrollTop);
      assert.ok(Math.abs(back - left) < 40, `scroll kept: ${back} against ${left}`);
      // A room switched to has its whole header: the menu invites in place.
      const carol = await newUser(server.url, "carol");
      const carolName = (await carol.me()).username;
      await page.locator("summary", { hasText: "Room menu" }).click();
      await page.getByLabel("Invite someone").fill(carolName);
      await page.getByRole("button", { name: "Invite", exact: true }).click();
      await page.getByText(`Invitation sent to ${carolName}`).waitFor();
      assert.equal(sockets.length, 1, "inviting kept the page");
      await page.keyboard.press("Escape");

      // The quick switcher (Ctrl+K) switches in place too.
      await page.keyboard.press("Control+k");
      await page.locator("[data-backdrop] input:focus").waitFor();
      await page.keyboard.type(rooms[3].name);
      await page.keyboard.press("Enter");
      await shows(page, rooms[3]);
      await page.waitForFunction(() => document.activeElement?.id === "composer");
      assert.equal(sockets.length, 1);
      await open(page, rooms[1]);
      await watched.screenshot("nav-switched");
      assertClean(watched, "the room page after switching");

      // Without JavaScript the same links load pages.
      const plain = await openPage(browser, { javaScriptEnabled: false });
      await logIn(plain.page, server.url, me.username, USER_PASSWORD, `/rooms/${rooms[0].id}`);
      await plain.page.locator(`nav a[data-room="${rooms[2].id}"]`).click();
      await plain.page.waitForURL(`${server.url}/rooms/${rooms[2].id}`);
      assert.match(await plain.page.locator("h1").first().innerText(), new RegExp(rooms[2].name));
      watcher.close();
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
