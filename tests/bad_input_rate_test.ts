/**
 * Per-user send rate limiting against the real server: over the burst a send is
 * refused with `rate_limited` and a retry time, over HTTP as over the socket, other
 * users are not slowed down, and a client that floods on is closed with 4029.
 * Each bad input must get its documented error, change nothing, and never crash
 * the server or leak internals. One server for the file; the steps check "nothing
 * changed" against a few stable rooms made at the start.
 */

import assert from "node:assert/strict";
import { ApiError } from "../lib/client/http.ts";
import type { Message } from "../lib/protocol/types.ts";
import { assertError, BAD_INPUT_ENV, delay, stableRooms, withServer } from "./_api.ts";
import type { Frame } from "./_probe.ts";

Deno.test({
  name: "bad input: sending faster than the per-user rate is refused, then disconnected (4029)",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(BAD_INPUT_ENV, async (api) => {
      const { req, newUser, probeOf } = api;
      const { owner, assertUnchanged } = await stableRooms(api);

      await t.step(
        "sending faster than the per-user rate: rate_limited with retryAfterMs, then 4029",
        async () => {
          const fast = await newUser("fast");
          const calm = await newUser("calm");
          const own = await fast.createRoom("Fast");
          await calm.join(own.id);
          const probe = await probeOf(fast);

          // The burst (5) goes through; the next send is refused with a retry time.
          for (let i = 0; i < 5; i++) {
            probe.send({ type: "send", roomId: own.id, text: `burst ${i}`, ref: `b${i}` });
          }
          const acks = await Promise.all(
            Array.from(
              { length: 5 },
              (_, i) => probe.next((f) => f.type === "ack" && f.ref === `b${i}`),
            ),
          );
          assert.deepEqual(acks.map((a) => a.message.seq).sort((a, b) => a - b), [1, 2, 3, 4, 5]);
          probe.send({ type: "send", roomId: own.id, text: "one too many", ref: "over" });
          const limited = await probe.error("over");
          assert.equal(limited.code, "rate_limited");
          assert.equal(typeof limited.retryAfterMs, "number");
          assert.ok(limited.retryAfterMs > 0 && limited.retryAfterMs <= 1000, limited.retryAfterMs);
          await probe.assertAlive();

          // The limit is per user, whichever door: HTTP answers 429 with Retry-After.
          const http = await req("POST", `/api/rooms/${own.id}/messages`, {
            token: fast.token,
            body: { text: "over http" },
          });
          assertError(http, 429, "rate_limited");
          const retryAfter = Number(http.headers.get("retry-after"));
          assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After ${retryAfter}`);
          assert.equal((await fast.room(own.id)).room.lastSeq, 5);
          try {
            await fast.send(own.id, "through the client");
            assert.fail("the client library should surface rate_limited");
          } catch (err) {
            assert.ok(err instanceof ApiError);
            assert.equal(err.code, "rate_limited");
            assert.ok((err.retryAfterMs ?? 0) >= 1000);
          }
          // Other users are not slowed down.
          assert.equal((await calm.send(own.id, "unaffected")).seq, 6);

          // After waiting as told, sending works again.
          await delay(1100);
          probe.send({ type: "send", roomId: own.id, text: "after waiting", ref: "later" });
          const later = await probe.next((f) =>
            (f.type === "ack" || f.type === "error") && f.ref === "later"
          );
          assert.equal(later.type, "ack", JSON.stringify(later));
          assert.equal(later.message.seq, 7);

          // Flooding on regardless closes the socket with 4029.
          // (Each send waits for its answer, as the garbage test explains.)
          const answers: Frame[] = [];
          for (let i = 0; i < 200 && probe.ws.readyState === WebSocket.OPEN; i++) {
            probe.send({ type: "send", roomId: own.id, text: `flood ${i}`, ref: `f${i}` });
            const answer = await probe.nextOrClose((f) => f.ref === `f${i}`);
            if (answer) answers.push(answer);
          }
          const closed = await probe.closedWithin();
          assert.equal(closed.code, 4029);
          const flooded = answers.filter((f) => f.type === "ack");
          const refused = answers.filter((f) => f.type === "error");
          assert.ok(refused.length >= 1);
          assert.ok(refused.every((f) => f.code === "rate_limited"));

          // Exactly the acknowledged messages were stored, nothing else.
          await delay(200);
          const { messages } = await calm.messages(own.id);
          assert.deepEqual(messages.map((m: Message) => m.seq), messages.map((_, i) => i + 1));
          assert.equal(messages.length, 7 + flooded.length);
          const floodTexts = new Set(flooded.map((f) => f.message.text));
          assert.deepEqual(
            new Set(messages.slice(7).map((m) => m.text)),
            floodTexts,
          );
        },
      );

      await t.step("the server still answers and the stable rooms are unchanged", async () => {
        const me = await req("GET", "/api/me", { token: owner.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.user.id, owner.userId);
        await assertUnchanged("the whole file");
      });
    });
  },
});
