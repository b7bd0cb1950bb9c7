import assert from "node:assert/strict";
import { InterruptedError } from "./errors.ts";
import { applyHiddenKeys, splitLines } from "./stdin.ts";

async function collect(chunks: string[]): Promise<string[]> {
  async function* source() {
    yield* chunks;
  }
  const lines: string[] = [];
  for await (const line of splitLines(source())) lines.push(line);
  return lines;
}

Deno.test("splitLines() joins chunks and splits on LF and CRLF", async () => {
  assert.deepEqual(await collect(["one\ntw", "o\r\nthr", "ee"]), ["one", "two", "three"]);
  assert.deepEqual(await collect(["a\n\nb\n"]), ["a", "", "b"]);
  assert.deepEqual(await collect([]), []);
});

Deno.test("applyHiddenKeys() edits the hidden text and stops at Enter", () => {
  assert.deepEqual(applyHiddenKeys("", "secr"), { text: "secr", done: false });
  assert.deepEqual(applyHiddenKeys("secr", "x\x7fet\r"), { text: "secret", done: true });
  assert.deepEqual(applyHiddenKeys("abc", "\x15pässwörd"), { text: "pässwörd", done: false });
  assert.deepEqual(applyHiddenKeys("ab", "\x1b"), { text: "ab", done: false });
});

Deno.test("applyHiddenKeys() throws on Ctrl-C and on Ctrl-D at an empty prompt", () => {
  assert.throws(() => applyHiddenKeys("abc", "\x03"), InterruptedError);
  assert.throws(() => applyHiddenKeys("", "\x04"), InterruptedError);
  assert.deepEqual(applyHiddenKeys("a", "\x04"), { text: "a", done: false });
});
