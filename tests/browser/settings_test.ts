/**
 * The settings page in Chromium against the real server (tests/_server.ts): the
 * header links to it; a new display name is saved and shown; an avatar uploaded
 * through the file input shows as the preview; a wrong current password is an
 * alert next to the field, which has the focus; a new password ends every other
 * session (its socket closes with 4001, its token answers 401); a session ended
 * from the list stops working; deactivating logs out to the login page with a
 * notice. Screenshots go to test-artifacts/settings-*.png.
 */

import "../../lib/client/admin.ts";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { ApiError, ChatApi } from "../../lib/client/http.ts";
import { makePng } from "../_images.ts";
import { RecordingSocket, waitFor } from "../_clients.ts";
import { startServer } from "../_server.ts";
import { launchChromium, openPage, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "battery staple horse";
const suffix = Date.now().toString(36).slice(-4);

function unauthorized(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}

Deno.test({
  name: "settings in the browser: display name, avatar, password, sessions, deactivate",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const url = server.url;
    const browser = await launchChromium();
    const pages: WatchedPage[] = [];
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    try {
      // The first account is the server's admin; the page is tested as someone else.
      await new ChatApi(url).register(`owner_${suffix}`, PASSWORD);
      const ada = `ada_${suffix}`;
      await new ChatApi(url).register(ada, PASSWORD);
      const a = await openPage(browser);
      pages.push(a);
      const { page } = a;
      page.setDefaultTimeout(15_000);
      await logIn(page, url, ada, PASSWORD);
      await live(page);

      await step("the header links to the settings page", async () => {
        const nav = page.locator("[data-account-links]");
        assert.equal(await nav.getByRole("link", { name: "Admin" }).count(), 0, "not an admin");
        await nav.getByRole("link", { name: "Settings" }).click();
        await page.waitForURL(`${url}/settings`);
        await live(page);
        await page.getByRole("heading", { level: 1, name: "Settings" }).waitFor();
        for (const name of ["Profile", "Password", "Sessions", "Deactivate account"]) {
          await page.getByRole("heading", { level: 2, name }).waitFor();
        }
        assertClean(a, "the settings page");
      });

      await step("a new display name is saved and shown", async () => {
        const field = page.getByLabel("Display name");
        assert.equal(await field.inputValue(), ada);
        await field.fill("Ada Lovelace");
        await page.getByRole("button", { name: "Save display name" }).click();
        await page.waitForURL(`${url}/settings?done=profile#profile`);
        await page.getByRole("status").filter({ hasText: "Display name saved" }).waitFor();
        assert.equal(await page.getByLabel("Display name").inputValue(), "Ada Lovelace");
        const api = new ChatApi(url);
        await api.login(ada, PASSWORD);
        assert.equal((await api.me()).displayName, "Ada Lovelace");
      });

      await step("an uploaded avatar shows as the preview, and can be removed", async () => {
        await page.getByLabel("Upload an avatar").setInputFiles({
          name: "me.png",
          mimeType: "image/png",
          buffer: Buffer.from(makePng(320, 240)),
        });
        await page.getByRole("button", { name: "Upload avatar" }).click();
        await page.waitForURL(`${url}/settings?done=avatar#profile`);
        await page.getByRole("status").filter({ hasText: "Avatar updated" }).waitFor();
        const preview = page.locator("#profile img");
        assert.match((await preview.getAttribute("src"))!, /^\/api\/avatars\//);
        await page.waitForFunction(() => {
          const img = document.querySelector<HTMLImageElement>("#profile img");
          return !!img && img.complete && img.naturalWidth === 256;
        });
        await a.screenshot("settings-avatar");
        await page.getByRole("button", { name: "Remove avatar" }).click();
        await page.waitForURL(`${url}/settings?done=avatar_removed#profile`);
        assert.equal(await page.locator("#profile img").count(), 0, "the initials again");
        assertClean(a, "the settings page after the avatar");
      });

      await step("a wrong current password is an alert next to the field", async () => {
        await page.getByLabel("Current password").fill("not my password");
        await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
        await page.getByRole("button", { name: "Change password" }).click();
        const alert = page.getByRole("alert").filter({ hasText: "Current password is wrong" });
        await alert.waitFor();
        const focused = await page.evaluate(() => document.activeElement?.id);
        assert.equal(focused, "password-current", "the field with the error has the focus");
        assert.equal(
          await page.getByLabel("Current password").getAttribute("aria-describedby"),
          "password-current-error",
        );
        assertClean(a, "the password error", (errors) => errors.filter((e) => !/401/.test(e)));
      });

      await step("a new password ends the other sessions: 4001, then 401", async () => {
        const other = new ChatApi(url);
        await other.login(ada, PASSWORD);
        const socket = await RecordingSocket.open(other);
        await page.goto(`${url}/settings`);
        await page.getByLabel("Current password").fill(PASSWORD);
        await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
        await page.getByLabel("Confirm new password").fill(NEW_PASSWORD);
        await page.getByRole("button", { name: "Change password" }).click();
        await page.waitForURL(`${url}/settings?done=password#password`);
        await page.getByRole("status").filter({ hasText: "Password changed" }).waitFor();
        await waitFor("the other socket closes with 4001", () => socket.closes.includes(4001));
        await assert.rejects(other.me(), unauthorized);
        await live(page);
      });

      await step("a session ended from the list stops working", async () => {
        const curl = new ChatApi(url, { headers: { "user-agent": "curl/8.5.0" } });
        await curl.login(ada, NEW_PASSWORD);
        await page.goto(`${url}/settings#sessions`);
        const table = page.getByRole("table", { name: "Devices signed in to your account" });
        const mine = table.locator("tr[data-current]");
        assert.match((await mine.textContent())!, /This device/);
        assert.match((await mine.textContent())!, /Headless Chrome on Linux/);
        await table.getByRole("button", { name: "Log out curl" }).click();
        await page.waitForURL(`${url}/settings?done=session#sessions`);
        await page.getByRole("status").filter({ hasText: "That session was logged out" })
          .waitFor();
        await assert.rejects(curl.me(), unauthorized);
        assert.equal(await table.getByRole("button", { name: "Log out curl" }).count(), 0);
        await a.screenshot("settings");
      });

      await step("deactivating logs out to the login page with a notice", async () => {
        await page.goto(`${url}/settings#deactivate`);
        await page.getByRole("link", { name: "Deactivate my account…" }).click();
        await page.waitForURL(`${url}/settings/deactivate`);
        await page.getByRole("heading", { level: 1, name: `Deactivate ${ada}?` }).waitFor();
        assert.equal(await page.locator("script").count(), 0, "no script: no live socket");
        await page.getByLabel("Your password").fill(NEW_PASSWORD);
        await page.getByRole("button", { name: "Deactivate my account" }).click();
        await page.waitForURL(`${url}/login?notice=deactivated`);
        await page.getByRole("status").filter({ hasText: "Your account is deactivated" })
          .waitFor();
        await assert.rejects(new ChatApi(url).login(ada, NEW_PASSWORD), unauthorized);
        await page.goto(`${url}/settings`);
        await page.waitForURL(`${url}/login?next=%2Fsettings`);
      });
    } finally {
      for (const watched of pages) await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});
