import assert from "node:assert/strict";
import { KeyParser } from "./keys.ts";

function parse(...chunks: string[]) {
  const parser = new KeyParser();
  return chunks.flatMap((chunk) => parser.feed(chunk));
}

Deno.test("KeyParser groups printable text and names control keys", () => {
  assert.deepEqual(parse("héllo 日本\r"), [
    { type: "text", text: "héllo 日本" },
    { type: "key", name: "enter" },
  ]);
  assert.deepEqual(parse("\x7f\t\x01\x17"), [
    { type: "key", name: "backspace" },
    { type: "key", name: "tab" },
    { type: "ctrl", key: "a" },
    { type: "ctrl", key: "w" },
  ]);
});

Deno.test("KeyParser reads CSI and SS3 cursor keys, with modifiers", () => {
  assert.deepEqual(parse("\x1b[A\x1bOB\x1b[3~\x1b[5~\x1b[1;5D\x1b[H\x1b[4~"), [
    { type: "key", name: "up" },
    { type: "key", name: "down" },
    { type: "key", name: "delete" },
    { type: "key", name: "pageup" },
    { type: "key", name: "wordleft" },
    { type: "key", name: "home" },
    { type: "key", name: "end" },
  ]);
});

Deno.test("KeyParser reads Alt keys and a lone Escape", () => {
  assert.deepEqual(parse("\x1b2\x1bb\x1b\r"), [
    { type: "alt", key: "2" },
    { type: "key", name: "wordleft" },
    { type: "alt", key: "\r" },
  ]);
  assert.deepEqual(parse("\x1b"), [{ type: "key", name: "escape" }]);
});

Deno.test("KeyParser joins an escape sequence split across reads", () => {
  assert.deepEqual(parse("a\x1b[", "1;5C"), [
    { type: "text", text: "a" },
    { type: "key", name: "wordright" },
  ]);
});

Deno.test("KeyParser keeps a bracketed paste whole, even across reads", () => {
  assert.deepEqual(parse("x\x1b[200~line1\nli", "ne2\x1b[201~y"), [
    { type: "text", text: "x" },
    { type: "paste", text: "line1\nline2" },
    { type: "text", text: "y" },
  ]);
});

Deno.test("KeyParser drops unknown escape sequences", () => {
  assert.deepEqual(parse("\x1b[99zok"), [{ type: "text", text: "ok" }]);
});
