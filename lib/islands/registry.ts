/**
 * @module Knows which components are islands and marks them while the server
 * renders a page.
 *
 * Pages import island components like any other component. A Preact
 * `options.vnode` hook (server only: this module is never bundled for the
 * browser) swaps each registered island for a wrapper when its vnode is created.
 * During `collectIslands()` the wrapper renders
 *
 *   <island-root data-island="counter" data-props="0">…island HTML…</island-root>
 *
 * and records the props; `data-props` indexes the page's props array. The boot
 * script hydrates each `island-root` in place. Outside `collectIslands()`, and
 * for an island rendered inside another island (the outer one hydrates it), the
 * wrapper renders the plain component. Render-to-string is synchronous, so one
 * module-level "current page" is safe.
 *
 * An element rather than a pair of comments marks the island because Preact can
 * only hydrate a parent node; the element has `display: contents` so it does not
 * affect layout, but it does count as an element for HTML content models (an
 * island cannot sit directly inside `<ul>` or `<table>`: wrap the list instead).
 */

import {
  type ComponentChild,
  type ComponentType,
  createContext,
  h,
  options,
  type VNode,
} from "preact";
import { useContext } from "preact/hooks";
import { ISLAND_TAG } from "./_markers.ts";

// deno-lint-ignore no-explicit-any
type AnyComponent = ComponentType<any>;

/** An island met while rendering a page. */
export interface RenderedIsland {
  name: string;
  props: Record<string, unknown>;
}

const WRAPPERS = new Map<AnyComponent, AnyComponent>();
const InsideIsland = createContext(false);
let current: RenderedIsland[] | null = null;

function wrap(name: string, Component: AnyComponent): AnyComponent {
  function Island(props: Record<string, unknown>): ComponentChild {
    const inside = useContext(InsideIsland);
    const inner = h(Component, props);
    inner.type = Component; // h() ran the hook below; undo it for the real component.
    if (current === null || inside) return inner;
    const index = current.push({ name, props }) - 1;
    const marker = h(ISLAND_TAG, { "data-island": name, "data-props": String(index) }, inner);
    return h(InsideIsland.Provider, { value: true }, marker);
  }
  Island.displayName = `Island(${name})`;
  return Island;
}

/** Marks `component` (an island module's default export) as the island `name`. */
export function registerIsland(name: string, component: AnyComponent): void {
  if (typeof component !== "function") {
    throw new TypeError(`Island must default-export a component: "${name}"`);
  }
  WRAPPERS.set(component, wrap(name, component));
}

/** Whether `component` is a registered island. */
export function isIsland(component: unknown): boolean {
  return WRAPPERS.has(component as AnyComponent);
}

/** Runs a synchronous render and returns the islands it met, in document order. */
export function collectIslands<T>(render: () => T): { result: T; islands: RenderedIsland[] } {
  const previous = current;
  const islands: RenderedIsland[] = [];
  current = islands;
  try {
    return { result: render(), islands };
  } finally {
    current = previous;
  }
}

const previousHook = options.vnode;
options.vnode = (vnode: VNode) => {
  const wrapper = typeof vnode.type === "function" ? WRAPPERS.get(vnode.type) : undefined;
  if (wrapper) vnode.type = wrapper;
  previousHook?.(vnode);
};
