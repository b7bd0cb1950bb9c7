/**
 * What the room header's menu does in the browser (loaded when the menu first
 * opens): inviting in place (`invite`), and my notification settings of the room:
 * Mute / Unmute, and what notifies me: all messages, mentions
 * only (with direct messages and followed threads), or nothing. The level in
 * force is marked "(default)" while I have not chosen one. Changes go to
 * `PUT /api/rooms/:id/settings`; the room list hears of them at once, and of
 * changes made in my other tabs (`settings` frames).
 *
 * It imports nothing of the page's own code (see `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { signal, useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type {
  Member,
  NotifyLevel,
  Room,
  RoomSettings as Settings,
  User,
} from "../lib/protocol/types.ts";
import { inviteNotice } from "../lib/client/notices.ts";
import type { Kit } from "./_lazy.ts";

const BUTTON =
  "w-full rounded-lg border border-gray-300 px-3 py-1.5 text-sm font-medium hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:opacity-50 dark:border-gray-600 dark:hover:bg-gray-700";

const LEVELS: Array<[NotifyLevel, string]> = [
  ["all", "All messages"],
  ["mentions", "Mentions only"],
  ["none", "Nothing"],
];

/** Invites `username` to the room; `say` shows the outcome (or the refusal). */
export async function invite(
  kit: Kit,
  room: Room,
  username: string,
  say: (notice: { tone: "info" | "error"; text: string }) => void,
): Promise<void> {
  try {
    const invited = await kit.chatApi().invite(room.id, username);
    say({ tone: "info", text: inviteNotice(invited, `#${room.name}`) });
  } catch (error) {
    say({ tone: "error", text: (error as Error).message });
  }
}

const LEAVE_PRIVATE = "Leave this private room? You will need a new invitation to come back.";

/**
 * The menu's forms, once this module is here: leaving a private room asks first;
 * inviting happens in place. (Before, they post as without JavaScript.)
 */
export function onMenuSubmit(
  kit: Kit,
  room: Room,
  event: Event,
  say: (notice: { tone: "info" | "error"; text: string }) => void,
): void {
  const form = event.target as HTMLFormElement;
  if (form.matches("[data-leave]")) {
    if (room.kind === "private" && !confirm(LEAVE_PRIVATE)) event.preventDefault();
    return;
  }
  if (!form.matches("[data-invite]")) return;
  event.preventDefault();
  const input = form.elements.namedItem("username") as HTMLInputElement;
  void invite(kit, room, input.value.trim(), say);
  input.value = "";
}

/** The room settings dialog (`_room_admin.tsx`), once opened on this page. */
const dialog = signal<typeof import("./_room_admin.tsx") | null>(null);
const dialogOpen = signal(false);

export function RoomSettings({ kit, roomId, admin }: {
  kit: Kit;
  roomId: string;
  /** For the room settings dialog (rooms, not direct conversations). */
  admin?: { room: Room; me: User; members: Member[] };
}) {
  const settings = useSignal<Settings | null>(null);
  const error = useSignal("");

  useEffect(() => {
    kit.chatApi().settings(roomId).then(
      (answer) => settings.value = answer,
      (failure) => error.value = `Settings could not be loaded: ${failure.message}`,
    );
    return kit.onSettings((id, answer) => {
      if (id === roomId) settings.value = answer;
    });
  }, []);

  const save = async (change: { muted?: boolean; notify?: NotifyLevel }) => {
    error.value = "";
    try {
      const answer = await kit.chatApi().setSettings(roomId, change);
      kit.noteSettings(roomId, answer);
    } catch (failure) {
      error.value = `Not saved: ${(failure as Error).message}`;
    }
  };

  const current = settings.value;
  const fieldset = (
    <fieldset
      data-settings=""
      disabled={!current}
      class="mb-4 space-y-2 border-b border-gray-200 pb-4 dark:border-gray-700"
    >
      <legend class="mb-2 text-sm font-medium">Notifications</legend>
      <button
        type="button"
        onClick={() => save({ muted: !current?.muted })}
        class={BUTTON}
      >
        {current?.muted ? "Unmute room" : "Mute room"}
      </button>
      <div role="radiogroup" aria-label="Notify me about" class="space-y-1 text-sm">
        {LEVELS.map(([level, label]) => (
          <label key={level} class="flex items-center gap-2">
            <input
              type="radio"
              name={`notify-${roomId}`}
              value={level}
              checked={current?.notify === level}
              onChange={() => save({ notify: level })}
              class="h-4 w-4 border-gray-300 text-indigo-600 focus:ring-indigo-500"
            />
            {label}
            {current?.notify === level && current.notifyDefault && (
              <span class="text-xs text-gray-500 dark:text-gray-400">(default)</span>
            )}
          </label>
        ))}
      </div>
      {current?.muted && (
        <p class="text-xs text-gray-500 dark:text-gray-400">
          Muted: no unread dot, and only mentions notify you.
        </p>
      )}
      {error.value && (
        <p role="alert" class="text-xs text-red-700 dark:text-red-400">{error.value}</p>
      )}
    </fieldset>
  );
  if (!admin) return fieldset;
  // The dialog is a modal (top layer) inside the menu, which stays open beneath it;
  // Escape closes both (the page closes open menus on Escape).
  return (
    <div>
      <button
        type="button"
        id="room-settings-button"
        data-room-settings=""
        aria-haspopup="dialog"
        onClick={() =>
          import("./_room_admin.tsx").then((module) => {
            dialog.value = module;
            dialogOpen.value = true;
          }, (failure) => error.value = `Settings could not be opened: ${failure.message}`)}
        class={`mb-4 ${BUTTON}`}
      >
        Room settings…
      </button>
      {dialogOpen.value && dialog.value && (
        <dialog.value.RoomAdmin
          kit={kit}
          {...admin}
          onClose={() => {
            dialogOpen.value = false;
            const menu = document.getElementById("room-settings-button")?.closest("details");
            if (menu) menu.open = false;
            menu?.querySelector("summary")?.focus();
          }}
        />
      )}
      {fieldset}
    </div>
  );
}
