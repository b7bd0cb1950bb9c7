/**
 * A presence dot: green when online, grey when offline, a hollow grey ring when
 * unknown (`online` undefined: our own connection is down), with text for screen
 * readers.
 */

import { cx } from "./_cx.ts";

export interface OnlineDotProps {
  /** Undefined: unknown. */
  online: boolean | undefined;
  class?: string;
}

export function OnlineDot({ online, class: extra }: OnlineDotProps) {
  return (
    <span class={cx("inline-flex items-center", extra)}>
      <span
        class={cx(
          "inline-block h-2.5 w-2.5 rounded-full ring-2 ring-white dark:ring-gray-900",
          online
            ? "bg-emerald-500"
            : online === false
            ? "bg-gray-400 dark:bg-gray-500"
            : "border-2 border-gray-400 bg-white dark:bg-gray-900",
        )}
        aria-hidden="true"
      />
      <span class="sr-only">
        {online ? "online" : online === false ? "offline" : "presence unknown"}
      </span>
    </span>
  );
}
