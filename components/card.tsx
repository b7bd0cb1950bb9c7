/**
 * Surfaces: `Card` is a bordered, padded box (forms, dialogs); `Panel` is a
 * full-height column with an optional header (room list, member list).
 */

import type { ComponentChildren } from "preact";
import { cx } from "./_cx.ts";

export interface CardProps {
  title?: string;
  children?: ComponentChildren;
  class?: string;
}

export function Card({ title, children, class: extra }: CardProps) {
  return (
    <section
      class={cx(
        "rounded-xl border border-gray-200 bg-white p-6 shadow-sm",
        "dark:border-gray-700 dark:bg-gray-800",
        extra,
      )}
    >
      {title && <h2 class="mb-4 text-lg font-semibold text-gray-900 dark:text-gray-100">{title}
      </h2>}
      {children}
    </section>
  );
}

export interface PanelProps {
  title?: string;
  /** Right-aligned in the header, e.g. a "New room" button. */
  actions?: ComponentChildren;
  children?: ComponentChildren;
  class?: string;
}

export function Panel({ title, actions, children, class: extra }: PanelProps) {
  return (
    <div
      class={cx(
        "flex h-full min-h-0 flex-col bg-gray-50 dark:bg-gray-900",
        "border-gray-200 dark:border-gray-700",
        extra,
      )}
    >
      {(title || actions) && (
        <header class="flex items-center justify-between gap-2 border-b border-gray-200 px-4 py-3 dark:border-gray-700">
          {title && (
            <h2 class="truncate text-sm font-semibold uppercase tracking-wide text-gray-500 dark:text-gray-400">
              {title}
            </h2>
          )}
          {actions}
        </header>
      )}
      <div class="min-h-0 flex-1 overflow-y-auto">{children}</div>
    </div>
  );
}
