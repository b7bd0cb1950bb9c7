/**
 * The room's header: back link (phones), name and topic, the members toggle and
 * a menu to invite someone or leave. The menu is a `<details>` with plain forms
 * inside, so it works without JavaScript. With it, the menu loads
 * `_room_settings.tsx` when it first opens: my notification settings of the room
 * (in a direct conversation the menu holds only them), and inviting in place
 * (until it is loaded, the invite form posts as without JavaScript).
 *
 * The topic (or, without one, the member count), truncated to one line, is a
 * `<details>` too: a tooltip says it all on hover; a click or tap opens the room's
 * info (the whole topic, which phones need: they show no tooltips; the room's
 * kind, member count and creation date). The connection's state is not here:
 * the layout's one indicator says it, on every page.
 *
 * In the browser it is loaded with the pane, not in the page's first bundle
 * (until it is here, the server's markup stands: see chat_room.tsx), so it
 * imports nothing of the page's own code: the pane hands it over (`_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { signal } from "@preact/signals";
import type { Member, Room, User } from "../lib/protocol/types.ts";
import type { Person } from "../components/message_row.tsx";
import type { Clock } from "../components/clock.ts";
import type { Kit } from "./_lazy.ts";

const settingsMenu = signal<typeof import("./_room_settings.tsx") | null>(null);

export interface RoomHeaderProps {
  kit: Kit;
  room: Room;
  /** Undefined: unknown (our connection is down). */
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
  /** The reader's locale and zone, for the room's creation date. */
  clock: Clock;
  /**
   * The menu's forms as the server renders them, for a header rendered in the
   * browser (a room switched to); else the server's markup of them stays.
   */
  menuHtml?: string;
}

export function RoomHeader(props: RoomHeaderProps) {
  const { kit, room, peerOnline, memberCount, membersOpen } = props;
  const { Avatar, BackLink, Icon, kindLabel, nameOf, OnlineDot, RoomIcon, SERVER_HTML } = kit;
  const direct = room.kind === "direct";
  const kind = kindLabel(room.kind);
  return (
    <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-4 dark:border-gray-700">
      <BackLink mentions={kit.mentionsElsewhere.value} />
      {direct
        ? (
          <span class="relative inline-flex shrink-0">
            <Avatar username={room.name} url={props.peer?.avatarUrl} />
            <OnlineDot online={peerOnline} class="absolute -bottom-0.5 -right-0.5" />
          </span>
        )
        : <RoomIcon kind={room.kind} class="text-lg text-gray-500 dark:text-gray-400" />}
      <div class="min-w-0 flex-1">
        <h1 class="truncate text-base font-semibold text-gray-900 dark:text-white">
          <bdi>{direct && props.peer ? nameOf(props.peer).name : room.name}</bdi>
          <span class="sr-only">, {kind}</span>
        </h1>
        {direct
          ? (
            <p class="truncate text-xs text-gray-500 dark:text-gray-400">
              {peerOnline ? "Online" : peerOnline === false ? "Offline" : "Presence unknown"}
            </p>
          )
          : (
            <details data-menu="" class="relative">
              <summary
                dir="auto"
                title={room.topic || undefined}
                class="block cursor-pointer truncate text-xs text-gray-500 dark:text-gray-400"
              >
                {room.topic || `${memberCount} ${memberCount === 1 ? "member" : "members"}`}
              </summary>
              <div
                data-room-info=""
                class="absolute left-0 z-20 mt-2 w-72 max-w-[70vw] rounded-xl border border-gray-200 bg-white p-4 text-sm shadow-xl dark:border-gray-700 dark:bg-gray-800"
              >
                {room.topic && <p dir="auto" class="mb-2 break-words">{room.topic}</p>}
                <p class="text-xs text-gray-600 dark:text-gray-300">
                  {kind[0].toUpperCase() + kind.slice(1)} · {memberCount}{" "}
                  {memberCount === 1 ? "member" : "members"} · created{" "}
                  {kit.formatFull(room.createdAt, props.clock)}
                </p>
              </div>
            </details>
          )}
      </div>
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
                kit={kit}
                roomId={room.id}
                admin={direct ? undefined : { room, me: props.me!, members: props.members! }}
              />
            )}
            {
              /* Plain forms, the server's (they work without JavaScript); the browser keeps
              them as they are (or, in a room switched to, as the server sent them in
              `menuHtml`), and invites in place once the menu's code is here. */
            }
            {!direct && (globalThis.__ISLAND_BUNDLE__
              ? (
                <div
                  dangerouslySetInnerHTML={props.menuHtml
                    ? { __html: props.menuHtml }
                    : SERVER_HTML.dangerouslySetInnerHTML}
                  onSubmit={(event) =>
                    settingsMenu.peek()?.onMenuSubmit(kit, room, event, props.onNotice)}
                />
              )
              : <div>{h(kit.serverParts.RoomMenuForms!, { roomId: room.id })}</div>)}
          </div>
        </details>
      )}
    </header>
  );
}
