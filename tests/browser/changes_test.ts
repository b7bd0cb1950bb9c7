/**
 * Messages that change, in Chromium against the real server (tests/_server.ts): two
 * people react, reply, edit and delete in front of each other, live; the state
 * survives a reload and is rendered by the server; editing with the keyboard only
 * (↑ in the empty composer, Enter, Escape); the room owner deletes someone else's
 * message; a reply's quote scrolls to its original, loading history when needed;
 * changes made while a browser's socket is cut off arrive when it reconnects; times
 * are in the reader's zone and locale and hydration does not change them. No CSP
 * violation, console error, uncaught exception or dialog anywhere. Screenshots
 * (light and dark) go to test-artifacts/changes-*.png.
 */

import assert from "node:assert/strict";
import type { Browser, Locator, Page } from "playwright-core";
import { ChatApi } from "../../lib/client/http.ts";
import type { Message } from "../../lib/protocol/types.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type OpenPageOptions, type WatchedPage } from "./_chromium.ts";
import { assertClean, cookieOf, live, logIn, row, rows } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);
/** Ada reads in Kolkata (UTC+5:30: no whole-hour coincidence) and in German. */
const ADA_ZONE = "Asia/Kolkata";
const ADA_LOCALE = "de-DE";

function bySeq(page: Page, seq: number): Locator {
  return page.locator(`[data-testid="messages"] li[data-seq="${seq}"]`);
}

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByRole("textbox", { name: /^Message / });
  await composer.fill(text);
  await composer.press("Enter");
  await row(page, text).waitFor();
}

/** Hovers a message and clicks one of its actions. */
async function act(target: Locator, action: string): Promise<void> {
  await target.hover();
  await target.getByRole("button", { name: action, exact: true }).click();
}

async function chip(target: Locator, emoji: string) {
  const el = target.locator(`[data-emoji="${emoji}"]`);
  return {
    label: await el.getAttribute("aria-label"),
    pressed: await el.getAttribute("aria-pressed"),
    title: await el.getAttribute("title"),
  };
}

/** Waits until a chip has this label (count), or is gone with `null`. */
async function chipIs(target: Locator, emoji: string, label: string | null): Promise<void> {
  const el = target.locator(`[data-emoji="${emoji}"]`);
  if (label === null) await el.waitFor({ state: "detached" });
  else await target.getByRole("button", { name: label, exact: true }).waitFor();
}

async function focusedLabel(page: Page): Promise<string | null> {
  return await page.evaluate(() =>
    document.activeElement?.getAttribute("aria-label") ??
      document.activeElement?.tagName.toLowerCase() ?? null
  );
}

/** The page as the server renders it for this browser (its cookies), before any script. */
async function serverHtml(page: Page, url: string): Promise<string> {
  const res = await fetch(url, { headers: { cookie: await cookieOf(page) } });
  assert.equal(res.status, 200);
  return await res.text();
}

function timesIn(html: string): string[] {
  return [...html.matchAll(/<time [^>]*>([^<]*)<\/time>/g)].map((m) => m[1]);
}

/** Times mutated after the page started (hydration must not touch them). */
const TIME_WATCH = () => {
  const changed: string[] = [];
  (globalThis as unknown as { __timeChanges: string[] }).__timeChanges = changed;
  const watch = () => {
    new MutationObserver((records) => {
      for (const record of records) {
        const node = record.target;
        const el = node.nodeType === 1 ? node as Element : node.parentElement;
        if (el?.closest("time")) changed.push(`${record.type}: ${el.textContent}`);
      }
    }).observe(document.documentElement, { subtree: true, childList: true, characterData: true });
  };
  if (document.documentElement) watch();
  else document.addEventListener("readystatechange", watch, { once: true });
};

async function signedIn(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  options: OpenPageOptions & { zone?: string; locale?: string } = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser, options);
  const { page } = watched;
  page.setDefaultTimeout(10_000);
  page.on("dialog", (dialog) => {
    watched.pageErrors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  if (options.zone || options.locale) {
    const cdp = await page.context().newCDPSession(page);
    if (options.zone) await cdp.send("Emulation.setTimezoneOverride", { timezoneId: options.zone });
    if (options.locale) await cdp.send("Emulation.setLocaleOverride", { locale: options.locale });
  }
  await page.addInitScript(TIME_WATCH);
  await logIn(page, url, username, PASSWORD, path);
  await live(page);
  return watched;
}

Deno.test({
  name: "messages that change: reactions, replies, edits and deletes live, reloaded and resumed",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server: TestServer = await startServer({ env: { SEND_RATE_BURST: "500" } });
    const url = server.url;
    const browser = await launchChromium();
    const ada = `ada_${suffix}`;
    const bob = `bob_${suffix}`;
    const adaApi = new ChatApi(url, { headers: { origin: url } });
    const bobApi = new ChatApi(url, { headers: { origin: url } });
    await adaApi.register(ada, PASSWORD);
    await bobApi.register(bob, PASSWORD);
    const room = await adaApi.createRoom(`changes-${suffix}`);
    await bobApi.join(room.id);
    const path = `/rooms/${room.id}`;
    const roomUrl = `${url}${path}`;
    // Preflight: the server implements the v2 change endpoints at all.
    const probe = await adaApi.send(room.id, "probe");
    await adaApi.edit(room.id, probe.seq, "probe (edited)");
    await adaApi.deleteMessage(room.id, probe.seq);

    // Bob's socket can be cut off on demand: new connections are refused while `cut`.
    let cut = false;
    const sockets = new Set<{ close(): Promise<void> }>();
    const a = await signedIn(browser, url, ada, path, { zone: ADA_ZONE, locale: ADA_LOCALE });
    const bob1 = await signedIn(browser, url, bob, path);
    await bob1.page.routeWebSocket(/\/api\/ws/, (ws) => {
      if (cut) {
        void ws.close({ code: 1012, reason: "cut by the test" });
        return;
      }
      ws.connectToServer();
      sockets.add(ws);
    });
    await bob1.page.reload();
    await live(bob1.page);
    const pa = a.page;
    const pb = bob1.page;
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };

    try {
      await step(
        "times: UTC before the zone is known, then the reader's, unchanged by hydration",
        async () => {
          // Ada came straight from the login form: the server did not know her zone yet.
          const first = await pa.locator("[data-testid=messages] time").allTextContents();
          assert.ok(first.length > 0 && first.every((t) => t.endsWith(" UTC")), String(first));
          const cookie = await cookieOf(pa);
          assert.match(
            cookie,
            /chat_clock=de-DE%20Asia%2F(Kolkata|Calcutta)/,
            `now it is known: ${cookie}`,
          );
          await pa.reload();
          await live(pa);
          await send(pa, "what time is it");
          await pa.reload();
          await live(pa);
          const message = (await adaApi.messages(room.id)).messages.at(-1)!;
          const expected = new Intl.DateTimeFormat(ADA_LOCALE, {
            hour: "numeric",
            minute: "2-digit",
            timeZone: ADA_ZONE,
          }).format(message.createdAt).replace(/[\u202f\u00a0]/g, " ");
          const html = await serverHtml(pa, roomUrl);
          const rendered = timesIn(html);
          assert.equal(rendered.at(-1), expected, "the server renders Ada's zone and locale");
          const time = bySeq(pa, message.seq).locator("time").first();
          assert.equal(await time.textContent(), expected, "the same after hydration");
          assert.match(
            (await time.getAttribute("title"))!,
            /^[^,]+, \d+\. \S+ \d{4} um \d+:\d\d GMT\+5:30$/,
          );
          // The browser's own ICU agrees with the server's.
          const own = await pa.evaluate(
            (at) => new Date(at).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" }),
            message.createdAt,
          );
          assert.equal(own.replace(/[\u202f\u00a0]/g, " "), expected);
          const domTimes = await pa.locator("[data-testid=messages] time").allTextContents();
          assert.deepEqual(domTimes, rendered, "every time on the page is as the server sent it");
          const changes = await pa.evaluate(() =>
            (globalThis as unknown as { __timeChanges: string[] }).__timeChanges
          );
          assert.deepEqual(changes, [], "hydration changed no time");
          // A message that continues a run shows its time only on hover (and focus).
          const grouped = row(pa, "what time is it").locator("time");
          const visibility = () => grouped.evaluate((el) => getComputedStyle(el).visibility);
          await pa.mouse.move(0, 0);
          assert.equal(await visibility(), "hidden");
          assert.equal(await grouped.textContent(), expected);
          await row(pa, "what time is it").hover();
          assert.equal(await visibility(), "visible");
        },
      );

      let original: Message;
      await step("bob reacts from the picker; ada sees it live and adds hers", async () => {
        await send(pa, "first from ada");
        original = (await adaApi.messages(room.id)).messages.at(-1)!;
        await send(pb, "hello ada");
        const mine = row(pb, "first from ada");
        // Not bob's message: he may react and reply, not edit or delete.
        await mine.hover();
        await mine.getByRole("button", { name: "React" }).waitFor();
        assert.equal(await mine.getByRole("button", { name: "Edit message" }).count(), 0);
        assert.equal(await mine.getByRole("button", { name: "Delete message" }).count(), 0);
        await act(mine, "React");
        const picker = pb.getByRole("dialog", { name: "Add a reaction" });
        await picker.waitFor();
        assert.equal(await focusedLabel(pb), "React with 👍", "focus moves into the picker");
        await picker.getByRole("group", { name: "Common" })
          .getByRole("button", { name: "React with 👍" }).click();
        await picker.waitFor({ state: "detached" });
        await chipIs(mine, "👍", "👍 1");
        assert.deepEqual(await chip(mine, "👍"), { label: "👍 1", pressed: "true", title: bob });
        const theirs = row(pa, "first from ada");
        await chipIs(theirs, "👍", "👍 1");
        assert.deepEqual(await chip(theirs, "👍"), { label: "👍 1", pressed: "false", title: bob });
        await theirs.locator('[data-emoji="👍"]').click();
        await chipIs(theirs, "👍", "👍 2");
        assert.deepEqual(await chip(theirs, "👍"), {
          label: "👍 2",
          pressed: "true",
          title: `${bob}, ${ada}`,
        });
        await chipIs(mine, "👍", "👍 2");
        // Bob takes his back by clicking his chip.
        await mine.locator('[data-emoji="👍"]').click();
        await chipIs(theirs, "👍", "👍 1");
        assert.deepEqual(await chip(theirs, "👍"), { label: "👍 1", pressed: "true", title: ada });
        // Ada can see it before Bob's own answer is in.
        await chipIs(mine, "👍", "👍 1");
        assert.equal((await chip(mine, "👍")).pressed, "false");
      });

      await step("any emoji can be typed in; recent ones come first next time", async () => {
        const mine = row(pb, "first from ada");
        await act(mine, "React");
        const picker = pb.getByRole("dialog", { name: "Add a reaction" });
        await picker.getByLabel("Other emoji").fill("🦕");
        await picker.getByLabel("Other emoji").press("Enter");
        await chipIs(row(pa, "first from ada"), "🦕", "🦕 1");
        // Bob's picker closes (and 🦕 becomes recent) once his own answer is in, which
        // can be after Ada sees it: until then, React would close it instead.
        await picker.waitFor({ state: "detached" });
        // Text is not an emoji: the server's reason shows in the picker, which stays.
        await act(mine, "React");
        await picker.getByLabel("Other emoji").fill("ok");
        await picker.getByRole("button", { name: "Add" }).click();
        await picker.getByRole("alert").waitFor();
        assert.match((await picker.getByRole("alert").textContent())!, /emoji/i);
        const recent = await picker.getByRole("group", { name: "Recent" })
          .getByRole("button").evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
        assert.deepEqual(recent, ["React with 🦕", "React with 👍"]);
        // Escape closes it and gives focus back to the React button.
        await pb.keyboard.press("Escape");
        await picker.waitFor({ state: "detached" });
        assert.equal(await focusedLabel(pb), "React");
      });

      let replySeq = 0;
      await step(
        "bob replies; both see the quote, which follows an edit of the original",
        async () => {
          await act(row(pb, "first from ada"), "Reply");
          const bar = pb.locator("[data-replying]");
          await bar.waitFor();
          assert.match(
            (await bar.textContent())!,
            new RegExp(`Replying to ${ada}: first from ada`),
          );
          assert.equal(await focusedLabel(pb), "textarea", "the composer has focus");
          await send(pb, "a reply from bob");
          await bar.waitFor({ state: "detached" });
          for (const page of [pa, pb]) {
            const quote = row(page, "a reply from bob").locator("[data-reply-to]");
            await quote.waitFor();
            assert.equal(await quote.getAttribute("data-reply-to"), String(original.seq));
            assert.equal(await quote.textContent(), `In reply to${ada}:first from ada`);
          }
          replySeq = Number(await row(pa, "a reply from bob").getAttribute("data-seq"));
          // Ada edits the original in place: Enter saves.
          await act(row(pa, "first from ada"), "Edit message");
          const editor = pa.getByRole("textbox", { name: "Edit message" });
          assert.equal(await editor.inputValue(), "first from ada");
          await editor.fill("first from ada, edited");
          await editor.press("Enter");
          for (const page of [pa, pb]) {
            const edited = row(page, "first from ada, edited");
            await edited.waitFor();
            const mark = edited.locator("[data-edited]");
            assert.equal(await mark.textContent(), "(edited)");
            assert.match((await mark.getAttribute("title"))!, /^Edited .+\d/);
            await bySeq(page, replySeq).locator("[data-reply-to]")
              .getByText("first from ada, edited", { exact: true }).waitFor();
          }
          assert.equal(await pa.getByRole("textbox", { name: "Edit message" }).count(), 0);
        },
      );

      await step("the state survives a reload and is rendered on the server", async () => {
        const html = await serverHtml(pb, roomUrl);
        assert.ok(html.includes("first from ada, edited"));
        assert.ok(!/>first from ada</.test(html), "the old text is gone");
        assert.match(html, /data-edited title="Edited [^"]+"[^>]*>\(edited\)/);
        assert.match(html, /aria-pressed="false" aria-label="👍 1" title="[^"]+"/);
        assert.match(html, new RegExp(`data-reply-to="${original.seq}"`));
        for (const page of [pa, pb]) {
          await page.reload();
          await live(page);
          const edited = row(page, "first from ada, edited");
          await edited.locator("[data-edited]").waitFor();
          assert.equal((await chip(edited, "👍")).label, "👍 1");
          assert.equal((await chip(edited, "🦕")).label, "🦕 1");
          assert.equal(
            (await chip(edited, "👍")).pressed,
            page === pa ? "true" : "false",
            "mine is highlighted",
          );
          await bySeq(page, replySeq).locator("[data-reply-to]")
            .getByText("first from ada, edited").waitFor();
        }
        // Clicking the quote scrolls to the original and focuses it.
        await bySeq(pb, replySeq).locator("[data-reply-to]").click();
        await pb.waitForFunction(
          (seq) => document.activeElement?.getAttribute("data-seq") === String(seq),
          original.seq,
        );
        await a.screenshot("changes-room-light");
      });

      await step("keyboard only: ↑ in the empty composer edits my last message", async () => {
        const composer = pa.getByRole("textbox", { name: /^Message / });
        await composer.focus();
        await pa.keyboard.press("ArrowUp");
        const editor = pa.getByRole("textbox", { name: "Edit message" });
        await editor.waitFor();
        assert.equal(await focusedLabel(pa), "Edit message");
        assert.equal(await editor.inputValue(), "first from ada, edited");
        // Escape cancels: nothing changes, focus is back in the composer.
        await pa.keyboard.press("Escape");
        await editor.waitFor({ state: "detached" });
        assert.equal(await focusedLabel(pa), "textarea");
        await row(pa, "first from ada, edited").waitFor();
        await pa.keyboard.press("ArrowUp");
        await editor.waitFor();
        await pa.keyboard.press("Control+A");
        await pa.keyboard.type("typed with keys");
        await pa.keyboard.press("Enter");
        await row(pb, "typed with keys").locator("[data-edited]").waitFor();
        await row(pa, "typed with keys").waitFor();
        assert.equal(await focusedLabel(pa), "textarea", "back in the composer");
        // Text in the composer: ↑ moves the cursor, it does not edit.
        await pa.keyboard.type("draft");
        await pa.keyboard.press("ArrowUp");
        assert.equal(await editor.count(), 0);
        await composer.fill("");
      });

      await step(
        "keyboard only: a message's actions are in the tab order; Escape returns",
        async () => {
          // A fresh page: no message was focused yet, so the newest one is in the tab order.
          await pa.reload();
          await live(pa);
          await pa.getByLabel("Messages", { exact: true }).focus();
          await pa.keyboard.press("Tab");
          const focusedSeq = await pa.evaluate(() =>
            document.activeElement?.getAttribute("data-seq")
          );
          const newest = await rows(pa).last().getAttribute("data-seq");
          assert.equal(focusedSeq, newest, "Tab enters the list at the newest message");
          // ↑ moves to the previous message, Tab reaches its actions.
          await pa.keyboard.press("ArrowUp");
          const previous = await pa.evaluate(() =>
            document.activeElement?.getAttribute("data-seq")
          );
          assert.equal(Number(previous), Number(newest) - 1);
          // The actions render once their lazily loaded toolbar is in (just after a
          // reload, on a loaded machine, that can be after the key press): wait for them.
          await pa.waitForFunction(() =>
            document.activeElement?.querySelector('[aria-label="React"]') != null
          );
          await pa.keyboard.press("Tab");
          assert.equal(await focusedLabel(pa), "React");
          await pa.keyboard.press("Enter");
          await pa.getByRole("dialog", { name: "Add a reaction" }).waitFor();
          await pa.keyboard.press("Escape");
          assert.equal(await focusedLabel(pa), "React");
          await pa.keyboard.press("Tab");
          assert.equal(await focusedLabel(pa), "Reply");
        },
      );

      await step("a long message's Show more stays open when one clicks elsewhere", async () => {
        const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n");
        const composer = pa.getByRole("textbox", { name: /^Message / });
        await composer.fill(lines);
        await composer.press("Enter");
        const long = rows(pa).filter({ hasText: "line 30" });
        await long.locator("details summary").click();
        assert.equal(await long.locator("details").getAttribute("open"), "");
        await pa.getByRole("heading", { level: 1 }).click();
        await pa.keyboard.press("Escape");
        assert.equal(await long.locator("details").getAttribute("open"), "", "still open");
      });

      await step("deleting asks first; Escape keeps the message", async () => {
        await act(row(pb, "hello ada"), "Delete message");
        const confirm = pb.getByRole("alertdialog", { name: "Delete message" });
        await confirm.waitFor();
        assert.equal(await focusedLabel(pb), "button", "focus on Cancel");
        assert.equal(
          await pb.evaluate(() => document.activeElement?.textContent?.trim()),
          "Cancel",
        );
        await pb.keyboard.press("Escape");
        await confirm.waitFor({ state: "detached" });
        assert.equal(await focusedLabel(pb), "Delete message");
        await row(pb, "hello ada").waitFor();
      });

      await step("bob deletes his reply; ada, the owner, deletes bob's message", async () => {
        await act(bySeq(pb, replySeq), "Delete message");
        await pb.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
        for (const page of [pa, pb]) {
          const gone = bySeq(page, replySeq);
          await gone.getByText("message deleted", { exact: true }).waitFor();
          assert.equal(await gone.locator("[data-text], [data-reply-to]").count(), 0);
          assert.ok(!(await gone.textContent())!.includes("a reply from bob"));
        }
        const hello = row(pa, "hello ada");
        const helloSeq = Number(await hello.getAttribute("data-seq"));
        await act(hello, "Delete message");
        await pa.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
        for (const page of [pa, pb]) {
          await bySeq(page, helloSeq).getByText("message deleted", { exact: true }).waitFor();
        }
        // A tombstone offers no actions.
        await bySeq(pa, helloSeq).hover();
        assert.equal(await bySeq(pa, helloSeq).getByRole("button").count(), 0);
      });

      await step("a reply whose original is deleted says so", async () => {
        await act(row(pb, "typed with keys"), "Reply");
        await send(pb, "answering the typed one");
        await act(row(pa, "typed with keys"), "Delete message");
        await pa.getByRole("alertdialog").getByRole("button", { name: "Delete" }).click();
        for (const page of [pa, pb]) {
          const quote = row(page, "answering the typed one").locator("[data-reply-to]");
          await quote.getByText("message deleted", { exact: true }).waitFor();
          assert.ok(!(await quote.textContent())!.includes("typed with keys"));
        }
        await pb.reload();
        await live(pb);
        await row(pb, "answering the typed one").locator("[data-reply-to]")
          .getByText("message deleted").waitFor();
      });

      await step("changes made while a socket is cut off arrive when it reconnects", async () => {
        await send(pa, "while bob is away");
        await row(pb, "while bob is away").waitFor();
        cut = true;
        for (const ws of sockets) await ws.close();
        sockets.clear();
        await pb.waitForSelector('[data-connection="reconnecting"]', { state: "attached" });
        const away = (await adaApi.messages(room.id)).messages.at(-1)!;
        await adaApi.edit(room.id, away.seq, "edited while bob was away");
        await adaApi.react(room.id, away.seq, "🎉");
        await adaApi.send(room.id, "sent while bob was away");
        cut = false;
        await live(pb);
        const edited = row(pb, "edited while bob was away");
        await edited.locator("[data-edited]").waitFor({ timeout: 20_000 });
        await chipIs(edited, "🎉", "🎉 1");
        await row(pb, "sent while bob was away").waitFor();
        const seqs = (await rows(pb).evaluateAll((els) => els.map((e) => e.dataset.seq))).map(
          Number,
        );
        assert.equal(new Set(seqs).size, seqs.length, `no duplicates: ${seqs}`);
      });

      await step(
        "a quote of a message not loaded yet loads history until it is there",
        async () => {
          const far = await adaApi.send(room.id, "the original, far back");
          for (let i = 1; i <= 60; i++) await adaApi.send(room.id, `filler ${i}`);
          await bobApi.send(room.id, "answering something old", undefined, { replyTo: far.seq });
          await pb.reload();
          await live(pb);
          assert.equal(await bySeq(pb, far.seq).count(), 0, "not on the first page");
          await row(pb, "answering something old").locator("[data-reply-to]").click();
          await pb.waitForFunction(
            (seq) => document.activeElement?.getAttribute("data-seq") === String(seq),
            far.seq,
          );
          assert.ok(await bySeq(pb, far.seq).isVisible());
          const seqs = (await rows(pb).evaluateAll((els) => els.map((e) => e.dataset.seq))).map(
            Number,
          );
          for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1, `${seqs}`);
        },
      );

      await step("screenshots: light and dark, with actions and the picker open", async () => {
        await pa.reload();
        await live(pa);
        const target = row(pa, "answering something old");
        await act(target, "React");
        await pa.getByRole("dialog", { name: "Add a reaction" }).waitFor();
        await a.screenshot("changes-picker-light");
        const dark = await signedIn(browser, url, bob, path, { colorScheme: "dark" });
        // On a phone, a long press shows the actions (no hover there).
        const pressed = row(dark.page, "filler 60");
        await dark.page.mouse.move(0, 0);
        assert.equal(await pressed.locator("[data-actions]").count(), 0);
        await pressed.dispatchEvent("touchstart");
        await pressed.locator("[data-actions]").waitFor();
        await pressed.dispatchEvent("touchend");
        // A short touch does not. Both in one go: two calls from here can be 500 ms apart
        // on a loaded machine, which is a long press.
        const tapped = row(dark.page, "filler 59");
        await tapped.evaluate((el) => {
          for (const type of ["touchstart", "touchend"]) {
            el.dispatchEvent(
              new TouchEvent(type, { bubbles: true, cancelable: true, composed: true }),
            );
          }
        });
        await dark.page.waitForTimeout(700);
        assert.equal(await tapped.locator("[data-actions]").count(), 0);
        await dark.page.getByText("answering something old").scrollIntoViewIfNeeded();
        await act(row(dark.page, "answering something old"), "Reply");
        await dark.screenshot("changes-room-dark");
        await act(row(dark.page, "answering something old"), "Delete message");
        await dark.page.getByRole("alertdialog").waitFor();
        await dark.screenshot("changes-confirm-dark");
        assertClean(dark, "the dark page");
        await dark.close();
      });

      await step("no CSP violation, console error, uncaught exception or dialog", async () => {
        await pa.waitForTimeout(200);
        assertClean(a, "ada's pages");
        assertClean(bob1, "bob's pages");
      });
    } finally {
      await a.close().catch(() => {});
      await bob1.close().catch(() => {});
      await browser.close();
      await server.stop();
    }
  },
});
