/**
 * A labelled text input with an optional hint and inline error. The error is
 * linked with `aria-describedby` and sets `aria-invalid`, so screen readers
 * announce it with the field.
 */

import type { InputHTMLAttributes, PartialInputHTMLAttributes } from "preact";
import { cx } from "./_cx.ts";

// Preact's InputHTMLAttributes is a union keyed on `type`; the partial form is not.
type NativeProps = Omit<PartialInputHTMLAttributes<HTMLInputElement>, "class" | "id" | "role">;

export interface InputProps extends NativeProps {
  /** Also the id prefix: each input on a page needs its own name (or `id`). */
  name: string;
  label: string;
  id?: string;
  hint?: string;
  error?: string | null;
  class?: string;
}

const FIELD = "block w-full rounded-lg border bg-white px-3 py-2 text-gray-900 " +
  "placeholder-gray-400 focus:outline-none focus:ring-2 dark:bg-gray-800 dark:text-gray-100";
const OK = "border-gray-300 focus:border-indigo-500 focus:ring-indigo-500 dark:border-gray-600";
const BAD = "border-red-500 focus:border-red-500 focus:ring-red-500 dark:border-red-400";

export function Input({ name, label, id, hint, error, class: extra, ...props }: InputProps) {
  const inputId = id ?? `input-${name}`;
  const hintId = `${inputId}-hint`;
  const errorId = `${inputId}-error`;
  const describedBy = [hint && hintId, error && errorId].filter(Boolean).join(" ");
  const attributes = {
    id: inputId,
    name,
    class: cx(FIELD, error ? BAD : OK),
    "aria-invalid": error ? "true" : undefined,
    "aria-describedby": describedBy || undefined,
    ...props,
  } as InputHTMLAttributes<HTMLInputElement>;
  return (
    <div class={cx("flex flex-col gap-1", extra)}>
      <label for={inputId} class="text-sm font-medium text-gray-700 dark:text-gray-200">
        {label}
      </label>
      <input {...attributes} />
      {hint && !error && <p id={hintId} class="text-sm text-gray-500 dark:text-gray-400">{hint}</p>}
      {error && (
        <p id={errorId} role="alert" class="text-sm text-red-600 dark:text-red-400">{error}</p>
      )}
    </div>
  );
}
