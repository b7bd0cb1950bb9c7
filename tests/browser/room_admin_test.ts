/**
 * Room administration in the web app, in Chromium against the real server: the
 * room settings dialog (rename and topic seen live by another member, removing a
 * member who watches the room: their notice, the page leaving, the sidebar, and no
 * more of the room on their socket), deleting a room with a typed confirmation,
 * the confirmation before leaving a private room, and a display name change seen
 * without a reload. Screenshots go to /tmp/shots/.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import "../../lib/client/admin.ts";
import { startServer, type TestServer } from "../_server.ts";
import { RecordingSocket, registered, sleep, waitFor } from "../_clients.ts";
import { launchChromium, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, signedIn as signedInAs } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);

function signedIn(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  colorScheme: "light" | "dark" = "light",
): Promise<WatchedPage> {
  return signedInAs(browser, url, username, PASSWORD, path, { colorScheme, live: true });
}

async function openSettings(page: Page) {
  await page.locator("summary", { hasText: "Room menu" }).click();
  await page.locator("[data-room-settings]").click();
  const dialog = page.getByRole("dialog", { name: /^Settings of #/ });
  await dialog.waitFor();
  return dialog;
}

Deno.test({
  name: "room administration in the web app: settings, removal, deletion, leaving, names",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer();
    const url = server.url;
    const browser = await launchChromium();
    const owner = `owner_${suffix}`;
    const bob = `bob_${suffix}`;
    const carl = `carl_${suffix}`;
    const apis = await registered(url, [owner, bob, carl], PASSWORD);
    const room = await apis[owner].createRoom(`team-${suffix}`);
    const other = await apis[owner].createRoom(`other-${suffix}`);
    for (const name of [bob, carl]) {
      await apis[name].join(room.id);
      await apis[name].join(other.id);
    }
    const pages: WatchedPage[] = [];
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };

    try {
      const a = await signedIn(browser, url, owner, `/rooms/${room.id}`);
      const b = await signedIn(browser, url, bob, `/rooms/${room.id}`, "dark");
      pages.push(a, b);

      await step("rename and topic from the dialog are seen live by another member", async () => {
        const dialog = await openSettings(a.page);
        // Owner's view: badges, and admin actions for the others.
        await dialog.locator(`[data-admin-member="${owner}"] [data-role="owner"]`).waitFor();
        await dialog.locator(`[data-admin-member="${bob}"]`).getByRole("button", {
          name: "Make admin",
        }).waitFor();
        await dialog.getByLabel("Name", { exact: true }).fill(`crew-${suffix}`);
        await dialog.getByLabel("Topic", { exact: true }).fill("Ships and sails");
        await dialog.getByRole("button", { name: "Save" }).click();
        await dialog.getByRole("status").getByText("Saved").waitFor();
        await b.page.locator("header h1", { hasText: `crew-${suffix}` }).waitFor();
        await b.page.locator('header summary[title="Ships and sails"]').waitFor();
        await b.page.locator(`nav a[data-room="${room.id}"]`, { hasText: `crew-${suffix}` })
          .waitFor();
        await a.screenshot("room-settings-owner");
        // Escape closes it and gives the focus back to the menu.
        await a.page.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        // The focus moves back as the dialog closes (a moment later on a busy machine).
        await a.page.waitForFunction(
          () => document.activeElement?.textContent?.trim() === "Room menu",
          undefined,
          { timeout: 5000 },
        ).catch(() => {});
        assert.equal(
          await a.page.evaluate(() => document.activeElement?.textContent?.trim()),
          "Room menu",
        );
      });

      await step(
        "a plain member sees name and topic read-only, without admin buttons",
        async () => {
          const dialog = await openSettings(b.page);
          assert.equal(
            await dialog.getByLabel("Name", { exact: true }).getAttribute("readonly"),
            "",
          );
          assert.equal(await dialog.getByRole("button", { name: /^Remove / }).count(), 0);
          assert.equal(await dialog.getByRole("button", { name: "Delete room" }).count(), 0);
          await b.page.keyboard.press("Escape");
          await dialog.waitFor({ state: "detached" });
        },
      );

      await step("a display name change shows in the other member's page", async () => {
        await apis[bob].send(room.id, "hello from bob");
        const author = a.page.locator(`[data-author="${bob}"]`).last();
        await author.waitFor();
        assert.equal(await author.textContent(), bob);
        await apis[bob].updateProfile({ displayName: "Captain Bob" });
        await waitFor(
          "the new display name",
          async () => (await author.textContent()) === "Captain Bob",
        );
        await a.page.locator(`#members [data-member="${bob}"]`, { hasText: "Captain Bob" })
          .waitFor();
        // The username shows beside a display name that differs from it.
        assert.match(
          await a.page.locator(`#members [data-member="${bob}"]`).innerText(),
          new RegExp(`@${bob}`),
        );
      });

      await step(
        "removing a member who watches the room: notice, page leaves, sidebar",
        async () => {
          const watcher = await RecordingSocket.open(apis[bob]);
          await watcher.socket.subscribe(room.id, { since: 0 });
          const dialog = await openSettings(a.page);
          await dialog.getByRole("button", { name: `Remove ${bob}` }).click();
          const notice = b.page.getByRole("alert").filter({
            hasText: `You were removed from #crew-`,
          });
          await notice.waitFor();
          await b.screenshot("room-removed-notice");
          // The composer is gone, the sidebar dropped the room at once.
          assert.equal(await b.page.locator("#composer").count(), 0);
          assert.equal(await b.page.locator(`nav a[data-room="${room.id}"]`).count(), 0);
          await b.page.waitForURL(`${url}/`, { timeout: 10_000 });
          await b.page.locator(`nav a[data-room="${other.id}"]`).waitFor();
          assert.equal(await b.page.locator(`nav a[data-room="${room.id}"]`).count(), 0);
          // Their socket hears no more of the room.
          await waitFor(
            "the removed frame",
            () => watcher.of("removed").some((f) => f.roomId === room.id),
          );
          const before = watcher.seqs(room.id).length;
          await apis[owner].send(room.id, "after the removal");
          await sleep(500);
          assert.equal(watcher.seqs(room.id).length, before);
          watcher.close();
          await a.page.keyboard.press("Escape");
        },
      );

      await step("delete needs the room's name typed; everyone leaves the page", async () => {
        await b.page.goto(`${url}/rooms/${other.id}`);
        await live(b.page);
        await a.page.goto(`${url}/rooms/${other.id}`);
        await live(a.page);
        const dialog = await openSettings(a.page);
        const button = dialog.getByRole("button", { name: "Delete room" });
        assert.equal(await button.isDisabled(), true);
        await dialog.getByLabel("Room name, to confirm").fill(`other-${suffix}x`);
        assert.equal(await button.isDisabled(), true);
        await dialog.getByLabel("Room name, to confirm").fill(`other-${suffix}`);
        assert.equal(await button.isDisabled(), false);
        await button.click();
        await b.page.getByRole("alert").filter({ hasText: `#other-${suffix} was deleted` })
          .waitFor();
        await b.page.waitForURL(`${url}/`);
        await a.page.waitForURL(`${url}/`);
        await assert.rejects(apis[bob].room(other.id));
      });

      await step("leaving a private room asks first: cancel stays, confirm leaves", async () => {
        const secret = await apis[owner].createRoom(`secret-${suffix}`, { kind: "private" });
        await apis[owner].invite(secret.id, carl);
        await apis[carl].join(secret.id);
        const c = await signedIn(browser, url, carl, `/rooms/${secret.id}`);
        pages.push(c);
        const { page } = c;
        const asked: string[] = [];
        let answer = false;
        page.on("dialog", (d) => {
          asked.push(d.message());
          void (answer ? d.accept() : d.dismiss());
        });
        const leave = async () => {
          await page.locator("summary", { hasText: "Room menu" }).click();
          await page.locator("[data-room-settings]").waitFor();
          await page.getByRole("button", { name: "Leave room" }).click();
        };
        await leave();
        await waitFor("the question", () => asked.length === 1);
        assert.match(asked[0], /You will need a new invitation to come back/);
        await sleep(300);
        assert.equal(new URL(page.url()).pathname, `/rooms/${secret.id}`);
        answer = true;
        await page.keyboard.press("Escape");
        await leave();
        await page.waitForURL((u) => u.pathname !== `/rooms/${secret.id}`);
        assert.equal(asked.length, 2);
        const mine = await apis[carl].rooms();
        assert.equal(mine.some((r) => r.id === secret.id), false);
      });

      for (const page of pages) {
        assertClean(page, "the room admin pages", (errors) =>
          // Requests the pages made to a room that had just gone.
          errors.filter((e) => !/status of (403|404)/.test(e)));
      }
    } finally {
      for (const page of pages) await page.close().catch(() => {});
      await browser.close();
      await server.stop();
    }
  },
});
