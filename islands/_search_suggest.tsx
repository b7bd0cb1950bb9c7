/**
 * The search box's suggestions, loaded when the box is first focused (the box is
 * the layout's plain GET form, `components/search_box.tsx`; this only adds to it).
 * As you type, the word at the caret is completed: the operators by their first
 * letters ("fr" → `from:`), then `from:` with the people who share a room with me
 * (and me), `in:` with my rooms and conversations (quoted when the name has
 * spaces), `has:` and `is:` with their values, `before:`/`after:` with today's date.
 * A `-` in front stays.
 *
 * The field keeps the focus and its form: the list is a listbox the field
 * controls (a combobox, its current option named by `aria-activedescendant`). No
 * option is current until ↓ or ↑ is pressed, so Enter searches what was typed
 * unless one was chosen; Enter or Tab then takes it, Escape closes the list, a
 * click takes one too. It imports nothing of the page's own code (see `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h, render } from "preact";
import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { User } from "../lib/protocol/types.ts";
import { fuzzyScore } from "../components/fuzzy.ts";
import { type Finder, type FinderRoom, loadPeople } from "./_finder.ts";

/** The piece of the query being typed: [start, end) in the field, after any `-`. */
export interface Token {
  start: number;
  end: number;
  text: string;
}

export interface Suggestion {
  /** What replaces the token. */
  value: string;
  /** What it means. */
  hint: string;
}

const SHOWN_MAX = 8;

const OPERATORS: Suggestion[] = [
  { value: "from:", hint: "messages by someone" },
  { value: "in:", hint: "messages in a room" },
  { value: "has:file", hint: "messages with files" },
  { value: "has:link", hint: "messages with links" },
  { value: "is:mention", hint: "messages that mention me" },
  { value: "before:", hint: "sent before a day" },
  { value: "after:", hint: "sent after a day" },
];

/** The piece of `value` that ends at `caret` (a `-` before it is left out), or null. */
export function tokenAt(value: string, caret: number): Token | null {
  const before = value.slice(0, caret);
  const match = /(?:^|\s)-?([^\s"]*)$/.exec(before);
  if (!match) return null;
  if (/^\S/.test(value.slice(caret))) return null;
  return { start: caret - match[1].length, end: caret, text: match[1] };
}

/** `in:` takes a name as it is, or quoted when it has spaces or quotes. */
function roomValue(name: string): string {
  return /[\s"]/.test(name) ? `in:"${name.replace(/"/g, "")}"` : `in:${name}`;
}

function today(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** What the token may become, best first. */
export function suggestions(
  token: Token,
  from: { rooms: FinderRoom[]; people: User[]; me: User; now?: number },
): Suggestion[] {
  const text = token.text;
  const operator = /^([a-z]+):(.*)$/i.exec(text);
  if (!operator) {
    if (!text) return [];
    const lower = text.toLowerCase();
    return OPERATORS.filter((o) => o.value.startsWith(lower) && o.value !== lower);
  }
  const [, name, rest] = operator;
  const typed = rest.replace(/^[@"]/, "");
  const matching = <T,>(items: T[], nameOf: (item: T) => string) =>
    items
      .map((item) => ({ item, score: fuzzyScore(typed, nameOf(item)) }))
      .filter(({ score }) => score >= 0)
      .sort((a, b) => b.score - a.score)
      .map(({ item }) => item);
  switch (name.toLowerCase()) {
    case "from": {
      const people = [...from.people, from.me];
      return matching(people, (p) => p.username).slice(0, SHOWN_MAX).map(
        (p) => ({
          value: `from:${p.username} `,
          hint: p.id === from.me.id ? "my messages" : `messages by ${p.username}`,
        }),
      ).filter((s) => s.value.trim() !== text);
    }
    case "in": {
      const rooms = from.rooms.filter((r) => !r.invited)
        .sort((a, b) => b.lastActivityAt - a.lastActivityAt);
      return matching(rooms, (r) => r.name).slice(0, SHOWN_MAX).map((r) => ({
        value: `${roomValue(r.name)} `,
        hint: r.kind === "direct" ? `conversation with ${r.name}` : `messages in ${r.name}`,
      })).filter((s) => s.value.trim() !== text);
    }
    case "has":
    case "is":
      return OPERATORS.filter((o) =>
        o.value.startsWith(text.toLowerCase()) && o.value !== text.toLowerCase()
      ).map((o) => ({ ...o, value: `${o.value} ` }));
    case "before":
    case "after": {
      if (rest) return [];
      const day = today(from.now ?? Date.now());
      return [{ value: `${name.toLowerCase()}:${day} `, hint: "a day as YYYY-MM-DD (UTC)" }];
    }
  }
  return [];
}

function Suggestions(
  { field, finder, listId }: { field: HTMLInputElement; finder: Finder; listId: string },
) {
  const token = useSignal<Token | null>(null);
  const index = useSignal(-1);
  const people = useSignal<User[]>([]);
  const found = token.value
    ? suggestions(token.value, { rooms: finder.rooms.value, people: people.value, me: finder.me })
      .slice(0, SHOWN_MAX)
    : [];
  const shown = useRef(found);
  shown.current = found;
  const active = index.value < found.length ? index.value : -1;
  const optionId = (i: number) => `${listId}-option-${i}`;

  const pick = (current: Token, value: string) => {
    field.setRangeText(value, current.start, current.end, "end");
    field.focus();
    index.value = -1;
    token.value = tokenAt(field.value, field.selectionStart ?? field.value.length);
  };

  useEffect(() => {
    const find = () => {
      const caret = field.selectionStart ?? field.value.length;
      token.value = field.selectionEnd === caret ? tokenAt(field.value, caret) : null;
      index.value = -1;
      if (/(^|\s)-?from:/i.test(field.value)) {
        loadPeople(finder).then((list) => people.value = list, () => {});
      }
    };
    const close = () => token.value = null;
    const onKey = (event: KeyboardEvent) => {
      const current = token.peek();
      const list = shown.current;
      if (!current || !list.length || event.isComposing) return;
      const at = index.peek() < list.length ? index.peek() : -1;
      const { key } = event;
      if (key === "ArrowDown" || key === "ArrowUp") {
        const by = key === "ArrowDown" ? 1 : -1;
        index.value = at < 0
          ? (by > 0 ? 0 : list.length - 1)
          : (at + by + list.length) % list.length;
      } else if ((key === "Enter" || key === "Tab") && at >= 0) pick(current, list[at].value);
      else if (key === "Escape") close();
      else return;
      event.preventDefault();
    };
    field.setAttribute("role", "combobox");
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", listId);
    field.addEventListener("input", find);
    field.addEventListener("click", find);
    field.addEventListener("blur", close);
    field.addEventListener("keydown", onKey);
    // Loaded by a key typed in the field: look at what it holds by now.
    find();
    return () => {
      field.removeEventListener("input", find);
      field.removeEventListener("click", find);
      field.removeEventListener("blur", close);
      field.removeEventListener("keydown", onKey);
    };
  }, []);

  useLayoutEffect(() => {
    field.setAttribute("aria-expanded", found.length ? "true" : "false");
    if (active >= 0) field.setAttribute("aria-activedescendant", optionId(active));
    else field.removeAttribute("aria-activedescendant");
  });

  const open = token.value;
  return (
    <ul
      id={listId}
      role="listbox"
      aria-label="Search suggestions"
      hidden={!open || !found.length}
      class="absolute left-0 right-0 top-full z-40 mt-1 max-h-72 overflow-y-auto rounded-lg border border-gray-200 bg-white py-1 text-sm shadow-lg dark:border-gray-600 dark:bg-gray-800"
    >
      {open && found.map((s, i) => (
        <li
          key={s.value}
          id={optionId(i)}
          role="option"
          aria-selected={i === active ? "true" : "false"}
          data-value={s.value.trim()}
          onMouseDown={(event) => {
            event.preventDefault();
            pick(open, s.value);
          }}
          onMouseMove={() => {
            if (index.peek() !== i) index.value = i;
          }}
          class={"flex cursor-pointer items-baseline gap-3 px-3 py-1.5 " +
            (i === active ? "bg-indigo-600 text-white" : "text-gray-900 dark:text-gray-100")}
        >
          <bdi class="min-w-0 truncate font-mono">{s.value.trim()}</bdi>
          <span class="min-w-0 flex-1 truncate text-xs opacity-80">{s.hint}</span>
        </li>
      ))}
    </ul>
  );
}

const enhanced = new WeakSet<HTMLInputElement>();

/**
 * Adds the suggestions to the search box `field`, rendering the listbox in place
 * of its form's `[data-suggestions]` node; once per field.
 */
export function suggest(field: HTMLInputElement, finder: Finder): void {
  const slot = field.form?.querySelector("[data-suggestions]");
  if (enhanced.has(field) || !slot) return;
  enhanced.add(field);
  const host = document.createElement("div");
  slot.replaceWith(host);
  render(<Suggestions field={field} finder={finder} listId={`${field.id}-suggestions`} />, host);
}
