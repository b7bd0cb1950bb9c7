/**
 * The offline outbox (islands/_outbox.ts) in Chromium against the real server:
 * messages written while the page's socket is down are kept in IndexedDB, survive
 * closing the tab, and are sent by the next page, once each and in order, with
 * their clientIds; one the server refuses for good is dropped and holds up none;
 * one that was on its way when the socket dropped is kept too, and so is one left
 * unanswered on a socket that died without closing.
 *
 * How the socket is made to be down: Chromium's offline emulation
 * (`context.setOffline(true)`) does not close a WebSocket that is open already.
 * Tried here: the page keeps saying "open", and a message sent meanwhile is held
 * back by the browser and reaches the server only once the context is online
 * again; the page would notice only when its pings go unanswered (40 s). So the
 * tests stop the server instead: the socket really closes, the page shows that it
 * is reconnecting, and every attempt fails until a new server is started on the
 * same KV file and port (the same origin, so the same IndexedDB).
 */

import assert from "node:assert/strict";
import type { BrowserContext, Page } from "playwright-core";
import type { ChatApi } from "../../lib/client/http.ts";
import type { Message } from "../../lib/protocol/types.ts";
import { newUser, RecordingSocket, waitFor } from "../_clients.ts";
import { startServer, type TestServer } from "../_server.ts";
import { launchChromium, openPage, type WatchedPage } from "./_chromium.ts";
import { assertClean, live, logIn, row } from "./_pages.ts";

const PASSWORD = "correct horse battery";

/** Browser noise that is expected while the server is deliberately down. */
function unexpected(errors: string[]): string[] {
  return errors.filter((e) =>
    !/WebSocket connection to .* failed|ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET|Failed to load resource/
      .test(e)
  );
}

/** Another page in the same browser context (same storage), recording what `openPage` does. */
async function anotherPage(
  context: BrowserContext,
): Promise<WatchedPage & { warnings: string[] }> {
  const page = await context.newPage();
  const watched = {
    page,
    consoleErrors: [] as string[],
    pageErrors: [] as string[],
    failedRequests: [] as string[],
    cspViolations: [] as string[],
    warnings: [] as string[],
    screenshot: () => Promise.resolve(""),
    close: () => page.close(),
  };
  page.on("console", (message) => {
    if (message.type() === "error") watched.consoleErrors.push(message.text());
    if (message.type() === "warning") watched.warnings.push(message.text());
  });
  page.on("pageerror", (error) => watched.pageErrors.push(error.message));
  await page.exposeBinding("__reportCspViolation", (_source, violation: string) => {
    watched.cspViolations.push(violation);
  });
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      const report = (globalThis as unknown as Record<string, (v: string) => void>)
        .__reportCspViolation;
      report(`${event.effectiveDirective} ${event.blockedURI}`);
    });
  });
  return watched;
}

async function send(page: Page, text: string): Promise<void> {
  const composer = page.getByRole("textbox", { name: /^Message / });
  await composer.fill(text);
  await composer.press("Enter");
  await page.locator('li[data-status="sending"]').filter({ hasText: text }).waitFor();
}

/**
 * Stops the server and waits until each page shows its socket is down. First, each
 * page loads what it loads when idle (the outbox, the message actions).
 */
async function stopServer(server: TestServer, pages: Page[]): Promise<void> {
  for (const page of pages) await page.waitForLoadState("networkidle");
  await server.stop();
  for (const page of pages) {
    await page.waitForSelector('[data-connection="reconnecting"]', { state: "attached" });
  }
}

/** The outbox as the page sees it: the hint and the entries in IndexedDB. */
function outboxOf(
  page: Page,
): Promise<{ hint: string | null; entries: Array<Record<string, unknown>> }> {
  return page.evaluate(async () => {
    const hint = localStorage.getItem("chat-outbox");
    // Opening a database that does not exist would create an empty one: look first.
    const names = (await indexedDB.databases()).map((d) => d.name);
    if (!names.includes("chat-outbox")) return { hint, entries: [] };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const request = indexedDB.open("chat-outbox");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    const entries = await new Promise<Array<Record<string, unknown>>>((resolve, reject) => {
      const request = db.transaction("outgoing").objectStore("outgoing").index("createdAt")
        .getAll();
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    db.close();
    return { hint, entries };
  });
}

/** Waits until the outbox holds `n` entries (hint and store agree). */
async function untilKept(page: Page, n: number): Promise<Array<Record<string, unknown>>> {
  let entries: Array<Record<string, unknown>> = [];
  await waitFor(`${n} messages in the outbox`, async () => {
    const outbox = await outboxOf(page);
    entries = outbox.entries;
    return entries.length === n && outbox.hint === (n ? String(n) : null);
  }, 20_000);
  return entries;
}

/** A room's newest messages over the HTTP API, ascending by seq. */
async function stored(api: ChatApi, roomId: string): Promise<Message[]> {
  return (await api.messages(roomId, { limit: 100 })).messages;
}

/** The texts of the message frames a socket received for a room, in arrival order. */
function framed(socket: RecordingSocket, roomId: string): string[] {
  return socket.of("message").filter((f) => f.roomId === roomId).map((f) => f.message.text);
}

Deno.test({
  name:
    "in Chromium: messages written while the socket is down survive closing the tab and are sent once each, in order",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let server = await startServer();
    const { kvPath, port } = server;
    const browser = await launchChromium();
    let bobSocket: RecordingSocket | undefined;
    try {
      const ada = await newUser(server.url, "ada");
      const bob = await newUser(server.url, "bob");
      const me = await ada.me();
      const room = await ada.createRoom(`outbox-${crypto.randomUUID().slice(0, 6)}`);
      await bob.join(room.id);
      const before = await ada.send(room.id, "before the outage");

      const first = await openPage(browser);
      const context = first.page.context();
      await logIn(first.page, server.url, me.username, PASSWORD, `/rooms/${room.id}`);
      await live(first.page);
      await stopServer(server, [first.page]);
      const texts = ["first while down", "second while down", "third while down"];
      for (const text of texts) await send(first.page, text);
      const kept = await untilKept(first.page, 3);
      assert.deepEqual(kept.map((e) => e.text), texts, "kept oldest first");
      assert.ok(kept.every((e) => e.roomId === room.id && e.userId === me.id));
      const clientIds = kept.map((e) => e.clientId);
      assert.equal(new Set(clientIds).size, 3);
      await first.page.close();
      assertClean(first, "the page that went offline", unexpected);

      server = await startServer({ kvPath, port });
      bobSocket = await RecordingSocket.open(bob);
      await bobSocket.socket.subscribe(room.id, { since: before.seq });

      // A new page, online, on the same room: its chat pane shows what waits for
      // the room as pending, then sends it. Its socket is held back at first
      // (playwright's WebSocket routing) to see the rows before they are sent.
      const next = await anotherPage(context);
      let release = () => {};
      const held = new Promise<void>((resolve) => release = resolve);
      await next.page.routeWebSocket(/\/api\/ws/, async (ws) => {
        await held;
        ws.connectToServer();
      });
      await next.page.goto(`${server.url}/rooms/${room.id}`);
      const sending = next.page.locator('li[data-status="sending"]');
      await waitFor(
        "the kept messages shown as pending",
        async () => (await sending.count()) === 3,
      );
      assert.deepEqual(
        (await sending.locator("[data-text]").allInnerTexts()).map((t) => t.trim()),
        texts,
      );
      assert.equal(await next.page.locator('[data-connection="open"]').count(), 0);
      release();
      await live(next.page);
      for (const text of texts) await row(next.page, text).waitFor({ timeout: 20_000 });
      await untilKept(next.page, 0);
      assert.equal(await next.page.locator("li[data-status]").count(), 0, "nothing pending");

      const messages = await stored(bob, room.id);
      assert.deepEqual(messages.map((m) => m.text), ["before the outage", ...texts]);
      assert.deepEqual(messages.slice(1).map((m) => m.clientId), clientIds, "their own clientIds");
      assert.deepEqual(
        messages.map((m) => m.seq),
        messages.map((_, i) => messages[0].seq + i),
        "gap-free",
      );
      await waitFor("bob's socket to see all three", () => framed(bobSocket!, room.id).length >= 3);
      // A moment for anything doubled to arrive too.
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(framed(bobSocket, room.id), texts, "each seen once, in order");
      assert.equal(bobSocket.socket.duplicates, 0);
      // A reload sends nothing again.
      await next.page.reload();
      await live(next.page);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal((await stored(bob, room.id)).length, 4);
      assertClean(next, "the page that sent the outbox");
      await next.close();
    } finally {
      bobSocket?.close();
      await browser.close();
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "in Chromium: a kept message the server refuses for good is dropped with a warning and holds up no other",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    let server = await startServer();
    const { kvPath, port } = server;
    const browser = await launchChromium();
    let bobSocket: RecordingSocket | undefined;
    try {
      const ada = await newUser(server.url, "ada");
      const bob = await newUser(server.url, "bob");
      const me = await ada.me();
      // Ada will have left this one by the time the outbox is sent.
      const left = await bob.createRoom(`left-${crypto.randomUUID().slice(0, 6)}`);
      await ada.join(left.id);
      const room = await ada.createRoom(`kept-${crypto.randomUUID().slice(0, 6)}`);
      await bob.join(room.id);
      // Ada's reply to it will be refused: bob deletes it meanwhile.
      const original = await bob.send(room.id, "an original");

      const a = await openPage(browser);
      const context = a.page.context();
      await logIn(a.page, server.url, me.username, PASSWORD, `/rooms/${left.id}`);
      await live(a.page);
      const b = await anotherPage(context);
      await b.page.goto(`${server.url}/rooms/${room.id}`);
      await live(b.page);
      // The actions' code is loaded while the server is up (hovering shows them).
      await row(b.page, "an original").hover();
      await row(b.page, "an original").getByRole("button", { name: "Reply", exact: true })
        .waitFor();

      await stopServer(server, [a.page, b.page]);
      await send(a.page, "into a room I leave");
      await send(b.page, "one after the original");
      await row(b.page, "an original").hover();
      await row(b.page, "an original").getByRole("button", { name: "Reply", exact: true })
        .click();
      await send(b.page, "a reply that will be refused");
      await send(b.page, "three after the original");
      const kept = await untilKept(b.page, 4);
      assert.deepEqual(kept.map((e) => e.text), [
        "into a room I leave",
        "one after the original",
        "a reply that will be refused",
        "three after the original",
      ]);
      assert.equal((kept[2].replyTo as { seq: number }).seq, original.seq);
      await a.page.close();
      await b.page.close();
      assertClean(a, "the first page that went offline", unexpected);
      assertClean(b, "the second page that went offline", unexpected);

      server = await startServer({ kvPath, port });
      await ada.leave(left.id);
      await bob.deleteMessage(room.id, original.seq);
      bobSocket = await RecordingSocket.open(bob);
      await bobSocket.socket.subscribe(room.id);
      await bobSocket.socket.subscribe(left.id);

      // A page without a chat pane: the room list sends what waits.
      const home = await anotherPage(context);
      await home.page.goto(`${server.url}/`);
      await live(home.page);
      await untilKept(home.page, 0);

      const texts = (await stored(bob, room.id)).filter((m) => !m.deleted).map((m) => m.text);
      assert.deepEqual(texts, ["one after the original", "three after the original"]);
      assert.ok(
        !(await stored(bob, left.id)).some((m) => m.userId === me.id),
        "nothing of ada's in the room she left",
      );
      await waitFor("bob's socket to see both", () => framed(bobSocket!, room.id).length >= 2);
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.deepEqual(framed(bobSocket, room.id), [
        "one after the original",
        "three after the original",
      ]);
      assert.deepEqual(framed(bobSocket, left.id), []);

      // Each refusal is a warning that names its reason, never the message.
      const dropped = home.warnings.filter((w) => /refused and dropped/.test(w));
      assert.equal(dropped.length, 2, `warnings: ${home.warnings}`);
      assert.ok(dropped.some((w) => /forbidden|not_found/.test(w)), `warnings: ${dropped}`);
      assert.ok(dropped.some((w) => /bad_request/.test(w)), `warnings: ${dropped}`);
      assert.ok(!dropped.some((w) => /into a room|refused$|will be refused/.test(w)));
      assertClean(home, "the page that sent the outbox");
      await home.close();
    } finally {
      bobSocket?.close();
      await browser.close();
      await server.stop();
    }
  },
});

/**
 * Routes a page's socket through the test: its frames to the server can be
 * swallowed (a connection that died without a word: it still looks open), and it
 * can be cut (closed, and every reconnect refused).
 */
async function routed(page: Page): Promise<{ swallow(): void; cut(): Promise<void> }> {
  let swallowing = false;
  let cutting = false;
  const sockets: Array<{ close(): Promise<void> }> = [];
  await page.routeWebSocket(/\/api\/ws/, (ws) => {
    if (cutting) {
      void ws.close({ code: 1012, reason: "cut by the test" });
      return;
    }
    const upstream = ws.connectToServer();
    ws.onMessage((message) => {
      if (!swallowing) upstream.send(message);
    });
    sockets.push(ws);
  });
  return {
    swallow: () => swallowing = true,
    async cut() {
      cutting = true;
      for (const ws of sockets) await ws.close();
    },
  };
}

Deno.test({
  name:
    "in Chromium: a message unanswered on a socket that died silently, or on its way when it drops, is kept and sent by the next page",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer();
    const browser = await launchChromium();
    try {
      const ada = await newUser(server.url, "ada");
      const me = await ada.me();
      const room = await ada.createRoom(`drop-${crypto.randomUUID().slice(0, 6)}`);
      const first = await openPage(browser);
      const context = first.page.context();
      const socket1 = await routed(first.page);
      await logIn(first.page, server.url, me.username, PASSWORD, `/rooms/${room.id}`);
      await live(first.page);
      await first.page.waitForLoadState("networkidle");

      // Dead without a word: the page still says "open", so it is kept once it has
      // waited a few seconds for its ack; then the tab is closed.
      socket1.swallow();
      await send(first.page, "unanswered on a silent socket");
      assert.equal((await outboxOf(first.page)).hint, null, "not kept at once while open");
      const [silent] = await untilKept(first.page, 1);
      assert.equal(silent.text, "unanswered on a silent socket");
      assert.equal(
        await first.page.locator('[data-connection]:not([data-connection="open"])').count(),
        0,
      );
      await first.page.close();
      assertClean(first, "the page whose socket died silently", unexpected);

      // The next page sends it; then its own socket drops with a message on its way.
      const second = await anotherPage(context);
      const socket2 = await routed(second.page);
      await second.page.goto(`${server.url}/rooms/${room.id}`);
      await live(second.page);
      await row(second.page, silent.text as string).waitFor({ timeout: 20_000 });
      await untilKept(second.page, 0);
      await second.page.waitForLoadState("networkidle");
      socket2.swallow();
      await send(second.page, "on its way when the socket dropped");
      await socket2.cut();
      await second.page.waitForSelector('[data-connection="reconnecting"]', { state: "attached" });
      const [dropped] = await untilKept(second.page, 1);
      assert.equal(dropped.text, "on its way when the socket dropped");
      await second.page.close();
      assertClean(second, "the page whose socket dropped", unexpected);

      const third = await anotherPage(context);
      await third.page.goto(`${server.url}/rooms/${room.id}`);
      await live(third.page);
      await row(third.page, dropped.text as string).waitFor({ timeout: 20_000 });
      await untilKept(third.page, 0);
      const messages = await stored(ada, room.id);
      assert.deepEqual(messages.map((m) => [m.text, m.clientId]), [
        [silent.text, silent.clientId],
        [dropped.text, dropped.clientId],
      ]);
      assertClean(third, "the page that sent it");
      await third.close();
    } finally {
      await browser.close();
      await server.stop();
    }
  },
});
