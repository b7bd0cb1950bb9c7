/**
 * Changes of one room committed in batches, over real services on an in-memory KV:
 * changes queued together share a commit, each sees the ones before it, and one
 * that is refused takes no revision and holds nobody else back.
 */

import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { createServices, type Services, stopServices } from "../services.ts";
import type { Message, User } from "../protocol/types.ts";
import { ForbiddenError } from "../errors.ts";
import { messageKey } from "./keys.ts";

async function withRoom(
  fn: (s: Services, people: User[], roomId: string) => Promise<void>,
): Promise<void> {
  const s = await createServices(
    loadConfig({ KV_PATH: ":memory:", SEND_RATE_BURST: "5000", SEND_RATE_PER_SEC: "5000" }),
  );
  try {
    const people: User[] = [];
    for (let i = 0; i < 4; i++) {
      people.push((await s.auth.register(`p${i}batch`, "correct horse battery")).user);
    }
    const room = await s.rooms.create(people[0], { name: "batches" });
    for (const p of people.slice(1)) await s.rooms.join(p, room.id);
    await fn(s, people, room.id);
  } finally {
    await stopServices(s);
  }
}

Deno.test("changes queued together share one commit, each with its own revision", async () => {
  await withRoom(async (s, [ada], roomId) => {
    const sent: Message[] = [];
    for (let i = 0; i < 30; i++) {
      sent.push((await s.messages.send(ada, roomId, { text: `m${i}` })).message);
    }
    const changed = await Promise.all(
      sent.map((m) => s.messages.react(ada, roomId, m.seq, { emoji: "👍", on: true })),
    );
    const revs = changed.map((c) => c.rev!).sort((a, b) => a - b);
    assert.deepEqual(revs, Array.from({ length: 30 }, (_, i) => 31 + i), "distinct, no gap");
    const entries = await Promise.all(sent.map((m) => s.kv.get(messageKey(roomId, m.seq))));
    const commits = new Set(entries.map((e) => e.versionstamp)).size;
    assert.ok(commits <= 3, `30 reactions took ${commits} commits`);
  });
});

Deno.test("within a batch each change sees the ones before it; a refused one changes nothing", async () => {
  await withRoom(async (s, [ada, bob], roomId) => {
    const { message } = await s.messages.send(ada, roomId, { text: "original" });
    const seq = message.seq;
    const results = await Promise.allSettled([
      s.messages.react(bob, roomId, seq, { emoji: "🎉", on: true }),
      s.messages.react(bob, roomId, seq, { emoji: "🎉", on: true }), // already on: no rev
      s.messages.edit(bob, roomId, seq, "hijacked"), // not the author: refused
      s.messages.edit(ada, roomId, seq, "edited"),
      s.messages.react(bob, roomId, seq, { emoji: "🎉", on: false }),
      s.messages.react(ada, roomId, seq, { emoji: "👍", on: true }),
    ]);
    assert.equal(results[2].status, "rejected");
    assert.ok((results[2] as PromiseRejectedResult).reason instanceof ForbiddenError);
    const ok = results.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
    assert.deepEqual(ok.map((c) => c.rev), [2, null, 3, 4, 5]);
    const final = ok.at(-1)!.message;
    assert.equal(final.text, "edited");
    assert.deepEqual(final.reactions, [{ emoji: "👍", count: 1, users: [ada.id] }]);
    const page = await s.messages.history(ada.id, roomId, {});
    assert.deepEqual(page.messages[0], final);
    assert.deepEqual((await s.messages.edits(ada, roomId, seq)).map((e) => e.text), ["original"]);
  });
});

Deno.test("an edit and a delete of one message in one batch leave no old text behind", async () => {
  await withRoom(async (s, [ada], roomId) => {
    const { message } = await s.messages.send(ada, roomId, { text: "first words" });
    // The first change commits at once; the two queued behind it share the next commit.
    const [, edit, del] = await Promise.all([
      s.messages.react(ada, roomId, message.seq, { emoji: "👀", on: true }),
      s.messages.edit(ada, roomId, message.seq, "second words"),
      s.messages.delete(ada, roomId, message.seq),
    ]);
    assert.equal(edit.rev, 3);
    assert.equal(del.rev, 4);
    const entry = await s.kv.get(messageKey(roomId, message.seq));
    assert.equal((entry.value as Message).rev, 4);
    assert.equal(del.message.deleted, true);
    for await (const entry of s.kv.list({ prefix: [] })) {
      const value = JSON.stringify(entry.value, (_k, v) => typeof v === "bigint" ? String(v) : v);
      assert.doesNotMatch(value ?? "", /words/, JSON.stringify(entry.key));
    }
  });
});
