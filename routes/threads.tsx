/**
 * @module The threads page (`/threads`): the threads I follow, newest activity
 * first, each with its room, its root (author, time, its text as plain text), how
 * many replies and how many I have not read, and a link that opens it beside its room
 * (`/rooms/:id?thread=SEQ`). Rendered on the server only: the room list beside it
 * keeps the counts live.
 */

import { Hono } from "hono";
import type { AppEnv } from "../lib/http/env.ts";
import type { ThreadInfo } from "../lib/protocol/types.ts";
import { BackLink } from "../components/app_layout.tsx";
import { Avatar } from "../components/avatar.tsx";
import { Badge } from "../components/badge.tsx";
import { type Clock, formatFull, formatTime } from "../components/clock.ts";
import { timeAgo } from "../components/message_row.tsx";
import { appShell, page, readerClock } from "./_page.tsx";
import { signedInPage } from "./_session.ts";

export const threadPages = new Hono<AppEnv>();

function ThreadItem({ info, clock }: { info: ThreadInfo; clock: Clock }) {
  const { room, root, unread } = info;
  const count = root.thread?.count ?? 0;
  return (
    <li data-thread-item={`${room.id} ${root.seq}`}>
      <a
        href={`/rooms/${room.id}?thread=${root.seq}`}
        class="block rounded-xl border border-gray-200 bg-white px-4 py-3 hover:border-indigo-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-700 dark:bg-gray-800 dark:hover:border-indigo-400"
      >
        <p class="flex items-center gap-2 text-xs font-semibold text-gray-500 dark:text-gray-400">
          <bdi class="min-w-0 flex-1 truncate">
            {room.kind === "direct" ? room.name : `#${room.name}`}
          </bdi>
          <Badge count={unread} label={unread === 1 ? "unread reply" : "unread replies"} />
        </p>
        <div class="mt-2 flex gap-3">
          <Avatar username={root.username} class="mt-0.5" />
          <div class="min-w-0 flex-1">
            <p class="flex items-baseline gap-2">
              <bdi class="truncate font-semibold text-gray-900 dark:text-gray-100">
                {root.username}
              </bdi>
              <time
                dateTime={new Date(root.createdAt).toISOString()}
                title={formatFull(root.createdAt, clock)}
                class="shrink-0 text-xs text-gray-500 dark:text-gray-400"
              >
                {formatTime(root.createdAt, clock)}
              </time>
            </p>
            {
              /* Plain text: the whole item is a link, and links cannot nest. */
            }
            {root.deleted
              ? <p class="text-sm italic text-gray-500 dark:text-gray-400">message deleted</p>
              : (
                <p
                  dir="auto"
                  class="line-clamp-3 break-words text-sm text-gray-800 dark:text-gray-200"
                >
                  {root.text.length > 300 ? `${root.text.slice(0, 300)}…` : root.text}
                </p>
              )}
            <p class="mt-1 text-xs">
              <span class="font-semibold text-indigo-700 dark:text-indigo-300">
                {count} {count === 1 ? "reply" : "replies"}
              </span>{" "}
              <span class="text-gray-500 dark:text-gray-400">
                · last reply {timeAgo(info.lastAt)}
              </span>
            </p>
          </div>
        </div>
      </a>
    </li>
  );
}

threadPages.get("/threads", signedInPage(), async (c) => {
  const me = c.get("auth").user;
  const threads = await c.get("services").threads.followed(me.id);
  const clock = readerClock(c);
  const body = (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-4 dark:border-gray-700">
        <BackLink />
        <h1 class="text-base font-semibold">Threads</h1>
      </header>
      <div class="min-h-0 flex-1 overflow-y-auto px-4 py-4">
        {threads.length === 0
          ? (
            <p class="text-sm text-gray-500 dark:text-gray-400">
              No threads yet. Threads you start, reply in or are mentioned in show here.
            </p>
          )
          : (
            <ul aria-label="Threads you follow" class="mx-auto max-w-2xl space-y-3">
              {threads.map((info) => (
                <ThreadItem key={`${info.room.id} ${info.root.seq}`} info={info} clock={clock} />
              ))}
            </ul>
          )}
      </div>
    </>
  );
  const shell = await appShell(c, body, { threadsActive: true });
  return page(c, shell, { title: "Threads" });
});
