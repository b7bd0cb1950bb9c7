/**
 * The KV bus between isolates: two buses, each on its own handle to one KV file,
 * stand for two processes. With the fast path off, KV alone carries the events;
 * with it on, BroadcastChannel (which does deliver between two channels of one
 * isolate) carries hints and shortcuts events.
 */

import assert from "node:assert/strict";
import { KvBus } from "./kv_bus.ts";
import type { BusEvent, EventsHint } from "./events.ts";

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Isolate {
  bus: KvBus;
  id: string;
  /** Read events this bus delivered (the tests publish only those), as "publisher:n". */
  seen: string[];
  hints: EventsHint[];
  registrants: string[];
}

/** Runs `fn` with `count` buses on one KV file, started in order. */
async function withBuses(
  count: number,
  options: { fastPath: boolean },
  fn: (isolates: Isolate[], tag: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const kvs: Deno.Kv[] = [];
  const isolates: Isolate[] = [];
  // Another test's bus on the same channel name must not leak in: only ours count.
  const tag = crypto.randomUUID();
  try {
    for (let i = 0; i < count; i++) {
      const kv = await Deno.openKv(`${dir}/bus.db`);
      kvs.push(kv);
      const id = `isolate-${i}-${tag}`;
      const registrants: string[] = [];
      const bus = new KvBus(kv, id, {
        fastPath: options.fastPath,
        onRegistrant: (other) => registrants.push(other),
      });
      const isolate: Isolate = { bus, id, seen: [], hints: [], registrants };
      bus.subscribe((event) => {
        if (event.kind === "events") {
          if (event.roomId.startsWith(tag)) isolate.hints.push(event);
        } else if (event.kind === "read" && event.roomId === tag) {
          isolate.seen.push(`${event.userId}:${event.seq}`);
        }
      });
      await bus.start();
      isolates.push(isolate);
    }
    await fn(isolates, tag);
  } finally {
    for (const isolate of isolates) await isolate.bus.close();
    for (const kv of kvs) kv.close();
    await Deno.remove(dir, { recursive: true });
  }
}

/** A small event that says who published it and its number: "publisher:n". */
function read(tag: string, publisher: string, n: number): BusEvent {
  return { kind: "read", userId: publisher, roomId: tag, seq: n };
}

function labels(publisher: string, from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, i) => `${publisher}:${from + i}`);
}

Deno.test("fast path off: a publish reaches the other bus once, in publish order, and its own", async () => {
  await withBuses(2, { fastPath: false }, async ([a, b], tag) => {
    // Without the fast path a hint stays in its isolate (KV never carries them).
    const hint: EventsHint = { kind: "events", roomId: `${tag}-room`, events: [] };
    a.bus.hint(hint);
    assert.deepEqual(a.hints, [hint]);
    // Many in flight at once: they are written in batches, still in order.
    await Promise.all(Array.from({ length: 50 }, (_, i) => a.bus.publish(read(tag, "a", i + 1))));
    assert.deepEqual(a.seen, labels("a", 1, 50), "its own subscribers, as the publish resolved");
    await waitFor("the other bus", () => b.seen.length >= 50);
    // One more after a pause: a duplicate or a reorder of the first 50 would show
    // up before this one arrives.
    await a.bus.publish(read(tag, "a", 51));
    await waitFor("the last event", () => b.seen.includes("a:51"));
    assert.deepEqual(b.seen, labels("a", 1, 51));
    assert.deepEqual(a.seen, labels("a", 1, 51));
    assert.deepEqual(b.hints, []);
  });
});

Deno.test("fast path off: two publishers at once, each one's events in its order on both buses", async () => {
  await withBuses(2, { fastPath: false }, async ([a, b], tag) => {
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => a.bus.publish(read(tag, "a", i + 1))),
      ...Array.from({ length: 30 }, (_, i) => b.bus.publish(read(tag, "b", i + 1))),
    ]);
    await waitFor("everything on both", () => a.seen.length >= 60 && b.seen.length >= 60);
    await Promise.all([a.bus.publish(read(tag, "a", 31)), b.bus.publish(read(tag, "b", 31))]);
    await waitFor(
      "the last ones",
      () => [a, b].every((i) => i.seen.includes("a:31") && i.seen.includes("b:31")),
    );
    for (const isolate of [a, b]) {
      assert.deepEqual(isolate.seen.filter((s) => s.startsWith("a:")), labels("a", 1, 31));
      assert.deepEqual(isolate.seen.filter((s) => s.startsWith("b:")), labels("b", 1, 31));
    }
  });
});

Deno.test("a bus that starts later gets only what is published after it started", async () => {
  const dir = await Deno.makeTempDir();
  const first = await Deno.openKv(`${dir}/bus.db`);
  const second = await Deno.openKv(`${dir}/bus.db`);
  const tag = crypto.randomUUID();
  const a = new KvBus(first, "early", { fastPath: false });
  const b = new KvBus(second, "late", { fastPath: false });
  const seen: number[] = [];
  try {
    await a.start();
    for (let n = 1; n <= 3; n++) await a.publish(read(tag, "a", n));
    b.subscribe((e) => {
      if (e.kind === "read" && e.roomId === tag) seen.push(e.seq);
    });
    await b.start();
    await a.publish(read(tag, "a", 4));
    await waitFor("the new event", () => seen.includes(4));
    assert.deepEqual(seen, [4]);
  } finally {
    await a.close();
    await b.close();
    first.close();
    second.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("close() stops delivery: a closed bus hears nothing more and publishes nothing", async () => {
  await withBuses(3, { fastPath: false }, async ([a, b, c], tag) => {
    await a.bus.publish(read(tag, "a", 1));
    await waitFor("both others", () => b.seen.length === 1 && c.seen.length === 1);
    await b.bus.close();
    await a.bus.publish(read(tag, "a", 2));
    await waitFor("the bus still open", () => c.seen.includes("a:2"));
    assert.deepEqual(b.seen, ["a:1"], "the closed bus");
    // A closed bus's publish resolves and goes nowhere, not even to itself.
    await b.bus.publish(read(tag, "b", 1));
    await a.bus.publish(read(tag, "a", 3));
    await waitFor("the next event", () => c.seen.includes("a:3"));
    assert.deepEqual(c.seen, ["a:1", "a:2", "a:3"]);
    assert.deepEqual(b.seen, ["a:1"]);
  });
});

Deno.test("an unsubscribed handler is no longer called", async () => {
  await withBuses(1, { fastPath: false }, async ([a], tag) => {
    const got: number[] = [];
    const unsubscribe = a.bus.subscribe((e) => e.kind === "read" && got.push(e.seq));
    await a.bus.publish(read(tag, "a", 1));
    unsubscribe();
    await a.bus.publish(read(tag, "a", 2));
    assert.deepEqual(got, [1]);
    assert.deepEqual(a.seen, ["a:1", "a:2"]);
  });
});

Deno.test("fast path on: hints reach the other bus (and their own), events still arrive once in order", async () => {
  await withBuses(2, { fastPath: true }, async ([a, b], tag) => {
    // The later bus hears of the earlier one by the earlier one's answer to its
    // hello, which is sent once the earlier one counts it as a peer.
    await waitFor("the hello exchange", () => b.registrants.includes(a.id));
    assert.ok(!b.registrants.includes(b.id));
    // Hints go only to buses heard on the channel (KV may have told of it sooner).
    await waitFor(
      "each hears the other",
      () => a.bus.fastPathPeers === 1 && b.bus.fastPathPeers === 1,
    );
    const hint: EventsHint = { kind: "events", roomId: `${tag}-room`, events: [] };
    a.bus.hint(hint);
    assert.deepEqual(a.hints, [hint], "its own subscribers at once");
    // Hints never go through KV: one arriving proves the channel carries them.
    await waitFor("the hint on the other bus", () => b.hints.length === 1);
    assert.deepEqual(b.hints, [hint]);
    b.bus.hint({ ...hint, roomId: `${tag}-back` });
    await waitFor("the hint back", () => a.hints.length === 2);
    assert.equal(a.hints[1].roomId, `${tag}-back`);

    // Events come both ways (channel and KV) but are delivered once, in order. Many
    // of them, so that KV reads overlap what the channel already delivered.
    const count = 1000;
    await Promise.all(
      Array.from({ length: count }, (_, i) => a.bus.publish(read(tag, "a", i + 1))),
    );
    await waitFor("the events", () => b.seen.length >= count);
    await a.bus.publish(read(tag, "a", count + 1));
    await waitFor("the last event", () => b.seen.includes(`a:${count + 1}`));
    assert.deepEqual(b.seen, labels("a", 1, count + 1));
    assert.deepEqual(a.seen, labels("a", 1, count + 1));
  });
});

Deno.test("fast path on: a closed bus gets no more hints", async () => {
  await withBuses(3, { fastPath: true }, async ([a, b, c], tag) => {
    await waitFor(
      "the hello exchanges",
      () => b.registrants.includes(a.id) && c.registrants.includes(a.id),
    );
    await waitFor("a hears both", () => a.bus.fastPathPeers === 2);
    await b.bus.close();
    a.bus.hint({ kind: "events", roomId: `${tag}-after-close`, events: [] });
    await waitFor("the hint on the open bus", () => c.hints.length === 1);
    assert.deepEqual(b.hints, []);
  });
});

// The bug this caught: with the fast path on and a peer known, close() during a
// publish closed the channel before the write loop posted the event; postMessage
// threw "Already closed", the loop died with `#writing` still set, the publish never
// settled and close() waited for ever (a graceful shutdown could hang).
Deno.test({
  name: "fast path on: close() while a publish is in flight settles both",
  fn: async () => {
    await withBuses(2, { fastPath: true }, async ([a, b], tag) => {
      await waitFor("the hello exchange", () => b.registrants.includes(a.id));
      const published = a.bus.publish(read(tag, "a", 1));
      const outcome = published.then(() => "published", () => "failed");
      await a.bus.close();
      assert.ok(["published", "failed"].includes(await outcome));
    });
  },
});
