/**
 * `MessageService` over real services on an in-memory KV: sends (group commit,
 * seqs and revisions, clientId), edits, deletes, reactions, replies, `changes()`
 * paging and what `onCommitted` tells (seen on the bus, where the server wires it).
 */

import assert from "node:assert/strict";
import { loadConfig } from "../config.ts";
import { BadRequestError, ForbiddenError, NotFoundError } from "../errors.ts";
import { createServices, type Services, stopServices } from "../services.ts";
import { createdRevOf, type Message, type User } from "../protocol/types.ts";
import { headRev } from "../store/revisions.ts";

interface Cast {
  s: Services;
  /** The room's owner (its creator). */
  ada: User;
  /** Plain members. */
  bob: User;
  cleo: User;
  roomId: string;
}

async function withRoom(fn: (cast: Cast) => Promise<void>): Promise<void> {
  const config = loadConfig({
    KV_PATH: ":memory:",
    SEND_RATE_BURST: "5000",
    SEND_RATE_PER_SEC: "5000",
  });
  const s = await createServices(config);
  try {
    const [ada, bob, cleo] = await Promise.all(
      ["ada", "bob", "cleo"].map(async (name) =>
        (await s.auth.register(name, "correct horse battery")).user
      ),
    );
    const room = await s.rooms.create(ada, { name: "messages" });
    await s.rooms.join(bob, room.id);
    await s.rooms.join(cleo, room.id);
    await fn({ s, ada, bob, cleo, roomId: room.id });
  } finally {
    await stopServices(s);
  }
}

async function headOf(s: Services, roomId: string): Promise<{ seq: number; rev: number }> {
  const head = await s.rooms.headOf(roomId);
  return { seq: head.seq, rev: headRev(head) };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Records the revisions `onCommitted` announces for a room (it hints the bus). */
function committedRevs(s: Services, roomId: string): { revs: number[]; stop(): void } {
  const revs: number[] = [];
  const stop = s.bus.subscribe((event) => {
    if (event.kind === "events" && event.roomId === roomId) {
      revs.push(...event.events.map((e) => e.rev));
    }
  });
  return { revs, stop };
}

Deno.test("concurrent sends to one room get consecutive seqs and revisions, one each", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    const sends = range(1, 40).map((i) =>
      s.messages.send(i % 2 ? ada : bob, roomId, { text: `message ${i}` })
    );
    const stored = await Promise.all(sends);
    const seqs = stored.map((r) => r.message.seq).sort((a, b) => a - b);
    const revs = stored.map((r) => createdRevOf(r.message)).sort((a, b) => a - b);
    assert.deepEqual(seqs, range(1, 40));
    assert.deepEqual(revs, range(1, 40));
    assert.ok(stored.every((r) => !r.duplicate));
    // Each text was stored once, under the seq its sender was told.
    for (const [i, r] of stored.entries()) assert.equal(r.message.text, `message ${i + 1}`);
    assert.deepEqual(await headOf(s, roomId), { seq: 40, rev: 40 });
    // A change takes a revision but no seq; the next message takes the next of each.
    const edit = await s.messages.edit(ada, roomId, 1, "message 1, edited");
    assert.equal(edit.rev, 41);
    const next = await s.messages.send(bob, roomId, { text: "after the edit" });
    assert.deepEqual([next.message.seq, createdRevOf(next.message)], [41, 42]);
  });
});

Deno.test("send() with a repeated clientId answers the stored message as a duplicate", async () => {
  await withRoom(async ({ s, ada, roomId }) => {
    const first = await s.messages.send(ada, roomId, { text: "original", clientId: "c-1" });
    assert.equal(first.duplicate, false);
    await s.messages.send(ada, roomId, { text: "in between" });
    const again = await s.messages.send(ada, roomId, { text: "retried", clientId: "c-1" });
    assert.equal(again.duplicate, true);
    assert.deepEqual(again.message, first.message);
    assert.deepEqual(await headOf(s, roomId), { seq: 2, rev: 2 });
    const history = await s.messages.history(ada.id, roomId, {});
    assert.deepEqual(history.messages.map((m) => m.text), ["original", "in between"]);
  });
});

Deno.test("send() with one clientId twice at once stores one message", async () => {
  await withRoom(async ({ s, ada, roomId }) => {
    const [a, b] = await Promise.all([
      s.messages.send(ada, roomId, { text: "racing", clientId: "c-race" }),
      s.messages.send(ada, roomId, { text: "racing", clientId: "c-race" }),
    ]);
    assert.equal(a.message.seq, b.message.seq);
    assert.deepEqual([a.duplicate, b.duplicate].sort(), [false, true]);
    assert.deepEqual(await headOf(s, roomId), { seq: 1, rev: 1 });
  });
});

Deno.test("edit() by anyone but the author is forbidden, the room's owner included", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    await s.messages.send(bob, roomId, { text: "bob's words" });
    await assert.rejects(s.messages.edit(ada, roomId, 1, "ada's words"), ForbiddenError);
    await assert.rejects(s.messages.edit(ada, roomId, 1, "ada's words"), {
      message: "Only its author can edit a message",
    });
    const [message] = (await s.messages.history(bob.id, roomId, {})).messages;
    assert.equal(message.text, "bob's words");
    assert.equal(message.editedAt, undefined);
    assert.deepEqual(await headOf(s, roomId), { seq: 1, rev: 1 });
  });
});

Deno.test("edit() of a deleted message is not found", async () => {
  await withRoom(async ({ s, bob, roomId }) => {
    await s.messages.send(bob, roomId, { text: "soon gone" });
    await s.messages.delete(bob, roomId, 1);
    await assert.rejects(s.messages.edit(bob, roomId, 1, "back again"), NotFoundError);
    await assert.rejects(s.messages.edit(bob, roomId, 2, "never was"), NotFoundError);
    const [message] = (await s.messages.history(bob.id, roomId, {})).messages;
    assert.deepEqual([message.deleted, message.text], [true, ""]);
  });
});

Deno.test("the same edit twice: the second changes nothing and says rev: null", async () => {
  await withRoom(async ({ s, bob, roomId }) => {
    await s.messages.send(bob, roomId, { text: "typo" });
    const first = await s.messages.edit(bob, roomId, 1, "fixed");
    assert.equal(first.rev, 2);
    assert.equal(first.message.text, "fixed");
    const second = await s.messages.edit(bob, roomId, 1, "fixed");
    assert.equal(second.rev, null);
    assert.deepEqual(second.message, first.message);
    assert.deepEqual(await headOf(s, roomId), { seq: 1, rev: 2 });
    assert.deepEqual((await s.messages.edits(bob, roomId, 1)).map((e) => e.text), ["typo"]);
  });
});

Deno.test("react() twice: the second says rev: null; so does removing twice", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    await s.messages.send(ada, roomId, { text: "react to me" });
    const on = await s.messages.react(bob, roomId, 1, { emoji: "👍", on: true });
    assert.equal(on.rev, 2);
    assert.deepEqual(on.message.reactions, [{ emoji: "👍", count: 1, users: [bob.id] }]);
    const again = await s.messages.react(bob, roomId, 1, { emoji: "👍", on: true });
    assert.equal(again.rev, null);
    assert.deepEqual(again.message.reactions, on.message.reactions);
    const off = await s.messages.react(bob, roomId, 1, { emoji: "👍", on: false });
    assert.equal(off.rev, 3);
    assert.equal(off.message.reactions?.length ?? 0, 0);
    const offAgain = await s.messages.react(bob, roomId, 1, { emoji: "👍", on: false });
    assert.equal(offAgain.rev, null);
    assert.deepEqual(await headOf(s, roomId), { seq: 1, rev: 3 });
  });
});

Deno.test("react() with a 21st distinct emoji is a bad request; a 20th, or more of one, is fine", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    await s.messages.send(ada, roomId, { text: "popular" });
    const emoji = range(0, 20).map((i) => String.fromCodePoint(0x1f600 + i));
    for (const e of emoji.slice(0, 20)) {
      await s.messages.react(ada, roomId, 1, { emoji: e, on: true });
    }
    await assert.rejects(
      s.messages.react(ada, roomId, 1, { emoji: emoji[20], on: true }),
      BadRequestError,
    );
    await assert.rejects(
      s.messages.react(bob, roomId, 1, { emoji: emoji[20], on: true }),
      BadRequestError,
    );
    const more = await s.messages.react(bob, roomId, 1, { emoji: emoji[0], on: true });
    assert.equal(more.message.reactions?.length, 20);
    assert.equal(more.message.reactions?.[0].count, 2);
    assert.deepEqual(await headOf(s, roomId), { seq: 1, rev: 22 });
  });
});

Deno.test("send() replying to a deleted message, or to none, is a bad request", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    await s.messages.send(ada, roomId, { text: "taken back" });
    await s.messages.send(ada, roomId, { text: "still here" });
    await s.messages.delete(ada, roomId, 1);
    await assert.rejects(
      s.messages.send(bob, roomId, { text: "re: that", replyTo: 1 }),
      BadRequestError,
    );
    await assert.rejects(
      s.messages.send(bob, roomId, { text: "re: nothing", replyTo: 99 }),
      BadRequestError,
    );
    const reply = await s.messages.send(bob, roomId, { text: "re: this", replyTo: 2 });
    assert.equal(reply.message.replyTo?.seq, 2);
    assert.equal(reply.message.replyTo?.excerpt, "still here");
    assert.deepEqual(await headOf(s, roomId), { seq: 3, rev: 4 });
  });
});

Deno.test("delete(): the room's owner may delete another's message, a plain member may not", async () => {
  await withRoom(async ({ s, ada, bob, cleo, roomId }) => {
    await s.messages.send(bob, roomId, { text: "bob's first" });
    await s.messages.send(bob, roomId, { text: "bob's second" });
    await assert.rejects(s.messages.delete(cleo, roomId, 1), ForbiddenError);
    const [untouched] = (await s.messages.history(bob.id, roomId, {})).messages;
    assert.equal(untouched.text, "bob's first");

    const byOwner = await s.messages.delete(ada, roomId, 1);
    assert.equal(byOwner.rev, 3);
    assert.deepEqual([byOwner.message.deleted, byOwner.message.text], [true, ""]);
    const twice = await s.messages.delete(ada, roomId, 1);
    assert.equal(twice.rev, null, "deleting twice is fine and changes nothing");
    const byAuthor = await s.messages.delete(bob, roomId, 2);
    assert.equal(byAuthor.rev, 4);
    assert.deepEqual(await headOf(s, roomId), { seq: 2, rev: 4 });
  });
});

Deno.test("changes queued together see each other: one commit, as if one after the other", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    await s.messages.send(ada, roomId, { text: "typo" });
    // All of these wait behind one send, so they share a commit of changes.
    const blocker = s.messages.send(ada, roomId, { text: "in flight" });
    const edits = [1, 2].map(() => s.messages.edit(ada, roomId, 1, "fixed"));
    const likes = [1, 2].map(() => s.messages.react(bob, roomId, 1, { emoji: "👍", on: true }));
    const emoji = range(1, 20).map((i) => String.fromCodePoint(0x1f600 + i));
    const many = emoji.map((e) => s.messages.react(bob, roomId, 1, { emoji: e, on: true }));
    await blocker;
    const editRevs = (await Promise.all(edits)).map((c) => c.rev);
    assert.equal(editRevs.filter((rev) => rev === null).length, 1, "the same edit twice");
    const likeRevs = (await Promise.all(likes)).map((c) => c.rev);
    assert.equal(likeRevs.filter((rev) => rev === null).length, 1, "the same reaction twice");
    // 👍 and 20 others: the one that came 21st is refused, whichever it was.
    const outcomes = await Promise.allSettled(many);
    const refused = outcomes.filter((o) => o.status === "rejected");
    assert.equal(refused.length, 1);
    assert.ok((refused[0] as PromiseRejectedResult).reason instanceof BadRequestError);
    const [message] = (await s.messages.history(ada.id, roomId, { limit: 1, after: 0 })).messages;
    assert.equal(message.text, "fixed");
    assert.equal(message.reactions?.length, 20);
    // seq 2, then one edit, one 👍 and 19 others.
    assert.deepEqual(await headOf(s, roomId), { seq: 2, rev: 2 + 1 + 1 + 19 });
  });
});

Deno.test("delete() leaves none of the old text in KV: not its edits, nor a reply's excerpt", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    await s.messages.send(ada, roomId, { text: "the secret plan", clientId: "c-secret" });
    await s.messages.send(bob, roomId, { text: "as you said", replyTo: 1 });
    await s.messages.edit(ada, roomId, 1, "the secret plan, revised");
    await s.messages.react(bob, roomId, 1, { emoji: "👀", on: true });
    await s.messages.delete(ada, roomId, 1);
    const left: string[] = [];
    for await (const entry of s.kv.list({ prefix: [] })) {
      const text = JSON.stringify(
        [entry.key, entry.value],
        (_, v) =>
          typeof v === "bigint"
            ? String(v)
            : v instanceof Uint8Array
            ? new TextDecoder().decode(v)
            : v,
      );
      if (text.includes("secret plan")) left.push(text);
    }
    assert.deepEqual(left, []);
    const [, reply] = (await s.messages.history(bob.id, roomId, {})).messages;
    assert.deepEqual(reply.replyTo, {
      seq: 1,
      userId: ada.id,
      username: "ada",
      excerpt: "",
      deleted: true,
    });
    // The clientId still answers, with the tombstone.
    const retried = await s.messages.send(ada, roomId, {
      text: "the secret plan",
      clientId: "c-secret",
    });
    assert.deepEqual([retried.duplicate, retried.message.deleted, retried.message.text], [
      true,
      true,
      "",
    ]);
    await assert.rejects(s.messages.edits(ada, roomId, 1), NotFoundError);
    await assert.rejects(
      s.messages.react(bob, roomId, 1, { emoji: "👍", on: true }),
      NotFoundError,
    );
  });
});

Deno.test("changes() pages through every changed message once, at its latest state", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    for (const i of range(1, 8)) await s.messages.send(ada, roomId, { text: `m${i}` });
    await s.messages.edit(ada, roomId, 2, "m2, edited"); // rev 9
    await s.messages.react(bob, roomId, 5, { emoji: "🎉", on: true }); // rev 10
    await s.messages.edit(ada, roomId, 2, "m2, edited again"); // rev 11
    await s.messages.delete(ada, roomId, 7); // rev 12
    await s.messages.send(bob, roomId, { text: "m9" }); // seq 9, rev 13

    async function all(sinceRev: number, limit: number) {
      const pages: Message[][] = [];
      let from = sinceRev;
      while (true) {
        const page = await s.messages.changes(bob.id, roomId, { sinceRev: from, limit });
        pages.push(page.messages);
        if (!page.hasMore) return { pages, lastRev: page.lastRev };
        assert.ok(page.lastRev > from, "each page moves on");
        from = page.lastRev;
      }
    }
    const { pages, lastRev } = await all(0, 2);
    assert.ok(pages.length >= 4, `paged: ${pages.length} pages`);
    const messages = pages.flat();
    assert.deepEqual(messages.map((m) => m.seq).sort((a, b) => a - b), range(1, 9));
    const revs = messages.map((m) => m.rev!);
    assert.deepEqual(revs, [...revs].sort((a, b) => a - b), "ascending by rev");
    assert.equal(lastRev, 13);
    const bySeq = new Map(messages.map((m) => [m.seq, m]));
    assert.equal(bySeq.get(2)!.text, "m2, edited again");
    assert.equal(bySeq.get(2)!.rev, 11);
    assert.equal(bySeq.get(5)!.reactions?.[0].emoji, "🎉");
    assert.deepEqual([bySeq.get(7)!.deleted, bySeq.get(7)!.text], [true, ""]);

    // From the middle: only what changed after it, each once.
    const later = await all(9, 100);
    assert.deepEqual(later.pages.flat().map((m) => m.seq), [5, 2, 7, 9]);
    // Nothing new: an empty page at the head.
    const none = await s.messages.changes(bob.id, roomId, { sinceRev: 13 });
    assert.deepEqual([none.messages, none.lastRev, none.hasMore], [[], 13, false]);
  });
});

Deno.test("onCommitted tells every event once, in rev order, sends and changes mixed", async () => {
  await withRoom(async ({ s, ada, bob, roomId }) => {
    const seen = committedRevs(s, roomId);
    try {
      await s.messages.send(ada, roomId, { text: "first" });
      // A reply: each edit of the first message gives it a revision too (its excerpt).
      await s.messages.send(bob, roomId, { text: "re: first", replyTo: 1 });
      const work: Promise<unknown>[] = [];
      for (const i of range(1, 30)) {
        work.push(s.messages.send(i % 2 ? ada : bob, roomId, { text: `m${i}` }));
        if (i % 5 === 0) {
          const emoji = String.fromCodePoint(0x1f600 + i);
          work.push(s.messages.react(bob, roomId, 1, { emoji, on: true }));
          work.push(s.messages.edit(ada, roomId, 1, `first, take ${i}`));
        }
      }
      await Promise.all(work);
      const head = await headOf(s, roomId);
      assert.equal(head.seq, 32);
      assert.equal(head.rev, 32 + 6 + 6 * 2, "a revision per reaction, two per edit");
      assert.deepEqual(seen.revs, range(1, head.rev));
      const history = await s.messages.history(bob.id, roomId, { limit: 2, after: 0 });
      const [first, reply] = history.messages;
      assert.equal(reply.replyTo?.excerpt, first.text, "the excerpt follows the latest edit");
    } finally {
      seen.stop();
    }
  });
});
