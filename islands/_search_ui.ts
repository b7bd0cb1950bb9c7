/**
 * The search box's suggestions and the quick switcher, as the one module the room
 * list loads (lazily: at the first key typed in the box, or Ctrl+K), so that the
 * page's own script names one chunk and one call for both.
 */

import type { Finder } from "./_finder.ts";
import { suggest } from "./_search_suggest.tsx";
import { openSwitcher } from "./_quick_switcher.tsx";

/** Opens the switcher (`switcher`), or adds the suggestions to the search box. */
export function start(finder: Finder, box: HTMLInputElement | null, switcher: boolean): void {
  if (switcher) openSwitcher(finder);
  else if (box) suggest(box, finder);
}
