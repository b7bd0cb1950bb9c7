/**
 * The room's header: back link (phones), name and topic, the connection state,
 * the members toggle and a menu to invite someone or leave. The menu is a
 * `<details>` with plain forms inside, so it works without JavaScript. With it,
 * the menu loads `_room_settings.tsx` when it first opens: my notification
 * settings of the room (in a direct conversation the menu holds only them), and
 * inviting in place (until it is loaded, the invite form posts as without
 * JavaScript).
 */

import { signal } from "@preact/signals";
import type { ConnectionState } from "../lib/client/socket.ts";
import type { Member, Room, User } from "../lib/protocol/types.ts";
import { nameOf, type Person } from "../components/message_row.tsx";
import { BackLink } from "../components/app_layout.tsx";
import { Avatar } from "../components/avatar.tsx";
import { OnlineDot } from "../components/online_dot.tsx";
import { kindLabel, RoomIcon } from "../components/room_icon.tsx";
import { cx } from "../components/_cx.ts";
import { Icon } from "../components/icon.tsx";
import { KIT } from "./_lazy.ts";
import { SERVER_HTML } from "../lib/islands/server_html.ts";
import { RoomMenuForms } from "../components/room_menu.tsx";
import { mentionsElsewhere } from "./room_list.tsx";

const settingsMenu = signal<typeof import("./_room_settings.tsx") | null>(null);

export interface RoomHeaderProps {
  room: Room;
  /** Undefined until the socket exists (server render, no JavaScript). */
  connection?: ConnectionState;
  peerOnline?: boolean;
  memberCount: number;
  membersOpen: boolean;
  onToggleMembers(): void;
  /** A line to show above the conversation (an invitation's outcome). */
  onNotice(notice: { tone: "info" | "error"; text: string }): void;
  /** The page is live (hydrated): the menu may hold what needs JavaScript. */
  live?: boolean;
  me?: User;
  /** The members, with their roles, for the settings dialog. */
  members?: Member[];
  /** A direct conversation's peer as shown (display name, avatar). */
  peer?: Person;
}

const STATE_TEXT: Record<ConnectionState, string> = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  closed: "Offline",
};

export function ConnectionBadge({ state }: { state?: ConnectionState }) {
  if (!state) return null;
  const live = state === "open";
  return (
    <span
      role="status"
      data-connection={state}
      class={cx(
        "inline-flex shrink-0 items-center gap-1.5 rounded-full px-2 py-0.5 text-xs font-medium",
        live
          ? "text-emerald-700 dark:text-emerald-400"
          : state === "closed"
          ? "bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-200"
          : "bg-amber-100 text-amber-800 dark:bg-amber-900 dark:text-amber-200",
      )}
    >
      <span
        aria-hidden="true"
        class={cx(
          "h-2 w-2 rounded-full",
          live ? "bg-emerald-500" : state === "closed" ? "bg-red-500" : "bg-amber-500",
          state === "reconnecting" || state === "connecting" ? "motion-safe:animate-pulse" : "",
        )}
      />
      <span class={live ? "sr-only" : ""}>{STATE_TEXT[state]}</span>
    </span>
  );
}

export function RoomHeader(props: RoomHeaderProps) {
  const { room, connection, peerOnline, memberCount, membersOpen } = props;
  const direct = room.kind === "direct";
  return (
    <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-4 dark:border-gray-700">
      <BackLink mentions={mentionsElsewhere.value} />
      {direct
        ? (
          <span class="relative inline-flex shrink-0">
            <Avatar username={room.name} url={props.peer?.avatarUrl} />
            <OnlineDot online={!!peerOnline} class="absolute -bottom-0.5 -right-0.5" />
          </span>
        )
        : <RoomIcon kind={room.kind} class="text-lg text-gray-500 dark:text-gray-400" />}
      <div class="min-w-0 flex-1">
        <h1 class="truncate text-base font-semibold text-gray-900 dark:text-white">
          <bdi>{direct && props.peer ? nameOf(props.peer).name : room.name}</bdi>
          <span class="sr-only">, {kindLabel(room.kind)}</span>
        </h1>
        {direct
          ? (
            <p class="truncate text-xs text-gray-500 dark:text-gray-400">
              {peerOnline ? "Online" : "Offline"}
            </p>
          )
          : room.topic && (
            <p dir="auto" class="truncate text-xs text-gray-500 dark:text-gray-400">
              {room.topic}
            </p>
          )}
      </div>
      <ConnectionBadge state={connection} />
      {!direct && (
        <button
          type="button"
          aria-controls="members"
          aria-expanded={membersOpen}
          onClick={props.onToggleMembers}
          class="inline-flex h-9 shrink-0 items-center gap-1 rounded-lg px-2 text-sm text-gray-600 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 lg:hidden dark:text-gray-300 dark:hover:bg-gray-800"
        >
          <Icon name="members" class="h-5 w-5" />
          {memberCount}
          <span class="sr-only">members</span>
        </button>
      )}
      {(!direct || props.live) && (
        <details
          data-menu=""
          class="relative shrink-0"
          onToggle={(event) => {
            if (!event.currentTarget.open || settingsMenu.peek()) return;
            import("./_room_settings.tsx").then((module) =>
              settingsMenu.value = module, () => {});
          }}
        >
          <summary class="flex h-9 cursor-pointer list-none items-center rounded-lg px-2 text-gray-600 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-300 dark:hover:bg-gray-800">
            <Icon name="more" class="h-5 w-5" />
            <span class="sr-only">Room menu</span>
          </summary>
          <div class="absolute right-0 z-20 mt-2 w-72 rounded-xl border border-gray-200 bg-white p-4 shadow-xl dark:border-gray-700 dark:bg-gray-800">
            {props.live && settingsMenu.value && (
              <settingsMenu.value.RoomSettings
                key={room.id}
                kit={KIT}
                roomId={room.id}
                admin={direct ? undefined : { room, me: props.me!, members: props.members! }}
              />
            )}
            {
              /* Plain forms, the server's (they work without JavaScript); the browser keeps
              them as they are, and invites in place once the menu's code is here. */
            }
            {!direct && (globalThis.__ISLAND_BUNDLE__
              ? (
                <div
                  {...SERVER_HTML}
                  onSubmit={(event) =>
                    settingsMenu.peek()?.onMenuSubmit(KIT, room, event, props.onNotice)}
                />
              )
              : (
                <div>
                  <RoomMenuForms roomId={room.id} />
                </div>
              ))}
          </div>
        </details>
      )}
    </header>
  );
}
