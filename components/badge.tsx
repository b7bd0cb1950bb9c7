/** A count pill (unread, or mentions in red); renders nothing at zero and caps at "99+". */

import { cx } from "./_cx.ts";

export interface BadgeProps {
  count: number;
  /** Spoken after the number: "3 unread". */
  label?: string;
  /** Red: mentions of me. */
  tone?: "count" | "mention";
  class?: string;
}

/** The text shown for a count: "7", "99+". */
export function badgeText(count: number): string {
  return count > 99 ? "99+" : String(count);
}

export function Badge({ count, label = "unread", tone = "count", class: extra }: BadgeProps) {
  if (count <= 0) return null;
  return (
    <span
      class={cx(
        "inline-flex min-w-[1.25rem] items-center justify-center rounded-full px-1.5",
        "text-xs font-semibold leading-5 text-white",
        tone === "mention" ? "bg-red-600" : "bg-indigo-600",
        extra,
      )}
      aria-label={`${count} ${label}`}
    >
      {badgeText(count)}
    </span>
  );
}
