/**
 * @module The home page, the room directory, and the forms that make rooms:
 * create a room (public or private), join a public room, start a direct
 * conversation. Plain forms: each post answers 303 to the room, or re-renders
 * the page with the error beside the field and the values entered. The directory
 * is filtered here, by name or topic ignoring case and diacritics (`?q=`), and
 * shown a page at a time (`?page=N`, DIRECTORY_PAGE_SIZE rooms), with plain links.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ChatError } from "../lib/errors.ts";
import type { AppEnv } from "../lib/http/env.ts";
import { readFormBody } from "../lib/http/request.ts";
import { ROOM_NAME_MAX, TOPIC_MAX, USERNAME_MAX } from "../lib/protocol/limits.ts";
import type { DirectoryRoom } from "../lib/protocol/types.ts";
import { BackLink } from "../components/app_layout.tsx";
import { Button } from "../components/button.tsx";
import { Card } from "../components/card.tsx";
import { containsFolded } from "../components/fuzzy.ts";
import { Input } from "../components/input.tsx";
import { RoomIcon } from "../components/room_icon.tsx";
import { appShell, page } from "./_page.tsx";
import { sameOriginForm, signedInPage } from "./_session.ts";

export const directoryPages = new Hono<AppEnv>();
// Per route, not `use()`: middleware of a group mounted at "/" would reach every path.
const guard = [sameOriginForm(), signedInPage()] as const;

const LINK = "font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 " +
  "focus-visible:ring-indigo-500 dark:text-indigo-300";

/** Rooms per page of the directory. */
export const DIRECTORY_PAGE_SIZE = 50;
/** A filter longer than this is cut (no room name or topic is longer). */
const FILTER_MAX = 200;

/** The rooms whose name or topic contains `query` (case and diacritics ignored). */
export function filterRooms<T extends { name: string; topic?: string }>(
  rooms: T[],
  query: string,
): T[] {
  if (!query.trim()) return rooms;
  return rooms.filter((r) => containsFolded(r.name, query) || containsFolded(r.topic ?? "", query));
}

/** `?page=`: a page number from 1, anything else is the first page. */
function pageParam(value: string | undefined): number {
  return value && /^[1-9]\d{0,4}$/.test(value) ? Number(value) : 1;
}

interface Forms {
  create?: { name: string; topic: string; kind: string; error?: string; field?: "name" | "topic" };
  dm?: { username: string; error?: string };
}

function CreateRoomForm({ state }: { state: Forms["create"] }) {
  const kind = state?.kind === "private" ? "private" : "public";
  return (
    <Card title="Create a room" class="scroll-mt-4">
      <form method="post" action="/rooms" class="flex flex-col gap-4">
        <Input
          name="name"
          id="room-name"
          label="Name"
          required
          maxLength={ROOM_NAME_MAX}
          value={state?.name}
          error={state?.field !== "topic" ? state?.error : undefined}
          placeholder="e.g. design-reviews"
        />
        <Input
          name="topic"
          id="room-topic"
          label="Topic (optional)"
          maxLength={TOPIC_MAX}
          value={state?.topic}
          error={state?.field === "topic" ? state?.error : undefined}
        />
        <fieldset class="flex flex-col gap-2">
          <legend class="mb-1 text-sm font-medium text-gray-700 dark:text-gray-200">
            Who can join
          </legend>
          <label class="flex items-start gap-2 text-sm">
            <input
              type="radio"
              name="kind"
              value="public"
              checked={kind === "public"}
              class="mt-1"
            />
            <span>
              <span class="font-medium">Public</span>
              <span class="block text-gray-500 dark:text-gray-400">
                Listed here; anyone can join.
              </span>
            </span>
          </label>
          <label class="flex items-start gap-2 text-sm">
            <input
              type="radio"
              name="kind"
              value="private"
              checked={kind === "private"}
              class="mt-1"
            />
            <span>
              <span class="font-medium">Private</span>
              <span class="block text-gray-500 dark:text-gray-400">
                Not listed; members invite people.
              </span>
            </span>
          </label>
        </fieldset>
        <Button type="submit">Create room</Button>
      </form>
    </Card>
  );
}

function StartConversationForm({ state }: { state: Forms["dm"] }) {
  return (
    <Card title="Message someone">
      <form method="post" action="/dms" class="flex flex-col gap-4">
        <Input
          name="username"
          id="dm-username"
          label="Username"
          required
          maxLength={USERNAME_MAX}
          autocomplete="off"
          autocapitalize="none"
          spellcheck={false}
          value={state?.username}
          error={state?.error}
        />
        <Button type="submit" variant="secondary">Open conversation</Button>
      </form>
    </Card>
  );
}

function DirectoryList({ rooms, query }: { rooms: DirectoryRoom[]; query: string }) {
  if (rooms.length === 0 && query.trim()) {
    return (
      <p class="text-gray-600 dark:text-gray-400">
        No public room matches <bdi class="font-medium">{query}</bdi>.{" "}
        <a href="/directory" class={LINK}>Show all rooms</a>
      </p>
    );
  }
  if (rooms.length === 0) {
    return (
      <p class="text-gray-600 dark:text-gray-400">
        No public rooms yet. <a href="#create" class={LINK}>Create the first one</a>.
      </p>
    );
  }
  return (
    <ul class="divide-y divide-gray-200 rounded-xl border border-gray-200 bg-white dark:divide-gray-700 dark:border-gray-700 dark:bg-gray-800">
      {rooms.map((room) => (
        <li key={room.id} class="flex items-center gap-3 px-4 py-3" data-directory-room={room.id}>
          <RoomIcon kind={room.kind} class="text-gray-500 dark:text-gray-400" />
          <div class="min-w-0 flex-1">
            <p class="truncate font-medium">
              <a href={`/rooms/${room.id}`} class="hover:underline">
                <bdi>{room.name}</bdi>
              </a>
            </p>
            <p class="truncate text-sm text-gray-500 dark:text-gray-400">
              {room.memberCount} {room.memberCount === 1 ? "member" : "members"}
              {room.topic && (
                <>
                  <span aria-hidden="true">&nbsp;·&nbsp;</span>
                  <span dir="auto">{room.topic}</span>
                </>
              )}
            </p>
          </div>
          {room.joined
            ? (
              <a
                href={`/rooms/${room.id}`}
                class="rounded-lg px-3 py-1.5 text-sm font-medium text-indigo-700 hover:bg-indigo-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300 dark:hover:bg-gray-700"
              >
                Open
              </a>
            )
            : (
              <form method="post" action={`/rooms/${room.id}/join`}>
                <Button type="submit" size="sm" aria-label={`Join ${room.name}`}>Join</Button>
              </form>
            )}
        </li>
      ))}
    </ul>
  );
}

function FilterForm({ query }: { query: string }) {
  return (
    <form
      role="search"
      aria-label="Public rooms"
      method="get"
      action="/directory"
      class="mb-3 flex gap-2"
    >
      <label for="directory-q" class="sr-only">Filter rooms by name or topic</label>
      <input
        type="search"
        id="directory-q"
        name="q"
        value={query}
        maxLength={FILTER_MAX}
        autocomplete="off"
        spellcheck={false}
        placeholder="Filter by name or topic"
        class="block h-9 min-w-0 flex-1 rounded-lg border border-gray-300 bg-white px-3 text-sm text-gray-900 placeholder-gray-500 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-gray-600 dark:bg-gray-800 dark:text-gray-100 dark:placeholder-gray-400"
      />
      <Button type="submit" variant="secondary" size="sm" class="h-9">Filter</Button>
    </form>
  );
}

function Pager(
  { query, page, pages, from, to, total }: {
    query: string;
    page: number;
    pages: number;
    from: number;
    to: number;
    total: number;
  },
) {
  const href = (n: number) => {
    const params = new URLSearchParams();
    if (query.trim()) params.set("q", query);
    if (n > 1) params.set("page", String(n));
    return params.size ? `/directory?${params}` : "/directory";
  };
  return (
    <nav aria-label="Pages of rooms" class="mt-3 flex flex-wrap items-center gap-4 text-sm">
      <p class="text-gray-600 dark:text-gray-400" data-testid="directory-range">
        {total === 0 ? "No rooms" : `${from}–${to} of ${total}`}
      </p>
      {page > 1 && (
        <a href={href(page - 1)} rel="prev" class={LINK}>
          Previous
        </a>
      )}
      {page < pages && (
        <a href={href(page + 1)} rel="next" class={LINK}>
          Next
        </a>
      )}
    </nav>
  );
}

async function directoryPage(c: Context<AppEnv>, forms: Forms = {}, status = 200) {
  const all = await c.get("services").rooms.directory(c.get("auth").user.id);
  const query = (c.req.query("q") ?? "").slice(0, FILTER_MAX);
  const matching = filterRooms(all, query);
  const pages = Math.max(1, Math.ceil(matching.length / DIRECTORY_PAGE_SIZE));
  const pageNo = Math.min(pageParam(c.req.query("page")), pages);
  const first = (pageNo - 1) * DIRECTORY_PAGE_SIZE;
  const rooms = matching.slice(first, first + DIRECTORY_PAGE_SIZE);
  const body = (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-6 dark:border-gray-700">
        <BackLink />
        <h1 class="text-lg font-semibold">Browse rooms</h1>
      </header>
      <div class="min-h-0 flex-1 overflow-y-auto">
        <div class="mx-auto flex max-w-3xl flex-col gap-8 px-4 py-6 md:px-8">
          <section aria-labelledby="public-rooms">
            <h2 id="public-rooms" class="mb-3 text-base font-semibold">Public rooms</h2>
            {(all.length > 0 || query) && <FilterForm query={query} />}
            <DirectoryList rooms={rooms} query={query} />
            {(matching.length > DIRECTORY_PAGE_SIZE || (query.trim() && all.length > 0)) && (
              <Pager
                query={query}
                page={pageNo}
                pages={pages}
                from={rooms.length ? first + 1 : 0}
                to={first + rooms.length}
                total={matching.length}
              />
            )}
          </section>
          <div class="grid gap-6 md:grid-cols-2">
            <div id="create" class="scroll-mt-4">
              <CreateRoomForm state={forms.create} />
            </div>
            <div id="people" class="scroll-mt-4">
              <StartConversationForm state={forms.dm} />
            </div>
          </div>
        </div>
      </div>
    </>
  );
  return page(c, await appShell(c, body), {
    title: "Browse rooms",
    status: status as ContentfulStatusCode,
  });
}

function HomeContent({ username }: { username: string }) {
  return (
    <div class="flex min-h-0 flex-1 items-center justify-center overflow-y-auto px-6 py-10">
      <div class="max-w-md text-center">
        <h1 class="text-2xl font-bold tracking-tight">
          Welcome, <bdi>{username}</bdi>
        </h1>
        <p class="mt-3 text-gray-600 dark:text-gray-400">
          Pick a conversation on the left, or find something new.
        </p>
        <p class="mt-2 text-sm text-gray-500 dark:text-gray-400">
          <kbd class="rounded border border-gray-300 px-1 font-sans dark:border-gray-600">/</kbd>
          {" "}
          searches messages;{" "}
          <kbd class="rounded border border-gray-300 px-1 font-sans dark:border-gray-600">
            Ctrl K
          </kbd>{" "}
          jumps to a room or person.
        </p>
        <div class="mt-6 flex flex-wrap justify-center gap-3">
          <a
            href="/directory"
            class="rounded-lg bg-indigo-600 px-4 py-2 font-medium text-white hover:bg-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-gray-900"
          >
            Browse rooms
          </a>
          <a
            href="/directory#create"
            class="rounded-lg border border-gray-300 px-4 py-2 font-medium hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-600 dark:hover:bg-gray-800"
          >
            Create a room
          </a>
          <a
            href="/directory#people"
            class="rounded-lg border border-gray-300 px-4 py-2 font-medium hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-600 dark:hover:bg-gray-800"
          >
            Message someone
          </a>
        </div>
      </div>
    </div>
  );
}

directoryPages.get("/", ...guard, async (c) => {
  const body = <HomeContent username={c.get("auth").user.username} />;
  return page(c, await appShell(c, body, { phone: "list" }), { title: "Deno Chat" });
});

directoryPages.get("/directory", ...guard, (c) => directoryPage(c));

directoryPages.post("/rooms", ...guard, async (c) => {
  const form = await readFormBody(c.req.raw);
  const input = {
    name: form.get("name") ?? "",
    topic: form.get("topic") ?? "",
    kind: form.get("kind") ?? "public",
  };
  try {
    const room = await c.get("services").rooms.create(c.get("auth").user, input);
    return c.redirect(`/rooms/${room.id}`, 303);
  } catch (error) {
    if (!(error instanceof ChatError) || error.code === "internal") throw error;
    const field = /^Topic\b/.test(error.message) ? "topic" : "name";
    return directoryPage(c, { create: { ...input, error: error.message, field } }, error.status);
  }
});

directoryPages.post("/rooms/:id/join", ...guard, async (c) => {
  const room = await c.get("services").rooms.join(c.get("auth").user, c.req.param("id"));
  return c.redirect(`/rooms/${room.id}`, 303);
});

directoryPages.post("/rooms/:id/decline", ...guard, async (c) => {
  await c.get("services").rooms.decline(c.get("auth").user, c.req.param("id"));
  return c.redirect("/", 303);
});

directoryPages.post("/dms", ...guard, async (c) => {
  const form = await readFormBody(c.req.raw);
  const username = (form.get("username") ?? "").trim();
  try {
    const { room } = await c.get("services").rooms.direct(c.get("auth").user, username);
    return c.redirect(`/rooms/${room.id}`, 303);
  } catch (error) {
    if (!(error instanceof ChatError) || error.code === "internal") throw error;
    return directoryPage(c, { dm: { username, error: error.message } }, error.status);
  }
});
