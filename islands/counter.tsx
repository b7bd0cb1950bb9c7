/**
 * A demo island: a counter whose state lives in a signal passed from the server.
 * It shows what every island does (a default export, props from the server,
 * hydrated in place, classes rendered only in the browser) and backs the islands
 * layer's tests.
 *
 * It is bundled with the app's islands but no app page renders it, so it imports
 * only what every island shares anyway (Preact) and writes JSX with `h`, like the
 * lazily loaded modules (see islands/_lazy.ts): a test island must not change how
 * the app's own code is split into files (with the design system's `Button` and
 * the JSX runtime, it kept them in a file of their own on every room page).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import type { Signal } from "@preact/signals";

export interface CounterProps {
  /** Shared with any other island given the same signal on the page. */
  count: Signal<number>;
  label?: string;
}

const BUTTON = "inline-flex h-10 items-center justify-center rounded-lg px-4 font-medium " +
  "focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2";

export default function Counter({ count, label = "Count" }: CounterProps) {
  const high = count.value >= 3;
  return (
    <div class="flex items-center gap-3">
      <button
        type="button"
        aria-label="Decrease"
        onClick={() => count.value--}
        class={`${BUTTON} border border-gray-300 bg-white text-gray-900 hover:bg-gray-50 dark:border-gray-600 dark:bg-gray-800 dark:text-gray-100`}
      >
        -
      </button>
      <output
        class={high
          ? "min-w-[3rem] text-center text-lg font-semibold text-amber-600 dark:text-amber-400"
          : "min-w-[3rem] text-center text-lg font-semibold"}
        aria-label={label}
        data-testid="count"
      >
        {count}
      </output>
      <button
        type="button"
        aria-label="Increase"
        onClick={() => count.value++}
        class={`${BUTTON} bg-indigo-600 text-white hover:bg-indigo-700 dark:bg-indigo-500`}
      >
        +
      </button>
    </div>
  );
}
