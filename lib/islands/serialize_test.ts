import assert from "node:assert/strict";
import { computed, type Signal, signal } from "@preact/signals";
import { h } from "preact";
import { escapeScriptJson, serialize, SerializeError } from "./serialize.ts";
import { deserialize } from "./deserialize.ts";

function roundTrip(value: unknown): unknown {
  const { json } = serialize(value);
  return deserialize(json, signal as (v: unknown) => Signal<unknown>);
}

Deno.test("escapeScriptJson() escapes <, >, &, U+2028 and U+2029 and stays valid JSON", () => {
  const text = "</script><!-- & \u2028 \u2029";
  const escaped = escapeScriptJson(JSON.stringify({ text }));
  assert.doesNotMatch(escaped, /[<>&\u2028\u2029]/);
  assert.match(escaped, /\\u003c\/script\\u003e\\u003c!-- \\u0026 \\u2028 \\u2029/);
  assert.deepEqual(JSON.parse(escaped), { text });
});

Deno.test("serialize() output cannot close the script element it is embedded in", () => {
  const { json } = serialize({ name: "</script><script>alert(1)</script>" });
  assert.ok(!json.toLowerCase().includes("</script"));
  assert.deepEqual(roundTrip({ name: "</script>" }), { name: "</script>" });
});

Deno.test("serialize() round-trips plain JSON values unchanged", () => {
  const value = { a: 1, b: "two", c: [true, false, null], d: { e: [1.5, -2] }, f: "" };
  assert.deepEqual(roundTrip(value), value);
  assert.equal(serialize(value).signals, false);
});

Deno.test("serialize() keeps undefined, dates, bigints and non-finite numbers", () => {
  const date = new Date("2024-05-06T07:08:09.010Z");
  const value = [undefined, { u: undefined }, date, 12n ** 30n, NaN, Infinity, -Infinity, -0];
  const back = roundTrip(value) as unknown[];
  assert.equal(back.length, 8);
  assert.equal(back[0], undefined);
  assert.ok(Object.hasOwn(back[1] as object, "u"));
  assert.ok(back[2] instanceof Date);
  assert.equal((back[2] as Date).getTime(), date.getTime());
  assert.equal(back[3], 12n ** 30n);
  assert.ok(Number.isNaN(back[4]));
  assert.equal(back[5], Infinity);
  assert.equal(back[6], -Infinity);
  assert.ok(Object.is(back[7], -0));
});

Deno.test("serialize() turns signals into signals holding the same value", () => {
  const count = signal(3);
  const doubled = computed(() => count.value * 2);
  const result = serialize({ count, doubled, nested: signal({ list: [1, 2] }) });
  assert.equal(result.signals, true);
  const back = deserialize(result.json, signal as (v: unknown) => Signal<unknown>) as Record<
    string,
    Signal<unknown>
  >;
  assert.equal(back.count.value, 3);
  assert.equal(back.doubled.value, 6);
  assert.deepEqual(back.nested.value, { list: [1, 2] });
  back.count.value = 4;
  assert.equal(back.count.peek(), 4);
});

Deno.test("serialize() keeps one signal shared between two islands' props", () => {
  const shared = signal("hi");
  const back = roundTrip([{ text: shared }, { other: shared }]) as Record<string, Signal<string>>[];
  assert.equal(back[0].text, back[1].other);
  back[0].text.value = "changed";
  assert.equal(back[1].other.value, "changed");
});

Deno.test("serialize() dedupes shared object references and restores them as one object", () => {
  const user = { id: "u1", name: "ada" };
  const value = { author: user, members: [user, { id: "u2" }], again: user };
  const { json } = serialize(value);
  assert.equal(json.split('"ada"').length - 1, 1, "the shared object is written once");
  const back = roundTrip(value) as typeof value;
  assert.deepEqual(back, value);
  assert.equal(back.author, back.members[0]);
  assert.equal(back.author, back.again);
});

Deno.test("serialize() restores circular references", () => {
  const node: Record<string, unknown> = { name: "root" };
  node.self = node;
  node.children = [{ parent: node }];
  const sig = signal<unknown>(null);
  const holder = { sig };
  sig.value = holder;
  const back = roundTrip({ node, holder }) as {
    node: typeof node;
    holder: { sig: Signal<unknown> };
  };
  assert.equal(back.node.self, back.node);
  assert.equal((back.node.children as { parent: unknown }[])[0].parent, back.node);
  assert.equal(back.holder.sig.value, back.holder);
});

Deno.test("serialize() escapes user objects that own an _f key", () => {
  const value = { tricky: { _f: "s", v: 1 }, ref: { _f: "r", p: [] }, n: { _f: 5 } };
  const back = roundTrip(value);
  assert.deepEqual(back, value);
});

Deno.test("deserialize() keeps a __proto__ key as data and never changes prototypes", () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
  const back = roundTrip(value) as Record<string, unknown>;
  assert.equal(Object.getPrototypeOf(back), Object.prototype);
  assert.deepEqual(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, { polluted: true });
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

Deno.test("serialize() rejects functions, class instances and JSX with the path in the message", () => {
  assert.throws(
    () => serialize([{ onClick: () => {} }]),
    (e) => e instanceof SerializeError && /function: at root\[0\]\.onClick$/.test(e.message),
  );
  assert.throws(() => serialize({ map: new Map() }), /class instance: Map: at root\.map/);
  assert.throws(() => serialize({ child: h("b", null) }), /cannot hold JSX: at root\.child/);
  assert.throws(() => serialize({ "a b": Symbol("x") }), /symbol: at root\["a b"\]/);
});

Deno.test("deserialize() refuses a signal when no factory is given", () => {
  const { json } = serialize({ s: signal(1) });
  assert.throws(() => deserialize(json), /no signal factory/);
});
