import assert from "node:assert/strict";
import {
  charLength,
  isWellFormedId,
  validateEmoji,
  validateMessageText,
  validatePassword,
  validateRoomName,
  validateTopic,
  validateUsername,
} from "./validate.ts";
import { FrameError, parseClientFrame } from "./frames.ts";
import { BadRequestError } from "../errors.ts";

const rejects = (fn: () => unknown, pattern: RegExp) => assert.throws(fn, pattern);

Deno.test("usernames: 3–32 of [A-Za-z0-9_.-], kept as typed", () => {
  assert.equal(validateUsername("Al_ice.b-1"), "Al_ice.b-1");
  rejects(() => validateUsername("ab"), /3–32/);
  rejects(() => validateUsername("a".repeat(33)), /3–32/);
  rejects(() => validateUsername("al ice"), /only letters/);
  rejects(() => validateUsername("al\u202eice"), /only letters/);
  rejects(() => validateUsername("al\u200bice"), /only letters/);
  rejects(() => validateUsername(42), /must be a string/);
});

Deno.test("passwords: 8–256 characters of any Unicode, no lone surrogates", () => {
  assert.equal(validatePassword("пароль🔒🔒"), "пароль🔒🔒");
  assert.equal(validatePassword("🔒".repeat(256)), "🔒".repeat(256)); // 512 UTF-16 units
  rejects(() => validatePassword("short"), /too short/);
  rejects(() => validatePassword("x".repeat(257)), /too long/);
  rejects(() => validatePassword("abcdefgh\ud800"), /lone surrogate/);
});

Deno.test("room names: trimmed, 1–64, no control or invisible formatting characters", () => {
  assert.equal(validateRoomName("  General  "), "General");
  assert.equal(validateRoomName("👨‍👩‍👧 family"), "👨‍👩‍👧 family"); // ZWJ sequences are fine
  assert.equal(validateRoomName("x".repeat(64)), "x".repeat(64));
  rejects(() => validateRoomName("   "), /must not be empty/);
  rejects(() => validateRoomName("x".repeat(65)), /too long: 65 characters, the limit is 64/);
  rejects(() => validateRoomName("bad\u0007bell"), /control/);
  rejects(() => validateRoomName("evil\u202eexe.txt"), /control or invisible/);
  rejects(() => validateRoomName("zero\u200bwidth"), /control or invisible/);
  rejects(() => validateRoomName("a\udc00"), /lone surrogate/);
  assert.equal(validateTopic(undefined), "");
  rejects(() => validateTopic("t".repeat(257)), /Topic is too long/);
});

Deno.test("message text: trailing whitespace trimmed, 1–4000 characters, no NUL", () => {
  assert.equal(validateMessageText("  indented\n\n  "), "  indented");
  assert.equal(validateMessageText("😀".repeat(4000)).length, 8000);
  assert.equal(
    validateMessageText("ESC \u001b[2J is allowed text"),
    "ESC \u001b[2J is allowed text",
  );
  rejects(() => validateMessageText(" \n\t "), /must not be empty/);
  rejects(() => validateMessageText("x".repeat(4001)), /4001 characters, the limit is 4000/);
  rejects(() => validateMessageText("a\0b"), /NUL/);
  rejects(() => validateMessageText("a\ud83d"), /lone surrogate/);
  assert.equal(charLength("😀a"), 2);
});

Deno.test("ids: only what the server mints is well formed", () => {
  assert.equal(isWellFormedId("abc123"), true);
  for (const bad of ["", "../etc", "a\0b", "A", "x".repeat(5000), "é", 12]) {
    assert.equal(isWellFormedId(bad), false);
  }
});

Deno.test("parseClientFrame() accepts every client frame and rejects the rest with the ref", () => {
  assert.deepEqual(parseClientFrame('{"type":"subscribe","roomId":"r","since":3}'), {
    type: "subscribe",
    roomId: "r",
    since: 3,
    sinceRev: undefined,
    ref: undefined,
  });
  assert.equal(parseClientFrame('{"type":"ping","ref":"p1"}').ref, "p1");
  // v2 frames.
  assert.deepEqual(parseClientFrame('{"type":"subscribe","roomId":"r","sinceRev":0}'), {
    type: "subscribe",
    roomId: "r",
    since: undefined,
    sinceRev: 0,
    ref: undefined,
  });
  assert.deepEqual(parseClientFrame('{"type":"edit","roomId":"r","seq":2,"text":"t"}'), {
    type: "edit",
    roomId: "r",
    seq: 2,
    text: "t",
    ref: undefined,
  });
  assert.deepEqual(
    parseClientFrame('{"type":"react","roomId":"r","seq":2,"emoji":"👍","on":true}'),
    {
      type: "react",
      roomId: "r",
      seq: 2,
      emoji: "👍",
      on: true,
      ref: undefined,
    },
  );
  assert.equal(
    (parseClientFrame('{"type":"send","roomId":"r","text":"t","replyTo":4}') as {
      replyTo?: number;
    }).replyTo,
    4,
  );
  const fail = (text: string) => {
    try {
      parseClientFrame(text);
    } catch (err) {
      assert.ok(err instanceof FrameError);
      return { message: err.message, ref: err.ref };
    }
    throw new Error("accepted");
  };
  assert.match(fail("{nope").message, /not valid JSON/);
  assert.match(fail("[1,2]").message, /JSON object/);
  assert.deepEqual(fail('{"type":"dance","ref":"r9"}'), {
    message: 'Unknown frame type: "dance"',
    ref: "r9",
  });
  assert.match(fail('{"type":"read","roomId":"r","seq":-1}').message, /non-negative integer/);
  assert.match(
    fail('{"type":"send","roomId":"r","text":"x","clientId":"a b"}').message,
    /clientId/,
  );
  assert.match(fail('{"type":"send","roomId":7,"text":"x"}').message, /roomId/);
  assert.match(fail('{"type":"ping","ref":{"x":1}}').message, /ref/);
  assert.match(fail('{"type":"react","roomId":"r","seq":1,"emoji":"👍"}').message, /"on"/);
  assert.match(fail('{"type":"edit","roomId":"r","seq":1}').message, /"text"/);
  assert.match(fail('{"type":"delete","roomId":"r","seq":1.5}').message, /seq/);
  assert.match(fail('{"type":"subscribe","roomId":"r","sinceRev":"3"}').message, /sinceRev/);
  assert.match(fail('{"type":"send","roomId":"r","text":"x","replyTo":-2}').message, /replyTo/);
});

Deno.test("validateEmoji() takes one emoji, ZWJ sequences and flags included", () => {
  for (const ok of ["👍", "❤", "❤️", "👨‍👩‍👧", "🇫🇷", "1️⃣", "👍🏽", "🏳️‍🌈"]) {
    assert.equal(validateEmoji(ok), ok);
  }
  for (const bad of ["", "a", "1", "👍👍", "\ud83d", "x👍", "👍 ", "😀".repeat(10), 5, null]) {
    assert.throws(() => validateEmoji(bad), BadRequestError, JSON.stringify(bad));
  }
});
