/**
 * @module Turns island props into JSON that is safe inside an HTML `<script>` and
 * keeps what plain JSON loses: signals, shared and circular references,
 * `undefined`, dates, bigints and non-finite numbers. The client half is
 * `deserialize.ts`, kept apart so the browser only ships the decoder.
 *
 * The idea is Fresh 1.x's: walk the value once, depth first. The first time an
 * object (or signal) is met it is written in place and its path remembered; every
 * later meeting writes `{"_f":"r","p":path}` instead, so two islands that were
 * given the same signal still share one signal after hydration. Special values
 * are objects with an `_f` tag; a user object that happens to own an `_f` key is
 * wrapped as `{"_f":"l","v":…}` so it can never be mistaken for a tag.
 *
 * | tag | meaning                    | payload                 |
 * | --- | -------------------------- | ----------------------- |
 * | `s` | signal                     | `v`: its current value  |
 * | `r` | reference to earlier value | `p`: path from the root |
 * | `l` | literal object with `_f`   | `v`: the object         |
 * | `u` | `undefined`                |                         |
 * | `d` | `Date`                     | `v`: ISO string         |
 * | `b` | bigint                     | `v`: decimal string     |
 * | `n` | NaN, ±Infinity, -0         | `v`: `String(number)`   |
 */

import { isValidElement } from "preact";

/** One step of a path from the root: an object key or an array index. */
export type PathStep = string | number;

/** The `brand` every @preact/signals signal carries on its prototype. */
const SIGNAL_BRAND = Symbol.for("preact-signals");

/** Thrown for a value that cannot cross to the browser (functions, class instances, JSX). */
export class SerializeError extends TypeError {
  override name = "SerializeError";
  /** Where in the value the problem is. */
  path: PathStep[];
  constructor(message: string, path: PathStep[]) {
    super(`${message}: at ${formatPath(path)}`);
    this.path = path;
  }
}

/** The result of {@linkcode serialize}. */
export interface Serialized {
  /** JSON text, already escaped for embedding in HTML. */
  json: string;
  /** Whether the value holds signals (the client then loads @preact/signals). */
  signals: boolean;
}

interface Signalish {
  brand: symbol;
  peek(): unknown;
}

function isSignal(value: object): value is Signalish {
  return (value as Partial<Signalish>).brand === SIGNAL_BRAND;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** `props[0].user.name` style, for error messages. */
export function formatPath(path: PathStep[]): string {
  let out = "root";
  for (const step of path) {
    out += typeof step === "number"
      ? `[${step}]`
      : /^[A-Za-z_$][\w$]*$/.test(step)
      ? `.${step}`
      : `[${JSON.stringify(step)}]`;
  }
  return out;
}

/**
 * Escapes JSON text for an HTML `<script>` element: `<`, `>` and `&` so that
 * `</script>` and `<!--` cannot appear, and U+2028/U+2029 which some parsers treat
 * as line ends. All five can only occur inside JSON strings, where `\uXXXX`
 * escapes mean the same characters.
 */
export function escapeScriptJson(json: string): string {
  return json.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Serializes a value (usually the array of every island's props on a page). */
export function serialize(value: unknown): Serialized {
  const seen = new Map<object, PathStep[]>();
  let signals = false;

  function encode(value: unknown, path: PathStep[]): unknown {
    switch (typeof value) {
      case "string":
      case "boolean":
        return value;
      case "undefined":
        return { _f: "u" };
      case "bigint":
        return { _f: "b", v: value.toString() };
      case "number":
        if (Number.isFinite(value) && !Object.is(value, -0)) return value;
        return { _f: "n", v: Object.is(value, -0) ? "-0" : String(value) };
      case "function":
      case "symbol":
        throw new SerializeError(`Island props cannot hold a ${typeof value}`, path);
    }
    if (value === null) return null;
    const object = value as object;
    const earlier = seen.get(object);
    if (earlier) return { _f: "r", p: earlier };
    seen.set(object, path);

    if (isSignal(object)) {
      signals = true;
      return { _f: "s", v: encode(object.peek(), [...path, "value"]) };
    }
    if (Array.isArray(object)) {
      return object.map((item, index) => encode(item, [...path, index]));
    }
    if (object instanceof Date) return { _f: "d", v: object.toISOString() };
    if (isValidElement(object)) throw new SerializeError("Island props cannot hold JSX", path);
    if (!isPlainObject(object)) {
      const name = object.constructor?.name ?? "object";
      throw new SerializeError(`Island props cannot hold a class instance: ${name}`, path);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(object)) {
      // defineProperty, so that a "__proto__" key stays an own property.
      Object.defineProperty(out, key, {
        value: encode(item, [...path, key]),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return Object.hasOwn(out, "_f") ? { _f: "l", v: out } : out;
  }

  const json = JSON.stringify(encode(value, []));
  return { json: escapeScriptJson(json), signals };
}
