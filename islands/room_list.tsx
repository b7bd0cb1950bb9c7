/**
 * The sidebar: my rooms and direct conversations with live unread counts and
 * online dots, invitations as they arrive, and my account.
 *
 * Server-rendered from props (links and forms work without JavaScript). In the
 * browser it subscribes to every room I am in (with `since` = the seq the page
 * was rendered with, so nothing between render and subscribe is missed) and
 * keeps `lastSeq` and my read marker per room: unread = lastSeq − readSeq. My
 * own messages count as read. It also stores my locale and time zone in a cookie
 * (components/clock.ts), so that pages render times as I read them. New direct conversations and invitations arrive
 * as `room` frames; rooms I join or leave in another tab as `member` frames.
 */

import { useComputed, useSignal, useSignalEffect } from "@preact/signals";
import type { ComponentChildren } from "preact";
import { useEffect } from "preact/hooks";
import type { Room, RoomKind, User } from "../lib/protocol/types.ts";
import { Avatar } from "../components/avatar.tsx";
import { Badge } from "../components/badge.tsx";
import { Button } from "../components/button.tsx";
import { OnlineDot } from "../components/online_dot.tsx";
import { RoomIcon } from "../components/room_icon.tsx";
import { cx } from "../components/_cx.ts";
import { rememberClock } from "../components/clock.ts";
import { chatApi, chatSocket, connection, onRead, presence, watchRoom } from "./_live.ts";

export interface SidebarRoom {
  id: string;
  name: string;
  kind: RoomKind;
  lastSeq: number;
  readSeq: number;
  lastActivityAt: number;
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
}

/** The fields the sidebar keeps of a room from the API. */
export function sidebarRoom(
  room: Room & { readSeq?: number },
  invited = false,
  invitedBy?: string,
): SidebarRoom {
  const entry: SidebarRoom = {
    id: room.id,
    name: room.name,
    kind: room.kind,
    lastSeq: room.lastSeq,
    readSeq: room.readSeq ?? (invited ? room.lastSeq : 0),
    lastActivityAt: room.lastActivityAt,
  };
  if (room.peer) entry.peer = { id: room.peer.id, username: room.peer.username };
  if (invited) entry.invited = true;
  if (invited && invitedBy !== undefined) entry.invitedBy = invitedBy;
  return entry;
}

function byActivity(a: SidebarRoom, b: SidebarRoom): number {
  return b.lastActivityAt - a.lastActivityAt;
}

export default function RoomList({ me, rooms: initial, activeRoomId, online }: RoomListProps) {
  const rooms = useSignal(initial);
  const mounted = useSignal(false);

  const update = (id: string, change: (room: SidebarRoom) => SidebarRoom) => {
    rooms.value = rooms.value.map((room) => room.id === id ? change(room) : room);
  };

  useEffect(() => {
    mounted.value = true;
    // The home page a sign-in lands on stores my zone, so rooms render in it.
    rememberClock();
    const socket = chatSocket();
    for (const room of rooms.peek()) if (!room.invited) watchRoom(room.id, { since: room.lastSeq });
    const refresh = async () => {
      const mine = await chatApi().rooms();
      const invited = rooms.peek().filter((r) => r.invited && !mine.some((m) => m.id === r.id));
      rooms.value = [...mine.map((room) => sidebarRoom(room)), ...invited].sort(byActivity);
      for (const room of mine) watchRoom(room.id, { since: room.lastSeq });
    };
    const offs = [
      socket.on("message", ({ roomId, message }) => {
        update(roomId, (room) => ({
          ...room,
          lastSeq: Math.max(room.lastSeq, message.seq),
          readSeq: message.userId === me.id ? Math.max(room.readSeq, message.seq) : room.readSeq,
          lastActivityAt: Math.max(room.lastActivityAt, message.createdAt),
        }));
        rooms.value = [...rooms.value].sort(byActivity);
      }),
      socket.on("subscribed", ({ roomId, lastSeq }) => {
        update(roomId, (room) => ({ ...room, lastSeq: Math.max(room.lastSeq, lastSeq) }));
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
        rooms.value = [entry, ...rooms.peek()].sort(byActivity);
        if (!invited) watchRoom(room.id, { since: 0 });
        if (room.peer) {
          chatApi().user(room.peer.username).then(
            (user) => notePeer(user.id, user.online),
            () => {},
          );
        }
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
      onRead((roomId, seq) => {
        update(roomId, (room) => ({ ...room, readSeq: Math.max(room.readSeq, seq) }));
      }),
    ];
    return () => offs.forEach((off) => off());
  }, []);

  const notePeer = (id: string, isOnline: boolean) => {
    if (presence.peek()[id] === undefined) presence.value = { ...presence.peek(), [id]: isOnline };
  };

  const unreadTotal = useComputed(() =>
    rooms.value.reduce((sum, r) => sum + (r.invited ? 0 : Math.max(0, r.lastSeq - r.readSeq)), 0)
  );
  // The tab title says how much is waiting: "(3) general · Deno Chat".
  useSignalEffect(() => {
    if (!mounted.value) return;
    const total = unreadTotal.value;
    const base = document.title.replace(/^\(\d+\+?\) /, "");
    document.title = total > 0 ? `(${total > 99 ? "99+" : total}) ${base}` : base;
  });

  const list = rooms.value;
  const invites = list.filter((r) => r.invited);
  const groups = list.filter((r) => !r.invited && r.kind !== "direct");
  const directs = list.filter((r) => !r.invited && r.kind === "direct");
  const isOnline = (id: string) => presence.value[id] ?? online[id] ?? false;
  const state = connection.value;

  return (
    <nav
      aria-label="Rooms and conversations"
      data-connection={mounted.value ? state : undefined}
      class="flex min-h-0 flex-1 flex-col bg-gray-50 dark:bg-[#0d1320]"
    >
      <header class="flex h-14 shrink-0 items-center justify-between gap-2 px-4">
        <a
          href="/"
          class="rounded text-lg font-bold tracking-tight text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-white"
        >
          Deno Chat
        </a>
        {mounted.value && state !== "open" && (
          <span
            role="status"
            class="rounded-full bg-amber-100 px-2 py-0.5 text-xs font-medium text-amber-800 dark:bg-amber-900 dark:text-amber-200"
          >
            {state === "closed"
              ? "Offline"
              : state === "reconnecting"
              ? "Reconnecting…"
              : "Connecting…"}
          </span>
        )}
      </header>
      <div class="flex gap-2 px-3 pb-3">
        <a
          href="/directory"
          class="flex-1 rounded-lg border border-gray-300 bg-white px-3 py-1.5 text-center text-sm font-medium text-gray-800 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-600 dark:bg-gray-800 dark:text-gray-100 dark:hover:bg-gray-700"
        >
          Browse rooms
        </a>
        <a
          href="/directory#create"
          class="flex-1 rounded-lg bg-indigo-600 px-3 py-1.5 text-center text-sm font-medium text-white hover:bg-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 dark:bg-indigo-500 dark:hover:bg-indigo-400 dark:focus-visible:ring-offset-gray-900"
        >
          New room
        </a>
      </div>
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
                <Avatar username={room.name} size="sm" />
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
      <footer class="flex items-center gap-2 border-t border-gray-200 px-3 py-3 dark:border-gray-700">
        <Avatar username={me.username} size="sm" />
        <bdi class="min-w-0 flex-1 truncate text-sm font-medium" data-testid="me">
          {me.username}
        </bdi>
        <form method="post" action="/logout">
          <Button type="submit" variant="ghost" size="sm">Log out</Button>
        </form>
      </footer>
    </nav>
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

function RoomLink(
  { room, active, children }: {
    room: SidebarRoom;
    active: boolean;
    children: ComponentChildren;
  },
) {
  const unread = active ? 0 : Math.max(0, room.lastSeq - room.readSeq);
  return (
    <li>
      <a
        href={`/rooms/${room.id}`}
        aria-current={active ? "page" : undefined}
        data-room={room.id}
        class={cx(
          "flex items-center gap-2 rounded-lg px-2 py-1.5 text-sm focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
          active
            ? "bg-indigo-100 text-indigo-900 dark:bg-indigo-900 dark:text-indigo-100"
            : "text-gray-700 hover:bg-gray-200 dark:text-gray-300 dark:hover:bg-gray-800",
        )}
      >
        {children}
        <bdi
          class={cx(
            "min-w-0 flex-1 truncate",
            unread > 0 && "font-semibold text-gray-900 dark:text-white",
          )}
        >
          {room.name}
        </bdi>
        <Badge count={unread} />
      </a>
    </li>
  );
}
