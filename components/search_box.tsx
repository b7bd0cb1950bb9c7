/**
 * The app's search box: a plain GET form to `/search?q=`, so it works without
 * JavaScript. In the browser the room list (on every app page) finds it by its id,
 * {@linkcode SEARCH_INPUT_ID}: it focuses it on `/` or Ctrl+F when no text field
 * has the focus, and loads the operator suggestions
 * (`islands/_search_suggest.tsx`) at the first key typed in it; they render in
 * place of the form's `[data-suggestions]` node.
 */

export const SEARCH_INPUT_ID = "search-q";

export function SearchBox({ query = "" }: { query?: string }) {
  return (
    <form
      role="search"
      aria-label="Message search"
      method="get"
      action="/search"
      class="relative w-full max-w-xl"
    >
      <label for={SEARCH_INPUT_ID} class="sr-only">Search messages</label>
      <input
        type="search"
        id={SEARCH_INPUT_ID}
        name="q"
        value={query}
        required
        maxLength={512}
        autocomplete="off"
        spellcheck={false}
        placeholder="Search messages"
        aria-keyshortcuts="/ Control+F"
        aria-describedby="search-hint"
        class="peer block h-9 w-full rounded-lg border border-gray-300 bg-white pl-3 pr-9 text-sm text-gray-900 placeholder-gray-500 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-gray-600 dark:bg-gray-800 dark:text-gray-100 dark:placeholder-gray-400"
      />
      <kbd
        id="search-hint"
        class="pointer-events-none absolute right-2 top-1/2 peer-focus:hidden -translate-y-1/2 rounded border border-gray-300 px-1.5 font-sans text-xs text-gray-500 dark:border-gray-600 dark:text-gray-400"
      >
        <span aria-hidden="true">/</span>
        <span class="sr-only">Press slash to search; Control K jumps to a room or person</span>
      </kbd>
      <div data-suggestions="" />
    </form>
  );
}
