/**
 * The app's keyboard shortcuts beyond the search box's, loaded by the room list
 * (`onKey` in room_list.tsx, which only checks the key) at the first of them, never
 * with the page:
 *
 * - Alt+↑ / Alt+↓: the previous or next room in the sidebar; with Shift, the
 *   previous or next one with unread messages (its link has `data-unread`). Both
 *   wrap around at the ends. Going is a click on the room's link, so it is what a
 *   click does: the pane switches in place where it can (`_nav.ts`), else the
 *   page loads.
 * - `?` (when no text field has the focus): the shortcuts sheet, a modal
 *   `<dialog>` listing every shortcut of the app; Escape or its button closes it
 *   and focus goes back where it was. While it is open, keys go to it only, and
 *   Tab stays on its button.
 *
 * It imports nothing of the page's own code (see `_lazy.ts`): the room list hands
 * it the key event, and the sheet is written with `h` and rendered with `render`
 * into a node of its own at the end of `<body>`.
 */

import { h, render } from "preact";

/** Does what the key the room list saw asks for. */
export function onKey(event: Pick<KeyboardEvent, "key" | "shiftKey">): void {
  if (event.key === "?") openShortcuts();
  else goToRoom(event.key === "ArrowUp" ? -1 : 1, event.shiftKey);
}

/**
 * Clicks the sidebar's link `step` rooms from the current one (the page's, else
 * before the first), wrapping; with `unread`, the nearest that way with unread
 * messages, if any. Answers the link clicked.
 */
export function goToRoom(step: 1 | -1, unread = false): HTMLAnchorElement | undefined {
  const links = [...document.querySelectorAll<HTMLAnchorElement>("nav a[data-room]")];
  const count = links.length;
  let here = links.findIndex((link) => link.getAttribute("aria-current") === "page");
  if (here < 0) here = step > 0 ? -1 : count;
  for (let i = 1; i <= count; i++) {
    const link = links[(((here + step * i) % count) + count) % count];
    if (unread && !link.hasAttribute("data-unread")) continue;
    link.click();
    return link;
  }
}

const isMac = () => /Mac|iP(hone|ad|od)/.test(navigator.platform);

/** Every shortcut, by where it works: keys (each a key or chord, alternatives apart) and what. */
function groups(): Array<[string, Array<[string[], string]>]> {
  const mod = isMac() ? "⌘" : "Ctrl";
  const alt = isMac() ? "⌥" : "Alt";
  return [
    ["Anywhere", [
      [[`${mod}+K`], "Jump to a room, conversation or person"],
      [["/", `${mod}+F`], "Search messages"],
      [[`${alt}+↑`, `${alt}+↓`], "Previous or next room"],
      [[`${alt}+Shift+↑`, `${alt}+Shift+↓`], "Previous or next room with unread messages"],
      [["?"], "Show these shortcuts"],
      [["Escape"], "Close a menu, a dialog, the thread or the image viewer"],
    ]],
    ["In the composer", [
      [["Enter"], "Send"],
      [["Shift+Enter"], "New line"],
      [["↑"], "Edit my last message (when the composer is empty)"],
      [["@"], "Mention someone: ↑ or ↓ to choose, Enter or Tab to pick"],
      [["Escape"], "Stop replying"],
    ]],
    ["In the messages", [
      [["Tab"], "Into the messages (one stop), then to a message's actions"],
      [["↑", "↓"], "Previous or next message"],
      [["Enter"], "Save an edit (Shift+Enter: new line; Escape: cancel)"],
    ]],
    ["Search, the switcher, the image viewer", [
      [["↑", "↓"], "Move through the suggestions"],
      [["Enter"], "Take the one chosen (Tab too, in the search box)"],
      [["←", "→"], "Previous or next image"],
    ]],
  ];
}

const KBD = "whitespace-nowrap rounded border border-gray-300 bg-gray-50 px-1.5 py-0.5 " +
  "font-sans text-xs text-gray-800 dark:border-gray-600 dark:bg-gray-900 dark:text-gray-100";

function Keys({ keys }: { keys: string[] }) {
  const shown = keys.flatMap((key, i) => [
    i ? h("span", { class: "px-1 text-xs text-gray-500 dark:text-gray-400" }, "or") : null,
    h("kbd", { class: KBD }, key),
  ]);
  return h("dt", { class: "flex shrink-0 flex-wrap items-baseline sm:w-60 sm:justify-end" }, shown);
}

/**
 * The sheet. No hooks: importing `preact/hooks` without `@preact/signals` would
 * make esbuild split the chunk the room page shares them in (one more file).
 */
function Sheet({ onClose }: { onClose(): void }) {
  return h(
    "dialog",
    {
      "aria-labelledby": "shortcuts-title",
      "data-shortcuts": "",
      onClose,
      // Modal: no key reaches the page's shortcuts behind it (Escape still closes
      // it), and Tab stays on its one control (not off to the browser's bar).
      onKeyDown: (event: KeyboardEvent) => {
        event.stopPropagation();
        if (event.key === "Tab") event.preventDefault();
      },
      class: "w-[min(40rem,calc(100vw-2rem))] max-h-[calc(100vh-4rem)] overflow-y-auto " +
        "rounded-xl border border-gray-200 bg-white p-0 text-gray-900 shadow-2xl " +
        "backdrop:bg-gray-900/60 dark:border-gray-700 dark:bg-gray-800 dark:text-gray-100",
    },
    h(
      "div",
      {
        class: "flex items-center justify-between gap-2 border-b border-gray-200 px-5 py-3 " +
          "dark:border-gray-700",
      },
      h("h2", { id: "shortcuts-title", class: "text-base font-semibold" }, "Keyboard shortcuts"),
      h("button", {
        type: "button",
        autofocus: true,
        onClick: (event: MouseEvent) => (event.currentTarget as Element).closest("dialog")!.close(),
        class: "rounded-lg px-2 py-1 text-sm text-gray-600 hover:bg-gray-100 focus:outline-none " +
          "focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-300 " +
          "dark:hover:bg-gray-700",
      }, "Close"),
    ),
    h(
      "div",
      { class: "space-y-5 px-5 py-4" },
      groups().map(([title, rows]) =>
        h(
          "section",
          { key: title, "aria-label": title },
          h("h3", { class: "mb-2 text-sm font-semibold text-gray-700 dark:text-gray-200" }, title),
          h(
            "dl",
            { class: "space-y-1.5 text-sm" },
            rows.map(([keys, what]) =>
              h(
                "div",
                { key: what, class: "flex flex-col gap-1 sm:flex-row sm:items-baseline sm:gap-4" },
                h(Keys, { keys }),
                h("dd", { class: "text-gray-700 dark:text-gray-300" }, what),
              )
            ),
          ),
        )
      ),
    ),
  );
}

let host: HTMLElement | null = null;

/** Opens the shortcuts sheet (once: while it is open, another `?` does nothing). */
export function openShortcuts(): void {
  if (host) return;
  const opener = document.activeElement as HTMLElement | null;
  const node = host = document.createElement("div");
  document.body.append(node);
  const close = () => {
    render(null, node);
    node.remove();
    host = null;
    if (opener?.isConnected) opener.focus();
  };
  render(h(Sheet, { onClose: close }), node);
  node.querySelector("dialog")!.showModal();
}
