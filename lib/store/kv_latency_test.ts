import assert from "node:assert/strict";
import { parseKvLatency, withLatency } from "./kv_latency.ts";

Deno.test("parseKvLatency reads each part, defaults the rest to 0 and refuses nonsense", () => {
  assert.deepEqual(parseKvLatency("read=7, commit=94"), { read: 7, commit: 94, watch: 0 });
  assert.deepEqual(parseKvLatency(""), { read: 0, commit: 0, watch: 0 });
  assert.throws(() => parseKvLatency("write=5"), /KV_SIMULATED_LATENCY is not valid: "write=5"/);
  assert.throws(() => parseKvLatency("read=-1"), /not valid/);
  assert.throws(() => parseKvLatency("read=soon"), /not valid/);
});

Deno.test("withLatency delays reads, commits, lists and watched changes, and keeps results", async () => {
  const raw = await Deno.openKv(":memory:");
  try {
    const kv = withLatency(raw, { read: 40, commit: 60, watch: 50 });
    let t = performance.now();
    const done = await kv.atomic().set(["a"], 1).set(["b"], 2).commit();
    assert.ok(done.ok);
    assert.ok(performance.now() - t >= 55, "a commit waits its latency");

    t = performance.now();
    assert.equal((await kv.get(["a"])).value, 1);
    assert.ok(performance.now() - t >= 35, "a read waits its latency");

    const [a, b] = await Promise.all([kv.get(["a"]), kv.getMany([["b"]])]);
    assert.deepEqual([a.value, b[0].value], [1, 2]);

    t = performance.now();
    const iter = kv.list({ prefix: [] }, { limit: 1 });
    const listed = [];
    for await (const entry of iter) listed.push(entry.key);
    assert.deepEqual(listed, [["a"]]);
    assert.ok(iter.cursor, "the list's cursor is the real one's");
    assert.ok(performance.now() - t >= 35, "a list waits its latency");

    const stream = kv.watch([["a"]]);
    const reader = stream.getReader();
    await reader.read(); // the current value
    t = performance.now();
    await raw.set(["a"], 3);
    const change = await reader.read();
    assert.equal(change.value?.[0].value, 3);
    assert.ok(performance.now() - t >= 45, "a watched change arrives its latency late");
    await reader.cancel();
  } finally {
    raw.close();
  }
});
