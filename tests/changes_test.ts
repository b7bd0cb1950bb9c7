/**
 * v2 "Messages that change" against the real server: edits, deletes, reactions and
 * replies over HTTP and the socket, their errors, the room revision (update frames
 * in rev order, resume with `sinceRev`, `GET …/changes` from any revision), a delete
 * leaving no trace of the text in KV, two isolates changing the same messages, and
 * acknowledged changes surviving `kill -9`.
 */

import assert from "node:assert/strict";
import { ApiError, type ChatApi } from "../lib/client/http.ts";
import { FrameRequestError } from "../lib/client/socket.ts";
import { Timeline } from "../lib/client/timeline.ts";
import { createdRevOf, type Message, revOf } from "../lib/protocol/types.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, range, RecordingSocket, waitFor } from "./_clients.ts";
import { freePort, startServer, tempKvPath, type TestServer } from "./_server.ts";

const FAST = { SEND_RATE_BURST: "5000", SEND_RATE_PER_SEC: "5000" };

async function rejects(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
    assert.equal(err.code, code, err.message);
    return true;
  });
}

async function raw(
  server: TestServer,
  api: ChatApi,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** The KV file of a stopped server passes every invariant (tests/_invariants.ts). */
async function assertSound(kvPath: string): Promise<void> {
  const kv = await Deno.openKv(kvPath);
  try {
    assert.deepEqual((await checkKv(kv)).problems, []);
  } finally {
    kv.close();
  }
}

/** Every message of a room, as history serves it. */
async function everything(api: ChatApi, roomId: string): Promise<Message[]> {
  const all: Message[] = [];
  let after = 0;
  while (true) {
    const page = await api.messages(roomId, { after, limit: 100 });
    all.push(...page.messages);
    if (!page.hasMore) return all;
    after = page.messages.at(-1)!.seq;
  }
}

/** Every message created or changed after `sinceRev`, paging through `GET …/changes`. */
async function allChanges(api: ChatApi, roomId: string, sinceRev: number, limit = 100) {
  const messages: Message[] = [];
  let from = sinceRev;
  let pages = 0;
  while (true) {
    const page = await api.changes(roomId, { sinceRev: from, limit });
    pages++;
    assert.ok(page.messages.length <= limit);
    for (let i = 1; i < page.messages.length; i++) {
      assert.ok(revOf(page.messages[i - 1]) < revOf(page.messages[i]), "ascending by rev");
    }
    assert.ok(page.lastRev > from || !page.hasMore, "every page moves on");
    messages.push(...page.messages);
    from = page.lastRev;
    if (!page.hasMore) return { messages, lastRev: from, pages };
  }
}

Deno.test({
  name: "edits, deletes, reactions and replies follow the contract over HTTP",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({ env: FAST });
    try {
      const ada = await newUser(server.url, "ada");
      const bob = await newUser(server.url, "bob");
      const eve = await newUser(server.url, "eve");
      const adaMe = await ada.me();
      const bobMe = await bob.me();
      const room = await ada.createRoom("changes");
      const other = await ada.createRoom("elsewhere");
      await bob.join(room.id);
      const first = await ada.send(room.id, "first draft");
      const second = await bob.send(room.id, "bob here");

      await t.step("a new message carries its revision; seq is unchanged by changes", () => {
        assert.equal(first.rev, 1);
        assert.equal(second.rev, 2);
        assert.equal(first.seq, 1);
      });

      await t.step("edit: the author only, text rules as for sending, history kept", async () => {
        const edited = await ada.edit(room.id, first.seq, "final text");
        assert.equal(edited.text, "final text");
        assert.equal(edited.rev, 3);
        assert.equal(edited.createdRev, 1);
        assert.equal(typeof edited.editedAt, "number");
        // Repeating the same edit (a retry) changes nothing: no new revision.
        assert.equal((await ada.edit(room.id, first.seq, "final text")).rev, 3);
        await rejects(bob.edit(room.id, first.seq, "hijack"), 403, "forbidden");
        await rejects(ada.edit(room.id, first.seq, "   "), 400, "bad_request");
        await rejects(ada.edit(room.id, first.seq, "x".repeat(4001)), 400, "bad_request");
        await rejects(ada.edit(room.id, 99, "nothing there"), 404, "not_found");
        await rejects(eve.edit(room.id, first.seq, "outsider"), 403, "forbidden");
        for (const seq of ["0", "-1", "1e20", "abc", "1.5"]) {
          const res = await raw(server, ada, "PATCH", `/api/rooms/${room.id}/messages/${seq}`, {
            text: "x",
          });
          assert.equal(res.status, 400, `seq ${seq}`);
        }
        const edits = await ada.edits(room.id, first.seq);
        assert.deepEqual(edits.map((e) => e.text), ["first draft"]);
        await rejects(bob.edits(room.id, first.seq), 403, "forbidden");
        assert.equal((await ada.messages(room.id)).messages[0].text, "final text");
      });

      await t.step("reactions: one emoji each, idempotent, counted, who listed", async () => {
        await bob.react(room.id, first.seq, "👍");
        await bob.react(room.id, first.seq, "👍");
        await ada.react(room.id, first.seq, "👍");
        await ada.react(room.id, first.seq, "👨‍👩‍👧");
        const [stored] = (await ada.messages(room.id)).messages;
        assert.deepEqual(stored.reactions, [
          { emoji: "👍", count: 2, users: [bobMe.id, adaMe.id] },
          { emoji: "👨‍👩‍👧", count: 1, users: [adaMe.id] },
        ]);
        assert.deepEqual(
          (await ada.reactions(room.id, first.seq, "👍")).map((u) => u.username).sort(),
          [adaMe.username, bobMe.username].sort(),
        );
        await bob.react(room.id, first.seq, "👍", false);
        await bob.react(room.id, first.seq, "👍", false);
        const [after] = (await ada.messages(room.id)).messages;
        assert.deepEqual(after.reactions?.[0], { emoji: "👍", count: 1, users: [adaMe.id] });
        for (const bad of ["a", "👍👍", "hello", "😀".repeat(1300), "1", "👍 "]) {
          await rejects(ada.react(room.id, first.seq, bad), 400, "bad_request");
        }
        // A lone surrogate, as a client that encodes it anyway would send it.
        for (const path of ["%ED%A0%BD", "%F0%9F", "%"]) {
          const res = await raw(
            server,
            ada,
            "PUT",
            `/api/rooms/${room.id}/messages/${first.seq}/reactions/${path}`,
          );
          assert.equal(res.status, 400, path);
        }
        await rejects(eve.react(room.id, first.seq, "👍"), 403, "forbidden");
        await rejects(ada.react(room.id, 77, "👍"), 404, "not_found");
        // At most 20 distinct emoji on one message.
        const many = [
          "😀",
          "😁",
          "😂",
          "🤣",
          "😃",
          "😄",
          "😅",
          "😆",
          "😉",
          "😊",
          "😋",
          "😎",
          "😍",
          "😘",
        ];
        const target = await bob.send(room.id, "react to me");
        for (const emoji of [...many, "🙂", "🤗", "🤩", "🤔", "🤨", "😐"]) {
          await ada.react(room.id, target.seq, emoji);
        }
        await rejects(ada.react(room.id, target.seq, "😶"), 400, "bad_request");
        const [counted] = (await ada.messages(room.id, { after: target.seq - 1 })).messages;
        assert.equal(counted.reactions?.length, 20);
        // Reactions do not make a room unread, nor move its seq.
        const mine = (await bob.rooms()).find((r) => r.id === room.id)!;
        assert.equal(mine.lastSeq, target.seq);
      });

      await t.step("replies carry an excerpt that follows the original", async () => {
        const reply = await bob.send(room.id, "agreed", undefined, { replyTo: first.seq });
        assert.deepEqual(reply.replyTo, {
          seq: first.seq,
          userId: adaMe.id,
          username: adaMe.username,
          excerpt: "final text",
        });
        const before = await ada.changes(room.id, { sinceRev: 0 });
        await ada.edit(room.id, first.seq, "final text, v2");
        const shown = (await bob.messages(room.id, { after: reply.seq - 1 })).messages[0];
        assert.equal(shown.replyTo?.excerpt, "final text, v2");
        // The reply took a revision of its own, right after the original's edit, so a
        // client that only keeps the highest revision of each message sees it too.
        const edited = (await ada.messages(room.id)).messages.find((m) => m.seq === first.seq)!;
        assert.equal(shown.rev, edited.rev! + 1);
        const since = await ada.changes(room.id, { sinceRev: before.lastRev });
        assert.deepEqual(since.messages.map((m) => m.seq), [first.seq, reply.seq]);
        // An edit past the excerpt's 200 characters leaves the replies alone.
        const long0 = await ada.send(room.id, "x".repeat(250));
        const quoting = await bob.send(room.id, "re", undefined, { replyTo: long0.seq });
        await ada.edit(room.id, long0.seq, "x".repeat(250) + " and more");
        const unchanged = (await bob.messages(room.id, { after: quoting.seq - 1 })).messages[0];
        assert.equal(unchanged.rev, quoting.rev);
        const long = await ada.send(room.id, "é".repeat(300));
        const toLong = await bob.send(room.id, "long one", undefined, { replyTo: long.seq });
        assert.equal(toLong.replyTo?.excerpt, "é".repeat(200));
        for (const replyTo of [0, -1, 1e20, 9999, "3"]) {
          const res = await raw(server, bob, "POST", `/api/rooms/${room.id}/messages`, {
            text: "bad reply",
            replyTo,
          });
          assert.equal(res.status, 400, `replyTo ${replyTo}`);
        }
        // A seq of another room is not a message of this one.
        await ada.send(other.id, "one");
        await ada.send(other.id, "two");
        const otherHead = (await ada.messages(other.id)).messages.at(-1)!.seq;
        const lastHere = (await ada.messages(room.id)).messages.at(-1)!.seq;
        const res = await raw(server, ada, "POST", `/api/rooms/${room.id}/messages`, {
          text: "wrong room",
          replyTo: lastHere + otherHead + 10,
        });
        assert.equal(res.status, 400);
      });

      await t.step("delete: a tombstone; the author or the owner; twice is fine", async () => {
        const bobs = await bob.send(room.id, "bob's words");
        await rejects(eve.deleteMessage(room.id, bobs.seq), 403, "forbidden");
        const reply = await ada.send(room.id, "quoting", undefined, { replyTo: bobs.seq });
        // The room's owner (ada) may delete bob's message.
        await ada.deleteMessage(room.id, bobs.seq);
        await ada.deleteMessage(room.id, bobs.seq);
        const page = (await bob.messages(room.id, { after: bobs.seq - 1 })).messages;
        const tomb = page[0];
        assert.equal(tomb.deleted, true);
        assert.equal(tomb.text, "");
        assert.equal(typeof tomb.deletedAt, "number");
        assert.equal(tomb.reactions, undefined);
        assert.equal(tomb.seq, bobs.seq);
        assert.deepEqual(page.find((m) => m.seq === reply.seq)?.replyTo, {
          seq: bobs.seq,
          userId: bobMe.id,
          username: bobMe.username,
          excerpt: "",
          deleted: true,
        });
        await rejects(bob.edit(room.id, bobs.seq, "back"), 404, "not_found");
        await rejects(ada.react(room.id, bobs.seq, "👍"), 404, "not_found");
        // bob (not the owner) may not delete ada's message.
        await rejects(bob.deleteMessage(room.id, first.seq), 403, "forbidden");
        await rejects(
          bob.send(room.id, "to a ghost", undefined, { replyTo: bobs.seq }),
          400,
          "bad_request",
        );
        // Deleting in a room I left.
        const mineToo = await bob.send(room.id, "before leaving");
        await bob.leave(room.id);
        await rejects(bob.deleteMessage(room.id, mineToo.seq), 403, "forbidden");
        await bob.join(room.id);
      });

      await t.step("changes: sinceRev is required and checked; any revision works", async () => {
        for (
          const q of ["", "sinceRev=-1", "sinceRev=abc", "sinceRev=1e20", "sinceRev=1&limit=0"]
        ) {
          const res = await raw(server, ada, "GET", `/api/rooms/${room.id}/changes?${q}`);
          assert.equal(res.status, 400, q);
        }
        const res = await raw(
          server,
          ada,
          "GET",
          `/api/rooms/${room.id}/changes?sinceRev=0&limit=501`,
        );
        assert.equal(res.status, 400);
        const secret = await ada.createRoom("secret changes", { kind: "private" });
        await rejects(eve.changes(secret.id, { sinceRev: 0 }), 403, "forbidden");
        const all = await allChanges(ada, room.id, 0, 3);
        const history = await everything(ada, room.id);
        assert.deepEqual(
          all.messages.map((m) => m.seq).sort((a, b) => a - b),
          history.map((m) => m.seq),
          "each message once",
        );
        for (const message of all.messages) {
          assert.deepEqual(message, history.find((m) => m.seq === message.seq));
        }
        const future = await ada.changes(room.id, { sinceRev: all.lastRev + 1000 });
        assert.deepEqual(future.messages, []);
        assert.equal(future.hasMore, false);
      });

      await t.step("no internal error was logged and KV is consistent", () => {
        assert.doesNotMatch(server.output(), /"level":"error"/);
      });
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name:
    "changes over the socket are acked and reach every subscriber as update frames in rev order",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const ada = await newUser(server.url, "ada");
      const bob = await newUser(server.url, "bob");
      const room = await ada.createRoom("live changes");
      await bob.join(room.id);
      const a = await RecordingSocket.open(ada);
      const b = await RecordingSocket.open(bob);
      const subscribed = await a.socket.subscribe(room.id);
      assert.equal(subscribed.lastRev, 0);
      await b.socket.subscribe(room.id);
      const m = await a.socket.send(room.id, "hello");
      const reply = await b.socket.send(room.id, "hi back", { replyTo: m.seq });
      assert.equal(reply.replyTo?.excerpt, "hello");
      assert.equal((await a.socket.edit(room.id, m.seq, "hello, edited")).text, "hello, edited");
      const reacted = await b.socket.react(room.id, m.seq, "🎉");
      assert.equal(reacted.reactions?.[0].count, 1);
      assert.equal((await b.socket.react(room.id, m.seq, "🎉", false)).reactions, undefined);
      await assert.rejects(b.socket.edit(room.id, m.seq, "no"), (err: unknown) => {
        assert.ok(err instanceof FrameRequestError);
        assert.equal(err.code, "forbidden");
        return true;
      });
      await assert.rejects(a.socket.react(room.id, m.seq, "xx"), FrameRequestError);
      const tomb = await a.socket.delete(room.id, reply.seq);
      assert.equal(tomb.deleted, true);
      // Bad frames are refused with error frames and change nothing.
      a.socket.sendRaw({ type: "edit", roomId: room.id, seq: -1, text: "x" } as never);
      a.socket.sendRaw(JSON.stringify({ type: "react", roomId: room.id, seq: 1, emoji: "👍" }));
      a.socket.sendRaw(JSON.stringify({ type: "subscribe", roomId: room.id, sinceRev: "1" }));
      await waitFor("the error frames", () => a.of("error").length >= 4);
      for (const socket of [a, b]) {
        await waitFor("seven events", () => revsOf(socket, room.id).length >= 7);
        assert.deepEqual(revsOf(socket, room.id), range(1, 7));
        const updates = socket.of("update");
        // The edit of m moves the reply quoting it too (its excerpt changed).
        assert.deepEqual(updates.map((u) => u.message.seq), [
          m.seq,
          reply.seq,
          m.seq,
          m.seq,
          reply.seq,
        ]);
        assert.equal(updates[1].message.replyTo?.excerpt, "hello, edited");
        assert.equal(updates.at(-1)!.message.text, "");
      }
      a.close();
      b.close();
    } finally {
      await server.stop();
    }
  },
});

/** The event revision of every message and update frame of a room, in arrival order. */
function revsOf(socket: RecordingSocket, roomId: string): number[] {
  return socket.frames.flatMap((f) => {
    if (f.type === "message" && f.roomId === roomId) return [createdRevOf(f.message)];
    if (f.type === "update" && f.roomId === roomId) return [f.rev];
    return [];
  });
}

Deno.test({
  name: "a client away while 300 changes happen resumes with sinceRev into the server's state",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const ada = await newUser(server.url, "ada");
      const bob = await newUser(server.url, "bob");
      const names = new Map([[ada, (await ada.me()).id], [bob, (await bob.me()).id]]);
      const room = await ada.createRoom("busy");
      await bob.join(room.id);
      for (const i of range(1, 40)) await (i % 2 ? ada : bob).send(room.id, `old ${i}`);
      // Bob's client holds everything up to now, then goes away.
      const cached = await everything(bob, room.id);
      const away = await RecordingSocket.open(bob);
      await away.socket.subscribe(room.id, { sinceRev: 0 });
      await waitFor("the replay", () => revsOf(away, room.id).length === 40);
      const leftAt = away.socket.lastRev(room.id);
      assert.equal(leftAt, 40);
      away.close();

      // 300 changes to messages old and new: replies, reactions on and off, edits,
      // deletes by the owner, plain messages.
      const emoji = ["👍", "🎉", "❤️", "😂"];
      for (let i = 0; i < 300; i++) {
        const author = i % 2 ? ada : bob;
        const live = (await everything(ada, room.id)).filter((m) => !m.deleted);
        const target = live[(i * 7) % live.length];
        switch (i % 6) {
          case 0:
            await author.send(room.id, `new ${i}`, undefined, { replyTo: target.seq });
            break;
          case 1:
          case 2:
            await author.react(room.id, target.seq, emoji[i % 4], i % 3 !== 0);
            break;
          case 3: {
            const own = live.filter((m) => m.userId === names.get(author));
            await author.edit(room.id, own[(i * 3) % own.length].seq, `edited ${i}`);
            break;
          }
          case 4:
            if (i % 12 === 4) await ada.deleteMessage(room.id, target.seq); // the owner
            else await author.send(room.id, `plain ${i}`);
            break;
          default:
            await author.react(room.id, target.seq, emoji[(i + 1) % 4]);
        }
      }
      const state = await everything(ada, room.id);
      assert.ok(state.some((m) => m.deleted) && state.some((m) => m.editedAt));

      // Back: resume from the revision it left at; end in exactly the server's state.
      const back = await RecordingSocket.open(bob);
      const frame = await back.socket.subscribe(room.id, { sinceRev: leftAt });
      assert.equal(frame.recovered, true);
      assert.ok(frame.lastRev > leftAt + 250, `lastRev ${frame.lastRev}`);
      const expected = range(leftAt + 1, frame.lastRev);
      await waitFor("the missed events", () => revsOf(back, room.id).length >= expected.length);
      assert.deepEqual(revsOf(back, room.id), expected, "every revision once, in order");
      const resumed = new Timeline();
      resumed.applyAll(cached);
      for (const f of back.frames) {
        if ((f.type === "message" || f.type === "update") && f.roomId === room.id) {
          resumed.apply(f.message);
        }
      }
      assert.deepEqual(resumed.messages(), state);
      // A client that knows only the contract's rule (per message, the highest rev
      // wins) ends in the same state: replies take a revision when their quote changes.
      const plain = new Map(cached.map((m) => [m.seq, m]));
      for (const f of back.frames) {
        if ((f.type !== "message" && f.type !== "update") || f.roomId !== room.id) continue;
        const held = plain.get(f.message.seq);
        if (!held || revOf(f.message) > revOf(held)) plain.set(f.message.seq, f.message);
      }
      assert.deepEqual([...plain.values()].sort((x, y) => x.seq - y.seq), state);
      back.close();

      // The same over GET …/changes: from revision 0, and from where it left.
      const fromZero = new Timeline();
      fromZero.applyAll((await allChanges(bob, room.id, 0, 50)).messages);
      assert.deepEqual(fromZero.messages(), state);
      const caught = await allChanges(bob, room.id, leftAt, 7);
      assert.ok(caught.pages > 5, `paged (${caught.pages} pages)`);
      const fromLeft = new Timeline();
      fromLeft.applyAll(cached);
      fromLeft.applyAll(caught.messages);
      assert.deepEqual(fromLeft.messages(), state);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "a delete leaves no trace of the text in KV: record, edits, replies, changes",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    const marker = `secret-${crypto.randomUUID()}`;
    try {
      const ada = await newUser(server.url, "ada");
      const bob = await newUser(server.url, "bob");
      const room = await ada.createRoom("forgetful");
      await bob.join(room.id);
      const secret = await ada.send(room.id, `${marker} first`);
      await ada.edit(room.id, secret.seq, `${marker} second`);
      await ada.edit(room.id, secret.seq, `${marker} third`);
      await bob.react(room.id, secret.seq, "👀");
      const reply = await bob.send(room.id, "quoting it", undefined, { replyTo: secret.seq });
      assert.match(reply.replyTo!.excerpt, new RegExp(marker));
      const watcher = await RecordingSocket.open(bob);
      await watcher.socket.subscribe(room.id, { sinceRev: 0 });
      await ada.deleteMessage(room.id, secret.seq);
      await waitFor("the delete", () => watcher.of("update").some((u) => u.message.deleted));
      // A fresh replay (from the feed's buffer) and every read path hold no trace of it.
      const late = await RecordingSocket.open(bob);
      await late.socket.subscribe(room.id, { sinceRev: 0 });
      await waitFor("the replay", () => late.of("subscribed").length === 1);
      const served = JSON.stringify([
        late.frames,
        await bob.messages(room.id),
        await bob.changes(room.id, { sinceRev: 0 }),
      ]);
      assert.doesNotMatch(served, new RegExp(marker));
      await assert.rejects(ada.edits(room.id, secret.seq), ApiError);
      watcher.close();
      late.close();
    } finally {
      await server.stop();
    }
    // The file itself, as a person with a hex editor would read it: SQLite keeps
    // freed space until reused, so the operator's `deno task vacuum` rebuilds it.
    const vacuumed = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "vacuum", server.kvPath],
      cwd: new URL("../", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(vacuumed.code, 0, new TextDecoder().decode(vacuumed.stderr));
    assert.match(
      new TextDecoder().decode(vacuumed.stdout),
      /^Vacuumed .*chat\.db: \d+ → \d+ bytes/,
    );
    for (const suffix of ["", "-wal"]) {
      const bytes = await Deno.readFile(server.kvPath + suffix).catch(() => new Uint8Array());
      const text = new TextDecoder("latin1").decode(bytes);
      assert.equal(text.indexOf(marker), -1, `the text is still in chat.db${suffix}`);
    }
    const kv = await Deno.openKv(server.kvPath);
    try {
      let entries = 0;
      for await (const entry of kv.list({ prefix: [] })) {
        entries++;
        const text = JSON.stringify(entry, (_k, v) => typeof v === "bigint" ? String(v) : v);
        assert.doesNotMatch(text, new RegExp(marker), `found in ${JSON.stringify(entry.key)}`);
      }
      assert.ok(entries > 10);
      assert.deepEqual((await checkKv(kv)).problems, []);
    } finally {
      kv.close();
    }
  },
});

for (const fastPath of ["1", "0"]) {
  Deno.test({
    name:
      `two isolates changing the same messages at once get distinct revs (BUS_FAST_PATH=${fastPath})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const server = await startServer({ parallel: 2, env: { ...FAST, BUS_FAST_PATH: fastPath } });
      try {
        const people = await Promise.all(range(1, 4).map((i) => newUser(server.url, `p${i}`)));
        const room = await people[0].createRoom("contended");
        for (const p of people.slice(1)) await p.join(room.id);
        const base = await Promise.all(range(1, 5).map((i) => people[0].send(room.id, `m${i}`)));
        // Two watchers, one per isolate, see every event once and in order.
        const watchers: RecordingSocket[] = [];
        const isolates = new Set<string>();
        for (let tries = 0; watchers.length < 2 && tries < 40; tries++) {
          const w = await RecordingSocket.open(people[tries % 4]);
          const iso = w.of("ready")[0].isolate!;
          if (isolates.has(iso)) {
            w.close();
            continue;
          }
          isolates.add(iso);
          await w.socket.subscribe(room.id);
          watchers.push(w);
        }
        assert.equal(watchers.length, 2, "a watcher on each isolate");
        // Everyone reacts to every message with two emoji at once, over HTTP (each
        // request lands on either isolate), while the author edits them.
        const emoji = ["👍", "🎉"];
        const work: Promise<unknown>[] = [];
        for (const p of people) {
          for (const m of base) for (const e of emoji) work.push(p.react(room.id, m.seq, e));
        }
        for (const m of base) work.push(people[0].edit(room.id, m.seq, `${m.text}, edited`));
        await Promise.all(work);
        const expected = base.length + work.length;
        const state = await everything(people[1], room.id);
        for (const m of state) {
          const counts = m.reactions?.map((r) => [r.emoji, r.count, r.users.length]).sort();
          assert.deepEqual(counts, [["🎉", 4, 4], ["👍", 4, 4]]);
          assert.match(m.text, /, edited$/);
        }
        const head = await people[0].changes(room.id, { sinceRev: 0 });
        assert.equal(head.lastRev, expected, "one revision per change, none lost or shared");
        for (const w of watchers) {
          await waitFor("every update", () => revsOf(w, room.id).length >= expected - base.length);
          assert.deepEqual(revsOf(w, room.id), range(base.length + 1, expected));
          w.close();
        }
      } finally {
        await server.stop();
      }
      await assertSound(server.kvPath);
    },
  });
}

Deno.test({
  name: "every acknowledged change survives kill -9",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kvPath = await tempKvPath();
    const port = freePort();
    let server = await startServer({ kvPath, port, env: FAST });
    const ada = await newUser(server.url, "ada");
    const room = await ada.createRoom("crashy");
    const socket = await RecordingSocket.open(ada);
    await socket.socket.subscribe(room.id);
    const messages = await Promise.all(
      range(1, 20).map((i) => socket.socket.send(room.id, `m${i}`)),
    );
    // Changes keep going until the kill; those acknowledged before it must be there.
    const acked = new Map<number, Message>();
    let stop = false;
    const changing = (async () => {
      for (let i = 0; !stop; i++) {
        const m = messages[i % messages.length];
        try {
          const changed = i % 3 === 0
            ? await socket.socket.edit(room.id, m.seq, `edit ${i}`)
            : await socket.socket.react(room.id, m.seq, i % 2 ? "👍" : "🎉", i % 4 < 2);
          acked.set(changed.seq, changed);
        } catch {
          return; // the connection went with the server
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 700));
    await server.kill();
    stop = true;
    await changing;
    socket.close();
    assert.ok(acked.size > 5, `acknowledged changes: ${acked.size}`);
    server = await startServer({ kvPath, port, env: FAST });
    try {
      const after = await everything(ada, room.id);
      for (const [seq, message] of acked) {
        const now = after.find((m) => m.seq === seq)!;
        assert.ok(
          revOf(now) >= revOf(message),
          `seq ${seq}: rev ${revOf(now)} < acked ${revOf(message)}`,
        );
      }
    } finally {
      await server.stop();
    }
    await assertSound(kvPath);
  },
});
