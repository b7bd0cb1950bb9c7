/**
 * @module What the browser tests of the chat pages share: the page is clean (no
 * CSP violation, console error or uncaught exception), the app is live, the
 * conversation's rows, the session cookie, and signing in through the login form
 * (in a page of its own: `signedIn`).
 */

import assert from "node:assert/strict";
import type { Browser, Locator, Page } from "playwright-core";
import { openPage, type OpenPageOptions, type WatchedPage } from "./_chromium.ts";

/** No CSP violation, console error (`ignore`: those a step expects) or uncaught error. */
export function assertClean(
  watched: WatchedPage,
  what: string,
  ignore: (errors: string[]) => string[] = (errors) => errors,
): void {
  assert.deepEqual(watched.cspViolations, [], `CSP violations on ${what}`);
  assert.deepEqual(ignore(watched.consoleErrors), [], `console errors on ${what}`);
  assert.deepEqual(watched.pageErrors, [], `uncaught errors on ${what}`);
}

/** Waits until the page's islands are hydrated and its socket is open. */
export async function live(page: Page): Promise<void> {
  await page.waitForSelector("html[data-hydrated]");
  await page.waitForSelector('[data-connection="open"]', { state: "attached", timeout: 20_000 });
}

/** The conversation's stored messages. */
export function rows(page: Page): Locator {
  return page.locator('[data-testid="messages"] li[data-seq]');
}

/** The stored message whose text is exactly `text`. */
export function row(page: Page, text: string): Locator {
  return rows(page).filter({ has: page.locator("[data-text]").getByText(text, { exact: true }) });
}

/** The page's cookies as a `cookie` header (to fetch as that browser). */
export async function cookieOf(page: Page): Promise<string> {
  const cookies = await page.context().cookies();
  return cookies.map((c) => `${c.name}=${c.value}`).join("; ");
}

/** Signs in through the login form and waits for `next`. */
export async function logIn(
  page: Page,
  url: string,
  username: string,
  password: string,
  next = "/",
): Promise<void> {
  await page.goto(`${url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.waitForURL(`${url}${next}`);
}

/** A new browser context signed in as `username` on `path` (10 s default timeout). */
export async function signedIn(
  browser: Browser,
  url: string,
  username: string,
  password: string,
  path: string,
  options: OpenPageOptions & { live?: boolean } = {},
): Promise<WatchedPage> {
  const watched = await openPage(browser, options);
  watched.page.setDefaultTimeout(10_000);
  await logIn(watched.page, url, username, password, path);
  if (options.live) await live(watched.page);
  return watched;
}
