/**
 * Messages and direct rooms of PROTOCOL.md against the real server over real
 * sockets: sending with per-room seq, idempotent retries by clientId, history
 * paging both ways, and `POST /api/dms` (also from both sides at once). Each test
 * starts its own server; every step uses its own users so steps stay independent
 * of each other's data.
 */

import assert from "node:assert/strict";
import type { ChatApi } from "../lib/client/http.ts";
import type { Message, Room } from "../lib/protocol/types.ts";
import { API_ENV, rejects, withServer } from "./_api.ts";

Deno.test({
  name: "messages: POST with per-room seq, a repeated clientId is one message, history pages",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ raw, newUser }) => {
      await t.step(
        "POST messages answers 201 {message} with per-room seq; members only",
        async () => {
          const owner = await newUser("send");
          const stranger = await newUser("sendx");
          const open = await owner.createRoom("Sending");
          const before = Date.now();
          const res = await raw("POST", `/api/rooms/${open.id}/messages`, {
            token: owner.token,
            body: { text: "  hello world  \n" },
          });
          assert.equal(res.status, 201);
          const message: Message = res.body.message;
          assert.equal(typeof message.id, "string");
          assert.equal(message.roomId, open.id);
          assert.equal(message.seq, 1);
          assert.equal(message.userId, owner.userId);
          assert.equal(message.username, owner.name);
          // Trailing whitespace is trimmed, leading whitespace is the author's.
          assert.equal(message.text, "  hello world");
          assert.ok(message.createdAt >= before - 1000 && message.createdAt <= Date.now() + 1000);
          assert.equal((await owner.send(open.id, "second")).seq, 2);
          assert.equal((await owner.room(open.id)).room.lastSeq, 2);

          // A non-member of a public room may read but not post.
          await rejects(stranger.send(open.id, "drive-by"), 403, "forbidden");
          assert.equal((await stranger.messages(open.id)).messages.length, 2);
          // A private room's history is for members only.
          const secret = await owner.createRoom("Sending private", { kind: "private" });
          await owner.send(secret.id, "classified");
          await rejects(stranger.messages(secret.id), 403, "forbidden");
          await rejects(stranger.send(secret.id, "let me in"), 403, "forbidden");
          await rejects(stranger.send("doesnotexist0000", "anyone?"), 404, "not_found");
          await rejects(stranger.messages("doesnotexist0000"), 404, "not_found");
          assert.equal((await owner.room(secret.id)).room.lastSeq, 1);
          assert.equal((await owner.room(open.id)).room.lastSeq, 2);
        },
      );

      await t.step("a repeated clientId returns the original message (200), per user", async () => {
        const alice = await newUser("idem");
        const bob = await newUser("idemb");
        const open = await alice.createRoom("Idempotent");
        await bob.join(open.id);
        const path = `/api/rooms/${open.id}/messages`;

        const first = await raw("POST", path, {
          token: alice.token,
          body: { text: "once", clientId: "c-1" },
        });
        assert.equal(first.status, 201);
        assert.equal(first.body.message.clientId, "c-1");
        const retry = await raw("POST", path, {
          token: alice.token,
          body: { text: "once", clientId: "c-1" },
        });
        assert.equal(retry.status, 200);
        assert.deepEqual(retry.body.message, first.body.message);
        // Even with different text, the retry names the stored message.
        const changed = await raw("POST", path, {
          token: alice.token,
          body: { text: "twice?", clientId: "c-1" },
        });
        assert.equal(changed.status, 200);
        assert.deepEqual(changed.body.message, first.body.message);
        assert.equal((await alice.room(open.id)).room.lastSeq, 1);

        // Another user's clientId is theirs: a separate message.
        const other = await raw("POST", path, {
          token: bob.token,
          body: { text: "mine", clientId: "c-1" },
        });
        assert.equal(other.status, 201);
        assert.notEqual(other.body.message.id, first.body.message.id);
        assert.equal(other.body.message.seq, 2);
        assert.equal(other.body.message.userId, bob.userId);

        // The same clientId in another room is another message too.
        const elsewhere = await alice.createRoom("Idempotent 2");
        const moved = await raw("POST", `/api/rooms/${elsewhere.id}/messages`, {
          token: alice.token,
          body: { text: "once", clientId: "c-1" },
        });
        assert.equal(moved.status, 201);
        assert.equal(moved.body.message.roomId, elsewhere.id);

        // Concurrent retries of one clientId store one message.
        const burst = await Promise.all(
          Array.from(
            { length: 8 },
            () =>
              raw("POST", path, { token: alice.token, body: { text: "racy", clientId: "c-2" } }),
          ),
        );
        assert.equal(burst.filter((r) => r.status === 201).length, 1);
        assert.equal(burst.filter((r) => r.status === 200).length, 7);
        assert.equal(new Set(burst.map((r) => r.body.message.id)).size, 1);
        const { messages } = await alice.messages(open.id);
        assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3]);
        assert.deepEqual(messages.map((m) => m.text), ["once", "mine", "racy"]);
      });

      await t.step(
        "history pages both ways: before, after, limit 1–100, newest 50 by default",
        async () => {
          const owner = await newUser("hist");
          const reader = await newUser("histr");
          const open = await owner.createRoom("History");
          const total = 130;
          for (let i = 1; i <= total; i++) await owner.send(open.id, `m${i}`);

          function check(page: { messages: Message[] }, from: number, to: number) {
            const seqs = page.messages.map((m) => m.seq);
            const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
            assert.deepEqual(seqs, expected);
            assert.deepEqual(page.messages.map((m) => m.text), expected.map((s) => `m${s}`));
            for (const m of page.messages) assert.equal(m.roomId, open.id);
          }

          // Default: the newest 50, ascending. Non-members may read public rooms.
          const newest = await reader.messages(open.id);
          check(newest, 81, 130);
          assert.equal(newest.hasMore, true);

          // Backwards from the oldest seq seen, until the start.
          const back1 = await reader.messages(open.id, { before: 81, limit: 50 });
          check(back1, 31, 80);
          assert.equal(back1.hasMore, true);
          const back2 = await reader.messages(open.id, { before: 31, limit: 50 });
          check(back2, 1, 30);
          assert.equal(back2.hasMore, false);
          assert.deepEqual((await reader.messages(open.id, { before: 1 })).messages, []);

          // Forwards from a seq.
          const fwd1 = await reader.messages(open.id, { after: 0, limit: 100 });
          check(fwd1, 1, 100);
          assert.equal(fwd1.hasMore, true);
          const fwd2 = await reader.messages(open.id, { after: 100, limit: 100 });
          check(fwd2, 101, 130);
          assert.equal(fwd2.hasMore, false);
          const fwdEnd = await reader.messages(open.id, { after: 130 });
          assert.deepEqual(fwdEnd, { messages: [], hasMore: false });

          // Limits 1 and 100 are allowed; 0 and 101 are not.
          const one = await reader.messages(open.id, { limit: 1 });
          check(one, 130, 130);
          assert.equal(one.hasMore, true);
          const hundred = await reader.messages(open.id, { limit: 100 });
          check(hundred, 31, 130);
          assert.equal(hundred.hasMore, true);
          const exact = await reader.messages(open.id, { after: 30, limit: 100 });
          check(exact, 31, 130);
          assert.equal(exact.hasMore, false);
          await rejects(reader.messages(open.id, { limit: 0 }), 400, "bad_request");
          await rejects(reader.messages(open.id, { limit: 101 }), 400, "bad_request");

          // An empty room.
          const empty = await owner.createRoom("History empty");
          assert.deepEqual(await owner.messages(empty.id), { messages: [], hasMore: false });
        },
      );
    });
  },
});

Deno.test({
  name: "direct rooms: POST /api/dms makes one room whichever side asks, even both at once",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(API_ENV, async ({ raw, newUser }) => {
      await t.step(
        "POST /api/dms: one direct room whichever side asks (201, then 200)",
        async () => {
          const a = await newUser("dma");
          const b = await newUser("dmb");
          const outsider = await newUser("dmx");
          const first = await raw("POST", "/api/dms", {
            token: a.token,
            body: { username: b.name },
          });
          assert.equal(first.status, 201);
          const room: Room = first.body.room;
          assert.equal(room.kind, "direct");
          const second = await raw("POST", "/api/dms", {
            token: b.token,
            body: { username: a.name },
          });
          assert.equal(second.status, 200);
          assert.equal(second.body.room.id, room.id);
          const again = await raw("POST", "/api/dms", {
            token: a.token,
            body: { username: b.name },
          });
          assert.equal(again.status, 200);
          assert.equal(again.body.room.id, room.id);

          const { members } = await a.room(room.id);
          assert.deepEqual(members.map((m) => m.id).sort(), [a.userId, b.userId].sort());
          assert.ok((await b.rooms()).some((r) => r.id === room.id));
          assert.ok(!(await a.directory()).some((r) => r.id === room.id));

          // Direct rooms are closed to everyone else, and never joinable.
          await rejects(outsider.join(room.id), 403, "forbidden");
          await rejects(outsider.room(room.id), 403, "forbidden");
          await rejects(outsider.messages(room.id), 403, "forbidden");
          await rejects(outsider.send(room.id, "hi"), 403, "forbidden");
          await rejects(a.invite(room.id, outsider.name), 403, "forbidden");
          assert.equal((await a.room(room.id)).members.length, 2);

          const sent = await b.send(room.id, "hello a");
          assert.equal(sent.seq, 1);
          assert.deepEqual((await a.messages(room.id)).messages.map((m) => m.id), [sent.id]);
          await rejects(a.dm("no_such_user_here"), 404, "not_found");
        },
      );

      await t.step("concurrent dms from both sides at once make one room", async () => {
        for (let round = 0; round < 3; round++) {
          const a = await newUser("race");
          const b = await newUser("race");
          const results = await Promise.all([
            raw("POST", "/api/dms", { token: a.token, body: { username: b.name } }),
            raw("POST", "/api/dms", { token: b.token, body: { username: a.name } }),
            raw("POST", "/api/dms", { token: a.token, body: { username: b.name } }),
          ]);
          for (const res of results) assert.ok(res.status === 200 || res.status === 201);
          assert.equal(new Set(results.map((r) => r.body.room.id)).size, 1);
          assert.equal(results.filter((r) => r.status === 201).length, 1);
          const direct = async (api: ChatApi) =>
            (await api.rooms()).filter((r) => r.kind === "direct").map((r) => r.id);
          assert.deepEqual(await direct(a), [results[0].body.room.id]);
          assert.deepEqual(await direct(b), [results[0].body.room.id]);
        }
      });
    });
  },
});
