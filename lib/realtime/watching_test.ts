/**
 * Room feeds watch KV only while another isolate shares it: a lone isolate hears of
 * every message from its own commits. Two sets of services on one KV file stand for
 * two processes (no BroadcastChannel between them: BUS_FAST_PATH off).
 */

import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { MessageStore } from "../store/messages.ts";
import { createServices, type Services, stopServices } from "../services.ts";
import type { FeedTarget } from "./feeds.ts";

async function waitFor(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function recorder(): FeedTarget & { seqs: number[] } {
  const seqs: number[] = [];
  return {
    id: crypto.randomUUID(),
    seqs,
    isOpen: () => true,
    sendText(text: string) {
      const frame = JSON.parse(text);
      if (frame.type === "message") seqs.push(frame.message.seq);
      return true;
    },
  };
}

Deno.test("feeds watch KV only while another isolate shares it, and miss nothing either way", async () => {
  const dir = await Deno.makeTempDir();
  const config = loadConfig({ KV_PATH: `${dir}/chat.db`, BUS_FAST_PATH: "false" });
  const presence = { heartbeatMs: 200, isolateTtlMs: 1_000, graceMs: 100 };
  const a = await createServices(config, { presence });
  let b: Services | undefined;
  try {
    assert.equal(a.feeds.watching, false, "alone: no watches");
    const alice = (await a.auth.register("alice", "correct horse battery")).user;
    const room = await a.rooms.create(alice, { name: "lobby" });
    const seen = recorder();
    await a.feeds.subscribe(seen, room.id, {}, () => {});
    await a.messages.send(alice, room.id, { text: "one" });
    await waitFor("own commit delivered without a watch", () => seen.seqs.length === 1);

    // A second isolate starts: the first hears of it through the bus registry.
    b = await createServices(config, { presence });
    await waitFor("watching turned on", () => a.feeds.watching);
    assert.equal(b.feeds.watching, true, "the newcomer sees the first isolate");
    await b.messages.send(alice, room.id, { text: "two" });
    await b.messages.send(alice, room.id, { text: "three" });
    await waitFor("the other isolate's messages", () => seen.seqs.length === 3);

    // It stops (its heartbeat record goes): the first turns the watches off again.
    await stopServices(b);
    b = undefined;
    await waitFor("watching turned off", () => !a.feeds.watching);
    await a.messages.send(alice, room.id, { text: "four" });
    await waitFor("own commit after the peer left", () => seen.seqs.length === 4);
    assert.deepEqual(seen.seqs, [1, 2, 3, 4]);
  } finally {
    if (b) await stopServices(b);
    await stopServices(a);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a message found again by clientId reaches feeds the commit never told", async () => {
  const dir = await Deno.makeTempDir();
  const config = loadConfig({ KV_PATH: `${dir}/chat.db` });
  const a = await createServices(config);
  try {
    const alice = (await a.auth.register("alice", "correct horse battery")).user;
    const room = await a.rooms.create(alice, { name: "lobby" });
    const seen = recorder();
    await a.feeds.subscribe(seen, room.id, {}, () => {});
    // Stored behind the service's back, as a commit that reported failure but was
    // applied would leave it: nobody announced it, and no watch runs.
    const messageStore = new MessageStore(a.kv);
    await messageStore.tryCommit(room.id, [{
      userId: alice.id,
      username: alice.username,
      text: "lost ack",
      clientId: "c-1",
    }], Date.now());
    assert.deepEqual(seen.seqs, []);
    const again = await a.messages.send(alice, room.id, { text: "lost ack", clientId: "c-1" });
    assert.equal(again.duplicate, true);
    await waitFor("the found-again message delivered", () => seen.seqs.length === 1);
    assert.deepEqual(seen.seqs, [1]);
  } finally {
    await stopServices(a);
    await Deno.remove(dir, { recursive: true });
  }
});
