/**
 * @module A key → set-of-values index that holds a lone value as itself. Most users
 * have one socket and most sessions one, so a `Map<K, Set<V>>` spent an empty-ish
 * Set (~150 bytes of heap with its table) per socket, twice; here the Set is made
 * only for a key's second value.
 */

/** Iterating a key with no values. */
const NONE: readonly never[] = Object.freeze([]);

export class GroupMap<K, V extends object> {
  // `instanceof Set` tells a group from a lone value: do not keep Sets as values.
  readonly #map = new Map<K, V | Set<V>>();

  add(key: K, value: V): void {
    const held = this.#map.get(key);
    if (held === undefined) this.#map.set(key, value);
    else if (held instanceof Set) held.add(value);
    else if (held !== value) this.#map.set(key, new Set([held, value]));
  }

  delete(key: K, value: V): void {
    const held = this.#map.get(key);
    if (held === undefined) return;
    if (held instanceof Set) {
      held.delete(value);
      if (held.size === 1) this.#map.set(key, held.values().next().value!);
    } else if (held === value) this.#map.delete(key);
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  /** How many values `key` has. */
  count(key: K): number {
    const held = this.#map.get(key);
    return held === undefined ? 0 : held instanceof Set ? held.size : 1;
  }

  /** The values of `key` (none: an empty iterable), in the order they were added. */
  get(key: K): Iterable<V> {
    const held = this.#map.get(key);
    return held === undefined ? NONE : held instanceof Set ? held : [held];
  }
}
