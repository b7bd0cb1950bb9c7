/**
 * The signed-in app's frame: the search box across the top, the room list beside
 * the page's content, the whole height of the window. On a phone (below `md`) only
 * one of the two is shown: the list on the home page, the content everywhere else
 * (with a way back); the search box shows there on the home page and the search
 * page only, so that a conversation keeps the whole screen. Beside the search box:
 * links to my settings and, for the server's admin, the admin page (plain links:
 * no script, so no page's JavaScript grows). The first thing Tab reaches is a skip
 * link, shown when focused: "Skip to composer" on a room's page, "Skip to content"
 * elsewhere.
 */

import type { ComponentChildren } from "preact";
import { cx } from "./_cx.ts";
import { Icon } from "./icon.tsx";
import { SearchBox } from "./search_box.tsx";

export interface AppLayoutProps {
  sidebar: ComponentChildren;
  children: ComponentChildren;
  /** What a phone shows: the room list (home) or the content (default). */
  phone?: "list" | "content";
  /** The search box's text (on the search page). */
  query?: string;
  /** A phone shows the search box with the content too (the search page). */
  phoneSearch?: boolean;
  /** I am the server's admin: a link to the admin page too. */
  serverAdmin?: boolean;
  /** The page has a composer (a room's chat pane): the skip link goes to it. */
  composer?: boolean;
}

const HEADER_LINK =
  "rounded-lg px-2.5 py-1.5 text-sm font-medium text-gray-700 hover:bg-gray-200 " +
  "focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-200 " +
  "dark:hover:bg-gray-800";

export function AppLayout(
  { sidebar, children, phone = "content", query, phoneSearch, serverAdmin, composer }:
    AppLayoutProps,
) {
  return (
    <div class="flex h-[100dvh] flex-col overflow-hidden">
      {/* The first stop of Tab. Following a link to a field focuses it (the composer). */}
      <a
        href={composer ? "#composer" : "#main"}
        class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded-lg focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:font-medium focus:text-indigo-700 focus:shadow-lg focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:focus:bg-gray-800 dark:focus:text-indigo-300"
      >
        {composer ? "Skip to composer" : "Skip to content"}
      </a>
      {/* The banner: the search box and the account's links. */}
      <header
        class={cx(
          "h-12 shrink-0 items-center justify-center gap-2 border-b border-gray-200 bg-gray-50 px-3 md:flex dark:border-gray-700 dark:bg-[#0d1320]",
          phone === "list" || phoneSearch ? "flex" : "hidden",
        )}
      >
        {/* Keeps the search box in the middle on wide screens. */}
        <div class="hidden md:block md:flex-1" />
        <SearchBox query={query} />
        {/* Not a <nav>: the room list is the app's one navigation landmark. */}
        <div class="flex shrink-0 items-center justify-end gap-1 md:flex-1" data-account-links>
          {serverAdmin && <a href="/admin" class={HEADER_LINK}>Admin</a>}
          <a href="/settings" class={HEADER_LINK}>Settings</a>
        </div>
      </header>
      <div class="flex min-h-0 flex-1">
        <div
          class={cx(
            "min-h-0 w-full shrink-0 flex-col border-gray-200 md:flex md:w-72 md:border-r dark:border-gray-700",
            phone === "list" ? "flex" : "hidden",
          )}
        >
          {sidebar}
        </div>
        <main
          id="main"
          class={cx(
            "min-h-0 min-w-0 flex-1 flex-col bg-white dark:bg-gray-900",
            phone === "content" ? "flex" : "hidden md:flex",
          )}
        >
          {children}
        </main>
      </div>
      {/* The connection's one indicator: the room list writes it (empty, it is hidden). */}
      <p
        id={CONNECTION_STATUS_ID}
        role="status"
        class="pointer-events-none fixed left-1/2 top-16 z-40 -translate-x-1/2 rounded-full bg-amber-100 px-3 py-1 text-xs font-medium text-amber-800 shadow empty:hidden md:top-28 dark:bg-amber-900 dark:text-amber-200"
      />
    </div>
  );
}

/**
 * The page's one word on its connection ("Reconnecting…"), a pill at the top of
 * the content, below its header: outside the sidebar, which a phone hides in a
 * room. Server markup the room list island fills (islands/room_list.tsx), so its
 * looks cost the pages' JavaScript nothing; its live region is there from the
 * start, so screen readers hear each change.
 */
export const CONNECTION_STATUS_ID = "connection-status";

/**
 * The "back to the room list" link that only phones need, with the number of
 * unread mentions waiting in other rooms (`mentions`) when there are some.
 */
export function BackLink({ mentions = 0 }: { mentions?: number }) {
  return (
    <a
      href="/"
      class="relative -ml-1 inline-flex h-9 w-9 shrink-0 items-center justify-center rounded-lg text-gray-600 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 md:hidden dark:text-gray-300 dark:hover:bg-gray-800"
    >
      <Icon name="back" class="h-5 w-5" />
      <span class="sr-only">Back to rooms</span>
      {mentions > 0 && (
        <span class="absolute right-0 top-0.5 min-w-[1rem] rounded-full bg-red-600 px-1 text-center text-[10px] font-semibold leading-4 text-white">
          {mentions > 99 ? "99+" : mentions}
          <span class="sr-only">{mentions === 1 ? " unread mention" : " unread mentions"}</span>
        </span>
      )}
    </a>
  );
}
