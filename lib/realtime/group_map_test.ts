/** GroupMap: a lone value held as itself, a Set from the second, back again. */

import assert from "node:assert/strict";
import { GroupMap } from "./group_map.ts";

const a = { name: "a" };
const b = { name: "b" };
const c = { name: "c" };

Deno.test("a key's values: none, one, several, in the order added", () => {
  const groups = new GroupMap<string, { name: string }>();
  assert.deepEqual([...groups.get("k")], []);
  assert.equal(groups.count("k"), 0);
  assert.equal(groups.has("k"), false);
  groups.add("k", a);
  assert.deepEqual([...groups.get("k")], [a]);
  assert.equal(groups.count("k"), 1);
  groups.add("k", a); // twice is once, as in a Set
  assert.equal(groups.count("k"), 1);
  groups.add("k", b);
  groups.add("k", c);
  assert.deepEqual([...groups.get("k")], [a, b, c]);
  assert.equal(groups.count("k"), 3);
  assert.deepEqual([...groups.get("other")], []);
});

Deno.test("deleting down to one value and to none; deleting what is not there", () => {
  const groups = new GroupMap<string, { name: string }>();
  groups.add("k", a);
  groups.add("k", b);
  groups.delete("k", c);
  groups.delete("nobody", a);
  assert.equal(groups.count("k"), 2);
  groups.delete("k", a);
  assert.deepEqual([...groups.get("k")], [b]);
  groups.add("k", a);
  assert.deepEqual([...groups.get("k")], [b, a]);
  groups.delete("k", a);
  groups.delete("k", a);
  assert.deepEqual([...groups.get("k")], [b]);
  groups.delete("k", b);
  assert.equal(groups.has("k"), false);
  assert.equal(groups.count("k"), 0);
});

Deno.test("values deleted while a key's values are iterated are not visited", () => {
  const groups = new GroupMap<string, { name: string }>();
  for (const v of [a, b, c]) groups.add("k", v);
  const seen: string[] = [];
  for (const v of groups.get("k")) {
    seen.push(v.name);
    if (v === a) groups.delete("k", b);
  }
  assert.deepEqual(seen, ["a", "c"]);
  assert.deepEqual([...groups.get("k")], [a, c]);
});
