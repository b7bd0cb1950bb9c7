import assert from "node:assert/strict";
import { openKv } from "./kv.ts";

Deno.test("a file KV reads on its own connection and sees every commit that returned", async () => {
  const dir = await Deno.makeTempDir();
  const kv = await openKv(`${dir}/chat.db`);
  try {
    // Each write is visible to the very next read, whichever connection serves it.
    for (let i = 0; i < 50; i++) {
      const done = await kv.atomic().set(["n", i], i).set(["head"], i).commit();
      assert.ok(done.ok);
      const head = await kv.get<number>(["head"]);
      assert.equal(head.value, i);
      assert.equal(head.versionstamp, done.versionstamp);
    }
    // An entry read there checks in a commit here, and fails once it is stale.
    const entry = await kv.get(["head"]);
    assert.ok((await kv.atomic().check(entry).set(["head"], 100).commit()).ok);
    assert.equal((await kv.atomic().check(entry).set(["head"], 101).commit()).ok, false);
    assert.deepEqual((await kv.getMany([["n", 3], ["head"]])).map((e) => e.value), [3, 100]);
    // Lists page with the reader's cursors.
    const first = kv.list<number>({ prefix: ["n"] }, { limit: 20 });
    const seen: number[] = [];
    for await (const e of first) seen.push(e.value);
    for await (const e of kv.list<number>({ prefix: ["n"] }, { cursor: first.cursor })) {
      seen.push(e.value);
    }
    assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
    // Watches stay on the writer and hear its commits.
    const reader = kv.watch([["head"]]).getReader();
    assert.equal((await reader.read()).value?.[0].value, 100);
    await kv.set(["head"], 102);
    assert.equal((await reader.read()).value?.[0].value, 102);
    await reader.cancel();
  } finally {
    kv.close();
  }
  // Closing closes both connections: the file can be removed and nothing leaks.
  await assert.rejects(() => kv.get(["head"]));
  await Deno.remove(dir, { recursive: true });
});
