/** The mark in front of a room's name: "#" for public rooms, a padlock for private ones. */

import { cx } from "./_cx.ts";

export function RoomIcon({ kind, class: extra }: { kind: string; class?: string }) {
  if (kind === "private") {
    return (
      <svg
        viewBox="0 0 20 20"
        fill="currentColor"
        class={cx("h-4 w-4 shrink-0", extra)}
        aria-hidden="true"
      >
        <path
          fill-rule="evenodd"
          d="M10 1a4.5 4.5 0 0 0-4.5 4.5V9H5a2 2 0 0 0-2 2v6a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2v-6a2 2 0 0 0-2-2h-.5V5.5A4.5 4.5 0 0 0 10 1Zm3 8V5.5a3 3 0 1 0-6 0V9h6Z"
          clip-rule="evenodd"
        />
      </svg>
    );
  }
  return (
    <span class={cx("w-4 shrink-0 text-center font-semibold", extra)} aria-hidden="true">#</span>
  );
}

/** Words for screen readers and titles: "public room", "private room", "direct conversation". */
export function kindLabel(kind: string): string {
  return kind === "direct" ? "direct conversation" : `${kind} room`;
}
