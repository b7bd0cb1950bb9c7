/**
 * The outcome of a form, above it: a success (`role="status"`, announced politely
 * after the redirect that follows a post) or a problem with the whole form
 * (`role="alert"`; a problem with one field shows next to it, see `Input`).
 */

import type { ComponentChildren } from "preact";
import { cx } from "./_cx.ts";

const TONES = {
  success: "border-green-200 bg-green-50 text-green-800 dark:border-green-800 " +
    "dark:bg-green-900 dark:text-green-100",
  error: "border-red-200 bg-red-50 text-red-800 dark:border-red-900 dark:bg-red-900 " +
    "dark:text-red-200",
  warning: "border-amber-200 bg-amber-50 text-amber-900 dark:border-amber-800 " +
    "dark:bg-amber-900 dark:text-amber-100",
};

export interface NoticeProps {
  tone: keyof typeof TONES;
  children: ComponentChildren;
  class?: string;
  id?: string;
}

export function Notice({ tone, children, class: extra, id }: NoticeProps) {
  return (
    <p
      id={id}
      role={tone === "error" ? "alert" : tone === "success" ? "status" : undefined}
      class={cx("rounded-lg border px-3 py-2 text-sm", TONES[tone], extra)}
    >
      {children}
    </p>
  );
}
