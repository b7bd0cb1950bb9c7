/**
 * Room feeds over real services on an in-memory KV: events by revision, replay from
 * `sinceRev` or v1's `since`, live delivery, the buffer scrubbed on a delete, and
 * `recovered: false` past the replay limit.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { createServices, type Services, stopServices } from "../services.ts";
import type { User } from "../protocol/types.ts";
import type { FeedTarget } from "./feeds.ts";

interface Recorded {
  type: string;
  rev: number;
  seq: number;
  text: string;
}

function recorder(): FeedTarget & { frames: Recorded[]; raw: string[] } {
  const frames: Recorded[] = [];
  const raw: string[] = [];
  return {
    id: crypto.randomUUID(),
    frames,
    raw,
    isOpen: () => true,
    sendText(text: string) {
      raw.push(text);
      const frame = JSON.parse(text);
      const m = frame.message;
      frames.push({
        type: frame.type,
        rev: frame.type === "update" ? frame.rev : m.createdRev ?? m.rev,
        seq: m.seq,
        text: m.text,
      });
      return true;
    },
  };
}

async function waitFor(what: string, check: () => boolean, ms = 5_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function withServices(
  fn: (s: Services, ada: User, roomId: string) => Promise<void>,
): Promise<void> {
  const config = loadConfig({
    KV_PATH: ":memory:",
    SEND_RATE_BURST: "5000",
    SEND_RATE_PER_SEC: "5000",
  });
  const services = await createServices(config);
  try {
    const ada = (await services.auth.register("ada", "correct horse battery")).user;
    const room = await services.rooms.create(ada, { name: "feeds" });
    await fn(services, ada, room.id);
  } finally {
    await stopServices(services);
  }
}

function subscribe(
  s: Services,
  target: FeedTarget,
  roomId: string,
  from: { since?: number; sinceRev?: number },
): Promise<{ lastSeq: number; lastRev: number; recovered: boolean }> {
  return new Promise((resolve, reject) => {
    s.feeds.subscribe(target, roomId, from, resolve).catch(reject);
  });
}

Deno.test("a subscription from sinceRev replays every event once in rev order, then goes live", async () => {
  await withServices(async (s, ada, roomId) => {
    for (const text of ["one", "two", "three"]) await s.messages.send(ada, roomId, { text });
    await s.messages.edit(ada, roomId, 2, "two, edited");
    await s.messages.react(ada, roomId, 1, { emoji: "👍", on: true });
    const target = recorder();
    const state = await subscribe(s, target, roomId, { sinceRev: 0 });
    assert.deepEqual([state.lastSeq, state.lastRev, state.recovered], [3, 5, true]);
    await waitFor("the replay", () => target.frames.length === 5);
    assert.deepEqual(
      target.frames.map((f) => [f.type, f.rev, f.seq]),
      [["message", 1, 1], ["message", 2, 2], ["message", 3, 3], ["update", 4, 2], [
        "update",
        5,
        1,
      ]],
    );
    // The creation event of an edited message may carry its later state.
    assert.equal(target.frames[1].text, "two, edited");
    await s.messages.send(ada, roomId, { text: "four" });
    await s.messages.delete(ada, roomId, 3);
    await waitFor("live events", () => target.frames.length === 7);
    assert.deepEqual(target.frames.slice(5).map((f) => [f.type, f.rev, f.seq]), [
      ["message", 6, 4],
      ["update", 7, 3],
    ]);
  });
});

Deno.test("v1's since (a seq) starts at the revision that message was created at", async () => {
  await withServices(async (s, ada, roomId) => {
    for (const text of ["a", "b", "c"]) await s.messages.send(ada, roomId, { text });
    await s.messages.react(ada, roomId, 1, { emoji: "🎉", on: true }); // rev 4
    await s.messages.send(ada, roomId, { text: "d" }); // seq 4, rev 5
    const target = recorder();
    await subscribe(s, target, roomId, { since: 2 });
    await waitFor("the replay", () => target.frames.length === 3);
    assert.deepEqual(target.frames.map((f) => [f.type, f.rev, f.seq]), [
      ["message", 3, 3],
      ["update", 4, 1],
      ["message", 5, 4],
    ]);
  });
});

Deno.test("a delete scrubs the feed's buffer: a later replay never sends the old text", async () => {
  await withServices(async (s, ada, roomId) => {
    const live = recorder();
    await subscribe(s, live, roomId, {});
    const secret = await s.messages.send(ada, roomId, { text: "the secret plan" });
    await s.messages.send(ada, roomId, { text: "as I said", replyTo: secret.message.seq });
    await s.messages.edit(ada, roomId, secret.message.seq, "the secret plan, v2");
    // The edit, and the reply quoting it, each take a revision.
    await waitFor("live", () => live.frames.length === 4);
    assert.deepEqual(live.frames.map((f) => [f.type, f.rev, f.seq]), [
      ["message", 1, 1],
      ["message", 2, 2],
      ["update", 3, 1],
      ["update", 4, 2],
    ]);
    assert.ok(live.raw.some((f) => f.includes("the secret plan")), "it was in the buffer");
    await s.messages.delete(ada, roomId, secret.message.seq);
    await waitFor("the delete", () => live.frames.length === 6);
    const late = recorder();
    await subscribe(s, late, roomId, { sinceRev: 0 });
    await waitFor("the replay", () => late.frames.length === 6);
    assert.deepEqual(late.frames.map((f) => f.rev), [1, 2, 3, 4, 5, 6]);
    for (const frame of late.raw) assert.doesNotMatch(frame, /secret plan/);
    const reply = JSON.parse(late.raw[1]).message;
    assert.deepEqual(reply.replyTo.deleted, true);
    assert.equal(reply.replyTo.excerpt, "");
  });
});

/** A message, then 1001 reactions on and off it: 1002 events, one message. */
async function reactionFlood(s: Services, ada: User, roomId: string): Promise<void> {
  const first = await s.messages.send(ada, roomId, { text: "target" });
  const work = [];
  for (let i = 0; i < 1001; i++) {
    work.push(s.messages.react(ada, roomId, first.message.seq, { emoji: "👍", on: i % 2 === 0 }));
  }
  await Promise.all(work);
}

Deno.test("more than 1000 missed events: recovered is false and nothing is replayed", async () => {
  await withServices(async (s, ada, roomId) => {
    await reactionFlood(s, ada, roomId);
    const target = recorder();
    const state = await subscribe(s, target, roomId, { sinceRev: 0 });
    assert.equal(state.recovered, false);
    assert.equal(state.lastRev, 1002);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(target.frames, []);
  });
});

Deno.test("v1's since counts missed messages, not events: changes do not cost recovery", async () => {
  await withServices(async (s, ada, roomId) => {
    await reactionFlood(s, ada, roomId);
    await s.messages.send(ada, roomId, { text: "after" });
    const target = recorder();
    const state = await subscribe(s, target, roomId, { since: 1 });
    assert.equal(state.recovered, true, "one message missed");
    await waitFor("the replay", () => target.frames.length === 1002);
    assert.deepEqual(target.frames.at(-1), { type: "message", rev: 1003, seq: 2, text: "after" });
  });
});
