/**
 * @module The room page and its forms. A member sees the live chat pane island,
 * server-rendered with the newest messages. Anyone else signed in sees a public
 * room read-only with a Join button, and a private room's name with a Join
 * button (which works if they were invited). `?before=SEQ` shows an older page
 * of history without JavaScript. `?at=SEQ` (where a search result links, with
 * `#m-SEQ`) opens the live pane at that message, highlighted: rendered here with
 * every message from just before it to the newest when it is at most AT_SPAN
 * back, else the pane loads the history back to it (the reply jump's code).
 * Sending, inviting and leaving are plain forms (the island takes over sending
 * and inviting in the browser). Times are rendered in the reader's locale and
 * zone, from the `chat_clock` cookie the islands set (components/clock.ts), and
 * the island is given the same clock.
 */

import { Hono } from "hono";
import { renderToString } from "preact-render-to-string";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ChatError, ForbiddenError } from "../lib/errors.ts";
import type { AppEnv } from "../lib/http/env.ts";
import { readFormBody } from "../lib/http/request.ts";
import type { InviteOutcome, Member, Message, MyRoom, Room } from "../lib/protocol/types.ts";
import { inviteNotice } from "../lib/client/notices.ts";
import { isUsername, parseSeqParam } from "../lib/protocol/validate.ts";
import { BackLink } from "../components/app_layout.tsx";
import { Button } from "../components/button.tsx";
import { type Clock } from "../components/clock.ts";
import { continuesRun, MessageRow, peopleOf } from "../components/message_row.tsx";
import { RoomIcon } from "../components/room_icon.tsx";
import ChatRoom, { type ChatRoomProps } from "../islands/chat_room.tsx";
import { serverParts } from "../islands/_lazy.ts";
import { MemberList } from "../islands/_members.tsx";
import { RoomHeader } from "../islands/_room_header.tsx";
import { RoomMenuForms } from "../components/room_menu.tsx";
import { appShell, page, readerClock } from "./_page.tsx";
import { sameOriginForm, signedInPage } from "./_session.ts";

export const roomPages = new Hono<AppEnv>();
// The parts of the chat pane the browser loads lazily (see islands/_lazy.ts).
Object.assign(serverParts, { MemberList, RoomHeader, RoomMenuForms });
// Per route, not `use()`: middleware of a group mounted at "/" would reach every path.
const guard = [sameOriginForm(), signedInPage()] as const;

const LINK = "font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 " +
  "focus-visible:ring-indigo-500 dark:text-indigo-300";

type Notice = ChatRoomProps["notice"];

/** A read-only conversation: for visitors of a public room and older pages. */
function StaticRoom(
  { room, messages, hasMore, older, join, clock, me, members }: {
    room: Room;
    messages: Message[];
    hasMore: boolean;
    older: boolean;
    join: boolean;
    clock: Clock;
    me: string;
    members: Member[];
  },
) {
  const names = Object.fromEntries(members.map((m) => [m.id, m.username]));
  const people = peopleOf(members);
  return (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-4 dark:border-gray-700">
        <BackLink />
        <RoomIcon kind={room.kind} class="text-lg text-gray-500 dark:text-gray-400" />
        <div class="min-w-0 flex-1">
          <h1 class="truncate text-base font-semibold">
            <bdi>{room.name}</bdi>
          </h1>
          {room.topic && (
            <p
              dir="auto"
              title={room.topic}
              class="truncate text-xs text-gray-500 dark:text-gray-400"
            >
              {room.topic}
            </p>
          )}
        </div>
      </header>
      <div class="min-h-0 flex-1 overflow-y-auto pb-3">
        {hasMore && messages.length > 0 && (
          <p class="px-4 pt-4 text-center">
            <a href={`/rooms/${room.id}?before=${messages[0].seq}`} class={LINK}>
              Older messages
            </a>
          </p>
        )}
        <ol class="break-words [overflow-wrap:anywhere]" data-testid="messages">
          {messages.map((message, i) => (
            <MessageRow
              key={message.seq}
              message={message}
              clock={clock}
              me={me}
              names={names}
              people={people}
              grouped={continuesRun(messages[i - 1], message, clock)}
              filesLocked={!!join}
            />
          ))}
        </ol>
        {messages.length === 0 && (
          <p class="px-4 pt-6 text-sm text-gray-500 dark:text-gray-400">No messages yet.</p>
        )}
      </div>
      <div class="border-t border-gray-200 px-4 py-3 dark:border-gray-700">
        {join
          ? (
            <form
              method="post"
              action={`/rooms/${room.id}/join`}
              class="flex flex-wrap items-center gap-3"
            >
              <p class="flex-1 text-sm text-gray-600 dark:text-gray-400">
                Join to send messages.
              </p>
              <Button type="submit">Join {room.name}</Button>
            </form>
          )
          : older && <a href={`/rooms/${room.id}`} class={LINK}>Back to the newest messages</a>}
      </div>
    </>
  );
}

/** A private room I may not see: its door, in case I was invited. */
function PrivateDoor({ roomId }: { roomId: string }) {
  return (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-4 dark:border-gray-700">
        <BackLink />
        <h1 class="text-base font-semibold">Private room</h1>
      </header>
      <div class="flex flex-1 items-center justify-center px-6 py-10">
        <form method="post" action={`/rooms/${roomId}/join`} class="max-w-sm text-center">
          <p class="text-gray-700 dark:text-gray-300">
            This room is private. If a member invited you, you can join it.
          </p>
          <Button type="submit" class="mt-4">Join room</Button>
        </form>
      </div>
    </>
  );
}

/** `?at=` this far back (or less) is rendered here; farther, the pane loads back to it. */
const AT_SPAN = 200;
/** Messages rendered before the one opened at. */
const AT_CONTEXT = 10;

/** The newest page of history, reaching back to `at` (and a few before it) when it is near. */
async function historyFor(
  c: Context<AppEnv>,
  roomId: string,
  query: { before?: number; at?: number },
): Promise<{ messages: Message[]; hasMore: boolean }> {
  const { messages } = c.get("services");
  const me = c.get("auth").user;
  const { before, at } = query;
  const newest = await messages.history(me.id, roomId, { before, limit: 50 });
  const last = newest.messages.at(-1)?.seq ?? 0;
  if (at === undefined || before !== undefined || last - at > AT_SPAN) return newest;
  let { messages: list, hasMore } = newest;
  // At most AT_SPAN / 100 + 1 more reads.
  while (hasMore && list.length && list[0].seq > at - AT_CONTEXT) {
    const page = await messages.history(me.id, roomId, { before: list[0].seq, limit: 100 });
    list = [...page.messages, ...list];
    hasMore = page.hasMore;
  }
  return { messages: list, hasMore };
}

/** What the live pane of a room I am in is rendered from (here, or by `/rooms/:id/pane`). */
interface PaneData {
  room: Room;
  members: Member[];
  history: { messages: Message[]; hasMore: boolean };
  mine: MyRoom[];
  membership?: MyRoom;
}

async function paneData(
  c: Context<AppEnv>,
  roomId: string,
  query: { before?: number; at?: number } = {},
): Promise<PaneData> {
  const { rooms } = c.get("services");
  const me = c.get("auth").user;
  const { room, members } = await rooms.details(me.id, roomId);
  const history = await historyFor(c, room.id, query);
  // Read after the history, so the list's seqs are at least as new as the pane's.
  const mine = await rooms.mine(me.id);
  return { room, members, history, mine, membership: mine.find((r) => r.id === room.id) };
}

function paneProps(
  c: Context<AppEnv>,
  { room, members, history, membership }: PaneData,
  extra: Pick<ChatRoomProps, "notice" | "at"> = {},
): ChatRoomProps {
  const lastShown = history.messages.at(-1)?.seq ?? 0;
  return {
    me: c.get("auth").user,
    room,
    members,
    messages: history.messages,
    hasMore: history.hasMore,
    readSeq: Math.min(membership?.readSeq ?? 0, lastShown),
    draftClientId: crypto.randomUUID(),
    clock: readerClock(c),
    ...extra,
  };
}

async function roomPage(
  c: Context<AppEnv>,
  options: { notice?: Notice; status?: number } = {},
): Promise<Response> {
  const me = c.get("auth").user;
  const roomId = c.req.param("id")!;
  const before = parseSeqParam(c.req.query("before"), "before");
  const at = parseSeqParam(c.req.query("at"), "at");
  let data;
  try {
    data = await paneData(c, roomId, { before, at });
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error;
    const shell = await appShell(c, <PrivateDoor roomId={roomId} />);
    return page(c, shell, { title: "Private room", status: 403 });
  }
  const { room, members, history, mine, membership } = data;
  const lastShown = history.messages.at(-1)?.seq ?? 0;
  const status = (options.status ?? 200) as ContentfulStatusCode;
  if (!membership || before !== undefined) {
    const body = (
      <StaticRoom
        room={room}
        messages={history.messages}
        hasMore={history.hasMore}
        older={before !== undefined}
        join={!membership}
        clock={readerClock(c)}
        me={me.id}
        members={members}
      />
    );
    const shell = await appShell(c, body, { activeRoomId: room.id, mine });
    return page(c, shell, { title: room.name, status });
  }
  const invited = inviteFromQuery(c, room.id);
  const notice = options.notice ??
    (invited ? { tone: "info" as const, text: inviteNotice(invited, `#${room.name}`) } : undefined);
  const props = paneProps(c, data, { notice, at: at && at <= lastShown ? at : undefined });
  const shell = await appShell(c, <ChatRoom {...props} />, {
    activeRoomId: room.id,
    activeLastSeq: lastShown,
    mine,
    composer: true,
  });
  return page(c, shell, { title: room.name, status });
}

/**
 * The live pane's props as JSON, for switching rooms without a page load
 * (islands/_nav.ts renders the island from them). Only for a room I am in: else
 * 403, and the page loads the room the plain way.
 */
async function paneJson(c: Context<AppEnv>): Promise<Response> {
  c.header("cache-control", "no-store");
  try {
    const data = await paneData(c, c.req.param("id")!);
    if (!data.membership) throw new ForbiddenError("You are not a member of this room");
    const props = paneProps(c, data);
    if (data.room.kind !== "direct") {
      props.menuHtml = renderToString(<RoomMenuForms roomId={data.room.id} />);
    }
    return c.json(props);
  } catch (error) {
    if (!(error instanceof ChatError) || error.code === "internal") throw error;
    return c.json(
      { error: { code: error.code, message: error.message } },
      error.status as ContentfulStatusCode,
    );
  }
}

const INVITE_OUTCOMES: readonly string[] = ["invited", "already_member", "self"];

/** The outcome of the invite form, which redirects with `?invite=OUTCOME&user=NAME`. */
function inviteFromQuery(c: Context<AppEnv>, roomId: string): InviteOutcome | undefined {
  const outcome = c.req.query("invite");
  const username = c.req.query("user");
  if (!outcome || !INVITE_OUTCOMES.includes(outcome) || !isUsername(username)) return undefined;
  return { roomId, user: { id: "", username }, outcome: outcome as InviteOutcome["outcome"] };
}

/** Runs a form action; a refusal re-renders the room with the reason on top. */
async function action(c: Context<AppEnv>, run: () => Promise<string>): Promise<Response> {
  try {
    return c.redirect(await run(), 303);
  } catch (error) {
    if (!(error instanceof ChatError) || error.code === "internal") throw error;
    return roomPage(c, { notice: { tone: "error", text: error.message }, status: error.status });
  }
}

roomPages.get("/rooms/:id", ...guard, (c) => roomPage(c));
roomPages.get("/rooms/:id/pane", ...guard, paneJson);

roomPages.post("/rooms/:id/messages", ...guard, (c) =>
  action(c, async () => {
    const form = await readFormBody(c.req.raw);
    const id = c.req.param("id");
    await c.get("services").messages.send(c.get("auth").user, id, {
      text: form.get("text") ?? "",
      clientId: form.get("clientId") || undefined,
    });
    return `/rooms/${id}`;
  }));

roomPages.post("/rooms/:id/invites", ...guard, (c) =>
  action(c, async () => {
    const form = await readFormBody(c.req.raw);
    const id = c.req.param("id");
    const username = (form.get("username") ?? "").trim();
    const invited = await c.get("services").rooms.invite(c.get("auth").user, id, username);
    const query = new URLSearchParams({ invite: invited.outcome, user: invited.user.username });
    return `/rooms/${id}?${query}`;
  }));

roomPages.post("/rooms/:id/leave", ...guard, async (c) => {
  await c.get("services").rooms.leave(c.get("auth").user, c.req.param("id"));
  return c.redirect("/", 303);
});
