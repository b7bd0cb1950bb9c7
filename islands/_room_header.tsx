/**
 * The room's header: back link (phones), name and topic, the connection state,
 * the members toggle and a menu to invite someone or leave. The menu is a
 * `<details>` with plain forms inside, so it works without JavaScript; with it,
 * inviting happens in place.
 */

import type { ConnectionState } from "../lib/client/socket.ts";
import type { Room } from "../lib/protocol/types.ts";
import { BackLink } from "../components/app_layout.tsx";
import { Avatar } from "../components/avatar.tsx";
import { Button } from "../components/button.tsx";
import { OnlineDot } from "../components/online_dot.tsx";
import { kindLabel, RoomIcon } from "../components/room_icon.tsx";
import { cx } from "../components/_cx.ts";

export interface RoomHeaderProps {
  room: Room;
  /** Undefined until the socket exists (server render, no JavaScript). */
  connection?: ConnectionState;
  peerOnline?: boolean;
  memberCount: number;
  membersOpen: boolean;
  onToggleMembers(): void;
  onInvite?(username: string): void;
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
      <BackLink />
      {direct
        ? (
          <span class="relative inline-flex shrink-0">
            <Avatar username={room.name} />
            <OnlineDot online={!!peerOnline} class="absolute -bottom-0.5 -right-0.5" />
          </span>
        )
        : <RoomIcon kind={room.kind} class="text-lg text-gray-500 dark:text-gray-400" />}
      <div class="min-w-0 flex-1">
        <h1 class="truncate text-base font-semibold text-gray-900 dark:text-white">
          <bdi>{room.name}</bdi>
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
          <svg viewBox="0 0 20 20" fill="currentColor" class="h-5 w-5" aria-hidden="true">
            <path d="M7 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM14.5 9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5ZM1.6 15.5a5.5 5.5 0 0 1 10.8 0 .9.9 0 0 1-.5 1A12 12 0 0 1 7 17.5a12 12 0 0 1-4.9-1 .9.9 0 0 1-.5-1ZM14.3 16.5a7 7 0 0 0-1.6-4.7 4 4 0 0 1 5.7 2.9.8.8 0 0 1-.4.9 8 8 0 0 1-3.7.9Z" />
          </svg>
          {memberCount}
          <span class="sr-only">members</span>
        </button>
      )}
      {!direct && (
        <details data-menu="" class="relative shrink-0">
          <summary class="flex h-9 cursor-pointer list-none items-center rounded-lg px-2 text-gray-600 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-300 dark:hover:bg-gray-800">
            <svg viewBox="0 0 20 20" fill="currentColor" class="h-5 w-5" aria-hidden="true">
              <path d="M3 10a1.5 1.5 0 1 1 3 0 1.5 1.5 0 0 1-3 0Zm5.5 0a1.5 1.5 0 1 1 3 0 1.5 1.5 0 0 1-3 0ZM15.5 8.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3Z" />
            </svg>
            <span class="sr-only">Room menu</span>
          </summary>
          <div class="absolute right-0 z-20 mt-2 w-72 rounded-xl border border-gray-200 bg-white p-4 shadow-xl dark:border-gray-700 dark:bg-gray-800">
            <form
              method="post"
              action={`/rooms/${room.id}/invites`}
              class="flex flex-col gap-2"
              onSubmit={(event) => {
                if (!props.onInvite) return;
                event.preventDefault();
                const form = event.currentTarget;
                const input = form.elements.namedItem("username") as HTMLInputElement;
                props.onInvite(input.value.trim());
                input.value = "";
              }}
            >
              <label for="invite-username" class="text-sm font-medium">Invite someone</label>
              <div class="flex gap-2">
                <input
                  id="invite-username"
                  name="username"
                  required
                  minLength={3}
                  maxLength={32}
                  autoComplete="off"
                  placeholder="username"
                  class="min-w-0 flex-1 rounded-lg border border-gray-300 bg-white px-2 py-1 text-sm text-gray-900 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-gray-600 dark:bg-gray-900 dark:text-gray-100"
                />
                <Button type="submit" size="sm">Invite</Button>
              </div>
            </form>
            <form
              method="post"
              action={`/rooms/${room.id}/leave`}
              class="mt-4 border-t border-gray-200 pt-3 dark:border-gray-700"
            >
              <Button type="submit" variant="danger" size="sm" class="w-full">Leave room</Button>
            </form>
          </div>
        </details>
      )}
    </header>
  );
}
