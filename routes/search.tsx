/**
 * @module The search results page (`/search?q=&cursor=`), where the app's search
 * box (a plain GET form) lands: one page of results from the search service,
 * newest first, grouped by room (in the order of each room's newest result), each
 * a link that opens the room at the message (`/rooms/:id?at=SEQ#m-SEQ`; a reply
 * only in its thread opens the thread), its matched words in `<mark>`. "Older
 * results" is a plain link with the page's `nextCursor`. Rendered on the server
 * only, no script of its own; a query the service refuses (a bad date, a forged
 * cursor) shows why, with status 400.
 */

import { Hono } from "hono";
import { Fragment } from "preact";
import type { Context } from "hono";
import { ChatError } from "../lib/errors.ts";
import type { AppEnv } from "../lib/http/env.ts";
import type { Room, SearchResult } from "../lib/protocol/types.ts";
import { BackLink } from "../components/app_layout.tsx";
import { Avatar } from "../components/avatar.tsx";
import { type Clock, formatDay, formatFull, formatTime } from "../components/clock.ts";
import { HighlightedText } from "../components/highlighted_text.tsx";
import { RoomIcon } from "../components/room_icon.tsx";
import { appShell, page, readerClock } from "./_page.tsx";
import { signedInPage } from "./_session.ts";

export const searchPages = new Hono<AppEnv>();

/** Results per page. */
export const SEARCH_PAGE_SIZE = 20;

const LINK = "font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 " +
  "focus-visible:ring-indigo-500 dark:text-indigo-300";

const OPERATORS: Array<[string, string]> = [
  ["from:ada", "messages by ada"],
  ["in:general", "messages in a room (quote a name with spaces)"],
  ["before:2026-05-01", "sent before that day (UTC); after: too"],
  ["has:file", "with files; has:link with links"],
  ["is:mention", "that mention me"],
  ['"exact phrase"', "these words, in this order"],
  ["-word", "without that word (also -from:, -in:)"],
];

/** Where a result opens: the room at the message, or its thread. */
export function resultHref({ room, message }: Pick<SearchResult, "room" | "message">): string {
  const base = `/rooms/${encodeURIComponent(room.id)}`;
  if (message.threadRoot && !message.alsoInRoom) return `${base}?thread=${message.threadRoot}`;
  return `${base}?at=${message.seq}#m-${message.seq}`;
}

/** Results of one page grouped by room, rooms in the order of their newest result. */
export function groupByRoom(
  results: SearchResult[],
): Array<{ room: Room; results: SearchResult[] }> {
  const groups = new Map<string, { room: Room; results: SearchResult[] }>();
  for (const result of results) {
    const group = groups.get(result.room.id) ??
      groups.set(result.room.id, { room: result.room, results: [] }).get(result.room.id)!;
    group.results.push(result);
  }
  return [...groups.values()];
}

function Result({ result, clock }: { result: SearchResult; clock: Clock }) {
  const { message } = result;
  const inThread = !!message.threadRoot && !message.alsoInRoom;
  const files = message.files ?? [];
  return (
    <li data-result={`${result.room.id} ${message.seq}`}>
      <a
        href={resultHref(result)}
        class="flex gap-3 rounded-lg px-3 py-2.5 hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-gray-800"
      >
        <Avatar username={message.username} class="mt-0.5" />
        <span class="block min-w-0 flex-1">
          <span class="flex flex-wrap items-baseline gap-x-2">
            <bdi class="font-semibold text-gray-900 dark:text-gray-100">{message.username}</bdi>
            <time
              dateTime={new Date(message.createdAt).toISOString()}
              title={formatFull(message.createdAt, clock)}
              class="text-xs text-gray-500 dark:text-gray-400"
            >
              {formatDay(message.createdAt, clock)}, {formatTime(message.createdAt, clock)}
            </time>
            {inThread && <span class="text-xs text-gray-500 dark:text-gray-400">in a thread</span>}
            {message.editedAt && (
              <span class="text-xs text-gray-500 dark:text-gray-400">(edited)</span>
            )}
          </span>
          <span class="block text-sm text-gray-800 dark:text-gray-200" data-result-text="">
            <HighlightedText text={message.text} highlights={result.highlights} />
          </span>
          {files.length > 0 && (
            <span class="mt-0.5 block truncate text-xs text-gray-500 dark:text-gray-400">
              {files.length === 1 ? "File: " : "Files: "}
              <bdi>{files.map((f) => f.name).join(", ")}</bdi>
            </span>
          )}
        </span>
      </a>
    </li>
  );
}

function Help() {
  return (
    <section aria-labelledby="search-help" class="text-sm text-gray-600 dark:text-gray-400">
      <h2 id="search-help" class="mb-2 font-semibold text-gray-800 dark:text-gray-200">
        What search understands
      </h2>
      <p class="mb-2">
        Words match words that start with them, in any case and without accents. Every word must
        match.
      </p>
      <dl class="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1">
        {OPERATORS.map(([example, meaning]) => (
          <Fragment key={example}>
            <dt>
              <code class="rounded bg-gray-100 px-1 dark:bg-gray-800">{example}</code>
            </dt>
            <dd>{meaning}</dd>
          </Fragment>
        ))}
      </dl>
    </section>
  );
}

async function searchPage(c: Context<AppEnv>): Promise<Response> {
  const me = c.get("auth").user;
  const q = (c.req.query("q") ?? "").slice(0, 2_000);
  const cursor = c.req.query("cursor") || undefined;
  const clock = readerClock(c);
  let results: SearchResult[] = [];
  let next: string | undefined;
  let error: string | undefined;
  let status: 200 | 400 = 200;
  if (q.trim()) {
    try {
      const found = await c.get("services").search.search(me, {
        q,
        limit: SEARCH_PAGE_SIZE,
        cursor,
      });
      results = found.results;
      next = found.nextCursor;
    } catch (failure) {
      if (!(failure instanceof ChatError) || failure.status !== 400) throw failure;
      error = failure.message;
      status = 400;
    }
  }
  const groups = groupByRoom(results);
  const body = (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-4 dark:border-gray-700">
        <BackLink />
        <h1 class="min-w-0 truncate text-base font-semibold">
          {q.trim()
            ? (
              <>
                Search: <bdi>{q}</bdi>
              </>
            )
            : "Search"}
        </h1>
      </header>
      <div class="min-h-0 flex-1 overflow-y-auto px-2 py-4 md:px-6">
        <div class="mx-auto flex max-w-3xl flex-col gap-6">
          {error && (
            <p
              role="alert"
              class="rounded-lg border border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-900 dark:text-red-200"
            >
              {error}
            </p>
          )}
          {q.trim() && !error && results.length === 0 && (
            <p class="px-2 text-gray-600 dark:text-gray-400">
              {cursor ? "No more messages match " : "No messages match "}
              <bdi class="font-medium">{q}</bdi> in your rooms.
            </p>
          )}
          {groups.map(({ room, results }, i) => (
            <section key={room.id} aria-labelledby={`result-room-${i}`} data-result-room={room.id}>
              <h2
                id={`result-room-${i}`}
                class="flex items-center gap-1.5 px-3 pb-1 text-sm font-semibold text-gray-600 dark:text-gray-300"
              >
                <RoomIcon kind={room.kind} class="text-gray-500 dark:text-gray-400" />
                <a href={`/rooms/${encodeURIComponent(room.id)}`} class="hover:underline">
                  <bdi>{room.name}</bdi>
                </a>
              </h2>
              <ol
                class="divide-y divide-gray-100 dark:divide-gray-800"
                aria-labelledby={`result-room-${i}`}
              >
                {results.map((result) => (
                  <Result key={result.message.seq} result={result} clock={clock} />
                ))}
              </ol>
            </section>
          ))}
          {(next || cursor) && (
            <nav aria-label="More results" class="flex flex-wrap gap-4 px-3">
              {next && (
                <a href={`/search?${new URLSearchParams({ q, cursor: next })}`} class={LINK}>
                  Load more
                </a>
              )}
              {cursor && (
                <a href={`/search?${new URLSearchParams({ q })}`} class={LINK}>
                  Back to the newest results
                </a>
              )}
            </nav>
          )}
          {(!q.trim() || error || results.length === 0) && <Help />}
        </div>
      </div>
    </>
  );
  const shell = await appShell(c, body, { query: q });
  return page(c, shell, { title: q.trim() ? `Search: ${q.slice(0, 60)}` : "Search", status });
}

searchPages.get("/search", signedInPage(), searchPage);
