/**
 * Files and images in the web app, in Chromium against the real server
 * (tests/_server.ts): attaching with the file input (upload progress, a caption,
 * Send once uploaded), dropping and pasting images, thumbnails seen live by the
 * other person with their size reserved before they load, the lightbox (Escape,
 * arrows, focus trapped and given back), file cards with download links, SVG shown
 * as a file (and served as an attachment), removing and cancelling tray items, a
 * failed upload retried, a file over the server's limit, the warning before
 * leaving with uploads in flight, a send made while the socket is cut off, and the
 * server's HTML without JavaScript. No CSP violation, console error or uncaught
 * exception anywhere. Screenshots go to test-artifacts/files-*.png.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Browser, Locator, Page } from "playwright-core";
import { ChatApi } from "../../lib/client/http.ts";
import type { FileInfo, Message } from "../../lib/protocol/types.ts";
import { formatBytes } from "../../components/message_files.tsx";
import { makePng } from "../_images.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type OpenPageOptions, type WatchedPage } from "./_chromium.ts";
import { assertClean, cookieOf, live, logIn, row } from "./_pages.ts";

const PASSWORD = "correct horse battery";
const suffix = Date.now().toString(36).slice(-4);

/** Takes the console errors a step caused on purpose (a refused upload's 500 or 413). */
function expectConsoleErrors(watched: WatchedPage, pattern: RegExp): void {
  const expected = watched.consoleErrors.filter((e) => pattern.test(e));
  assert.ok(expected.length > 0, `expected a console error like ${pattern}`);
  watched.consoleErrors = watched.consoleErrors.filter((e) => !pattern.test(e));
}

function tray(page: Page): Locator {
  return page.getByRole("list", { name: "Files to send" });
}

function trayItem(page: Page, name: string): Locator {
  return tray(page).locator("li").filter({ hasText: name });
}

function composer(page: Page): Locator {
  return page.getByRole("textbox", { name: /^Message / });
}

function sendButton(page: Page): Locator {
  return page.getByRole("button", { name: "Send", exact: true });
}

interface Payload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

function png(name: string, width: number, height: number, text?: string): Payload {
  return { name, mimeType: "image/png", buffer: Buffer.from(makePng(width, height, { text })) };
}

function textFile(name: string, text: string): Payload {
  return { name, mimeType: "text/plain", buffer: Buffer.from(text) };
}

/** A DataTransfer in the page holding one file (for drop and paste events). */
async function transferOf(page: Page, file: Payload) {
  return await page.evaluateHandle(({ bytes, name, type }) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], name, { type }));
    return data;
  }, { bytes: [...file.buffer], name: file.name, type: file.mimeType });
}

/** Waits until every file in the tray is uploaded. */
async function uploaded(page: Page, count: number): Promise<void> {
  await page.waitForFunction(
    (n) => {
      const items = document.querySelectorAll('[aria-label="Files to send"] li');
      return items.length === n &&
        [...items].every((li) => li.getAttribute("data-upload") === "done");
    },
    count,
    { timeout: 20_000 },
  );
}

/**
 * Run in the page: whether leaving it now would ask first (`beforeunload` prevented),
 * answered as `asks === true` (so that waiting for `false` waits for it not to ask).
 */
function leavingAsks(asks: boolean): boolean {
  const event = new Event("beforeunload", { cancelable: true });
  dispatchEvent(event);
  return event.defaultPrevented === asks;
}

/** Uploads are slowed to about `bytesPerSecond` (Chromium's network emulation). */
async function throttle(page: Page, bytesPerSecond: number | null): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: bytesPerSecond ?? -1,
  });
}

async function signedIn(
  browser: Browser,
  url: string,
  username: string,
  path: string,
  options: OpenPageOptions = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser, options);
  const { page } = watched;
  page.setDefaultTimeout(10_000);
  page.on("dialog", (dialog) => {
    watched.pageErrors.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  await logIn(page, url, username, PASSWORD, path);
  await live(page);
  return watched;
}

/** The newest message of the room, as the API has it. */
async function newest(api: ChatApi, roomId: string): Promise<Message> {
  return (await api.messages(roomId)).messages.at(-1)!;
}

Deno.test({
  name: "files in the web app: attach, drop, paste, progress, thumbnails, lightbox, cards, retry",
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
    const room = await adaApi.createRoom(`files-${suffix}`);
    await bobApi.join(room.id);
    const path = `/rooms/${room.id}`;
    const roomUrl = `${url}${path}`;

    const a = await signedIn(browser, url, ada, path);
    const b = await signedIn(browser, url, bob, path);
    const pa = a.page;
    const pb = b.page;
    const pages: WatchedPage[] = [a, b];
    const step = async (name: string, fn: () => Promise<void>) => {
      if (!(await t.step(name, fn))) throw new Error(`Step failed: ${name}`);
    };

    // Bob's thumbnails can be held back until the test lets them through.
    let release = () => {};
    const hold = async () => {
      const held = new Promise<void>((resolve) => release = resolve);
      await pb.route("**/api/thumbs/**", async (route) => {
        await held;
        await route.continue();
      });
    };

    try {
      let photo: FileInfo;
      await step(
        "attach a PNG and a text file: progress, Send once uploaded, a caption",
        async () => {
          // The attach button is a labelled button; the input behind it takes the files.
          const attach = pa.getByRole("button", { name: "Attach files" });
          await attach.waitFor();
          // A real button: Enter opens the file chooser.
          await attach.focus();
          const [chooser] = await Promise.all([
            pa.waitForEvent("filechooser"),
            attach.press("Enter"),
          ]);
          assert.ok(chooser.isMultiple());
          await chooser.setFiles([]);
          assert.equal(await pa.locator('input[type="file"]').getAttribute("multiple"), "");
          // About 1.5 MB at 1 MB/s: the progress bar is seen part way.
          await throttle(pa, 1024 * 1024);
          const big = png("holiday.png", 800, 600, "x".repeat(1_500_000));
          const notes = textFile("notes.txt", "line one\nline two\n".repeat(40));
          await pa.locator('input[type="file"]').setInputFiles([big, notes]);
          await tray(pa).waitFor();
          const progress = trayItem(pa, "holiday.png")
            .getByRole("progressbar", { name: "Uploading holiday.png" });
          await progress.waitFor();
          assert.equal(await progress.getAttribute("aria-valuemin"), "0");
          assert.equal(await progress.getAttribute("aria-valuemax"), String(big.buffer.length));
          // Seen part way: more than nothing, less than all.
          await pa.waitForFunction(() => {
            const bar = document.querySelector('[aria-label="Files to send"] [role=progressbar]');
            const now = Number(bar?.getAttribute("aria-valuenow"));
            return now > 0 && now < Number(bar?.getAttribute("aria-valuemax"));
          });
          assert.match(
            (await progress.getAttribute("aria-valuetext"))!,
            new RegExp(`^\\d+ KB of ${formatBytes(big.buffer.length)}$`),
          );
          assert.ok(await sendButton(pa).isDisabled(), "Send waits for the uploads");
          await composer(pa).fill("holiday pictures");
          await a.screenshot("files-tray-progress");
          // Enter does not send yet either.
          await composer(pa).press("Enter");
          assert.equal(await row(pa, "holiday pictures").count(), 0);
          await uploaded(pa, 2);
          await throttle(pa, null);
          assert.ok(await sendButton(pa).isEnabled());
          await hold();
          await sendButton(pa).click();
          await row(pa, "holiday pictures").waitFor();
          await tray(pa).waitFor({ state: "detached" });
          assert.equal(await composer(pa).inputValue(), "");
          const message = await newest(adaApi, room.id);
          assert.equal(message.text, "holiday pictures");
          assert.deepEqual(message.files?.map((f) => f.name), ["holiday.png", "notes.txt"]);
          photo = message.files![0];
          assert.equal(photo.width, 800);
          assert.ok(photo.thumbUrl && photo.thumbWidth === 400 && photo.thumbHeight === 300);
        },
      );

      await step("bob sees the thumbnail live, its size reserved before it loads", async () => {
        const message = row(pb, "holiday pictures");
        await message.waitFor();
        const img = message.locator(`a[data-file="${photo.id}"] img`);
        assert.equal(await img.getAttribute("width"), "400");
        assert.equal(await img.getAttribute("height"), "300");
        assert.equal(await img.getAttribute("loading"), "lazy");
        assert.equal(await img.getAttribute("alt"), "holiday.png");
        const box = () =>
          img.evaluate((el: HTMLImageElement) => ({
            width: el.getBoundingClientRect().width,
            height: el.getBoundingClientRect().height,
            loaded: el.complete && el.naturalWidth > 0,
          }));
        const before = await box();
        assert.equal(before.loaded, false, "the thumbnail has not loaded yet");
        assert.ok(Math.abs(before.width - 400) <= 2, `width reserved: ${before.width}`);
        assert.ok(Math.abs(before.height - 300) <= 2, `height reserved: ${before.height}`);
        release();
        await pb.waitForFunction(
          (id) => {
            const el = document.querySelector<HTMLImageElement>(`a[data-file="${id}"] img`);
            return !!el && el.complete && el.naturalWidth === 400;
          },
          photo.id,
        );
        const after = await box();
        assert.deepEqual([after.width, after.height], [before.width, before.height], "no jump");
        await pb.unroute("**/api/thumbs/**");
        // The text file is a card: icon, name, size and a download link.
        const card = message.locator("a[download]");
        assert.equal(await card.getAttribute("download"), "notes.txt");
        assert.match((await card.textContent())!, /notes\.txt\s*720 B/);
        assert.match((await card.getAttribute("href"))!, /^\/api\/files\/.+\/notes\.txt$/);
        await b.screenshot("files-image-in-room");
      });

      await step("an image dropped anywhere on the page is attached and sent", async () => {
        const dropped = png("dropped.png", 120, 90);
        const data = await transferOf(pa, dropped);
        const list = pa.locator('[data-testid="messages"]');
        // A drag over the page fires dragover every few tens of milliseconds. The overlay
        // goes 200 ms after the last one: it is looked at right after each (a second
        // look later, on a loaded machine, can come after it went).
        const overlay = pa.getByText("Drop files to attach them");
        let shown = false;
        for (let i = 0; i < 50 && !shown; i++) {
          await list.dispatchEvent("dragover", { dataTransfer: data });
          shown = await overlay.isVisible();
          if (!shown) await pa.waitForTimeout(50);
        }
        assert.ok(shown, "the drop overlay shows");
        await a.screenshot("files-drop-overlay");
        await list.dispatchEvent("drop", { dataTransfer: data });
        await overlay.waitFor({ state: "detached" });
        await uploaded(pa, 1);
        assert.equal(await trayItem(pa, "dropped.png").locator("img").count(), 1, "a preview");
        // No caption: a message of files only.
        await composer(pa).press("Enter");
        await tray(pa).waitFor({ state: "detached" });
        // The tray empties as the message is sent; it is stored once Ada's ack is in.
        await pa.waitForFunction(leavingAsks, false, { timeout: 10_000 });
        const message = await newest(adaApi, room.id);
        assert.equal(message.text, "");
        assert.equal(message.files?.[0].name, "dropped.png");
        for (const page of [pa, pb]) {
          await page.locator(`a[data-file="${message.files![0].id}"] img`).waitFor();
        }
      });

      await step("an image pasted into the composer is attached and sent", async () => {
        const pasted = png("image.png", 64, 64);
        const data = await transferOf(pa, pasted);
        await composer(pa).evaluate(
          (el, clipboardData) =>
            el.dispatchEvent(
              new ClipboardEvent("paste", { clipboardData, bubbles: true, cancelable: true }),
            ),
          data,
        );
        await uploaded(pa, 1);
        await composer(pa).fill("pasted one");
        await composer(pa).press("Enter");
        await row(pb, "pasted one").locator("a[data-image] img").waitFor();
      });

      await step("the lightbox: opens on a thumbnail, arrows move, Escape closes", async () => {
        const thumb = pb.locator(`a[data-file="${photo.id}"]`);
        await thumb.click();
        const dialog = pb.getByRole("dialog", { name: "holiday.png" });
        await dialog.waitFor();
        assert.equal(await dialog.getAttribute("aria-modal"), "true");
        const full = dialog.locator("img");
        assert.equal(await full.getAttribute("src"), photo.url);
        await pb.waitForFunction(() =>
          document.querySelector<HTMLImageElement>("[data-lightbox] img")?.complete
        );
        assert.equal(
          await dialog.locator("p").first().textContent(),
          `holiday.png${formatBytes(photo.size)} · 800×600 · 1 of 3`,
        );
        const download = dialog.getByRole("link", { name: "Download" });
        assert.equal(await download.getAttribute("download"), "holiday.png");
        assert.equal(await download.getAttribute("href"), photo.url);
        await b.screenshot("files-lightbox");
        // Focus stays inside: Tab and Shift+Tab go round its controls.
        for (let i = 0; i < 6; i++) {
          await pb.keyboard.press(i % 2 ? "Shift+Tab" : "Tab");
          await pb.keyboard.press("Tab");
          assert.ok(
            await pb.evaluate(() => !!document.activeElement?.closest("[data-lightbox]")),
            "focus is in the dialog",
          );
        }
        await pb.keyboard.press("ArrowRight");
        await pb.getByRole("dialog", { name: "dropped.png" }).waitFor();
        await pb.keyboard.press("ArrowRight");
        await pb.getByRole("dialog", { name: "image.png" }).waitFor();
        await pb.keyboard.press("ArrowLeft");
        await pb.getByRole("dialog", { name: "dropped.png" }).waitFor();
        await pb.getByRole("button", { name: "Previous image" }).click();
        await dialog.waitFor();
        // After a click on the image itself, the keys still work.
        await full.click();
        await pb.keyboard.press("Escape");
        await dialog.waitFor({ state: "detached" });
        assert.equal(
          await pb.evaluate(() => document.activeElement?.getAttribute("data-file")),
          photo.id,
          "focus is back on the thumbnail",
        );
      });

      await step(
        "an SVG is a file card, not an image, and downloads as an attachment",
        async () => {
          const svg = {
            name: "drawing.svg",
            mimeType: "image/svg+xml",
            buffer: Buffer.from(
              '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">' +
                '<script>alert(1)</script><rect width="10" height="10"/></svg>',
            ),
          };
          await pa.locator('input[type="file"]').setInputFiles([svg]);
          await uploaded(pa, 1);
          await composer(pa).fill("a drawing");
          await composer(pa).press("Enter");
          const message = row(pb, "a drawing");
          await message.waitFor();
          assert.equal(await message.locator("img").count(), 0, "no <img> for an SVG");
          const card = message.locator("a[download]");
          assert.equal(await card.getAttribute("download"), "drawing.svg");
          const res = await fetch(new URL((await card.getAttribute("href"))!, url), {
            headers: { cookie: await cookieOf(pb) },
          });
          assert.equal(res.status, 200);
          assert.match(res.headers.get("content-disposition")!, /^attachment/);
          await res.body?.cancel();
          await message.scrollIntoViewIfNeeded();
          await b.screenshot("files-card");
        },
      );

      await step("tray items can be removed, and an upload cancelled", async () => {
        await throttle(pa, 200 * 1024);
        await pa.locator('input[type="file"]').setInputFiles([
          textFile("keep.txt", "keep me"),
          textFile("drop-me.txt", "not this one"),
          png("slow.png", 300, 300, "y".repeat(2_000_000)),
        ]);
        await trayItem(pa, "slow.png").getByRole("progressbar").waitFor();
        await tray(pa).locator('li[data-upload="done"]', { hasText: "drop-me.txt" }).waitFor();
        await pa.getByRole("button", { name: "Remove drop-me.txt" }).click();
        await pa.getByRole("button", { name: "Cancel upload of slow.png" }).click();
        await trayItem(pa, "slow.png").waitFor({ state: "detached" });
        await throttle(pa, null);
        await uploaded(pa, 1);
        await composer(pa).fill("only one of three");
        await composer(pa).press("Enter");
        await row(pb, "only one of three").waitFor();
        const message = await newest(adaApi, room.id);
        assert.deepEqual(message.files?.map((f) => f.name), ["keep.txt"]);
      });

      await step("a failed upload shows the reason on the file, and Retry works", async () => {
        let refuse = true;
        await pa.route("**/api/uploads**", async (route) => {
          if (!refuse) return await route.continue();
          await route.fulfill({
            status: 500,
            contentType: "application/json",
            body: JSON.stringify({ error: { code: "internal", message: "Disk on fire" } }),
          });
        });
        await pa.locator('input[type="file"]').setInputFiles([png("retry.png", 50, 40)]);
        const item = trayItem(pa, "retry.png");
        await item.getByRole("alert").getByText("Disk on fire").waitFor();
        assert.equal(await item.getAttribute("data-upload"), "failed");
        assert.ok(await sendButton(pa).isDisabled(), "no send with a failed file");
        refuse = false;
        await item.getByRole("button", { name: "Retry retry.png", exact: true }).click();
        await uploaded(pa, 1);
        await pa.unroute("**/api/uploads**");
        await composer(pa).fill("after a retry");
        await composer(pa).press("Enter");
        await row(pb, "after a retry").locator("a[data-image]").waitFor();
        // Bob can see it before Ada's ack is in: her files count as in flight until
        // then (the next step starts from nothing in flight).
        await pa.waitForFunction(leavingAsks, false, { timeout: 10_000 });
        expectConsoleErrors(a, /status of 500/);
      });

      await step("leaving with an upload in flight asks first", async () => {
        const leaving = () => pa.evaluate(leavingAsks, true);
        assert.equal(await leaving(), false, "nothing in flight");
        await throttle(pa, 100 * 1024);
        await pa.locator('input[type="file"]').setInputFiles([
          png("inflight.png", 100, 100, "z".repeat(1_000_000)),
        ]);
        await trayItem(pa, "inflight.png").getByRole("progressbar").waitFor();
        assert.equal(await leaving(), true, "an upload in flight");
        await pa.getByRole("button", { name: "Cancel upload of inflight.png" }).click();
        await throttle(pa, null);
        assert.equal(await leaving(), false);
      });

      await step(
        "cut off: a send with files goes when the socket is back, a cut upload starts again",
        async () => {
          // Ada's socket can be cut on demand: new connections are refused while `cut`.
          let cut = false;
          const sockets = new Set<{ close(): Promise<void> }>();
          await pa.routeWebSocket(/\/api\/ws/, (ws) => {
            if (cut) return void ws.close({ code: 1012, reason: "cut by the test" });
            ws.connectToServer();
            sockets.add(ws);
          });
          await pa.reload();
          await live(pa);
          await pa.locator('input[type="file"]').setInputFiles([textFile("offline.txt", "hi")]);
          await uploaded(pa, 1);
          cut = true;
          for (const ws of sockets) await ws.close();
          sockets.clear();
          await pa.waitForSelector('[data-connection="reconnecting"]', { state: "attached" });
          await composer(pa).fill("sent while cut off");
          await composer(pa).press("Enter");
          await pa.locator('li[data-status="sending"]').getByText("offline.txt").waitFor();
          // Sent but not acknowledged: a reload would lose it, so leaving asks first.
          assert.ok(
            await pa.evaluate(() => {
              const event = new Event("beforeunload", { cancelable: true });
              dispatchEvent(event);
              return event.defaultPrevented;
            }),
          );
          // An upload cut off by the lost connection fails, then starts again by itself.
          await pa.route("**/api/uploads**", (route) => route.abort("connectionfailed"));
          await pa.locator('input[type="file"]').setInputFiles([textFile("cut.txt", "again")]);
          await trayItem(pa, "cut.txt").getByRole("alert")
            .getByText("Upload interrupted: the connection was lost").waitFor();
          await pa.unroute("**/api/uploads**");
          cut = false;
          await live(pa);
          await row(pb, "sent while cut off").locator("a[download]").waitFor({ timeout: 20_000 });
          await uploaded(pa, 1);
          await composer(pa).press("Enter");
          await tray(pa).waitFor({ state: "detached" });
          // Sent, not yet stored: that is once Ada's ack is in.
          await pa.waitForFunction(leavingAsks, false, { timeout: 10_000 });
          const messages = (await adaApi.messages(room.id)).messages;
          assert.equal(messages.filter((m) => m.text === "sent while cut off").length, 1, "once");
          assert.deepEqual(messages.at(-1)!.files?.map((f) => f.name), ["cut.txt"]);
          expectConsoleErrors(a, /ERR_CONNECTION_FAILED|WebSocket/);
          await pa.unrouteAll();
        },
      );

      await step("the server's HTML has the files, without JavaScript", async () => {
        const res = await fetch(roomUrl, { headers: { cookie: await cookieOf(pb) } });
        const html = await res.text();
        const link = html.match(new RegExp(`<a [^>]*data-file="${photo.id}"[^>]*><img [^>]*>`));
        assert.ok(link, "the thumbnail is in the page");
        assert.match(link[0], new RegExp(`^<a href="${photo.url}"`));
        assert.match(
          link[0],
          new RegExp(
            `<img src="${photo.thumbUrl}" width="400" height="300" loading="lazy" alt="holiday.png"`,
          ),
        );
        assert.match(html, /<a href="\/api\/files\/[^"]+\/notes\.txt" download="notes\.txt"/);
        const noJs = await openPage(browser, { javaScriptEnabled: false });
        await noJs.page.context().addCookies(await pb.context().cookies());
        await noJs.page.goto(roomUrl);
        const img = noJs.page.locator(`a[data-file="${photo.id}"] img`);
        await img.waitFor();
        assert.equal(await noJs.page.getByRole("button", { name: "Attach files" }).count(), 0);
        assertClean(noJs, "the page without JavaScript");
        await noJs.close();
      });

      await step("a phone in the dark: thumbnails fit the screen, their shape kept", async () => {
        const phone = await openPage(browser, {
          colorScheme: "dark",
          viewport: { width: 360, height: 740 },
        });
        pages.push(phone);
        await phone.page.context().addCookies(await pb.context().cookies());
        await phone.page.goto(roomUrl);
        await live(phone.page);
        const img = phone.page.locator(`a[data-file="${photo.id}"] img`);
        await img.scrollIntoViewIfNeeded();
        const box = (await img.boundingBox())!;
        assert.ok(box.width < 360 - 48, `narrower than the screen: ${box.width}`);
        assert.ok(Math.abs(box.width / box.height - 4 / 3) < 0.02, "4:3 kept");
        const scrolls = await phone.page.evaluate(() =>
          document.documentElement.scrollWidth > document.documentElement.clientWidth
        );
        assert.equal(scrolls, false, "no sideways scroll");
        await phone.page.locator('input[type="file"]').setInputFiles([
          png("phone.png", 40, 40),
          textFile("a-rather-long-file-name-for-a-phone-screen.txt", "x"),
        ]);
        await uploaded(phone.page, 2);
        await phone.screenshot("files-phone-dark");
        await phone.page.getByRole("button", { name: "Remove phone.png" }).click();
        await phone.page.getByRole("button", { name: /^Remove a-rather/ }).click();
        await tray(phone.page).waitFor({ state: "detached" });
      });

      await step("no CSP violation, console error or uncaught error anywhere", () => {
        for (const watched of pages) assertClean(watched, "the room pages");
        return Promise.resolve();
      });
    } finally {
      for (const watched of pages) await watched.close();
      await browser.close();
      await server.stop();
    }
  },
});

Deno.test({
  name: "files in the web app: a file over the server's limit fails on the item, without Retry",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: { MAX_UPLOAD_MB: "1" } });
    const browser = await launchChromium();
    try {
      const api = new ChatApi(server.url, { headers: { origin: server.url } });
      const name = `cyd_${suffix}`;
      await api.register(name, PASSWORD);
      const room = await api.createRoom(`limits-${suffix}`);
      const watched = await signedIn(browser, server.url, name, `/rooms/${room.id}`);
      const page = watched.page;
      await page.locator('input[type="file"]').setInputFiles([
        textFile("big.log", "a".repeat(1_500_000)),
        textFile("small.log", "fine"),
      ]);
      const item = trayItem(page, "big.log");
      await item.getByRole("alert")
        .getByText("File is too large: 1.4 MB, the limit is 1 MB").waitFor();
      assert.equal(await item.getByRole("button", { name: /^Retry/ }).count(), 0);
      assert.ok(await sendButton(page).isDisabled());
      await page.getByRole("button", { name: "Remove big.log" }).click();
      await uploaded(page, 1);
      await composer(page).press("Enter");
      await tray(page).waitFor({ state: "detached" });
      // Sent, not yet stored: that is once the ack is in.
      await page.waitForFunction(leavingAsks, false, { timeout: 10_000 });
      assert.deepEqual((await newest(api, room.id)).files?.map((f) => f.name), ["small.log"]);
      assertClean(watched, "the room page");
      await watched.close();
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
