/**
 * What one can do with a message, shown on hover, on focus and on a long press:
 * react (a small picker: recent emoji, a fixed common set, and any other emoji
 * typed in), reply, edit (my own) and delete (my own, or any as the room's owner)
 * after an inline confirmation. The picker and the confirmation are non-modal
 * dialogs: focus moves into them, Escape closes them and puts focus back on the
 * button that opened them, a click elsewhere closes them.
 */

import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import { Button } from "../components/button.tsx";
import { cx } from "../components/_cx.ts";

/** The picker's fixed set: the reactions people use most. */
export const COMMON_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];
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

function EmojiGroup(
  { name, emoji, onPick, first }: {
    name: string;
    emoji: string[];
    onPick(emoji: string): void;
    first?: boolean;
  },
) {
  return (
    <div role="group" aria-label={name}>
      <p
        aria-hidden="true"
        class="px-1 pt-1 text-xs font-semibold text-gray-500 dark:text-gray-400"
      >
        {name}
      </p>
      <div class="flex flex-wrap">
        {emoji.map((e, i) => (
          <button
            key={e}
            type="button"
            aria-label={`React with ${e}`}
            data-autofocus={first && i === 0 ? "" : undefined}
            onClick={() => onPick(e)}
            class="flex h-9 w-9 items-center justify-center rounded text-xl hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-gray-700"
          >
            {e}
          </button>
        ))}
      </div>
    </div>
  );
}

export function MessageActions(props: MessageActionsProps) {
  const { menu, onMenu } = props;
  const close = () => onMenu(null);
  const errorLine = props.error && (
    <p role="alert" class="px-1 pt-1 text-xs text-red-700 dark:text-red-400">{props.error}</p>
  );
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
      {menu === "picker" && (
        <Popover label="Add a reaction" above={props.above} onClose={close}>
          {props.recent.length > 0 && (
            <EmojiGroup name="Recent" emoji={props.recent} onPick={props.onReact} first />
          )}
          <EmojiGroup
            name="Common"
            emoji={COMMON_EMOJI}
            onPick={props.onReact}
            first={props.recent.length === 0}
          />
          <form
            class="flex gap-1 px-1 pt-2"
            onSubmit={(event) => {
              event.preventDefault();
              const field = event.currentTarget.elements.namedItem("emoji") as HTMLInputElement;
              const emoji = field.value.trim();
              if (emoji) props.onReact(emoji);
            }}
          >
            <input
              name="emoji"
              aria-label="Other emoji"
              placeholder="Other emoji"
              maxLength={16}
              autocomplete="off"
              class="min-w-0 flex-1 rounded border border-gray-300 bg-white px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-gray-600 dark:bg-gray-900"
            />
            <Button type="submit" size="sm" variant="secondary">Add</Button>
          </form>
          {errorLine}
        </Popover>
      )}
      {menu === "confirm" && (
        <Popover label="Delete message" role="alertdialog" above={props.above} onClose={close}>
          <p class="px-1 text-sm font-medium">Delete this message?</p>
          <p class="px-1 text-xs text-gray-500 dark:text-gray-400">
            It is removed for everyone. This cannot be undone.
          </p>
          {errorLine}
          <div class="mt-2 flex justify-end gap-2">
            <Button size="sm" variant="secondary" onClick={close} data-autofocus="">
              Cancel
            </Button>
            <Button size="sm" variant="danger" onClick={props.onDelete}>Delete</Button>
          </div>
        </Popover>
      )}
    </>
  );
}
