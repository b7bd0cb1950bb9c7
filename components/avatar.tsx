/**
 * A round avatar with the user's initials on a colour derived from the username,
 * so that a user keeps the same colour on every page and every device.
 */

import { cx } from "./_cx.ts";

/**
 * Whole class names (twind finds them in this file), each readable in light and dark:
 * white on each has a contrast of at least 4.5:1 (WCAG AA; axe checks it).
 */
const COLOURS = [
  "bg-red-600 text-white",
  "bg-orange-700 text-white",
  "bg-amber-700 text-white",
  "bg-lime-700 text-white",
  "bg-emerald-700 text-white",
  "bg-teal-700 text-white",
  "bg-sky-700 text-white",
  "bg-indigo-600 text-white",
  "bg-violet-600 text-white",
  "bg-fuchsia-600 text-white",
  "bg-pink-600 text-white",
  "bg-slate-600 text-white",
];

const SIZES = { sm: "h-6 w-6 text-xs", md: "h-8 w-8 text-sm", lg: "h-12 w-12 text-lg" };

/** Up to two letters: the first of each of the first two parts (`ada_lovelace` → `AL`). */
export function initials(username: string): string {
  const parts = username.split(/[._\-\s]+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[1][0] : (parts[0] ?? "?").slice(0, 1);
  return letters.toUpperCase();
}

/** The colour classes for a username (FNV-1a hash, case-insensitive). */
export function avatarColour(username: string): string {
  let hash = 0x811c9dc5;
  for (const char of username.toLowerCase()) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return COLOURS[hash % COLOURS.length];
}

export interface AvatarProps {
  username: string;
  /** The user's uploaded image (`user.avatarUrl`); the initials show without one. */
  url?: string;
  size?: keyof typeof SIZES;
  class?: string;
}

export function Avatar({ username, url, size = "md", class: extra }: AvatarProps) {
  if (url) {
    return (
      <img
        src={url}
        alt=""
        class={cx("inline-block shrink-0 rounded-full object-cover", SIZES[size], extra)}
        title={username}
        aria-hidden="true"
        loading="lazy"
        decoding="async"
      />
    );
  }
  return (
    <span
      class={cx(
        "inline-flex shrink-0 select-none items-center justify-center rounded-full font-semibold",
        avatarColour(username),
        SIZES[size],
        extra,
      )}
      title={username}
      aria-hidden="true"
    >
      {initials(username)}
    </span>
  );
}
