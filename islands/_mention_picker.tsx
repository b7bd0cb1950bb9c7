/**
 * The composer's `@` autocomplete, loaded when a message first holds an `@` (see
 * `_composer.tsx`): the room's members whose username starts with what follows the
 * `@` (online first, then alphabetical; not me), and `@here`/`@room` for the room's
 * owner. ↑/↓ move (wrapping), Enter or Tab picks, Escape closes; a click picks too.
 *
 * The field stays focused: the list is a listbox it controls, its current option
 * named by the field's `aria-activedescendant`. Picking replaces the `@query` with
 * `@username ` and the caret goes after it. The composer only loads it and places
 * it: it listens to the field on its own.
 *
 * It imports nothing of the page's own code (see `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h, type RefObject } from "preact";
import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { Member } from "../lib/protocol/types.ts";

/** An `@query` being typed: where it starts and ends in the field, the option shown current. */
export interface MentionQuery {
  at: number;
  end: number;
  text: string;
  index: number;
}

export interface Mentionable {
  members: Member[];
  /** Live presence over the members' own `online`. */
  online: Readonly<Record<string, boolean>>;
  /** My user id: I am not offered. */
  me: string;
  /** `@here` and `@room` are offered (the room's owner). */
  everyone: boolean;
}

export interface MentionOption {
  username: string;
  online: boolean;
  /** `@here`, `@room`. */
  special?: string;
}

const SHOWN_MAX = 8;
const QUERY = /(?:^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{0,32})$/;

/** The `@query` just before the caret, if the field has one. */
export function detect(field: HTMLTextAreaElement): MentionQuery | null {
  const caret = field.selectionStart;
  if (caret !== field.selectionEnd) return null;
  const match = QUERY.exec(field.value.slice(Math.max(0, caret - 40), caret));
  if (!match) return null;
  return { at: caret - match[1].length - 1, end: caret, text: match[1].toLowerCase(), index: 0 };
}

/** Who `@text` may name, in the order shown. */
export function mentionOptions(text: string, from: Mentionable): MentionOption[] {
  const online = (m: Member) => from.online[m.id] ?? m.online;
  const found: MentionOption[] = from.members
    .filter((m) => m.id !== from.me && m.username.toLowerCase().startsWith(text))
    .sort((a, b) =>
      Number(online(b)) - Number(online(a)) ||
      a.username.localeCompare(b.username, undefined, { sensitivity: "base" })
    )
    .map((m) => ({ username: m.username, online: online(m) }));
  if (from.everyone) {
    const specials = [["here", "the members online now"], ["room", "every member"]];
    for (const [name, who] of specials) {
      if (name.startsWith(text)) found.push({ username: name, online: false, special: who });
    }
  }
  return found.slice(0, SHOWN_MAX);
}

/** Replaces the query with `@username ` and puts the caret after it. */
export function pick(field: HTMLTextAreaElement, query: MentionQuery, username: string): void {
  field.setRangeText(`@${username} `, query.at, query.end, "end");
  field.focus();
  // The composer's own input handling (size, typing, closing the list) runs.
  field.dispatchEvent(new Event("input", { bubbles: true }));
}

/**
 * The listbox of the field `field` (its id is `id`; options are `${id}-mention-${i}`),
 * above it. It listens to the field itself (typing, clicks, keys: before the
 * composer's own handlers, which do not see a key it takes) and sets the field's
 * ARIA attributes.
 */
export function MentionPicker(
  { field, id, from }: {
    field: RefObject<HTMLTextAreaElement | null>;
    id: string;
    from: Mentionable;
  },
) {
  const query = useSignal<MentionQuery | null>(null);
  const open = query.value;
  const options = open ? mentionOptions(open.text, from) : [];
  const shown = useRef(options);
  shown.current = options;

  useEffect(() => {
    const el = field.current!;
    const find = () => query.value = detect(el);
    const close = () => query.value = null;
    const onKey = (event: KeyboardEvent) => {
      const current = query.peek();
      const list = shown.current;
      if (!current || !list.length || event.isComposing) return;
      const move = (by: number) =>
        query.value = { ...current, index: (current.index + by + list.length) % list.length };
      if (event.key === "ArrowDown") move(1);
      else if (event.key === "ArrowUp") move(-1);
      else if ((event.key === "Enter" && !event.shiftKey) || event.key === "Tab") {
        pick(el, current, list[Math.min(current.index, list.length - 1)].username);
      } else if (event.key === "Escape") close();
      else return;
      event.preventDefault();
      event.stopImmediatePropagation();
    };
    el.setAttribute("aria-autocomplete", "list");
    el.addEventListener("input", find);
    el.addEventListener("click", find);
    el.addEventListener("blur", close);
    el.addEventListener("keydown", onKey, { capture: true });
    // Loaded by the `@` just typed: look at it now.
    find();
    return () => {
      el.removeEventListener("input", find);
      el.removeEventListener("click", find);
      el.removeEventListener("blur", close);
      el.removeEventListener("keydown", onKey, { capture: true });
    };
  }, []);

  useLayoutEffect(() => {
    const el = field.current!;
    if (open && options.length) {
      el.setAttribute("aria-controls", `${id}-mentions`);
      el.setAttribute("aria-activedescendant", `${id}-mention-${open.index}`);
    } else {
      el.removeAttribute("aria-controls");
      el.removeAttribute("aria-activedescendant");
    }
  });

  if (!open || !options.length) return null;
  return (
    <ul
      id={`${id}-mentions`}
      role="listbox"
      aria-label="Mention someone"
      class="absolute bottom-full left-3 z-20 mb-1 max-h-64 w-72 max-w-[calc(100%-1.5rem)] overflow-y-auto rounded-lg border border-gray-200 bg-white py-1 text-sm shadow-lg dark:border-gray-600 dark:bg-gray-800"
    >
      {options.map((option, i) => (
        <li
          key={option.username}
          id={`${id}-mention-${i}`}
          role="option"
          aria-selected={i === open.index ? "true" : "false"}
          data-username={option.username}
          // Down, not click: the field keeps its focus (and its caret).
          onMouseDown={(event) => {
            event.preventDefault();
            pick(field.current!, open, option.username);
          }}
          onMouseEnter={() => query.value = { ...open, index: i }}
          class={"flex cursor-pointer items-center gap-2 px-3 py-1.5 " +
            (i === open.index ? "bg-indigo-600 text-white" : "text-gray-900 dark:text-gray-100")}
        >
          <span
            aria-hidden="true"
            class={"h-2 w-2 shrink-0 rounded-full " +
              (option.online ? "bg-emerald-500" : "bg-gray-300 dark:bg-gray-600")}
          />
          <bdi class="min-w-0 flex-1 truncate font-medium">@{option.username}</bdi>
          {option.special
            ? <span class="text-xs opacity-80">{option.special}</span>
            : option.online && <span class="sr-only">online</span>}
        </li>
      ))}
    </ul>
  );
}
