/**
 * What one can do with a message, shown on hover, on focus and on a long press:
 * react (a small picker: recent emoji, a fixed common set, and any other emoji
 * typed in), reply, edit (my own) and delete (my own, or any as the room's owner)
 * after an inline confirmation. The picker and the confirmation are non-modal
 * dialogs (`_message_popovers.tsx`, loaded when a toolbar first shows).
 */

import type { ComponentChildren } from "preact";
import { signal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { cx } from "../components/_cx.ts";

const RECENT_KEY = "chat:recent-emoji";
const RECENT_MAX = 8;

/** My recently used emoji, newest first (browser only). */
export function recentEmoji(): string[] {
  try {
    const stored = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(stored)
      ? stored.filter((e) => typeof e === "string" && e.length <= 32).slice(0, RECENT_MAX)
      : [];
  } catch {
    return [];
  }
}

/** Puts an emoji first among the recent ones; answers the new list. */
export function rememberEmoji(emoji: string): string[] {
  const next = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch { /* storage full or disabled: recent stays for this page only */ }
  return next;
}

export type MenuKind = "picker" | "confirm";

/**
 * The popovers (`_message_popovers.tsx`), loaded when a toolbar first shows: by
 * the time React or Delete is pressed they are here. If not (a very quick first
 * press), the popover opens when they arrive.
 */
const menus = signal<typeof import("./_message_popovers.tsx") | null>(null);
let loading: Promise<unknown> | undefined;

function loadMenus(): void {
  loading ??= import("./_message_popovers.tsx").then(
    (module) => menus.value = module,
    () => loading = undefined,
  );
}

export interface MessageActionsProps {
  canEdit: boolean;
  canDelete: boolean;
  /** The popover open on this message, if any. */
  menu?: MenuKind;
  /** Open the popover above the toolbar (the message is low on screen). */
  above?: boolean;
  recent: string[];
  /** A refusal to show in the open popover. */
  error?: string;
  onMenu(kind: MenuKind | null): void;
  onReact(emoji: string): void;
  onReply(): void;
  onEdit(): void;
  onDelete(): void;
}

const PATHS = {
  React: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9 10h.01M15 10h.01M8.5 14.5a4.5 4.5 0 0 0 7 0",
  Reply: "M9 14 4 9l5-5M4 9h10a6 6 0 0 1 6 6v3",
  "Edit message": "M4 20h4L19 9l-4-4L4 16v4zM14 6l4 4",
  "Delete message": "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
};

function ActionButton(
  { label, onClick, expanded }: {
    label: keyof typeof PATHS;
    onClick(): void;
    expanded?: boolean;
  },
) {
  return (
    <button
      type="button"
      aria-label={label}
      title={label}
      aria-expanded={expanded}
      onClick={onClick}
      class="flex h-7 w-8 items-center justify-center text-gray-600 first:rounded-l-lg last:rounded-r-lg hover:bg-gray-100 hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-500 dark:text-gray-300 dark:hover:bg-gray-700 dark:hover:text-white"
    >
      <svg
        viewBox="0 0 24 24"
        fill="none"
        stroke="currentColor"
        stroke-width="2"
        stroke-linecap="round"
        stroke-linejoin="round"
        aria-hidden="true"
        class="h-4 w-4"
      >
        <path d={PATHS[label]} />
      </svg>
    </button>
  );
}

/**
 * A popover that takes focus when it opens. Whoever closes it gives focus back
 * (the chat pane, to the button that opened it: see `closeMenu`), synchronously,
 * before the popover's nodes go away with the focus in them.
 */
function Popover(
  { label, role = "dialog", above, onClose, children }: {
    label: string;
    role?: "dialog" | "alertdialog";
    above?: boolean;
    onClose(): void;
    children: ComponentChildren;
  },
) {
  const box = useRef<HTMLDivElement>(null);
  // At once, not after paint: a key pressed right after opening belongs in here.
  useLayoutEffect(() => {
    const el = box.current!;
    el.querySelector<HTMLElement>("[data-autofocus]")?.focus();
    const outside = (event: Event) => {
      const target = event.target as Node;
      const toolbar = el.parentElement?.querySelector("[data-actions]");
      if (!el.contains(target) && !toolbar?.contains(target)) onClose();
    };
    document.addEventListener("pointerdown", outside);
    return () => document.removeEventListener("pointerdown", outside);
  }, []);
  return (
    <div
      ref={box}
      role={role}
      aria-label={label}
      data-popover=""
      onKeyDown={(event) => {
        if (event.key !== "Escape") return;
        event.preventDefault();
        event.stopPropagation();
        onClose();
      }}
      class={cx(
        "absolute right-3 z-20 w-64 rounded-lg border border-gray-200 bg-white p-2 text-gray-900 shadow-lg dark:border-gray-600 dark:bg-gray-800 dark:text-gray-100",
        above ? "bottom-full mb-4" : "top-5",
      )}
    >
      {children}
    </div>
  );
}

export function MessageActions(props: MessageActionsProps) {
  const { menu, onMenu } = props;
  const close = () => onMenu(null);
  useEffect(loadMenus, []);
  const Menu = menus.value;
  return (
    <>
      <div
        role="group"
        aria-label="Message actions"
        data-actions=""
        class="absolute -top-3 right-3 z-10 flex rounded-lg border border-gray-200 bg-white shadow-sm dark:border-gray-600 dark:bg-gray-800"
      >
        <ActionButton
          label="React"
          expanded={menu === "picker"}
          onClick={() => onMenu(menu === "picker" ? null : "picker")}
        />
        <ActionButton label="Reply" onClick={props.onReply} />
        {props.canEdit && <ActionButton label="Edit message" onClick={props.onEdit} />}
        {props.canDelete && (
          <ActionButton
            label="Delete message"
            expanded={menu === "confirm"}
            onClick={() => onMenu(menu === "confirm" ? null : "confirm")}
          />
        )}
      </div>
      {menu && Menu && (
        <Popover
          label={menu === "picker" ? "Add a reaction" : "Delete message"}
          role={menu === "picker" ? "dialog" : "alertdialog"}
          above={props.above}
          onClose={close}
        >
          <Menu.MessageMenu {...props} onClose={close} />
        </Popover>
      )}
    </>
  );
}
