/**
 * A demo island: a counter whose state lives in a signal passed from the server.
 * It shows the pattern every island follows and backs the browser test.
 */

import type { Signal } from "@preact/signals";
import { Button } from "../components/button.tsx";

export interface CounterProps {
  /** Shared with any other island given the same signal on the page. */
  count: Signal<number>;
  label?: string;
}

export default function Counter({ count, label = "Count" }: CounterProps) {
  const high = count.value >= 3;
  return (
    <div class="flex items-center gap-3">
      <Button variant="secondary" aria-label="Decrease" onClick={() => count.value--}>
        -
      </Button>
      <output
        class={high
          ? "min-w-[3rem] text-center text-lg font-semibold text-amber-600 dark:text-amber-400"
          : "min-w-[3rem] text-center text-lg font-semibold"}
        aria-label={label}
        data-testid="count"
      >
        {count}
      </output>
      <Button aria-label="Increase" onClick={() => count.value++}>+</Button>
    </div>
  );
}
