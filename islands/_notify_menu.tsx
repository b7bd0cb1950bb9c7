/**
 * The room list's notifications menu, loaded when its button is first pressed:
 * "Enable notifications" (the only place the page asks for the permission: the
 * open tab shows desktop notifications, and Web Push (`_push.ts`) subscribes this
 * browser for when every tab is closed), and "Show message text in notifications"
 * (kept in this browser and told to the push subscription; without it a
 * notification says who wrote where, not what). Web Push can be turned off alone.
 *
 * A non-modal dialog above the button: it takes focus, Escape or a click outside
 * closes it. It also shows the desktop notifications (`notify`), so it is loaded
 * with the first one too. It imports nothing of the page's own code (see
 * `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { type Signal, useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { Message } from "../lib/protocol/types.ts";
import { disablePush, enablePush, pushState } from "./_push.ts";
import type { SidebarRoom } from "./room_list.tsx";

/** localStorage key: "off" when notifications leave the message text out. */
export const PREVIEWS_KEY = "chat:notify-previews";

/** Whether notifications show the message text (the default). */
export function previewsOn(): boolean {
  try {
    return localStorage.getItem(PREVIEWS_KEY) !== "off";
  } catch {
    return true;
  }
}

/**
 * A desktop notification for a `notify` frame (the room list shows them while the
 * tab is hidden): one per room (its tag: a newer one replaces it). A click brings
 * the tab to the room at the message, or to the thread it is a reply in.
 */
export function notify(message: Message, room: Pick<SidebarRoom, "kind" | "name"> | undefined) {
  const where = room && room.kind !== "direct" ? ` in #${room.name}` : "";
  const thread = message.threadRoot ? " in a thread" : "";
  const shown = new Notification(`${message.username}${thread}${where}`, {
    body: previewsOn() ? message.text.slice(0, 200) || "Sent a file" : "New message",
    tag: message.roomId,
  });
  shown.onclick = () => {
    focus();
    shown.close();
    const at = message.threadRoot ? `?thread=${message.threadRoot}` : `#m-${message.seq}`;
    location.assign(`/rooms/${message.roomId}${at}`);
  };
}

const TEXT = {
  default:
    "Get a notification when someone mentions you or writes to you while this tab is in the background.",
  denied:
    "Notifications are blocked for this site. Allow them in your browser's site settings, then reload the page.",
  granted: "Notifications are on in this browser.",
};

export function NotifyMenu(
  { permission, onClose }: {
    permission: Signal<NotificationPermission | "">;
    onClose(): void;
  },
) {
  const box = useRef<HTMLDivElement>(null);
  const previews = useSignal(previewsOn());
  const asking = useSignal(false);
  /** Web Push for this browser: unknown until asked. */
  const push = useSignal<Awaited<ReturnType<typeof pushState>> | null>(null);
  const problem = useSignal("");
  const state = permission.value || "default";

  useEffect(() => {
    pushState().then((answer) => push.value = answer, () => push.value = "unsupported");
  }, []);

  /** Runs a change of the push subscription, saying what went wrong. */
  const change = async (run: () => Promise<unknown>) => {
    asking.value = true;
    problem.value = "";
    try {
      await run();
    } catch (error) {
      problem.value = `Notifications for closed tabs could not be changed: ${
        (error as Error).message
      }`;
    } finally {
      asking.value = false;
      permission.value = Notification.permission;
      push.value = await pushState().catch(() => "unsupported" as const);
    }
  };

  useLayoutEffect(() => {
    const el = box.current!;
    el.querySelector<HTMLElement>("button, input")?.focus();
    const opener = el.parentElement?.querySelector<HTMLElement>('[aria-controls="notify-menu"]');
    const outside = (event: Event) => {
      if (!el.contains(event.target as Node) && !opener?.contains(event.target as Node)) onClose();
    };
    // Escape anywhere: focus may have left with a button that is gone (once allowed).
    const escape = (event: KeyboardEvent) => {
      if (event.key !== "Escape") return;
      event.preventDefault();
      opener?.focus();
      onClose();
    };
    document.addEventListener("pointerdown", outside);
    document.addEventListener("keydown", escape);
    return () => {
      document.removeEventListener("pointerdown", outside);
      document.removeEventListener("keydown", escape);
    };
  }, []);

  // Push asks for the permission itself; where it cannot be had, the tab's own
  // notifications still can.
  const enable = () =>
    change(async () => {
      if (await enablePush({ previews: previews.peek() }) === "unsupported") {
        await Notification.requestPermission();
      }
    });

  return (
    <div
      ref={box}
      id="notify-menu"
      role="dialog"
      aria-label="Notifications"
      class="absolute bottom-full right-2 z-30 mb-2 w-72 space-y-3 rounded-xl border border-gray-200 bg-white p-4 text-sm text-gray-800 shadow-xl dark:border-gray-700 dark:bg-gray-800 dark:text-gray-100"
    >
      <p>{TEXT[state]}</p>
      {state === "default" && (
        <button
          type="button"
          disabled={asking.value}
          onClick={enable}
          class="w-full rounded-lg bg-indigo-600 px-3 py-1.5 font-medium text-white hover:bg-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 disabled:opacity-50 dark:focus-visible:ring-offset-gray-800"
        >
          Enable notifications
        </button>
      )}
      {state === "granted" && (push.value === "enabled" || push.value === "disabled") && (
        <div class="space-y-1">
          <p class="text-gray-600 dark:text-gray-300">
            {push.value === "enabled"
              ? "Also when every tab of this browser is closed."
              : "Only while a tab is open."}
          </p>
          <button
            type="button"
            disabled={asking.value}
            onClick={() =>
              change(() =>
                push.peek() === "enabled"
                  ? disablePush()
                  : enablePush({ previews: previews.peek() })
              )}
            class="w-full rounded-lg border border-gray-300 px-3 py-1.5 font-medium hover:bg-gray-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 disabled:opacity-50 dark:border-gray-600 dark:hover:bg-gray-700"
          >
            {push.value === "enabled" ? "Stop when tabs are closed" : "Also when tabs are closed"}
          </button>
        </div>
      )}
      {problem.value && (
        <p role="alert" class="text-xs text-red-700 dark:text-red-400">{problem.value}</p>
      )}
      <label class="flex items-center gap-2">
        <input
          type="checkbox"
          checked={previews.value}
          onChange={(event) => {
            previews.value = event.currentTarget.checked;
            try {
              localStorage.setItem(PREVIEWS_KEY, previews.value ? "on" : "off");
            } catch { /* storage disabled: for this page only */ }
            // The subscription says it too (posting it again updates it).
            if (push.peek() === "enabled") {
              void change(() => enablePush({ previews: previews.peek() }));
            }
          }}
          class="h-4 w-4 rounded border-gray-300 text-indigo-600 focus:ring-indigo-500"
        />
        Show message text in notifications
      </label>
    </div>
  );
}
