/**
 * v2 "Search" against the real server: every operator, highlights, paging with
 * signed cursors, edits and deletes reflected within a second, who may find what
 * (a private room, a room left, a room joined later), bad input answered fast,
 * kill -9 between a message's commit and its indexing, a store with messages and
 * no index, `deno task reindex` equal to the incremental index, and two isolates
 * writing while searching.
 */

import assert from "node:assert/strict";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import type { Message, SearchPage } from "../lib/protocol/types.ts";
import { checkKv } from "./_invariants.ts";
import { newUser, range, RecordingSocket, sleep, waitFor } from "./_clients.ts";
import { freePort, startServer, tempKvPath } from "./_server.ts";

const FAST = { SEND_RATE_BURST: "5000", SEND_RATE_PER_SEC: "5000" };
const ROOT = new URL("../", import.meta.url);

async function rejects(promise: Promise<unknown>, status: number, pattern?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
    assert.equal(err.status, status, err.message);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** The texts a query finds, newest first (one page). */
async function texts(api: ChatApi, q: string): Promise<string[]> {
  return (await api.search(q, { limit: 50 })).results.map((r) => r.message.text);
}

/** Every result of a query, all pages. */
async function everything(api: ChatApi, q: string, limit = 50): Promise<Message[]> {
  const all: Message[] = [];
  let page: SearchPage = await api.search(q, { limit });
  all.push(...page.results.map((r) => r.message));
  for (let i = 0; page.nextCursor && i < 1000; i++) {
    page = await api.search(q, { limit, cursor: page.nextCursor });
    all.push(...page.results.map((r) => r.message));
  }
  return all;
}

/** Waits until the index has every message of the room (by the `in:` operator's count). */
async function indexed(api: ChatApi, q: string, count: number, timeoutMs = 10_000) {
  await waitFor(`${count} results for ${q}`, async () => {
    return (await everything(api, q)).length >= count;
  }, timeoutMs);
}

/** Everything the index holds in a KV file, as comparable text. */
async function snapshot(kvPath: string): Promise<string[]> {
  const kv = await Deno.openKv(kvPath);
  try {
    const out: string[] = [];
    for (const prefix of [["sx"], ["sx_dict"], ["sx_doc"], ["sx_rev"]]) {
      for await (const e of kv.list({ prefix })) {
        const v = e.value instanceof Uint8Array ? "-" : JSON.stringify(e.value);
        out.push(`${JSON.stringify(e.key)} ${v}`);
      }
    }
    return out;
  } finally {
    kv.close();
  }
}

async function assertSound(kvPath: string): Promise<void> {
  const kv = await Deno.openKv(kvPath);
  try {
    const { problems, notes } = await checkKv(kv);
    assert.deepEqual(problems, []);
    assert.deepEqual(notes.filter((n) => n.startsWith("search")), [], "the index is complete");
  } finally {
    kv.close();
  }
}

function utcDay(offsetDays: number): string {
  return new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
}

Deno.test({
  name: "search: words, phrases, exclusions and every operator, with highlights",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const [alice, bob] = await Promise.all([
        newUser(server.url, "alice"),
        newUser(server.url, "bob"),
      ]);
      const [a, b] = await Promise.all([alice.me(), bob.me()]);
      const team = await alice.createRoom("Team Chat");
      const ops = await alice.createRoom("ops");
      await bob.join(team.id);
      await bob.join(ops.id);
      const file = await alice.upload(
        "quarterly-report.pdf",
        new TextEncoder().encode("%PDF-1.4 x"),
      );
      await alice.send(team.id, "Deploying the new release to production tomorrow");
      await alice.send(team.id, "the release notes are at https://example.com/notes");
      await alice.send(team.id, "see attached", undefined, { files: [file.id] });
      await bob.send(team.id, `@${a.username} can you review the release?`);
      await alice.send(team.id, `@${b.username} thanks, deployed`);
      await alice.send(ops.id, "我家在上海东边, Straße und Café");
      await bob.send(ops.id, "regex (a|b)* and [x] are literal $^.+?");
      await alice.send(ops.id, "release staging dry run");
      await indexed(alice, "in:ops", 3);
      await indexed(alice, `in:"team chat"`, 5);

      assert.deepEqual(await texts(alice, "deplo"), [
        `@${b.username} thanks, deployed`,
        "Deploying the new release to production tomorrow",
      ]);
      assert.deepEqual(await texts(alice, '"deployed"'), [`@${b.username} thanks, deployed`]);
      assert.deepEqual(await texts(alice, '"new release"'), [
        "Deploying the new release to production tomorrow",
      ]);
      assert.deepEqual((await texts(alice, "release -staging -notes")).length, 2);
      assert.deepEqual(await texts(alice, 'release -"dry run" -review -deploying'), [
        "the release notes are at https://example.com/notes",
      ]);
      assert.deepEqual(await texts(alice, `from:${b.username}`), [
        "regex (a|b)* and [x] are literal $^.+?",
        `@${a.username} can you review the release?`,
      ]);
      assert.deepEqual(await texts(alice, `from:@${b.username.toUpperCase()} release`), [
        `@${a.username} can you review the release?`,
      ]);
      assert.equal((await texts(alice, `-from:${b.username} release`)).length, 3);
      assert.deepEqual(await texts(alice, "from:nobody_at_all release"), []);
      assert.equal((await texts(alice, `in:${ops.id}`)).length, 3);
      assert.equal((await texts(alice, 'in:"TEAM CHAT" release')).length, 3);
      assert.equal((await texts(alice, "-in:ops release")).length, 3);
      assert.deepEqual(await texts(alice, "in:no-such-room"), []);
      assert.equal((await texts(alice, `after:${utcDay(-2)} before:${utcDay(2)}`)).length, 8);
      assert.deepEqual(await texts(alice, `before:${utcDay(0)}`), []);
      assert.deepEqual(await texts(alice, `after:${utcDay(0)}`), []);
      assert.deepEqual(await texts(alice, "has:file"), ["see attached"]);
      assert.deepEqual(await texts(alice, "quarterly"), ["see attached"], "file names too");
      assert.deepEqual(await texts(alice, "has:link"), [
        "the release notes are at https://example.com/notes",
      ]);
      assert.equal((await texts(alice, "release -has:link")).length, 3);
      assert.deepEqual(await texts(alice, "is:mention"), [
        `@${a.username} can you review the release?`,
      ]);
      assert.deepEqual(await texts(bob, "is:mention"), [`@${b.username} thanks, deployed`]);
      assert.equal((await texts(bob, "release -is:mention")).length, 4);
      assert.deepEqual(await texts(alice, "上海"), ["我家在上海东边, Straße und Café"]);
      assert.deepEqual(await texts(alice, "海东"), ["我家在上海东边, Straße und Café"]);
      assert.deepEqual(await texts(alice, "strasse cafe"), ["我家在上海东边, Straße und Café"]);
      assert.deepEqual(await texts(alice, "(a|b)*"), ["regex (a|b)* and [x] are literal $^.+?"]);
      await rejects(alice.search(".*"), 400, /nothing to look for/);

      // Highlights: UTF-16 offsets into the text, merged, ascending.
      const hit = (await alice.search('"new release" deplo')).results[0];
      const marked = hit.highlights.map(([s, e]) => hit.message.text.slice(s, e));
      assert.deepEqual(marked, ["Deploying", "new release"]);
      assert.equal(hit.room.id, team.id);
      assert.equal(hit.room.name, "Team Chat");
      const cjk = (await alice.search("上海 cafe")).results[0];
      assert.deepEqual(cjk.highlights.map(([s, e]) => cjk.message.text.slice(s, e)), [
        "上海",
        "Café",
      ]);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "search: bad input is a fast 400 with the rule, never a 500",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const alice = await newUser(server.url, "alice");
      const room = await alice.createRoom("general");
      for (const i of range(1, 30)) {
        await alice.send(room.id, `word${i} common text ${"x".repeat(i)}`);
      }
      await indexed(alice, "common", 30);
      const timed = async (what: Promise<unknown>) => {
        const t = performance.now();
        await what.catch(() => {});
        const ms = performance.now() - t;
        assert.ok(ms < 1000, `answered in ${Math.round(ms)} ms`);
      };
      const bad: Array<[string, RegExp]> = [
        ["", /must not be empty/],
        ["   ", /must not be empty/],
        ["x".repeat(5 * 1024), /Query is too long: 5120 characters, the limit is 512/],
        [range(1, 200).map((i) => `w${i}`).join(" ").slice(0, 500), /too many words/],
        [range(1, 100).map((i) => `"p${i}"`).join(" ").slice(0, 500), /too many phrases/],
        ["-common -text", /nothing to look for/],
        ["before:2026-13-45", /Invalid date in "before:2026-13-45": dates are YYYY-MM-DD/],
        ["has:picture", /has:file or has:link/],
      ];
      for (const [q, rule] of bad) {
        await rejects(alice.search(q), 400, rule);
        await timed(alice.search(q));
      }
      await rejects(alice.request("GET", "/api/search"), 400, /"q" is required/);
      await rejects(alice.search("common", { limit: 0 }), 400, /"limit" must be 1–50/);
      await rejects(alice.search("common", { limit: 51 }), 400, /"limit" must be 1–50/);
      await rejects(alice.request("GET", "/api/search?q=common&limit=x"), 400, /limit/);
      // Oddities are text: answered, never a 500, never slow.
      const odd = [
        "\ud800common\udfff",
        "com\u200dmon",
        "\u202ecommon\u202c",
        "\u200f\u200e common",
        "common 👩‍💻",
        "^(a+)+$ common",
        ".* common",
        '"""',
        '"common',
        "common" + " a".repeat(25),
        "c:\\windows\\system32 common",
        "%00 common",
      ];
      for (const q of odd) {
        const t = performance.now();
        await alice.search(q).catch((err) => {
          assert.ok(err instanceof ApiError && err.status === 400, `${JSON.stringify(q)}: ${err}`);
        });
        assert.ok(performance.now() - t < 1000, JSON.stringify(q));
      }
      assert.equal((await alice.search("com\u200dmon", { limit: 50 })).results.length, 30);
      assert.equal((await alice.search("\u202ecommon\u202c", { limit: 50 })).results.length, 30);
      await rejects(new ChatApi(server.url).search("common"), 401);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "search: pages newest first with a cursor; a forged or foreign cursor is 400",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const [alice, bob] = await Promise.all([
        newUser(server.url, "alice"),
        newUser(server.url, "bob"),
      ]);
      const rooms = [await alice.createRoom("one"), await alice.createRoom("two")];
      for (const room of rooms) await bob.join(room.id);
      const sent: Message[] = [];
      for (const i of range(1, 45)) {
        sent.push(await alice.send(rooms[i % 2].id, `paging item ${i}`));
      }
      await indexed(alice, "paging", 45);
      const first = await alice.search("paging", { limit: 20 });
      assert.equal(first.results.length, 20);
      assert.ok(first.nextCursor);
      const second = await alice.search("paging", { limit: 20, cursor: first.nextCursor });
      const third = await alice.search("paging", { limit: 20, cursor: second.nextCursor });
      assert.equal(third.results.length, 5);
      assert.equal(third.nextCursor, undefined);
      const ids = [...first.results, ...second.results, ...third.results].map((r) => r.message.id);
      assert.deepEqual(ids, sent.map((m) => m.id).reverse(), "newest first, each once");
      const all = await alice.search("paging", { limit: 50 });
      assert.equal(all.results.length, 45);
      assert.equal(all.nextCursor, undefined);
      assert.equal((await alice.search("paging")).results.length, 20, "limit defaults to 20");

      const cursor = first.nextCursor!;
      const [payload, mac] = cursor.split(".");
      const forged = btoa(JSON.stringify([Date.now() + 1e9, rooms[0].id, 1]))
        .replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
      for (
        const bad of [
          `${forged}.${mac}`,
          `${payload}.AAAAAAAAAAAAAAAAAAAAAA`,
          "garbage",
          ".",
          "x".repeat(400),
        ]
      ) {
        await rejects(alice.search("paging", { cursor: bad }), 400, /Cursor is not valid/);
      }
      await rejects(alice.search("paging item", { cursor }), 400, /Cursor is not valid/);
      await rejects(bob.search("paging", { cursor }), 400, /Cursor is not valid/);
      // The same query with another limit goes on from there.
      const rest = await alice.search("paging", { limit: 50, cursor });
      assert.equal(rest.results.length, 25);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "search: edits and deletes are reflected within 1 s, the old text never found",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const alice = await newUser(server.url, "alice");
      const room = await alice.createRoom("kitchen");
      const m = await alice.send(room.id, "apple pie recipe");
      const other = await alice.send(room.id, "apple crumble");
      let t = performance.now();
      await waitFor("the new message found", async () => (await texts(alice, "pie")).length === 1);
      assert.ok(performance.now() - t < 1000, `found in ${Math.round(performance.now() - t)} ms`);

      await alice.edit(room.id, m.seq, "banana split recipe");
      t = performance.now();
      // The old text at once (results are checked against the message as it is now)…
      assert.deepEqual(await texts(alice, "pie"), []);
      assert.deepEqual(await texts(alice, "apple"), ["apple crumble"]);
      // …and the new one within a second.
      await waitFor(
        "the edit found",
        async () => (await texts(alice, "banana")).length === 1,
        1000,
      );
      const edited = (await alice.search("banana")).results[0].message;
      assert.equal(edited.text, "banana split recipe");
      assert.ok(edited.editedAt);
      assert.ok(performance.now() - t < 1000);

      await alice.deleteMessage(room.id, m.seq);
      assert.deepEqual(await texts(alice, "banana"), [], "a deleted message, never");
      assert.deepEqual(await texts(alice, "recipe"), []);
      await alice.deleteMessage(room.id, other.seq);
      assert.deepEqual(await texts(alice, "in:kitchen"), []);
      // Many edits in a row: the last text wins, within a second.
      const n = await alice.send(room.id, "version 0");
      for (const i of range(1, 20)) await alice.edit(room.id, n.seq, `version ${i} draft${i}`);
      t = performance.now();
      await waitFor(
        "the last edit",
        async () => (await texts(alice, "draft20")).length === 1,
        1000,
      );
      assert.deepEqual(await texts(alice, "draft2"), ["version 20 draft20"], "a prefix of draft20");
      assert.deepEqual(await texts(alice, '"draft2"'), [], "quoted: the word itself");
      assert.deepEqual(await texts(alice, "draft19"), [], "an older text, never");
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "search: only rooms I am in: not a private room, not one I left; one I joined, all of it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const [alice, bob, carol] = await Promise.all([
        newUser(server.url, "alice"),
        newUser(server.url, "bob"),
        newUser(server.url, "carol"),
      ]);
      const secret = await alice.createRoom("secret", { kind: "private" });
      const lobby = await alice.createRoom("lobby");
      const open = await alice.createRoom("open");
      await bob.join(lobby.id);
      await alice.send(secret.id, "zebra in the private room");
      await alice.send(lobby.id, "zebra in the lobby");
      await alice.send(open.id, "zebra in a public room bob never joined");
      await indexed(alice, "zebra", 3);
      assert.deepEqual(await texts(bob, "zebra"), ["zebra in the lobby"]);
      assert.deepEqual(await texts(bob, `in:${secret.id}`), []);
      assert.deepEqual(await texts(bob, "in:secret zebra"), []);

      // Leaving hides a room at once.
      await bob.leave(lobby.id);
      assert.deepEqual(await texts(bob, "zebra"), []);
      // Joining later: the history from before is searchable (members read all of it).
      await carol.join(open.id);
      assert.deepEqual(await texts(carol, "zebra"), ["zebra in a public room bob never joined"]);
      // Invited into the private room: found there too.
      await alice.invite(secret.id, (await carol.me()).username);
      await carol.join(secret.id);
      assert.equal((await texts(carol, "zebra")).length, 2);
      // Direct rooms are rooms too, named after the peer.
      const dm = await alice.dm((await carol.me()).username);
      await alice.send(dm.id, "zebra between us");
      await waitFor("the dm", async () => (await texts(carol, "zebra")).length === 3);
      assert.deepEqual(await texts(carol, `in:${(await alice.me()).username} zebra`), [
        "zebra between us",
      ]);
      assert.deepEqual(await texts(bob, "zebra"), []);
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});

Deno.test({
  name: "search: messages acknowledged before a kill -9 and not yet indexed are found after it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kvPath = await tempKvPath();
    const port = freePort();
    let server = await startServer({ kvPath, port, env: FAST });
    const alice = await newUser(server.url, "alice");
    const room = await alice.createRoom("durable");
    const socket = await RecordingSocket.open(alice);
    const acked: Message[] = [];
    let stop = false;
    const sending = (async () => {
      for (let i = 0; !stop; i++) {
        try {
          acked.push(await socket.socket.send(room.id, `crashword unique${i}`));
        } catch {
          return; // the connection went with the server
        }
      }
    })();
    await sleep(600);
    await server.kill();
    stop = true;
    await sending;
    socket.close();
    assert.ok(acked.length > 10, `acknowledged: ${acked.length}`);
    // The kill came between storing and indexing: the marker is behind the head.
    const kv = await Deno.openKv(kvPath);
    const marker = (await kv.get<{ rev: number }>(["sx_rev", room.id])).value?.rev ?? 0;
    const head = (await kv.get<{ seq: number; rev?: number }>(["room_seq", room.id])).value!;
    kv.close();
    assert.ok(marker < (head.rev ?? head.seq), `index ${marker}, head ${head.rev ?? head.seq}`);
    server = await startServer({ kvPath, port, env: FAST });
    try {
      await waitFor("every acknowledged message found", async () => {
        const found = new Set((await everything(alice, "crashword")).map((m) => m.seq));
        return acked.every((m) => found.has(m.seq));
      });
      const last = acked.at(-1)!;
      assert.deepEqual(await texts(alice, `unique${acked.length - 1}`), [last.text]);
    } finally {
      await server.stop();
    }
    await assertSound(kvPath);
  },
});

Deno.test({
  name: "search: a store with messages and no index is indexed at start; reindex equals it",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const kvPath = await tempKvPath();
    const port = freePort();
    let server = await startServer({ kvPath, port, env: FAST });
    const [alice, bob] = await Promise.all([
      newUser(server.url, "alice"),
      newUser(server.url, "bob"),
    ]);
    const rooms = await Promise.all(["north", "south", "east"].map((n) => alice.createRoom(n)));
    for (const room of rooms) await bob.join(room.id);
    for (const i of range(1, 60)) {
      const api = i % 2 ? alice : bob;
      await api.send(rooms[i % 3].id, `message ${i} über café 東京タワー https://x.example/${i}`);
    }
    const m = await alice.send(rooms[0].id, "edited later");
    await alice.edit(rooms[0].id, m.seq, "edited now, twice");
    await alice.deleteMessage(rooms[1].id, 2);
    await alice.react(rooms[2].id, 3, "👍");
    await indexed(alice, "message", 59);
    await server.stop();
    const incremental = await snapshot(kvPath);
    assert.ok(incremental.length > 500, `index entries: ${incremental.length}`);

    // The task, as an operator runs it (server stopped or not).
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["task", "--quiet", "reindex", `--kv=${kvPath}`],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(run.stdout);
    assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
    assert.match(out, /^Reindexed 3 rooms, \d+ messages in [\d.]+ s \(\d+ messages\/s\)/);
    assert.deepEqual(await snapshot(kvPath), incremental, "reindex equals the incremental index");

    // A store from before search: no index at all. The server builds it by itself.
    const kv = await Deno.openKv(kvPath);
    for (const prefix of [["sx"], ["sx_dict"], ["sx_doc"], ["sx_rev"]]) {
      for await (const e of kv.list({ prefix })) await kv.delete(e.key);
    }
    kv.close();
    server = await startServer({ kvPath, port, env: FAST });
    try {
      await indexed(alice, "message", 59);
      assert.deepEqual(await texts(alice, "edited"), ["edited now, twice"]);
      assert.equal((await everything(alice, "has:link")).length, 59);
    } finally {
      await server.stop();
    }
    assert.deepEqual(await snapshot(kvPath), incremental, "rebuilt at start: the same index");
    await assertSound(kvPath);
  },
});

Deno.test({
  name: "search: two isolates writing and editing while others search",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const server = await startServer({ parallel: 2, env: FAST });
    try {
      const people = await Promise.all(range(1, 4).map((i) => newUser(server.url, `p${i}`)));
      const room = await people[0].createRoom("busy");
      const side = await people[1].createRoom("side");
      for (const p of people.slice(1)) await p.join(room.id);
      await people[0].join(side.id);
      let searching = true;
      let searches = 0;
      const searcher = (async () => {
        while (searching) {
          const page = await people[3].search("parallel", { limit: 50 });
          for (const r of page.results) assert.match(r.message.text, /parallel/);
          searches++;
        }
      })();
      // Each request lands on either isolate: sends, then edits of every fifth.
      const sent: Array<{ api: ChatApi; message: Message }> = [];
      await Promise.all(
        people.slice(0, 3).map((p, who) =>
          Promise.all(
            range(1, 40).map(async (i) => {
              const target = who < 2 && i % 4 === 0 ? side.id : room.id;
              const message = await p.send(target, `parallel ${who}-${i}`);
              if (target === room.id) sent.push({ api: p, message });
            }),
          )
        ),
      );
      const edits = sent.filter((_, i) => i % 5 === 0);
      await Promise.all(
        edits.map(({ api, message }) => api.edit(room.id, message.seq, `${message.text} edited`)),
      );
      await indexed(people[3], "parallel", sent.length);
      await waitFor(
        "every edit",
        async () => (await everything(people[3], "edited")).length === edits.length,
      );
      searching = false;
      await searcher;
      assert.ok(searches > 3, `searches meanwhile: ${searches}`);
      const found = await everything(people[3], "parallel");
      assert.equal(found.length, sent.length);
      assert.equal(new Set(found.map((m) => m.seq)).size, sent.length, "each once");
      assert.ok(found.every((m) => m.roomId === room.id), "only the rooms they are in");
    } finally {
      await server.stop();
    }
    await assertSound(server.kvPath);
  },
});
