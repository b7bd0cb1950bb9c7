/**
 * The sidebar: my rooms and direct conversations with live unread and mention
 * counts and online dots, my threads, invitations as they arrive, and my account.
 *
 * Server-rendered from props (links and forms work without JavaScript). In the
 * browser it subscribes to every room I am in (with `since` = the seq the page
 * was rendered with, so nothing between render and subscribe is missed) and counts
 * on from the server's `unread` and `mentions` (Element's design: a dot for
 * unread, a red count for mentions):
 *
 * - a new message by someone else is unread, unless it is a thread reply only
 *   in its thread: those count for the threads I follow, when their
 *   `thread_activity` frame comes; it is a mention when it mentions me, or when
 *   the room is a direct one; my own messages mean I read the room;
 * - a muted room shows no unread dot (its mentions still count);
 * - my read marker moving (this page, or `read` frames from my other tabs) clears
 *   both; reading a thread clears its count under "Threads" (from `GET
 *   /api/threads`, then `thread_activity` and `read` frames).
 *
 * Rooms are listed by name, direct conversations by their latest activity
 * (components/room_order.ts, the server's order too), and nothing moves while
 * the pointer or the focus is in the list (`arrange`). Presence dots are
 * "unknown" while the connection is down (`presenceOf`); the layout's one
 * connection indicator is written from here.
 *
 * The tab's title and icon say how many mentions wait: "(2) general · Deno Chat";
 * so does the phone's back link in the chat pane, for the other rooms
 * (`mentionsElsewhere`; the pane imports it, so this module shares its chunk).
 * While the tab is hidden, each `notify` frame shows a desktop notification (one
 * per room: its tag), if I allowed them from "Enable notifications" (never asked
 * on its own); a click on it brings the tab to the room, at the message.
 *
 * It also listens for the search box's and the quick switcher's keys (`/`, Ctrl+F,
 * Ctrl+K, a key in the box) and loads their code on first use (`_search_ui.ts`),
 * handing it my rooms (see `_finder.ts`).
 *
 * It also stores my locale and time zone in a cookie (components/clock.ts), so that
 * pages render times as I read them. New direct conversations and invitations
 * arrive as `room` frames; rooms I join or leave in another tab as `member` frames;
 * settings changed in another tab as `settings` frames.
 */

import { signal, useComputed, useSignal, useSignalEffect } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { Message, MyRoom, Room, RoomKind, User } from "../lib/protocol/types.ts";
import { Avatar } from "../components/avatar.tsx";
import { Badge, badgeText } from "../components/badge.tsx";
import { Icon } from "../components/icon.tsx";
import { mentionsMe } from "../components/mentions.ts";
import { Button } from "../components/button.tsx";
import { OnlineDot } from "../components/online_dot.tsx";
import { RoomIcon } from "../components/room_icon.tsx";
import { cx } from "../components/_cx.ts";
import { sidebarOrder } from "../components/room_order.ts";
import { SERVER_HTML } from "../lib/islands/server_html.ts";
import { rememberClock } from "../components/clock.ts";
import { SEARCH_INPUT_ID } from "../components/search_box.tsx";
import { CONNECTION_STATUS_ID } from "../components/app_layout.tsx";
import {
  activeRoom,
  chatApi,
  chatSocket,
  connection,
  notePresence,
  onRead,
  onSettings,
  pane,
  presenceOf,
  watchRoom,
} from "./_live.ts";

export interface SidebarRoom {
  id: string;
  name: string;
  kind: RoomKind;
  lastSeq: number;
  readSeq: number;
  lastActivityAt: number;
  /** Unread messages (none while muted). */
  unread: number;
  /** Unread messages that mention me (every unread one in a direct room). */
  mentions: number;
  muted?: boolean;
  peer?: User;
  /** A private room I was invited to and have not joined yet. */
  invited?: boolean;
  /** Who invited me, when known. */
  invitedBy?: string;
}

export interface RoomListProps {
  me: User;
  rooms: SidebarRoom[];
  /** The room shown beside the list, if any. */
  activeRoomId?: string;
  /** Presence of my direct conversations' peers when the page was rendered. */
  online: Record<string, boolean>;
  /** The page shown beside the list is my threads. */
  threadsActive?: boolean;
}

/** The fields the sidebar keeps of a room from the API. */
export function sidebarRoom(
  room: Room & Partial<Pick<MyRoom, "readSeq" | "unread" | "mentions" | "muted">>,
  invited = false,
  invitedBy?: string,
): SidebarRoom {
  const readSeq = room.readSeq ?? (invited ? room.lastSeq : 0);
  const unread = room.unread ?? Math.max(0, room.lastSeq - readSeq);
  const entry: SidebarRoom = {
    id: room.id,
    name: room.name,
    kind: room.kind,
    lastSeq: room.lastSeq,
    readSeq,
    lastActivityAt: room.lastActivityAt,
    unread,
    mentions: room.mentions ?? (room.kind === "direct" ? unread : 0),
  };
  if (room.muted) entry.muted = true;
  if (room.peer) {
    entry.peer = { id: room.peer.id, username: room.peer.username };
    // A direct conversation shows the peer's current display name.
    if (room.peer.displayName) entry.name = room.peer.displayName;
    if (room.peer.avatarUrl) entry.peer.avatarUrl = room.peer.avatarUrl;
  }
  if (invited) entry.invited = true;
  if (invited && invitedBy !== undefined) entry.invitedBy = invitedBy;
  return entry;
}

/** A thread reply that shows only in its thread (see `_conversation.tsx`). */
function inThreadOnly(message: Message): boolean {
  return !!message.threadRoot && !message.alsoInRoom;
}

const ICON = "/favicon.svg";
const MENTION_ICON = "/favicon-mention.svg";

/**
 * Unread mentions of me in the rooms not shown beside the list (browser only: the
 * list writes it once mounted; on the server it stays 0).
 */
export const mentionsElsewhere = signal(0);

/** The notifications menu (`_notify_menu.tsx`), once opened. */
const notifyMenu = signal<typeof import("./_notify_menu.tsx") | null>(null);

export default function RoomList(props: RoomListProps) {
  const { me, rooms: initial, online } = props;
  const activeRoomId = activeRoom.value ?? props.activeRoomId;
  const rooms = useSignal(initial);
  const mounted = useSignal(false);
  /** "roomId root" → the thread's unread, and my read marker in it seen on this page. */
  const threads = useSignal<Record<string, { unread: number; read: number }>>({});
  /** Notification permission, once known (browser only); "" where there are none. */
  const permission = useSignal<NotificationPermission | "">("");
  const menuOpen = useSignal(false);
  /** Per room: the newest seq the server had counted (thread activity up to it is in). */
  const counted = useRef(new Map(initial.map((r) => [r.id, r.lastSeq]))).current;

  const nav = useRef<HTMLElement>(null);
  /**
   * Sets the list (`rooms` is in the order shown), in its order
   * (components/room_order.ts, the server's too) unless the pointer is over the
   * sidebar or the focus is in it, where a link must not move away from under
   * them: then as it is (unread marks change in place, a room that arrives goes
   * last in its section) until they leave (checked once they did: during
   * `focusout` the focus is nowhere yet). A phone's tap leaves `:hover` on the
   * list until the next tap elsewhere: the order waits for it, or for the next
   * change after it.
   */
  const arrange = (list = rooms.peek()) => {
    rooms.value = nav.current?.matches(":hover,:focus-within") ? list : sidebarOrder(list);
  };
  const arrangeSoon = () => setTimeout(arrange);
  const update = (id: string, change: (room: SidebarRoom) => SidebarRoom) => {
    arrange(rooms.peek().map((room) => room.id === id ? change(room) : room));
  };

  useEffect(() => {
    mounted.value = true;
    // The home page a sign-in lands on stores my zone, so rooms render in it.
    rememberClock();
    const socket = chatSocket();
    // Messages kept while offline wait (`_outbox.ts`): any page sends them; flushes take turns.
    if (localStorage["chat-outbox"]) import("./_outbox.ts").then((o) => o.flush(socket), () => {});
    for (const room of rooms.peek()) if (!room.invited) watchRoom(room.id, { since: room.lastSeq });
    if (typeof Notification === "function") permission.value = Notification.permission;
    const refresh = async () => {
      const mine = await chatApi().rooms();
      const invited = rooms.peek().filter((r) => r.invited && !mine.some((m) => m.id === r.id));
      arrange([...mine.map((room) => sidebarRoom(room)), ...invited]);
      for (const room of mine) {
        counted.set(room.id, room.lastSeq);
        watchRoom(room.id, { since: room.lastSeq });
      }
    };
    chatApi().threads().then((list) => {
      const next = { ...threads.peek() };
      for (const t of list) {
        const key = `${t.room.id} ${t.root.seq}`;
        next[key] = { read: next[key]?.read ?? 0, unread: t.unread };
      }
      threads.value = next;
    }, () => {});
    const offs = [
      socket.on("message", ({ roomId, message }) => {
        update(roomId, (room) => {
          // Replayed (the server counted it), or seen already.
          if (message.seq <= room.lastSeq) return room;
          const next = {
            ...room,
            lastSeq: message.seq,
            lastActivityAt: Math.max(room.lastActivityAt, message.createdAt),
          };
          if (message.userId === me.id) {
            return { ...next, readSeq: message.seq, unread: 0, mentions: 0 };
          }
          if (message.seq <= room.readSeq) return next;
          const counts = !inThreadOnly(message);
          if (counts && !room.muted) next.unread++;
          if (room.kind === "direct" ? counts : mentionsMe(message, me.id, true)) next.mentions++;
          return next;
        });
      }),
      socket.on("subscribed", ({ roomId, lastSeq }) => {
        // More was missed than a subscription replays: the server counts again.
        const known = rooms.peek().find((r) => r.id === roomId);
        if (known && lastSeq > known.lastSeq) refresh().catch(() => {});
      }),
      socket.on("thread_activity", ({ roomId, root, seq, userId }) => {
        if (userId === me.id) return;
        const key = `${roomId} ${root}`;
        const known = threads.peek()[key] ?? { unread: 0, read: 0 };
        if (seq > known.read) {
          threads.value = { ...threads.peek(), [key]: { ...known, unread: known.unread + 1 } };
        }
        update(roomId, (room) => {
          if (seq <= room.readSeq || seq <= (counted.get(roomId) ?? 0)) return room;
          const direct = room.kind === "direct";
          return {
            ...room,
            unread: room.unread + (room.muted ? 0 : 1),
            mentions: room.mentions + (direct ? 1 : 0),
          };
        });
      }),
      socket.on("notify", ({ roomId, message }) => {
        if (document.visibilityState !== "hidden" || Notification.permission !== "granted") return;
        const room = rooms.peek().find((r) => r.id === roomId);
        import("./_notify_menu.tsx").then((module) => module.notify(message, room), () => {});
      }),
      onSettings((roomId, settings) => {
        const known = rooms.peek().find((r) => r.id === roomId);
        update(roomId, (room) => ({
          ...room,
          muted: settings.muted || undefined,
          unread: settings.muted ? 0 : room.unread,
        }));
        // Unmuted: how much is unread is the server's to say.
        if (known?.muted && !settings.muted) refresh().catch(() => {});
      }),
      socket.on("room", ({ room, invitation }) => {
        const known = rooms.peek().find((r) => r.id === room.id);
        if (known) {
          update(room.id, (r) => ({ ...r, name: room.name }));
          return;
        }
        // A new direct conversation is mine already; a private room is an invitation.
        const invited = room.kind !== "direct";
        const entry = sidebarRoom(room, invited, invitation?.invitedBy.username);
        counted.set(room.id, room.lastSeq);
        arrange([...rooms.peek(), entry]);
        if (!invited) watchRoom(room.id, { since: 0 });
        if (room.peer) {
          chatApi().user(room.peer.username).then((user) => notePresence([user]), () => {});
        }
      }),
      socket.on("removed", ({ roomId }) => {
        rooms.value = rooms.peek().filter((r) => r.id !== roomId);
      }),
      socket.on("user", ({ user }) => {
        rooms.value = rooms.peek().map((r) =>
          r.peer?.id === user.id
            ? {
              ...r,
              name: user.displayName || user.username,
              peer: { ...r.peer, avatarUrl: user.avatarUrl },
            }
            : r
        );
      }),
      socket.on("invitation_declined", ({ roomId }) => {
        rooms.value = rooms.peek().filter((r) => !(r.id === roomId && r.invited));
      }),
      socket.on("member", (frame) => {
        if (frame.userId !== me.id) return;
        if (frame.event === "left") rooms.value = rooms.peek().filter((r) => r.id !== frame.roomId);
        else if (!rooms.peek().some((r) => r.id === frame.roomId && !r.invited)) {
          refresh().catch(() => {});
        }
      }),
      onRead((roomId, seq, threadRoot) => {
        if (threadRoot) {
          const key = `${roomId} ${threadRoot}`;
          const read = Math.max(seq, threads.peek()[key]?.read ?? 0);
          threads.value = { ...threads.peek(), [key]: { unread: 0, read } };
          return;
        }
        update(roomId, (room) => {
          const next = { ...room, readSeq: Math.max(room.readSeq, seq) };
          return seq >= room.lastSeq ? { ...next, unread: 0, mentions: 0 } : next;
        });
      }),
    ];
    // The layout's search box and the quick switcher: their code (`_search_ui.ts`)
    // loads on first use; this only listens. Ctrl+K or ⌘K opens the switcher, a key
    // in the box loads the suggestions; `/` and Ctrl+F focus the box unless a text
    // field has the focus (there Ctrl+F is the browser's find). Alt+↑/↓ (with Shift:
    // to unread rooms) and `?` (the shortcuts sheet, unless in a text field) load
    // `_keys.ts`, which does the rest.
    const finder = { me, rooms, api: chatApi };
    const box = document.getElementById(SEARCH_INPUT_ID) as HTMLInputElement | null;
    const onKey = (event: KeyboardEvent) => {
      const { key, target } = event;
      const mod = event.ctrlKey || event.metaKey;
      const switcher = mod && key === "k";
      const text = "selectionStart" in (target as object);
      if (event.altKey && (key === "ArrowUp" || key === "ArrowDown") || key === "?" && !text) {
        event.preventDefault();
        void import("./_keys.ts").then((m) => m.onKey(event), () => {});
      } else if (switcher || target === box) {
        if (switcher) event.preventDefault();
        void import("./_search_ui.ts").then((m) => m.start(finder, box, switcher), () => {});
      } else if ((key === "/" ? !mod : mod && key === "f") && box?.offsetParent && !text) {
        event.preventDefault();
        box.focus();
      }
    };
    addEventListener("keydown", onKey);
    offs.push(() => removeEventListener("keydown", onKey));
    return () => offs.forEach((off) => off());
  }, []);

  const mentionTotal = useComputed(() =>
    rooms.value.reduce((sum, r) => sum + (r.invited ? 0 : r.mentions), 0)
  );
  const threadsUnread = Object.values(threads.value).reduce((sum, t) => sum + t.unread, 0);
  // The tab's title and icon say how many mentions wait: "(3) general · Deno Chat".
  useSignalEffect(() => {
    if (!mounted.value) return;
    const total = mentionTotal.value;
    const base = document.title.replace(/^\(\d+\+?\) /, "");
    document.title = total > 0 ? `(${badgeText(total)}) ${base}` : base;
    const icon = document.querySelector<HTMLLinkElement>('link[rel="icon"]');
    if (icon) icon.href = total > 0 ? MENTION_ICON : ICON;
    const active = activeRoom.value ?? props.activeRoomId;
    mentionsElsewhere.value = total - (rooms.value.find((r) => r.id === active)?.mentions ?? 0);
  });

  // The layout's connection indicator (components/app_layout.tsx), once live.
  useSignalEffect(() => {
    const state = connection.value;
    const status = document.getElementById(CONNECTION_STATUS_ID);
    // Nothing while the page's first connection is being made: no flash on each load.
    if (status) {
      status.textContent = state === "closed"
        ? "Offline"
        : state === "reconnecting"
        ? "Reconnecting…"
        : "";
    }
  });

  // Not allowed yet: "Enable notifications" over the footer; else a bell in it.
  const ask = permission.value === "default";
  const bell = permission.value && (
    <Button
      variant="ghost"
      size="sm"
      aria-expanded={menuOpen.value}
      aria-controls="notify-menu"
      aria-label={ask ? undefined : "Notification settings"}
      title={ask ? undefined : "Notification settings"}
      class={ask ? "mx-2 mb-1 w-[calc(100%-1rem)] justify-start" : undefined}
      onClick={() => {
        menuOpen.value = !menuOpen.peek();
        import("./_notify_menu.tsx").then((module) => notifyMenu.value = module, () => {});
      }}
    >
      <Icon name="bell" class="h-4 w-4" />
      {ask && "Enable notifications"}
    </Button>
  );
  const list = rooms.value;
  const invites = list.filter((r) => r.invited);
  const groups = list.filter((r) => !r.invited && r.kind !== "direct");
  const directs = list.filter((r) => !r.invited && r.kind === "direct");
  const isOnline = (id: string) => presenceOf(id, online[id]);

  return (
    <nav
      onClick={follow}
      onPointerOver={follow}
      onFocusIn={follow}
      onPointerLeave={arrangeSoon}
      onFocusOut={arrangeSoon}
      ref={nav}
      aria-label="Rooms and conversations"
      data-connection={mounted.value ? connection.value : undefined}
      class="flex min-h-0 flex-1 flex-col bg-gray-50 dark:bg-[#0d1320]"
    >
      {globalThis.__ISLAND_BUNDLE__
        ? <header {...SERVER_HTML} class={HEADER} />
        : (
          <header class={HEADER}>
            <Brand />
          </header>
        )}
      {
        /* Links that never change: the server's markup, kept as it is (see SERVER_HTML). */
      }
      {globalThis.__ISLAND_BUNDLE__
        ? <div {...SERVER_HTML} class={ACTIONS} />
        : (
          <div class={ACTIONS}>
            <RoomActions />
          </div>
        )}
      <div class="min-h-0 flex-1 space-y-5 overflow-y-auto px-2 pb-4">
        {invites.length > 0 && (
          <Section title="Invitations" id="invites-heading">
            {invites.map((room) => (
              <li key={room.id} class="flex items-center gap-2 rounded-lg px-2 py-1.5">
                <RoomIcon kind={room.kind} class="text-gray-500 dark:text-gray-400" />
                <span class="min-w-0 flex-1">
                  <bdi class="block truncate text-sm">{room.name}</bdi>
                  {room.invitedBy !== undefined && (
                    <span class="block truncate text-xs text-gray-500 dark:text-gray-400">
                      from <bdi>{room.invitedBy}</bdi>
                    </span>
                  )}
                </span>
                <form method="post" action={`/rooms/${room.id}/join`}>
                  <Button type="submit" size="sm" variant="secondary">Join</Button>
                </form>
                <form method="post" action={`/rooms/${room.id}/decline`}>
                  <Button
                    type="submit"
                    size="sm"
                    variant="ghost"
                    aria-label={`Decline the invitation to ${room.name}`}
                  >
                    Decline
                  </Button>
                </form>
              </li>
            ))}
          </Section>
        )}
        <ul>
          <li>
            <a
              href="/threads"
              aria-current={props.threadsActive ? "page" : undefined}
              class={cx(LINK, props.threadsActive ? ACTIVE : IDLE)}
            >
              <Icon name="thread" class="h-4 w-4 text-gray-500 dark:text-gray-400" />
              <span class={cx("min-w-0 flex-1 truncate", threadsUnread > 0 && "font-semibold")}>
                Threads
              </span>
              <Badge count={threadsUnread} label="unread in threads" />
            </a>
          </li>
        </ul>
        <Section title="Rooms" id="rooms-heading">
          {groups.length === 0 && (
            <li class="px-2 py-1 text-sm text-gray-500 dark:text-gray-400">
              No rooms yet. <a href="/directory" class="underline">Browse rooms</a> to join one.
            </li>
          )}
          {groups.map((room) => (
            <RoomLink key={room.id} room={room} active={room.id === activeRoomId}>
              <RoomIcon kind={room.kind} class="text-gray-500 dark:text-gray-400" />
            </RoomLink>
          ))}
        </Section>
        <Section title="Direct messages" id="dms-heading">
          {directs.length === 0 && (
            <li class="px-2 py-1 text-sm text-gray-500 dark:text-gray-400">
              Start one from a member's name in any room.
            </li>
          )}
          {directs.map((room) => (
            <RoomLink key={room.id} room={room} active={room.id === activeRoomId}>
              <span class="relative inline-flex">
                <Avatar
                  username={room.peer?.username ?? room.name}
                  url={room.peer?.avatarUrl}
                  size="sm"
                />
                {room.peer && (
                  <OnlineDot
                    online={isOnline(room.peer.id)}
                    class="absolute -bottom-0.5 -right-0.5"
                  />
                )}
              </span>
            </RoomLink>
          ))}
        </Section>
      </div>
      <div class="relative">
        {ask && bell}
        <footer class="flex items-center gap-2 border-t border-gray-200 px-3 py-3 dark:border-gray-700">
          {globalThis.__ISLAND_BUNDLE__
            ? <div {...SERVER_HTML} class="contents" />
            : (
              <div class="contents">
                <Me username={me.username} />
              </div>
            )}
          {!ask && bell}
          {globalThis.__ISLAND_BUNDLE__
            ? <div {...SERVER_HTML} class="contents" />
            : (
              <div class="contents">
                <LogOut />
              </div>
            )}
        </footer>
        {menuOpen.value && notifyMenu.value && (
          <notifyMenu.value.NotifyMenu
            permission={permission}
            onClose={() => menuOpen.value = false}
          />
        )}
      </div>
    </nav>
  );
}

const ACTIONS = "flex gap-2 px-3 pb-3";
const HEADER = "flex h-14 shrink-0 items-center px-4";

/**
 * On a page with a chat pane, a plain click on a room's link switches the pane to
 * it in place (`_nav.ts`, loaded when a link is first pointed at or focused, which
 * also fetches the room ahead); elsewhere, or with a modifier key, the link is a link.
 */
function follow(event: MouseEvent | FocusEvent) {
  const link = (event.target as Element).closest?.("a[data-room]") as HTMLAnchorElement | null;
  if (!link || !pane.root) return;
  const click = event.type === "click";
  const { ctrlKey, metaKey, shiftKey, altKey, button } = event as MouseEvent;
  if (click && (ctrlKey || metaKey || shiftKey || altKey || button)) return;
  if (click) event.preventDefault();
  import("./_nav.ts").then(
    (nav) => click ? nav.go(link.dataset.room!, NAV) : nav.prefetch(link.dataset.room!, NAV),
    () => click && location.assign(link.href),
  );
}

const NAV = { activeRoom, pane, chatApi };
export type NavKit = typeof NAV;

// Server only, the parts of the list that never change (the browser keeps the
// server's markup, see SERVER_HTML): the minifier leaves them out of the bundle.

function Brand() {
  return (
    <a
      href="/"
      class="rounded text-lg font-bold tracking-tight text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-white"
    >
      Deno Chat
    </a>
  );
}

function Me({ username }: { username: string }) {
  return (
    <>
      <Avatar username={username} size="sm" />
      <bdi class="min-w-0 flex-1 truncate text-sm font-medium" data-testid="me">
        {username}
      </bdi>
    </>
  );
}

function LogOut() {
  return (
    <form method="post" action="/logout">
      <Button type="submit" variant="ghost" size="sm">Log out</Button>
    </form>
  );
}

/** "Browse rooms" and "New room". */
function RoomActions() {
  return (
    <>
      <a
        href="/directory"
        class="flex-1 rounded-lg border border-gray-300 bg-white px-3 py-1.5 text-center text-sm font-medium text-gray-800 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-600 dark:bg-gray-800 dark:text-gray-100 dark:hover:bg-gray-700"
      >
        Browse rooms
      </a>
      <a
        href="/directory#create"
        class="flex-1 rounded-lg bg-indigo-600 px-3 py-1.5 text-center text-sm font-medium text-white hover:bg-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 dark:focus-visible:ring-offset-gray-900"
      >
        New room
      </a>
    </>
  );
}

function Section(
  { title, id, children }: { title: string; id: string; children: ComponentChildren },
) {
  return (
    <section aria-labelledby={id}>
      <h2
        id={id}
        class="px-2 pb-1 text-xs font-semibold uppercase tracking-wide text-gray-500 dark:text-gray-400"
      >
        {title}
      </h2>
      <ul class="space-y-0.5">{children}</ul>
    </section>
  );
}

const LINK = "flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm focus:outline-none " +
  "focus-visible:ring-2 focus-visible:ring-indigo-500";
const ACTIVE = "bg-indigo-100 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100";
const IDLE = "text-gray-700 hover:bg-gray-200 dark:text-gray-300 dark:hover:bg-gray-800";

function RoomLink(
  { room, active, children }: {
    room: SidebarRoom;
    active: boolean;
    children: ComponentChildren;
  },
) {
  const unread = active ? 0 : room.unread;
  const mentions = active ? 0 : room.mentions;
  return (
    <li>
      <a
        href={`/rooms/${room.id}`}
        aria-current={active ? "page" : undefined}
        data-room={room.id}
        data-muted={room.muted ? "" : undefined}
        data-unread={unread > 0 || mentions > 0 ? "" : undefined}
        title={room.muted ? "Muted" : undefined}
        class={cx(LINK, active ? ACTIVE : IDLE, room.muted && !active && "opacity-60")}
      >
        {children}
        <bdi
          class={cx(
            "min-w-0 flex-1 truncate",
            (unread > 0 || mentions > 0) && "font-semibold text-gray-900 dark:text-white",
          )}
        >
          {room.name}
        </bdi>
        {mentions > 0
          ? (
            <Badge
              count={mentions}
              tone="mention"
              label={mentions === 1 ? "unread mention" : "unread mentions"}
            />
          )
          : unread > 0 && (
            <span
              role="img"
              aria-label="Unread messages"
              class="mr-1.5 h-2 w-2 rounded-full bg-indigo-600 dark:bg-indigo-400"
            />
          )}
      </a>
    </li>
  );
}
