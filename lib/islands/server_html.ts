/**
 * @module Server-only markup inside an island: a part of an island's HTML that the
 * browser keeps as the server sent it and never renders itself (plain forms that
 * work without JavaScript, say), so that its code stays out of the island bundle.
 *
 *     {globalThis.__ISLAND_BUNDLE__
 *       ? <div {...SERVER_HTML} onSubmit={…} />
 *       : <div><Forms /></div>}
 *
 * `globalThis.__ISLAND_BUNDLE__` is `true` in the bundle (esbuild's `define`, see
 * build.ts) and unset on the server. Written inline like that, the bundle's
 * minifier drops the server's branch, and with it the imports only that branch
 * used. In the browser the element hydrates with an empty `dangerouslySetInnerHTML`:
 * Preact leaves the server's children in place, then and on every later render
 * (it only sets `innerHTML` when the string changes). Events from inside bubble to
 * the element, where the island may listen.
 *
 * Only for markup that never changes while the page lives (the island cannot
 * update it) and that sits at the same place in both renders.
 */

declare global {
  /** `true` in the island bundle; unset on the server (see the module doc). */
  var __ISLAND_BUNDLE__: true | undefined;
}

/** Props of the element whose children the browser keeps as the server rendered them. */
export const SERVER_HTML = { dangerouslySetInnerHTML: { __html: "" } } as const;
