/**
 * @module The browser half of `serialize.ts`: rebuilds island props from the
 * page's JSON, restoring signals, shared and circular references and the other
 * tagged values. It is bundled into the boot script, so it stays dependency free:
 * the caller passes the `signal` factory (only when the page holds signals).
 *
 * References always point backwards in depth-first order, so one pass suffices:
 * every object, array and signal is registered under its path *before* its
 * children are decoded, and a reference (even a circular one) finds its target
 * already registered.
 */

/** Creates a signal with an initial value (`signal` from @preact/signals). */
export type SignalFactory = (value: unknown) => { value: unknown };

type Tagged = { _f: string; v?: unknown; p?: (string | number)[] };

function isTagged(value: object): value is Tagged {
  return !Array.isArray(value) && typeof (value as Tagged)._f === "string";
}

/** Parses and decodes JSON written by `serialize()`. */
export function deserialize(json: string, signal?: SignalFactory): unknown {
  const registry = new Map<string, unknown>();

  function decode(value: unknown, path: (string | number)[]): unknown {
    if (typeof value !== "object" || value === null) return value;
    const key = JSON.stringify(path);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      registry.set(key, out);
      for (let i = 0; i < value.length; i++) out.push(decode(value[i], [...path, i]));
      return out;
    }
    if (!isTagged(value)) return decodeObject(value as Record<string, unknown>, path, key);
    switch (value._f) {
      case "u":
        return undefined;
      case "b":
        return BigInt(value.v as string);
      case "n":
        return Number(value.v);
      case "d": {
        const date = new Date(value.v as string);
        registry.set(key, date);
        return date;
      }
      case "l":
        return decodeObject(value.v as Record<string, unknown>, path, key);
      case "r": {
        const target = JSON.stringify(value.p);
        if (!registry.has(target)) throw new Error(`Unknown reference in island props: ${target}`);
        return registry.get(target);
      }
      case "s": {
        if (!signal) throw new Error("Island props hold a signal but no signal factory was given");
        const sig = signal(undefined);
        registry.set(key, sig);
        sig.value = decode(value.v, [...path, "value"]);
        return sig;
      }
    }
    throw new Error(`Unknown tag in island props: "${value._f}"`);
  }

  function decodeObject(
    value: Record<string, unknown>,
    path: (string | number)[],
    key: string,
  ): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    registry.set(key, out);
    for (const name of Object.keys(value)) {
      // defineProperty: a "__proto__" key must stay data, never set the prototype.
      Object.defineProperty(out, name, {
        value: decode(value[name], [...path, name]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  return decode(JSON.parse(json), []);
}
