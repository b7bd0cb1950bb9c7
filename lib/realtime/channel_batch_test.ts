import assert from "node:assert/strict";
import { BatchedChannel } from "./channel_batch.ts";

function nextTurns(n = 5): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, n));
}

Deno.test("a turn's posts reach the other channels as one message, in order", async () => {
  const name = `batch-test-${crypto.randomUUID()}`;
  const heard: number[] = [];
  const receiver = new BatchedChannel<number>(name, (n) => heard.push(n));
  const raw: unknown[] = [];
  const watcher = new BroadcastChannel(name);
  watcher.onmessage = (event) => raw.push(event.data);
  const sender = new BatchedChannel<number>(name, () => assert.fail("no echo to the sender"));
  try {
    sender.post(1);
    sender.post(2);
    sender.post(3);
    await nextTurns(20);
    assert.deepEqual(heard, [1, 2, 3]);
    assert.deepEqual(raw, [[1, 2, 3]], "one BroadcastChannel message for the turn");
    sender.post(4);
    await nextTurns(20);
    assert.deepEqual(heard, [1, 2, 3, 4]);
    assert.equal(raw.length, 2);
  } finally {
    sender.close();
    receiver.close();
    watcher.close();
  }
});

Deno.test("a lone item (an older version's post) is taken as it is; close sends what is pending", async () => {
  const name = `batch-test-${crypto.randomUUID()}`;
  const heard: Array<{ n: number }> = [];
  const receiver = new BatchedChannel<{ n: number }>(name, (item) => heard.push(item));
  const old = new BroadcastChannel(name);
  const sender = new BatchedChannel<{ n: number }>(name, () => {});
  try {
    old.postMessage({ n: 1 });
    await nextTurns(20);
    assert.deepEqual(heard, [{ n: 1 }]);
    sender.post({ n: 2 });
    sender.close();
    sender.post({ n: 3 }); // after close: dropped, not thrown
    await nextTurns(20);
    assert.deepEqual(heard, [{ n: 1 }, { n: 2 }]);
  } finally {
    receiver.close();
    old.close();
  }
});
