/**
 * The server admin page in Chromium against the real server with
 * `REGISTRATION=invite`: the admin makes an invite code, shown once with its
 * registration link, which a second browser (no shared cookies) opens and
 * registers with, landing signed in; the admin then sees them in the users list,
 * and the invite used. A non-admin is refused the page (403) and has no link to
 * it. On a `closed` server the register page says so instead of showing a form.
 * Screenshots go to test-artifacts/admin-*.png.
 */

import assert from "node:assert/strict";
import { ChatApi } from "../../lib/client/http.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);

Deno.test({
  name: "admin page in the browser: an invite a second browser registers with; 403 for others",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({ env: { REGISTRATION: "invite" } });
    const url = server.url;
    const browser = await launchChromium();
    const pages: WatchedPage[] = [];
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    try {
      const root = `root_${suffix}`;
      const kim = `kim_${suffix}`;
      await new ChatApi(url).register(root, PASSWORD);
      const a = await openPage(browser);
      pages.push(a);
      a.page.setDefaultTimeout(15_000);
      await logIn(a.page, url, root, PASSWORD, "/admin");
      await live(a.page);
      let link = "";

      await step("the admin makes an invite code, shown once with its link", async () => {
        const { page } = a;
        await page.getByRole("heading", { level: 1, name: "Server admin" }).waitFor();
        await page.getByLabel("Uses").fill("1");
        await page.getByLabel("Expires in (days)").fill("2");
        await page.getByRole("button", { name: "Create invite" }).click();
        await page.waitForURL(`${url}/admin#invites`);
        await page.getByRole("status").filter({ hasText: "shown only this once" }).waitFor();
        const code = await page.getByRole("textbox", { name: "Invite code" }).inputValue();
        assert.match(code, /^[a-z2-7]{26}$/);
        link = await page.getByLabel("Registration link").inputValue();
        assert.equal(link, `${url}/register?invite=${code}`);
        const invites = page.getByRole("table", { name: "Invite codes, newest first" });
        assert.match((await invites.locator("tbody tr").first().textContent())!, /0 of 1/);
        await a.screenshot("admin-invite");
        assertClean(a, "the admin page");
        await page.reload();
        await live(page);
        assert.equal(
          await page.getByRole("textbox", { name: "Invite code" }).count(),
          0,
          "not shown again",
        );
      });

      await step("a second browser registers with the link", async () => {
        const b = await openPage(browser);
        pages.push(b);
        const { page } = b;
        page.setDefaultTimeout(15_000);
        await page.goto(link);
        assert.equal(
          await page.getByRole("textbox", { name: "Invite code" }).inputValue(),
          link.split("=")[1],
        );
        await page.getByLabel("Username").fill(kim);
        await page.getByLabel("Password").fill(PASSWORD);
        await page.getByRole("button", { name: "Create account" }).click();
        await page.waitForURL(`${url}/`);
        await live(page);
        await page.getByRole("heading", { name: `Welcome, ${kim}` }).waitFor();
        assertClean(b, "the home page after registering with an invite");
      });

      await step("the admin sees them, and the invite used up", async () => {
        const { page } = a;
        await page.reload();
        await live(page);
        const row = page.locator(`tr[data-user="${kim}"]`);
        assert.match((await row.textContent())!, /Active/);
        const invites = page.getByRole("table", { name: "Invite codes, newest first" });
        const first = await invites.locator("tbody tr").first().textContent();
        assert.match(first!, /1 of 1/);
        assert.match(first!, /Spent/);
        const deactivate = row.getByRole("link", { name: `Deactivate ${kim}` });
        assert.match(
          (await deactivate.getAttribute("href"))!,
          new RegExp(`^/admin/users/[0-9a-z]+/deactivate\\?username=${kim}$`),
        );
        await page.setViewportSize({ width: 1280, height: 1600 });
        await a.screenshot("admin");
      });

      await step("someone else gets 403 and no link to the page", async () => {
        const b = pages[1];
        const nav = b.page.locator("[data-account-links]");
        assert.equal(await nav.getByRole("link", { name: "Settings" }).count(), 1);
        assert.equal(await nav.getByRole("link", { name: "Admin" }).count(), 0);
        const answer = await b.page.goto(`${url}/admin`);
        assert.equal(answer?.status(), 403);
        await b.page.getByRole("heading", { name: "You do not have access" }).waitFor();
      });
    } finally {
      for (const watched of pages) await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "a closed server's register page says so, and the login page does not link to it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server: TestServer = await startServer({ env: { REGISTRATION: "closed" } });
    const browser = await launchChromium();
    const watched = await openPage(browser);
    try {
      const { page } = watched;
      await page.goto(`${server.url}/login`);
      assert.equal(await page.getByRole("link", { name: "Create an account" }).count(), 0);
      await page.goto(`${server.url}/register`);
      const alert = page.getByRole("alert");
      assert.equal(await alert.textContent(), "Registration is closed on this server");
      assert.equal(await page.locator("form").count(), 0);
      assert.equal(await page.getByRole("textbox").count(), 0);
      assertClean(watched, "the closed register page");
    } finally {
      await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});
