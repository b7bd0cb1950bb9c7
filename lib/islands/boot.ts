/**
 * @module The browser runtime, bundled as the `boot` entry. The page's inline
 * module script imports it and every island module on the page, then calls
 * `boot()`, which reads the page's props (one JSON script for all islands),
 * rebuilds them (signals included) and hydrates each `island-root` in place,
 * then sets `data-hydrated` on `<html>`.
 *
 * `@preact/signals` is loaded only when the props hold signals; islands that use
 * signals import it anyway, so both share one chunk and one download.
 */

import { type ComponentType, h, hydrate } from "preact";
import { deserialize, type SignalFactory } from "./deserialize.ts";
import { ISLAND_TAG, PROPS_ID } from "./_markers.ts";

/** Hydrates every island on the page. */
export async function boot(
  // deno-lint-ignore no-explicit-any
  islands: Record<string, ComponentType<any>>,
  options: { signals?: boolean } = {},
): Promise<void> {
  const text = document.getElementById(PROPS_ID)?.textContent ?? "[]";
  let signal: SignalFactory | undefined;
  if (options.signals) signal = (await import("@preact/signals")).signal;
  const props = deserialize(text, signal) as Record<string, unknown>[];
  for (const root of document.querySelectorAll<HTMLElement>(ISLAND_TAG)) {
    const name = root.dataset.island ?? "";
    const component = islands[name];
    if (!component) {
      console.error(`Island is not loaded: "${name}"`);
      continue;
    }
    hydrate(h(component, props[Number(root.dataset.props)]), root);
  }
  // For tests and tooling: the page is interactive from here on.
  document.documentElement.setAttribute("data-hydrated", "");
}
