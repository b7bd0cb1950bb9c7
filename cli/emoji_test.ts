import assert from "node:assert/strict";
import { parseEmoji, SHORTCODE_NAMES } from "./emoji.ts";
import { InvalidInputError } from "./errors.ts";

Deno.test("parseEmoji() takes one emoji, ZWJ sequences included", () => {
  assert.equal(parseEmoji("👍"), "👍");
  assert.equal(parseEmoji("❤️"), "❤️");
  assert.equal(parseEmoji("👩‍💻"), "👩‍💻");
});

Deno.test("parseEmoji() turns shortcodes into emoji, the closing colon optional", () => {
  assert.equal(parseEmoji(":+1:"), "👍");
  assert.equal(parseEmoji(":TADA:"), "🎉");
  assert.equal(parseEmoji(":eyes"), "👀");
  assert.ok(SHORTCODE_NAMES.includes(":thumbsup:"));
  for (const name of SHORTCODE_NAMES) assert.ok(parseEmoji(name), name);
});

Deno.test("parseEmoji() refuses text, two emoji and unknown shortcodes", () => {
  for (const bad of ["ok", "👍👍", "", "\ud83d", "x".repeat(5000), "\x1b[2J"]) {
    assert.throws(() => parseEmoji(bad), InvalidInputError, JSON.stringify(bad));
  }
  assert.throws(() => parseEmoji(":nope:"), /Unknown emoji shortcode: ":nope:"/);
  assert.throws(() => parseEmoji("\x1b[2J"), /got "\^\[\[2J"/);
});
