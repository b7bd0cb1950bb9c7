/**
 * @module `deno task bench:switch`: how long a room switch takes in the web app,
 * measured in real Chromium (Debian's /usr/bin/chromium, or CHROMIUM_PATH)
 * against our server in its own process, 12 rooms of 50 messages each:
 *
 * - cold: a room never opened on this page (a click with no hover before it, so
 *   nothing was fetched ahead);
 * - prefetched: pointed at first (its props fetched ahead), clicked 500 ms later;
 * - warm: a room opened before on this page;
 * - first message painted on a cold load of a room page (navigation start to the
 *   newest message on screen), and the whole load until the page is live.
 *
 * "Usable" is: the pane shows the new room with its newest messages (a switch
 * renders the newest 12 first, the older ones right after) and the page is
 * hydrated (the composer takes text). The click happens in the page and the
 * clock is the page's (`Date.now()` on both sides, for a switch that loads a page).
 *
 *   deno task bench:switch                      ours
 *   BENCH_BASE_DIR=/tmp/base deno task bench:switch --server=ours-base
 *                                               a checkout of another commit (before)
 *   --rounds=N                                  fresh pages per kind (default 3)
 *   --json                                      figures as JSON
 */

import { type Browser, chromium, type Page } from "playwright-core";
import { ChatApi } from "../lib/client/http.ts";
import { parseArgs } from "node:util";
import { startServer } from "./servers.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const PASSWORD = "correct horse battery";
const ROOMS = 12;
const MESSAGES = 50;
const PAUSE_MS = 500;

interface Figures {
  server: string;
  cold: number[];
  prefetched: number[];
  warm: number[];
  firstPaint: number[];
  live: number[];
}

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/**
 * Clicks the sidebar link of a room and answers the ms until the pane shows it,
 * usable, on screen: from the click to the end of the frame (style, layout, paint)
 * after the DOM has it. Within the
 * page when the switch keeps the page; else (a switch that loads a page) from the
 * click's wall-clock time, kept in sessionStorage, to the new page's.
 */
async function switchTo(page: Page, room: { id: string; last: string }): Promise<number> {
  // As a person would: the last switch's work (its catch-up, read marker) is done.
  await page.waitForTimeout(PAUSE_MS);
  const usable = (last: string) => {
    const rows = document.querySelectorAll('[data-testid="messages"] li[data-seq]');
    const text = rows[rows.length - 1]?.querySelector("[data-text]")?.textContent;
    return document.documentElement.hasAttribute("data-hydrated") && text === last;
  };
  try {
    return await page.evaluate(({ id, last, test }) => {
      const ready = new Function("last", `return (${test})(last)`) as (l: string) => boolean;
      return new Promise<number>((resolve) => {
        const link = document.querySelector<HTMLAnchorElement>(`nav a[data-room="${id}"]`)!;
        const started = performance.now();
        sessionStorage.setItem("bench-click", String(Date.now()));
        const check = () => {
          if (!ready(last)) return;
          observer.disconnect();
          // The frame that shows it: after its callbacks, style, layout and paint.
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started)));
        };
        const observer = new MutationObserver(check);
        observer.observe(document, { subtree: true, childList: true, characterData: true });
        link.click();
      });
    }, { id: room.id, last: room.last, test: usable.toString() });
  } catch (error) {
    if (!/context was destroyed|navigation/i.test(String(error))) throw error;
  }
  const done = await page.waitForFunction(
    ({ last, test }) => {
      const ready = new Function("last", `return (${test})(last)`) as (l: string) => boolean;
      return ready(last) && Date.now() - Number(sessionStorage.getItem("bench-click"));
    },
    { last: room.last, test: usable.toString() },
    { polling: "raf", timeout: 30_000 },
  );
  return await done.jsonValue() as number;
}

async function pointAt(page: Page, roomId: string): Promise<void> {
  await page.hover(`nav a[data-room="${roomId}"]`);
}

async function measure(browser: Browser, base: string, rounds: number, server: string) {
  const figures: Figures = { server, cold: [], prefetched: [], warm: [], firstPaint: [], live: [] };
  const api = new ChatApi(base);
  const username = `switch${crypto.randomUUID().slice(0, 6)}`;
  await api.register(username, PASSWORD);
  const rooms: Array<{ id: string; last: string }> = [];
  for (let r = 0; r < ROOMS; r++) {
    const room = await api.createRoom(`room-${String(r).padStart(2, "0")}`);
    let last = "";
    for (let i = 1; i <= MESSAGES; i++) {
      last = `Message ${i} in room ${r}: ${"lorem ipsum dolor ".repeat(1 + (i % 5))}`.trim();
      await api.send(room.id, last);
    }
    rooms.push({ id: room.id, last });
  }
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const login = await context.newPage();
  await login.goto(`${base}/login`);
  await login.getByLabel("Username").fill(username);
  await login.getByLabel("Password").fill(PASSWORD);
  await login.getByRole("button", { name: "Log in" }).click();
  await login.waitForURL(`${base}/`);
  await login.close();
  for (let round = 0; round < rounds; round++) {
    const page = await context.newPage();
    // A cold load: navigation start to the newest message painted, and to live.
    await page.goto(`${base}/rooms/${rooms[0].id}`, { waitUntil: "commit" });
    await page.waitForSelector('[data-connection="open"]', { state: "attached" });
    const load = await page.evaluate(() => {
      const paint = performance.getEntriesByType("paint")
        .find((e) => e.name === "first-contentful-paint");
      return { paint: paint?.startTime ?? NaN, now: performance.now() };
    });
    figures.firstPaint.push(load.paint);
    figures.live.push(load.now);
    // Cold: the rooms in turn, clicked without pointing at them first.
    const half = Math.floor(ROOMS / 2);
    for (let r = 1; r < half; r++) figures.cold.push(await switchTo(page, rooms[r]));
    // Prefetched: pointed at first.
    for (let r = half; r < ROOMS; r++) {
      await pointAt(page, rooms[r].id);
      figures.prefetched.push(await switchTo(page, rooms[r]));
    }
    // Warm: back to rooms seen on this page.
    for (let r = 0; r < ROOMS - 1; r++) figures.warm.push(await switchTo(page, rooms[r]));
    await page.close();
  }
  await context.close();
  return figures;
}

function report(f: Figures): string {
  const line = (name: string, values: number[]) =>
    `  ${name.padEnd(34)} p50 ${pct(values, 0.5).toFixed(1).padStart(6)} ms   p95 ${
      pct(values, 0.95).toFixed(1).padStart(6)
    } ms   (${values.length} samples)`;
  return [
    `Room switch in Chromium, ${ROOMS} rooms of ${MESSAGES} messages (${f.server}):`,
    line("switch, cold (not fetched ahead)", f.cold),
    line("switch, fetched ahead on hover", f.prefetched),
    line("switch, warm (visited before)", f.warm),
    line("cold load: first contentful paint", f.firstPaint),
    line("cold load: live (socket open)", f.live),
  ].join("\n");
}

if (import.meta.main) {
  const args = parseArgs({
    args: Deno.args,
    options: {
      server: { type: "string", default: "ours" },
      rounds: { type: "string", default: "3" },
      json: { type: "boolean", default: false },
    },
  });
  const kind = args.values.server as "ours" | "ours-base";
  const server = await startServer(kind);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run"],
  });
  try {
    const figures = await measure(browser, server.url, Number(args.values.rounds), kind);
    console.log(args.values.json ? JSON.stringify(figures) : report(figures));
  } finally {
    await browser.close();
    await server.stop();
  }
}
