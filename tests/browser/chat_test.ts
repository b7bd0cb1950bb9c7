/**
 * The web app in Chromium against the real server (tests/_server.ts): forms with
 * and without JavaScript, two people chatting live both ways, hostile text, a
 * direct conversation appearing live, unread badges, presence, a reload, a
 * server restart mid-conversation, and a phone-sized screen. Screenshots of the
 * main screens (desktop and phone, light and dark) go to test-artifacts/.
 */

import assert from "node:assert/strict";
import type { Browser, Page } from "playwright-core";
import { ChatApi } from "../../lib/client/http.ts";
import { startServer, tempKvPath, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type OpenPageOptions, type WatchedPage } from "./_chromium.ts";
import { assertClean as assertCleanOf, live, logIn as logInAs, rows } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const PHONE = { width: 360, height: 740 };
const suffix = Date.now().toString(36).slice(-4);

/** Browser noise that is expected while the server is deliberately down. */
function unexpected(errors: string[]): string[] {
  return errors.filter((e) =>
    !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET/.test(e)
  );
}

function assertClean(watched: WatchedPage, what: string) {
  assertCleanOf(watched, what, unexpected);
}

async function register(page: Page, url: string, username: string): Promise<void> {
  await page.goto(`${url}/register`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(`${url}/`);
}

function logIn(page: Page, url: string, username: string, next = "/"): Promise<void> {
  return logInAs(page, url, username, PASSWORD, next);
}

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByRole("textbox", { name: /^Message / });
  await composer.fill(text);
  await composer.press("Enter");
}

/** Waits for a stored message with exactly this text. */
async function seen(page: Page, text: string, timeout = 10_000): Promise<void> {
  await rows(page).filter({ has: page.getByText(text, { exact: true }) }).first()
    .waitFor({ timeout });
}

/** The stored messages on screen as [seq, text]. */
async function conversation(page: Page): Promise<Array<[number, string]>> {
  return await rows(page).evaluateAll((rows) =>
    rows.map((row) =>
      [
        Number(row.getAttribute("data-seq")),
        row.querySelector("p[dir=auto]")?.textContent ?? "",
      ] as [number, string]
    )
  );
}

function assertGapFree(rows: Array<[number, string]>, what: string) {
  const seqs = rows.map(([seq]) => seq);
  assert.equal(new Set(seqs).size, seqs.length, `duplicate seqs on ${what}: ${seqs}`);
  for (let i = 1; i < seqs.length; i++) {
    assert.equal(seqs[i], seqs[i - 1] + 1, `gap on ${what}: ${seqs}`);
  }
}

async function signedInPage(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  options: OpenPageOptions = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser, options);
  await logIn(watched.page, url, username, path);
  return watched;
}

Deno.test({
  name: "the web app: forms, live chat both ways, DMs, presence, reload, restart, phone",
  // playwright keeps its pipe to the browser open between steps.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const kvPath = await tempKvPath();
    const env = { PRESENCE_GRACE_MS: "200", SEND_RATE_BURST: "200" };
    let server: TestServer = await startServer({ kvPath, env });
    const url = server.url;
    const browser = await launchChromium();
    const ada = `ada_${suffix}`;
    const bob = `bob.${suffix}`;
    const room = `general-${suffix}`;
    let roomUrl = "";
    const a = await openPage(browser);
    const b = await openPage(browser);
    const dialogs: string[] = [];
    for (const watched of [a, b]) watched.page.setDefaultTimeout(10_000);
    // Later steps build on earlier ones: stop at the first failure.
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };
    try {
      await step("without JavaScript: register, log out, errors re-render, log in", async () => {
        const loginHtml = await (await fetch(`${url}/login`)).text();
        const registerHtml = await (await fetch(`${url}/register`)).text();
        assert.ok(!/<script|modulepreload/.test(loginHtml + registerHtml), "0 KB of JS");
        const nojs = await openPage(browser, { javaScriptEnabled: false });
        const { page } = nojs;
        await page.goto(`${url}/`);
        assert.equal(new URL(page.url()).pathname, "/login", "signed-out users go to /login");
        const name = `carol-${suffix}`;
        await register(page, url, name);
        assert.equal(await page.getByTestId("me").first().textContent(), name);
        await page.goto(`${url}/login`);
        assert.equal(page.url(), `${url}/`, "signed-in users skip /login");
        await page.getByRole("button", { name: "Log out" }).click();
        await page.waitForURL(`${url}/login`);
        await page.goto(`${url}/`);
        assert.equal(new URL(page.url()).pathname, "/login", "the session ended");

        // The name is taken: the form comes back with the name and the reason.
        await page.goto(`${url}/register`);
        await page.getByLabel("Username").fill(name.toUpperCase());
        await page.getByLabel("Password").fill(PASSWORD);
        await page.getByRole("button", { name: "Create account" }).click();
        await page.getByText(/Username is taken/).waitFor();
        assert.equal(await page.getByLabel("Username").inputValue(), name.toUpperCase());
        assert.equal(await page.getByLabel("Username").getAttribute("aria-invalid"), "true");
        await nojs.screenshot("web-register-error-light");

        await page.goto(`${url}/login`);
        await page.getByLabel("Username").fill(name);
        await page.getByLabel("Password").fill("not the password");
        await page.getByRole("button", { name: "Log in" }).click();
        await page.getByText("Invalid username or password").waitFor();
        assert.equal(await page.getByLabel("Username").inputValue(), name);
        await page.getByLabel("Password").fill(PASSWORD);
        await page.getByRole("button", { name: "Log in" }).click();
        await page.waitForURL(`${url}/`);
        assert.equal(await page.getByTestId("me").first().textContent(), name);

        // Rooms and messages work without JavaScript too: plain forms and redirects.
        await page.goto(`${url}/directory`);
        await page.getByLabel("Name", { exact: true }).fill(`plain-${suffix}`);
        await page.getByRole("button", { name: "Create room" }).click();
        await page.waitForURL(/\/rooms\/[0-9a-z]+$/);
        await page.getByRole("textbox", { name: /^Message / }).fill("sent by a plain form");
        await page.getByRole("button", { name: "Send" }).click();
        await seen(page, "sent by a plain form");
        // The invite form posts and redirects too, and says what it did.
        await page.locator("summary", { hasText: "Room menu" }).click();
        await page.getByLabel("Invite someone").fill(name);
        await page.getByRole("button", { name: "Invite", exact: true }).click();
        await page.getByText(`You are already in #plain-${suffix}`).waitFor();
        await nojs.close();
      });

      await step("a form post from another origin is refused", async () => {
        const res = await fetch(`${url}/login`, {
          method: "POST",
          headers: {
            origin: "https://evil.example",
            "content-type": "application/x-www-form-urlencoded",
          },
          body: `username=${ada}&password=x`,
        });
        assert.equal(res.status, 403);
        assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/);
        await res.body?.cancel();
      });

      await step("two people register, one creates a room, the other joins", async () => {
        a.page.on("dialog", (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        b.page.on("dialog", (d) => {
          dialogs.push(d.message());
          void d.dismiss();
        });
        await register(a.page, url, ada);
        await register(b.page, url, bob);
        await a.page.getByRole("link", { name: "New room" }).click();
        await a.page.getByLabel("Name", { exact: true }).fill(room);
        await a.page.getByLabel("Topic (optional)").fill("Anything goes");
        await a.page.getByRole("button", { name: "Create room" }).click();
        await a.page.waitForURL(/\/rooms\/[0-9a-z]+$/);
        roomUrl = a.page.url();
        await live(a.page);
        // Keyboard users can skip the room list.
        await a.page.keyboard.press("Tab");
        const focused = await a.page.evaluate(() => document.activeElement?.textContent?.trim());
        assert.equal(focused, "Skip to composer");

        await b.page.getByRole("link", { name: "Browse rooms" }).first().click();
        await b.page.getByRole("button", { name: `Join ${room}` }).click();
        await b.page.waitForURL(roomUrl);
        await live(b.page);
        // Ada sees Bob arrive, online.
        await a.page.locator(`[data-member="${bob}"][data-online="true"]`).waitFor();
      });

      await step("messages go both ways live; Enter sends, Shift+Enter breaks a line", async () => {
        await send(a.page, "hello from ada");
        await seen(a.page, "hello from ada");
        await seen(b.page, "hello from ada");
        const composer = b.page.getByRole("textbox", { name: /^Message / });
        await composer.pressSequentially("line one");
        await a.page.getByText(`${bob} is typing…`).waitFor();
        await composer.press("Shift+Enter");
        await composer.pressSequentially("line two");
        await composer.press("Enter");
        await seen(a.page, "line one\nline two");
        await seen(b.page, "line one\nline two");
        assert.equal(await composer.inputValue(), "", "the composer is cleared");
        assert.deepEqual((await conversation(a.page)).map(([seq]) => seq), [1, 2]);
        // Screen readers hear incoming messages.
        const announced = await a.page.locator('[aria-live="polite"]').last().textContent();
        assert.equal(announced, `${bob}: line one\nline two`);
      });

      await step("markup in a message is inert text; links open safely", async () => {
        const img = "<img src=x onerror=alert(1)>";
        const script = "<script>alert(1)</script>";
        await send(a.page, img);
        await send(a.page, script);
        await send(a.page, "docs: https://example.com/a_(b). ok");
        await seen(b.page, img);
        await seen(b.page, script);
        await seen(b.page, "docs: https://example.com/a_(b). ok");
        for (const page of [a.page, b.page]) {
          const list = page.getByTestId("messages");
          assert.equal(await list.locator("img, script").count(), 0);
          const link = list.getByRole("link", { name: "https://example.com/a_(b)" });
          assert.equal(await link.getAttribute("href"), "https://example.com/a_(b)");
          assert.equal(await link.getAttribute("rel"), "noopener noreferrer nofollow");
          assert.equal(await link.getAttribute("target"), "_blank");
        }
        // Right-to-left text runs right to left; a very long word wraps inside the pane.
        const rtl = "שלום עולם";
        const long = "x".repeat(400);
        await send(a.page, rtl);
        await send(a.page, long);
        await seen(b.page, long);
        const text = (t: string) => b.page.getByTestId("messages").getByText(t, { exact: true });
        assert.equal(await text(rtl).evaluate((el) => getComputedStyle(el).direction), "rtl");
        const [scroll, client] = await text(long).evaluate((
          el,
        ) => [el.scrollWidth, el.clientWidth]);
        assert.ok(scroll <= client, `the long word overflows: ${scroll} > ${client}`);
        await b.page.waitForTimeout(200);
        assert.deepEqual(dialogs, []);
        await a.screenshot("web-room-desktop-light");
      });

      let dmUrl = "";
      await step("a direct conversation appears live for the other, with a badge", async () => {
        await a.page.locator(`[data-member="${bob}"]`).getByRole("button").click();
        await a.page.waitForURL(/\/rooms\/[0-9a-z]+$/);
        dmUrl = a.page.url();
        assert.notEqual(dmUrl, roomUrl);
        await live(a.page);
        const dmId = new URL(dmUrl).pathname.split("/").pop();
        // Bob, still in the room, sees the conversation appear without reloading.
        const link = b.page.locator(`nav a[data-room="${dmId}"]`);
        await link.waitFor();
        assert.equal(await link.locator("bdi").textContent(), ada);
        await send(a.page, "psst");
        await seen(a.page, "psst");
        await link.getByLabel("1 unread").waitFor();
        assert.match(await b.page.title(), /^\(1\) /);
        await b.screenshot("web-room-unread-desktop-light");
        await link.click();
        await b.page.waitForURL(dmUrl);
        await live(b.page);
        await seen(b.page, "psst");
        // The divider sits at Bob's read marker: above the message he had not read.
        const divider = b.page.locator('[data-divider="new"]');
        assert.equal(await divider.textContent(), "New messages");
        assert.equal(
          await divider.locator("xpath=following-sibling::li[1]").getAttribute("data-seq"),
          "1",
        );
        await b.page.goto(roomUrl);
        await live(b.page);
        assert.equal(
          await b.page.locator(`nav a[data-room="${dmId}"]`).getByLabel(/unread/).count(),
          0,
        );
      });

      await step("a reload keeps the history, rendered on the server", async () => {
        const html = await b.page.evaluate(() => document.documentElement.outerHTML);
        assert.ok(html.includes("hello from ada"));
        await b.page.reload();
        await live(b.page);
        const rows = await conversation(b.page);
        assert.deepEqual(rows.map(([seq]) => seq), [1, 2, 3, 4, 5, 6, 7]);
        assert.equal(rows[0][1], "hello from ada");
      });

      await step("a private room: invite by name, the invitation arrives live, join", async () => {
        await a.page.goto(`${url}/directory#create`);
        await a.page.getByLabel("Name", { exact: true }).fill(`secret-${suffix}`);
        await a.page.getByLabel("Private").check();
        await a.page.getByRole("button", { name: "Create room" }).click();
        await a.page.waitForURL(/\/rooms\/[0-9a-z]+$/);
        await live(a.page);
        const privateUrl = a.page.url();
        await a.page.locator("summary", { hasText: "Room menu" }).click();
        await a.page.getByLabel("Invite someone").fill(bob);
        await a.page.getByRole("button", { name: "Invite", exact: true }).click();
        await a.page.getByText(`Invitation sent to ${bob}`).waitFor();
        const invites = b.page.getByRole("region", { name: "Invitations" });
        await invites.getByText(`secret-${suffix}`).waitFor();
        await invites.getByRole("button", { name: "Join" }).click();
        await b.page.waitForURL(privateUrl);
        await live(b.page);
        await a.page.locator(`[data-member="${bob}"]`).waitFor();
        // Inviting a member again, or myself, says so instead of "Invitation sent".
        const menu = a.page.locator("details", { hasText: "Room menu" });
        if ((await menu.getAttribute("open")) === null) {
          await a.page.locator("summary", { hasText: "Room menu" }).click();
        }
        await a.page.getByLabel("Invite someone").fill(bob);
        await a.page.getByRole("button", { name: "Invite", exact: true }).click();
        await a.page.getByText(`${bob} is already in #secret-${suffix}`).waitFor();
        await a.page.getByLabel("Invite someone").fill(ada);
        await a.page.getByRole("button", { name: "Invite", exact: true }).click();
        await a.page.getByText(`You are already in #secret-${suffix}`).waitFor();
        await b.page.goto(roomUrl);
        await live(b.page);
      });

      await step("invitations sent while I was away wait in the list; decline one", async () => {
        const api = new ChatApi(url);
        await api.login(ada, PASSWORD);
        const kept = await api.createRoom(`kept-${suffix}`, { kind: "private" });
        const unwanted = await api.createRoom(`unwanted-${suffix}`, { kind: "private" });
        await api.invite(kept.id, bob);
        await api.invite(unwanted.id, bob);
        // A page rendered afterwards lists both, with who invited.
        await b.page.reload();
        await live(b.page);
        const invites = b.page.getByRole("region", { name: "Invitations" });
        await invites.getByText(`kept-${suffix}`).waitFor();
        await invites.getByText(`unwanted-${suffix}`).waitFor();
        assert.equal(await invites.getByText(`from ${ada}`).count(), 2);
        // A second tab, to see the decline reach it live.
        const other = await b.page.context().newPage();
        await other.goto(roomUrl);
        await live(other);
        const otherInvites = other.getByRole("region", { name: "Invitations" });
        await otherInvites.getByText(`unwanted-${suffix}`).waitFor();
        await invites.getByRole("button", { name: `Decline the invitation to unwanted-${suffix}` })
          .click();
        await otherInvites.getByText(`unwanted-${suffix}`).waitFor({ state: "detached" });
        await otherInvites.getByText(`kept-${suffix}`).waitFor();
        await other.close();
        // The Decline form posts and goes home: this page was in another room already,
        // so only the home page's URL says the old page is gone.
        await b.page.waitForURL(`${url}/`);
        await live(b.page);
        await invites.getByText(`kept-${suffix}`).waitFor();
        assert.equal(await invites.getByText(`unwanted-${suffix}`).count(), 0);
        assert.deepEqual((await api.room(unwanted.id)).members.map((m) => m.username), [ada]);
        await b.page.goto(roomUrl);
        await live(b.page);
        assert.equal(await invites.getByText(`unwanted-${suffix}`).count(), 0, "after a reload");
        await invites.getByRole("button", { name: "Join" }).click();
        await b.page.waitForURL(`${url}/rooms/${kept.id}`);
        await live(b.page);
        await b.page.goto(roomUrl);
        await live(b.page);
      });

      await step("scrolling up loads older history", async () => {
        const api = new ChatApi(url);
        await api.login(ada, PASSWORD);
        const history = await api.createRoom(`history-${suffix}`);
        for (let i = 1; i <= 60; i++) await api.send(history.id, `old message ${i}`);
        await a.page.goto(`${url}/rooms/${history.id}`);
        await live(a.page);
        let rows = await conversation(a.page);
        assert.deepEqual([rows[0][0], rows.length], [11, 50], "the newest 50 first");
        await a.page.getByLabel("Messages", { exact: true }).evaluate((el) => {
          el.scrollTop = -el.scrollHeight;
        });
        await seen(a.page, "old message 1");
        rows = await conversation(a.page);
        assertGapFree(rows, "the history room");
        assert.equal(rows.length, 60);
        assert.equal(await a.page.getByText("This is the beginning of").count(), 1);
      });

      await step("a server restart mid-conversation loses and doubles nothing", async () => {
        await a.page.goto(roomUrl);
        await live(a.page);
        await server.stop();
        await a.page.waitForSelector('[data-connection="reconnecting"]');
        await b.page.waitForSelector('[data-connection="reconnecting"]');
        await send(a.page, "sent while the server was down");
        await a.page.locator('li[data-status="sending"]').waitFor();
        await a.screenshot("web-room-reconnecting-desktop-light");
        server = await startServer({ kvPath, port: server.port, env });
        await live(a.page);
        await live(b.page);
        await seen(a.page, "sent while the server was down", 20_000);
        await seen(b.page, "sent while the server was down", 20_000);
        await send(b.page, "back again");
        await seen(a.page, "back again");
        // Ada can see it before Bob's own ack is in (until then it is pending on his page).
        await seen(b.page, "back again");
        for (const [page, who] of [[a.page, "ada"], [b.page, "bob"]] as const) {
          const rows = await conversation(page);
          assertGapFree(rows, who);
          assert.deepEqual(rows.map(([seq]) => seq), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
          assert.equal(
            rows.filter(([, text]) => text === "sent while the server was down").length,
            1,
          );
          assert.equal(await page.locator("li[data-status]").count(), 0, "nothing pending");
        }
        const stored = await fetch(`${url}/api/rooms/${roomUrl.split("/").pop()}/messages`, {
          headers: { cookie: await cookieOf(a.page) },
        }).then((r) => r.json());
        assert.equal(stored.messages.length, 9);
      });

      await step("a phone-size screen is usable: composer visible, can send", async () => {
        for (const colorScheme of ["light", "dark"] as const) {
          const phone = await signedInPage(browser, url, ada, new URL(roomUrl).pathname, {
            viewport: PHONE,
            colorScheme,
          });
          await live(phone.page);
          const composer = phone.page.getByRole("textbox", { name: /^Message / });
          const box = await composer.boundingBox();
          assert.ok(box && box.y + box.height <= PHONE.height && box.x >= 0, "composer on screen");
          assert.ok(box.x + box.width <= PHONE.width);
          assert.ok(!(await phone.page.getByRole("navigation").isVisible()), "sidebar collapsed");
          const width = await phone.page.evaluate(() => document.documentElement.scrollWidth);
          assert.ok(width <= PHONE.width, `no sideways scrolling: ${width}px`);
          await send(phone.page, `from a ${colorScheme} phone`);
          await seen(phone.page, `from a ${colorScheme} phone`);
          await seen(b.page, `from a ${colorScheme} phone`);
          await phone.screenshot(`web-room-phone-${colorScheme}`);
          const members = phone.page.getByRole("complementary", { name: "Members" });
          assert.ok(!(await members.isVisible()), "the member list starts hidden");
          await phone.page.getByRole("button", { name: /members$/ }).click();
          await members.getByText(bob).waitFor();
          await phone.screenshot(`web-members-phone-${colorScheme}`);
          await members.getByRole("button", { name: "Close" }).click();
          assert.ok(!(await members.isVisible()));
          await phone.page.getByRole("link", { name: "Back to rooms" }).click();
          await phone.page.waitForURL(`${url}/`);
          assert.ok(await phone.page.getByRole("navigation").isVisible(), "the list on home");
          await phone.screenshot(`web-home-phone-${colorScheme}`);
          await phone.page.getByRole("link", { name: "Browse rooms" }).first().click();
          await phone.page.getByRole("heading", { name: "Public rooms" }).waitFor();
          await phone.screenshot(`web-directory-phone-${colorScheme}`);
          assertClean(phone, `the ${colorScheme} phone`);
          await phone.close();
        }
      });

      await step("closing the tab shows the person offline to the other", async () => {
        assertClean(b, "bob's pages");
        await b.close();
        await a.page.locator(`[data-member="${bob}"][data-online="false"]`).waitFor({
          timeout: 10_000,
        });
        await a.page.goto(`${url}/`);
        await live(a.page);
        await a.screenshot("web-home-desktop-light");
      });

      await step("dark theme and the remaining screens", async () => {
        const dark = await signedInPage(browser, url, ada, new URL(roomUrl).pathname, {
          colorScheme: "dark",
        });
        await live(dark.page);
        const background = await dark.page.evaluate(() =>
          getComputedStyle(document.querySelector("main")!).backgroundColor
        );
        assert.equal(background, "rgb(17, 24, 39)");
        await dark.screenshot("web-room-desktop-dark");
        await dark.page.goto(`${url}/directory`);
        await dark.screenshot("web-directory-desktop-dark");
        assertClean(dark, "the dark pages");
        await dark.close();
        await a.page.goto(`${url}/directory`);
        await a.screenshot("web-directory-desktop-light");
        const login = await openPage(browser, { colorScheme: "dark" });
        await login.page.goto(`${url}/login`);
        await login.screenshot("web-login-dark");
        await login.page.setViewportSize(PHONE);
        await login.screenshot("web-login-phone-dark");
        assertClean(login, "the login page");
        await login.close();
        assertClean(a, "ada's pages");
      });
    } finally {
      await a.close().catch(() => {});
      await b.close().catch(() => {});
      await browser.close();
      await server.stop();
    }
  },
});

async function cookieOf(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}
