/**
 * What one can do with a message, shown on hover, on focus and on a long press:
 * react (a small picker: recent emoji, a fixed common set, and any other emoji
 * typed in), reply, reply in its thread, edit (my own) and delete (my own, or any
 * as the room's owner) after an inline confirmation. The picker and the
 * confirmation are non-modal dialogs (`_message_popovers.tsx`, loaded when a
 * toolbar first shows).
 *
 * Loaded when the page is idle or a message is first hovered or focused (see
 * `_conversation.tsx`), not with the page: no message shows its toolbar before.
 * With it come the in-place editor and what the actions do (`_message_tools.ts`).
 * So it imports nothing of the page's own code and writes JSX with `h` (see
 * `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
/** @jsxFrag Fragment */
import { type ComponentChildren, Fragment, h } from "preact";
import { signal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { Kit } from "./_lazy.ts";

export { MessageEditor } from "./_message_editor.tsx";
export { messageTools } from "./_message_tools.ts";

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
  /** The page's code the popovers use (see `_lazy.ts`). */
  kit: Kit;
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
  /** Opens the message's thread (its own, or the one it replies in). */
  onThread(): void;
  onEdit(): void;
  onDelete(): void;
}

const PATHS = {
  React: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM9 10h.01M15 10h.01M8.5 14.5a4.5 4.5 0 0 0 7 0",
  Reply: "M9 14 4 9l5-5M4 9h10a6 6 0 0 1 6 6v3",
  "Reply in thread":
    "M21 11.5a8.4 8.4 0 0 1-12.2 7.5L3 21l2-5.8A8.4 8.4 0 1 1 21 11.5zM8 10h8M8 14h5",
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
      class={"absolute right-3 z-20 w-64 rounded-lg border border-gray-200 bg-white p-2 text-gray-900 shadow-lg dark:border-gray-600 dark:bg-gray-800 dark:text-gray-100 " +
        (above ? "bottom-full mb-4" : "top-5")}
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
        <ActionButton label="Reply in thread" onClick={props.onThread} />
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
