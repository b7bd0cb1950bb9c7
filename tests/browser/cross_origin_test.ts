/**
 * In a real browser: the session cookie's flags, and that a page on another origin
 * (cross-site, and same-site on another port) can neither post our forms nor open
 * our socket with the user's cookie.
 */

import assert from "node:assert/strict";
import { startServer } from "../_server.ts";
import { launchChromium, openPage } from "./_chromium.ts";

/** A hostile page: posts the create-room form into a hidden frame and opens the socket. */
function evilPage(target: string, roomName: string): string {
  const ws = target.replace(/^http/, "ws") + "/api/ws";
  return `<!doctype html><title>waiting</title>
<form id="f" method="post" action="${target}/rooms" target="sink">
  <input name="name" value="${roomName}"><input name="kind" value="public">
</form>
<iframe name="sink"></iframe>
<script>
  const ws = new WebSocket(${JSON.stringify(ws)});
  ws.onopen = () => { document.title = "ws-open"; };
  ws.onclose = () => { if (document.title !== "ws-open") document.title = "ws-refused"; };
  document.getElementById("f").submit();
</script>`;
}

Deno.test({
  name: "in a browser: an HttpOnly SameSite cookie, unusable from other origins",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer();
    const browser = await launchChromium();
    const evil = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
      const name = new URL(req.url).searchParams.get("room") ?? "evil";
      return new Response(evilPage(server.url, name), {
        headers: { "content-type": "text/html" },
      });
    });
    const evilPort = evil.addr.port;
    const watched = await openPage(browser);
    const { page } = watched;
    try {
      const username = `victim${Date.now().toString(36).slice(-6)}`;
      await page.goto(`${server.url}/register`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill("correct horse battery");
      await page.getByRole("button", { name: "Create account" }).click();
      await page.waitForURL(`${server.url}/`);

      await t.step(
        "the session cookie is HttpOnly, SameSite=Lax and invisible to scripts",
        async () => {
          const cookie = (await page.context().cookies(server.url)).find((c) =>
            c.name === "chat_session"
          );
          assert.ok(cookie, "the session cookie is set");
          assert.equal(cookie.httpOnly, true);
          assert.equal(cookie.sameSite, "Lax");
          assert.equal(cookie.path, "/");
          assert.equal(await page.evaluate(() => document.cookie.includes("chat_session")), false);
        },
      );

      const origins = [
        ["cross-site", `http://localhost:${evilPort}`],
        ["same-site, other port", `http://127.0.0.1:${evilPort}`],
      ];
      for (const [kind, origin] of origins) {
        await t.step(`a ${kind} page can neither post a form nor open the socket`, async () => {
          const room = `evil-${kind.replace(/\W+/g, "-")}`;
          await page.goto(`${origin}/?room=${room}`);
          await page.waitForFunction(() => document.title !== "waiting", null, { timeout: 10_000 });
          await page.waitForTimeout(500); // let the form's navigation finish
          assert.equal(await page.title(), "ws-refused");
          const rooms = await page.request.get(`${server.url}/api/rooms`);
          assert.equal(rooms.status(), 200, "the victim is still signed in");
          const names = (await rooms.json()).rooms.map((r: { name: string }) => r.name);
          assert.ok(!names.includes(room), `no room was created from ${origin}`);
        });
      }
    } finally {
      await watched.close();
      await browser.close();
      await evil.shutdown();
      await server.stop();
    }
  },
});
