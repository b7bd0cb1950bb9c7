/**
 * Bad WebSocket frames against the real server: binary frames, invalid JSON,
 * non-objects and unknown frame types, frames over 16 KiB, a client that keeps
 * sending garbage, frames for rooms the user is not in or that do not exist, and
 * bad message texts.
 * Each bad input must get its documented error, change nothing, and never crash
 * the server or leak internals. One server for the file; the steps check "nothing
 * changed" against a few stable rooms made at the start.
 */

import assert from "node:assert/strict";
import { BAD_INPUT_ENV, ENCODER, LEAK_RE, stableRooms, withServer } from "./_api.ts";
import type { Frame } from "./_probe.ts";

Deno.test({
  name: "bad input over WebSocket: bad frames get error frames or a close code, change nothing",
  // One server and its sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    await withServer(BAD_INPUT_ENV, async (api) => {
      const { req, probeOf } = api;
      const { owner, outsider, room, secret, assertUnchanged } = await stableRooms(api);

      await t.step("WS: binary frames get an error frame and the socket stays open", async () => {
        const probe = await probeOf(owner);
        probe.send(new Uint8Array([1, 2, 3, 4]));
        const error = await probe.error();
        assert.equal(error.code, "bad_request");
        assert.equal(typeof error.message, "string");
        await probe.assertAlive();
        probe.send(ENCODER.encode(JSON.stringify({ type: "ping", ref: "binary-json" })));
        assert.equal((await probe.error()).code, "bad_request");
        await probe.assertAlive();
        probe.close();
        await assertUnchanged("binary frames");
      });

      await t.step("WS: invalid JSON, non-objects and unknown types get error frames", async () => {
        const probe = await probeOf(owner);
        for (const text of ["{", "not json", "", "[]", "null", "42", '"ping"', "\0"]) {
          probe.send(text);
          const error = await probe.error();
          assert.equal(error.code, "bad_request", JSON.stringify(text));
          assert.doesNotMatch(error.message, LEAK_RE);
        }
        await probe.assertAlive();

        const withRef: Array<[Frame, string]> = [
          [{ type: "explode", ref: "u1" }, "u1"],
          [{ type: "__proto__", ref: "u2" }, "u2"],
          [{ type: "constructor", ref: "u3" }, "u3"],
          [{ ref: "u4" }, "u4"],
          [{ type: 5, ref: "u5" }, "u5"],
          [{ type: "SEND", roomId: room.id, text: "caps", ref: "u6" }, "u6"],
          [{ type: "subscribe", ref: "u7" }, "u7"],
          [{ type: "subscribe", roomId: 123, ref: "u8" }, "u8"],
          [{ type: "subscribe", roomId: room.id, since: -1, ref: "u9" }, "u9"],
          [{ type: "send", roomId: room.id, ref: "u10" }, "u10"],
          [{ type: "send", roomId: room.id, text: 5, ref: "u11" }, "u11"],
          [{ type: "send", roomId: room.id, text: "x", clientId: "", ref: "u12" }, "u12"],
          [{ type: "read", roomId: room.id, seq: "1", ref: "u13" }, "u13"],
          [{ type: "read", roomId: room.id, seq: 1.5, ref: "u14" }, "u14"],
        ];
        for (const [frame, ref] of withRef) {
          probe.send(frame);
          const error = await probe.error(ref);
          assert.equal(error.code, "bad_request", JSON.stringify(frame));
        }
        // An unusable ref is not echoed, but still answered.
        probe.send({ type: "ping", ref: 42 });
        assert.equal((await probe.error()).code, "bad_request");
        probe.send({ type: "ping", ref: "r".repeat(5000) });
        assert.equal((await probe.error()).code, "bad_request");
        await probe.assertAlive();
        probe.close();
        await assertUnchanged("malformed frames");
      });

      await t.step(
        "WS: frames over 16 KiB close the socket with 1009, binary ones too",
        async () => {
          // Exactly 16 KiB is allowed.
          const probe = await probeOf(owner);
          const frame = (padLength: number) =>
            JSON.stringify({ type: "ping", ref: "fits", pad: "p".repeat(padLength) });
          const fill = 16 * 1024 - frame(0).length;
          probe.send(frame(fill));
          await probe.next((f) => f.type === "pong" && f.ref === "fits");

          probe.send({ type: "send", roomId: room.id, text: "x".repeat(17 * 1024), ref: "big" });
          assert.equal((await probe.closedWithin()).code, 1009);
          assert.ok(!probe.frames.some((f) => f.type === "ack"));

          // Multi-byte characters count in bytes: 6000 × 3 bytes is over the limit.
          const multibyte = await probeOf(owner);
          multibyte.send({ type: "ping", ref: "€".repeat(6000) });
          assert.equal((await multibyte.closedWithin()).code, 1009);

          const binary = await probeOf(owner);
          binary.send(new Uint8Array(17 * 1024));
          assert.equal((await binary.closedWithin()).code, 1009);
          await assertUnchanged("oversized frames");
        },
      );

      await t.step("WS: a client that keeps sending garbage is closed with 1008", async () => {
        // Each bad frame is answered until the server has had enough. The client
        // waits for each answer: Deno drops a connection without its close frame
        // when frames keep arriving after the server closed (reported, not fixed).
        const probe = await probeOf(owner);
        let errors = 0;
        for (let i = 0; i < 200 && probe.ws.readyState === WebSocket.OPEN; i++) {
          probe.send(i % 2 ? "garbage" : new Uint8Array([i]));
          if (await probe.nextOrClose((f) => f.type === "error")) errors++;
        }
        const closed = await probe.closedWithin();
        assert.equal(closed.code, 1008);
        assert.ok(errors >= 1, "bad frames are answered before the socket is closed");

        // A client that pipelines garbage without reading is disconnected as well.
        const pipelined = await probeOf(owner);
        for (let i = 0; i < 200 && pipelined.ws.readyState === WebSocket.OPEN; i++) {
          pipelined.send("garbage");
        }
        await pipelined.closedWithin();
        assert.equal(pipelined.ws.readyState, WebSocket.CLOSED);

        // A well-behaved socket of the same user is unaffected.
        await (await probeOf(owner)).assertAlive();
        await assertUnchanged("garbage frames");
      });

      await t.step(
        "WS: non-members are forbidden; unknown or invalid rooms are not_found",
        async () => {
          const probe = await probeOf(outsider);
          const cases: Array<[Frame, string]> = [
            [{ type: "subscribe", roomId: secret.id }, "forbidden"],
            [{ type: "subscribe", roomId: room.id }, "forbidden"], // public: join first
            [{ type: "subscribe", roomId: room.id, since: 0 }, "forbidden"],
            [{ type: "send", roomId: secret.id, text: "let me in" }, "forbidden"],
            [{ type: "send", roomId: room.id, text: "drive-by" }, "forbidden"],
            [{ type: "typing", roomId: secret.id }, "forbidden"],
            [{ type: "read", roomId: secret.id, seq: 1 }, "forbidden"],
            [{ type: "subscribe", roomId: "doesnotexist0000" }, "not_found"],
            [{ type: "subscribe", roomId: "../etc" }, "not_found"],
            [{ type: "subscribe", roomId: "\0" }, "not_found"],
            [{ type: "subscribe", roomId: "" }, "not_found"],
            [{ type: "subscribe", roomId: "x".repeat(5 * 1024) }, "not_found"],
            [{ type: "subscribe", roomId: "😀" }, "not_found"],
            [{ type: "subscribe", roomId: "__proto__" }, "not_found"],
            [{ type: "send", roomId: "doesnotexist0000", text: "anyone?" }, "not_found"],
            [{ type: "send", roomId: "../etc", text: "anyone?" }, "not_found"],
            [{ type: "send", roomId: "x".repeat(5 * 1024), text: "anyone?" }, "not_found"],
            [{ type: "typing", roomId: "../etc" }, "not_found"],
            [{ type: "read", roomId: "doesnotexist0000", seq: 1 }, "not_found"],
          ];
          for (const [i, [frame, code]] of cases.entries()) {
            const ref = `nm${i}`;
            probe.send({ ...frame, ref });
            const error = await probe.error(ref);
            assert.equal(error.code, code, JSON.stringify(frame).slice(0, 80));
          }
          await probe.assertAlive();
          assert.ok(!probe.frames.some((f) => f.type === "message" || f.type === "subscribed"));
          await assertUnchanged("non-member frames");
        },
      );

      await t.step("WS: bad texts in send frames change nothing", async () => {
        const probe = await probeOf(owner);
        const texts = ["", "   \n", "nul\0", "lone \ud800", "x".repeat(4001)];
        for (const [i, text] of texts.entries()) {
          probe.send({ type: "send", roomId: room.id, text, ref: `t${i}` });
          assert.equal((await probe.error(`t${i}`)).code, "bad_request");
        }
        await probe.assertAlive();
        assert.ok(!probe.frames.some((f) => f.type === "ack"));
        await assertUnchanged("bad texts over the socket");
      });

      await t.step("the server still answers and the stable rooms are unchanged", async () => {
        const me = await req("GET", "/api/me", { token: owner.token });
        assert.equal(me.status, 200);
        assert.equal(me.body.user.id, owner.userId);
        await assertUnchanged("the whole file");
      });
    });
  },
});
