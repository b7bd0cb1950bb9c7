import assert from "node:assert/strict";
import { sanitizeLine, sanitizeLines } from "./sanitize.ts";

Deno.test("sanitizeLine() shows escape sequences in caret notation", () => {
  assert.deepEqual(sanitizeLine("\x1b[2J\x1b[Hhi"), "^[[2J^[[Hhi");
  assert.deepEqual(sanitizeLine("title\x1b]0;pwned\x07"), "title^[]0;pwned^G");
});

Deno.test("sanitizeLine() leaves no control character at all", () => {
  let all = "";
  for (let i = 0; i < 0xa0; i++) all += String.fromCharCode(i);
  const out = sanitizeLine(all);
  // deno-lint-ignore no-control-regex
  assert.deepEqual(/[\u0000-\u001f\u007f-\u009f]/.test(out), false);
  assert.deepEqual(out.includes("<9b>"), true);
  assert.deepEqual(out.includes("^?"), true);
});

Deno.test("sanitizeLine() turns newlines and tabs into spaces", () => {
  assert.deepEqual(sanitizeLine("a\nb\tc\rd"), "a b c^Md");
});

Deno.test("sanitizeLine() keeps right-to-left letters but drops bidi overrides", () => {
  assert.deepEqual(sanitizeLine("שלום"), "שלום");
  assert.deepEqual(sanitizeLine("abc\u202edef\u2066x\u2069"), "abcdefx");
});

Deno.test("sanitizeLine() keeps emoji sequences and combining marks", () => {
  assert.deepEqual(sanitizeLine("👩‍💻 e\u0301"), "👩‍💻 e\u0301");
});

Deno.test("sanitizeLines() splits on newlines and expands tabs", () => {
  assert.deepEqual(sanitizeLines("one\r\ntwo\n\tthree\u2028four"), [
    "one",
    "two",
    "    three",
    "four",
  ]);
  assert.deepEqual(sanitizeLines("bell\x07"), ["bell^G"]);
});
