/** A presence dot: green when online, grey when offline, with text for screen readers. */

import { cx } from "./_cx.ts";

export interface OnlineDotProps {
  online: boolean;
  class?: string;
}

export function OnlineDot({ online, class: extra }: OnlineDotProps) {
  return (
    <span class={cx("inline-flex items-center", extra)}>
      <span
        class={cx(
          "inline-block h-2.5 w-2.5 rounded-full ring-2 ring-white dark:ring-gray-900",
          online ? "bg-emerald-500" : "bg-gray-400 dark:bg-gray-500",
        )}
        aria-hidden="true"
      />
      <span class="sr-only">{online ? "online" : "offline"}</span>
    </span>
  );
}
