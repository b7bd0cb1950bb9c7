/**
 * The button of the design system, in four variants and two sizes. It defaults to
 * `type="button"` so that it never submits a form by accident.
 */

import type { ButtonHTMLAttributes } from "preact";
import { cx } from "./_cx.ts";

export type ButtonVariant = "primary" | "secondary" | "ghost" | "danger";

export interface ButtonProps
  extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, "class" | "size"> {
  variant?: ButtonVariant;
  size?: "sm" | "md";
  class?: string;
}

const BASE = "inline-flex items-center justify-center gap-2 rounded-lg font-medium " +
  "transition-colors focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 " +
  "focus-visible:ring-offset-2 dark:focus-visible:ring-offset-gray-900 " +
  "disabled:opacity-50 disabled:cursor-not-allowed";

const VARIANTS: Record<ButtonVariant, string> = {
  // White on indigo-600 and red-600 keeps 4.5:1 in dark mode too (500 would not).
  primary: "bg-indigo-600 text-white hover:bg-indigo-700",
  secondary: "bg-white text-gray-900 border border-gray-300 hover:bg-gray-50 " +
    "dark:bg-gray-800 dark:text-gray-100 dark:border-gray-600 dark:hover:bg-gray-700",
  ghost: "text-gray-700 hover:bg-gray-100 dark:text-gray-200 dark:hover:bg-gray-800",
  danger: "bg-red-600 text-white hover:bg-red-700",
};

const SIZES = { sm: "h-8 px-3 text-sm", md: "h-10 px-4 text-base" };

export function Button(
  { variant = "primary", size = "md", type = "button", class: extra, ...props }: ButtonProps,
) {
  return <button type={type} class={cx(BASE, VARIANTS[variant], SIZES[size], extra)} {...props} />;
}
