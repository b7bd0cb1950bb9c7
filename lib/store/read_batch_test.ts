import assert from "node:assert/strict";
import { batchReads } from "./read_batch.ts";

/** A real in-memory KV, and what was asked of it: one entry per get / getMany call. */
async function counted(): Promise<{ kv: Deno.Kv; calls: string[] }> {
  const kv = await Deno.openKv(":memory:");
  const calls: string[] = [];
  const watched = new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      if (prop === "get") calls.push("get");
      if (prop === "getMany") {
        return (keys: Deno.KvKey[]) => {
          calls.push(`getMany(${keys.length})`);
          return target.getMany(keys);
        };
      }
      return value.bind(target);
    },
  });
  return { kv: watched, calls };
}

Deno.test("reads asked for together go as getMany calls of up to 10, each caller answered", async () => {
  const { kv, calls } = await counted();
  for (let i = 0; i < 25; i += 2) await kv.set(["k", i], { i });
  const batched = batchReads(kv);
  const entries = await Promise.all(
    Array.from({ length: 25 }, (_, i) => batched.get<{ i: number }>(["k", i])),
  );
  assert.deepEqual(calls, ["getMany(10)", "getMany(10)", "getMany(5)"]);
  entries.forEach((entry, i) => {
    assert.deepEqual(entry.key, ["k", i]);
    if (i % 2 === 0) {
      assert.deepEqual(entry.value, { i });
      assert.match(entry.versionstamp!, /^[0-9a-f]{20}$/);
    } else {
      assert.equal(entry.value, null);
      assert.equal(entry.versionstamp, null);
    }
  });
  kv.close();
});

Deno.test("a lone read goes at once, as a get; eventual reads go on their own", async () => {
  const { kv, calls } = await counted();
  await kv.set(["a"], 1);
  const batched = batchReads(kv);
  assert.equal((await batched.get(["a"])).value, 1);
  assert.deepEqual(calls, ["get"]);
  const [x, y] = await Promise.all([
    batched.get(["a"], { consistency: "eventual" }),
    batched.get(["a"], { consistency: "eventual" }),
  ]);
  assert.equal(x.value, 1);
  assert.equal(y.value, 1);
  assert.deepEqual(calls, ["get", "get", "get"]);
  kv.close();
});

Deno.test("a key asked for twice gives each caller its own object", async () => {
  const { kv } = await counted();
  await kv.set(["u"], { name: "ada" });
  const batched = batchReads(kv);
  const [a, b] = await Promise.all([
    batched.get<{ name: string }>(["u"]),
    batched.get<{ name: string }>(["u"]),
  ]);
  assert.notEqual(a.value, b.value);
  a.value!.name = "changed";
  assert.equal(b.value!.name, "ada");
  kv.close();
});

Deno.test("a bad key fails its own read only: the rest of its batch is answered", async () => {
  const { kv, calls } = await counted();
  await kv.set(["ok", 1], "one");
  await kv.set(["ok", 2], "two");
  const batched = batchReads(kv);
  const [one, bad, two] = await Promise.allSettled([
    batched.get(["ok", 1]),
    batched.get(["x".repeat(3000)]), // over KV's 2 KiB key limit
    batched.get(["ok", 2]),
  ]);
  assert.equal(one.status === "fulfilled" && one.value.value, "one");
  assert.equal(two.status === "fulfilled" && two.value.value, "two");
  assert.equal(bad.status, "rejected");
  assert.equal(calls[0], "getMany(3)");
  assert.equal(calls.filter((c) => c === "get").length, 3, "asked again key by key");
  kv.close();
});

Deno.test("a read sees the writes that finished before it was asked for, and checks hold", async () => {
  const { kv } = await counted();
  const batched = batchReads(kv);
  await batched.set(["n"], 1);
  const first = await batched.get<number>(["n"]);
  assert.equal(first.value, 1);
  await batched.set(["n"], 2);
  const [second] = await Promise.all([batched.get<number>(["n"]), batched.get(["other"])]);
  assert.equal(second.value, 2);
  // A versionstamp from a batched read checks like one from a lone get.
  assert.equal((await batched.atomic().check(first).set(["n"], 3).commit()).ok, false);
  assert.equal((await batched.atomic().check(second).set(["n"], 3).commit()).ok, true);
  assert.equal((await batched.get(["n"])).value, 3);
  kv.close();
});

Deno.test("while busy, reads asked for in separate tasks wait for the next turn and go together", async () => {
  const { kv, calls } = await counted();
  for (let i = 0; i < 6; i++) await kv.set(["k", i], i);
  const batched = batchReads(kv, { busyAt: 1 });
  const first = batched.get(["k", 0]); // out: the KV is busy from here on
  await Promise.resolve();
  const later = [];
  for (let i = 1; i < 6; i++) {
    // Each from its own microtask, as requests resumed one by one would.
    later.push(Promise.resolve().then(() => batched.get<number>(["k", i])));
  }
  const entries = await Promise.all(later);
  assert.equal((await first).value, 0);
  assert.deepEqual(entries.map((e) => e.value), [1, 2, 3, 4, 5]);
  assert.deepEqual(calls, ["get", "getMany(5)"]);
  kv.close();
});
