/**
 * The quick switcher (Ctrl+K or ⌘K anywhere in the app; loaded on the first press):
 * a modal dialog with one field, a combobox over a listbox of my rooms, direct
 * conversations and the people who share a room with me, by fuzzy name, recent
 * first (`_finder.ts`). ↑/↓ move (wrapping), Enter goes (to a person: the direct
 * conversation is opened first, `POST /api/dms`), a click goes too, Escape or a
 * click beside it closes it and focus goes back where it was. The field keeps the
 * focus: the current option is its `aria-activedescendant`; Tab stays in it.
 *
 * It renders into a node of its own at the end of `<body>`, like the lightbox, and
 * imports nothing of the page's own code (the room list hands it a `Finder`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h, render } from "preact";
import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { User } from "../lib/protocol/types.ts";
import { type Finder, loadPeople, type Place, places } from "./_finder.ts";

const ID = "switcher";

const KIND_LABEL: Record<Place["kind"], string> = {
  public: "Room",
  private: "Private room",
  direct: "Direct message",
  person: "Person",
};

const PADLOCK = "M10 1a4.5 4.5 0 0 0-4.5 4.5V9H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 " +
  "2-2v-6a2 2 0 0 0-2-2h-.5V5.5A4.5 4.5 0 0 0 10 1Zm3 8V5.5a3 3 0 1 0-6 0V9h6Z";

/** The mark before a name: "#" for a room, a padlock for a private one, "@" for a person. */
function Mark({ kind }: { kind: Place["kind"] }) {
  if (kind === "private") {
    return (
      <svg viewBox="0 0 20 20" fill="currentColor" aria-hidden="true" class="h-4 w-4 shrink-0">
        <path fill-rule="evenodd" clip-rule="evenodd" d={PADLOCK} />
      </svg>
    );
  }
  return (
    <span aria-hidden="true" class="w-4 shrink-0 text-center font-semibold opacity-70">
      {kind === "public" ? "#" : "@"}
    </span>
  );
}

/** Where a place is: its room, or (a person) the direct conversation, opened first. */
async function roomOf(finder: Finder, place: Place): Promise<string> {
  if (place.kind !== "person") return place.id;
  return (await finder.api().dm(place.name)).id;
}

function QuickSwitcher({ finder, onClose }: { finder: Finder; onClose(): void }) {
  const query = useSignal("");
  const index = useSignal(0);
  const persons = useSignal<User[]>([]);
  const failure = useSignal("");
  const going = useSignal(false);
  const field = useRef<HTMLInputElement>(null);
  const found = places(query.value, finder.rooms.value, persons.value);
  const active = Math.min(index.value, found.length - 1);

  useLayoutEffect(() => field.current!.focus(), []);
  useEffect(() => {
    loadPeople(finder).then((list) => persons.value = list, () => {});
  }, []);
  useLayoutEffect(() => {
    document.getElementById(`${ID}-option-${active}`)?.scrollIntoView({ block: "nearest" });
  });

  const go = async (place: Place | undefined) => {
    if (!place || going.peek()) return;
    going.value = true;
    failure.value = "";
    try {
      const id = await roomOf(finder, place);
      // A room of the sidebar: its link switches in place (see `follow` in room_list.tsx).
      const link = document.querySelector<HTMLAnchorElement>(`nav a[data-room="${id}"]`);
      if (link) {
        onClose();
        link.click();
      } else location.assign(`/rooms/${encodeURIComponent(id)}`);
    } catch (error) {
      failure.value = `The conversation could not be opened: ${(error as Error).message}`;
      going.value = false;
    }
  };

  return (
    <div
      data-backdrop=""
      class="fixed inset-0 z-50 flex items-start justify-center bg-black/40 px-3 pt-[12vh]"
      onMouseDown={(event) => {
        if ((event.target as HTMLElement).matches("[data-backdrop]")) onClose();
      }}
    >
      <div
        role="dialog"
        aria-modal="true"
        aria-labelledby={`${ID}-label`}
        class="w-full max-w-lg overflow-hidden rounded-xl bg-white shadow-2xl dark:bg-gray-800"
        onKeyDown={(event) => {
          const { key } = event;
          const count = found.length;
          if (key === "Escape") onClose();
          else if (key === "ArrowDown" || key === "ArrowUp") {
            if (count) index.value = (active + (key === "ArrowDown" ? 1 : -1) + count) % count;
          } else if (key === "Enter") void go(found[active]);
          else if (key === "Tab") { /* the field is the dialog's one control */ }
          else return;
          event.preventDefault();
          event.stopPropagation();
        }}
      >
        <label id={`${ID}-label`} for={`${ID}-input`} class="sr-only">
          Jump to a room, conversation or person
        </label>
        <input
          ref={field}
          id={`${ID}-input`}
          type="text"
          role="combobox"
          aria-expanded={found.length > 0 ? "true" : "false"}
          aria-controls={`${ID}-list`}
          aria-autocomplete="list"
          aria-activedescendant={found.length ? `${ID}-option-${active}` : undefined}
          autocomplete="off"
          spellcheck={false}
          placeholder="Jump to…"
          value={query.value}
          onInput={(event) => {
            query.value = event.currentTarget.value;
            index.value = 0;
          }}
          class="block w-full border-b border-gray-200 bg-transparent px-4 py-3 text-base text-gray-900 placeholder-gray-500 focus:outline-none dark:border-gray-700 dark:text-gray-100 dark:placeholder-gray-400"
        />
        <ul
          id={`${ID}-list`}
          role="listbox"
          aria-label="Rooms, conversations and people"
          class="max-h-80 overflow-y-auto py-1"
        >
          {found.map((place, i) => (
            <li
              key={`${place.kind} ${place.id}`}
              id={`${ID}-option-${i}`}
              role="option"
              aria-selected={i === active ? "true" : "false"}
              data-place={place.id}
              onMouseDown={(event) => {
                // The field keeps the focus.
                event.preventDefault();
                void go(place);
              }}
              onMouseMove={() => {
                if (index.peek() !== i) index.value = i;
              }}
              class={"flex cursor-pointer items-center gap-3 px-4 py-2 text-sm " +
                (i === active ? "bg-indigo-600 text-white" : "text-gray-900 dark:text-gray-100")}
            >
              <Mark kind={place.kind} />
              <bdi class="min-w-0 flex-1 truncate font-medium">{place.name}</bdi>
              <span class="shrink-0 text-xs opacity-80">{KIND_LABEL[place.kind]}</span>
            </li>
          ))}
        </ul>
        {found.length === 0 && (
          <p class="px-4 py-3 text-sm text-gray-500 dark:text-gray-400">
            No room or person matches.
          </p>
        )}
        {failure.value && (
          <p role="alert" class="px-4 pb-3 text-sm text-red-600 dark:text-red-400">
            {failure.value}
          </p>
        )}
        <p class="border-t border-gray-200 px-4 py-2 text-xs text-gray-500 dark:border-gray-700 dark:text-gray-400">
          ↑↓ to move · Enter to go · Esc to close
        </p>
      </div>
    </div>
  );
}

let host: HTMLElement | null = null;

/** Opens the switcher (or, when it is open, focuses its field). */
export function openSwitcher(finder: Finder): void {
  if (host) {
    host.querySelector<HTMLElement>("input")?.focus();
    return;
  }
  const opener = document.activeElement as HTMLElement | null;
  const node = host = document.createElement("div");
  document.body.append(node);
  const close = () => {
    render(null, node);
    node.remove();
    host = null;
    if (opener?.isConnected) opener.focus();
  };
  render(<QuickSwitcher finder={finder} onClose={close} />, node);
}
