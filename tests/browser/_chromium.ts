/**
 * @module Browser tests' helper: launches Debian's Chromium (`apt-get install -y
 * chromium`) through playwright-core, and opens pages that record console errors,
 * uncaught exceptions and Content-Security-Policy violations, with screenshots
 * saved under `test-artifacts/` (git-ignored).
 *
 * playwright-core runs unchanged under `deno test --allow-all` (it spawns the
 * browser with extra stdio pipes, which Deno's node:child_process supports).
 * Set CHROMIUM_PATH to use another binary.
 */

import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM_PATH = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";

/** Where screenshots go. */
export const ARTIFACTS_DIR = new URL("../../test-artifacts/", import.meta.url);

/** Waits for the Chromium binary (it may still be installing); throws after `timeoutMs`. */
export async function waitForChromium(timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const found = await Deno.stat(CHROMIUM_PATH).then((info) => info.isFile, () => false);
    if (found) return;
    if (Date.now() > deadline) throw new Error(`Chromium not found: "${CHROMIUM_PATH}"`);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** Launches headless Chromium with flags that keep it quiet and offline. */
export async function launchChromium(): Promise<Browser> {
  await waitForChromium();
  return await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
}

/** A page plus everything that went wrong on it. */
export interface WatchedPage {
  page: Page;
  /** `console.error` messages, including the browser's own (failed loads, CSP). */
  consoleErrors: string[];
  /** Uncaught exceptions. */
  pageErrors: string[];
  /** Responses with status 400 or more, as "status url". */
  failedRequests: string[];
  /** `securitypolicyviolation` events, as "directive blocked-uri". */
  cspViolations: string[];
  /** Saves a full-page screenshot as `test-artifacts/<name>.png`; returns its path. */
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export interface OpenPageOptions {
  colorScheme?: "light" | "dark";
  /** Defaults to playwright's 1280×720. */
  viewport?: { width: number; height: number };
  /** false: a browser with JavaScript turned off. */
  javaScriptEnabled?: boolean;
}

/** Opens a new page (own context: no shared cookies) that records errors and violations. */
export async function openPage(
  browser: Browser,
  options: OpenPageOptions = {},
): Promise<WatchedPage> {
  const context = await browser.newContext({
    colorScheme: options.colorScheme ?? "light",
    viewport: options.viewport,
    javaScriptEnabled: options.javaScriptEnabled,
  });
  const page = await context.newPage();
  const watched: WatchedPage = {
    page,
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    cspViolations: [],
    async screenshot(name) {
      await Deno.mkdir(ARTIFACTS_DIR, { recursive: true });
      const path = new URL(`${name}.png`, ARTIFACTS_DIR).pathname;
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    close: () => context.close(),
  };
  page.on("console", (message) => {
    if (message.type() === "error") watched.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => watched.pageErrors.push(error.message));
  page.on("response", (response) => {
    if (response.status() >= 400) {
      watched.failedRequests.push(`${response.status()} ${response.url()}`);
    }
  });
  // Bindings and init scripts are injected over CDP, so the page's CSP does not
  // block them; the listener sees every violation, reported or not.
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
