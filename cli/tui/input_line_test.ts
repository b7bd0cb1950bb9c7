import assert from "node:assert/strict";
import { displayWidth } from "../width.ts";
import { InputLine } from "./input_line.ts";

Deno.test("InputLine inserts at the cursor and moves by grapheme", () => {
  const line = new InputLine();
  line.insert("helo");
  line.left();
  line.insert("l");
  assert.equal(line.text, "hello");
  line.home();
  line.deleteForward();
  line.end();
  line.insert(" 👩‍💻");
  line.left();
  line.backspace();
  assert.equal(line.text, "ello👩‍💻");
});

Deno.test("InputLine joins a combining mark to the character before it", () => {
  const line = new InputLine();
  line.insert("e");
  line.insert("\u0301");
  assert.equal(line.cursor, 1);
  line.backspace();
  assert.equal(line.text, "");
});

Deno.test("InputLine moves and deletes by word", () => {
  const line = new InputLine();
  line.insert("one two  three");
  line.wordLeft();
  assert.equal(line.cursor, 9);
  line.wordLeft();
  line.wordRight();
  assert.equal(line.cursor, 7);
  line.end();
  line.deleteWordBack();
  assert.equal(line.text, "one two  ");
  line.home();
  line.wordRight();
  line.deleteToEnd();
  assert.equal(line.text, "one");
  line.deleteToStart();
  assert.equal(line.text, "");
});

Deno.test("InputLine keeps a history and the draft being typed", () => {
  const line = new InputLine();
  line.insert("first");
  assert.equal(line.commit(), "first");
  line.insert("second");
  line.commit();
  line.insert("secret");
  line.commit({ secret: true });
  line.insert("draft");
  line.historyUp();
  assert.equal(line.text, "second");
  line.historyUp();
  line.historyUp();
  assert.equal(line.text, "first");
  line.historyDown();
  line.historyDown();
  assert.equal(line.text, "draft");
});

Deno.test("InputLine drops control characters from pastes but keeps newlines", () => {
  const line = new InputLine();
  line.insert("a\x1b[31mb\r\nc\td");
  assert.equal(line.text, "a[31mb\nc    d");
  assert.equal(line.render(40).text, "a[31mb↵c    d");
});

Deno.test("InputLine.render() scrolls to keep the cursor visible", () => {
  const line = new InputLine();
  line.insert("x".repeat(100));
  const end = line.render(20);
  assert.equal(displayWidth(end.text) <= 20, true);
  assert.equal(end.cursor, displayWidth(end.text));
  line.home();
  const start = line.render(20);
  assert.equal(start.cursor, 0);
  assert.equal(start.text, "x".repeat(20));
  line.set("日本語".repeat(20), 30);
  const mid = line.render(11);
  assert.equal(displayWidth(mid.text) <= 11, true);
  assert.equal(mid.cursor >= 0 && mid.cursor < 11, true);
});

Deno.test("InputLine.render() shows nothing of a hidden (password) line", () => {
  const line = new InputLine();
  line.insert("hunter22");
  assert.deepEqual(line.render(40, { hidden: true }), { text: "", cursor: 0 });
});

Deno.test("set() keeps control characters of a loaded text off the screen", () => {
  const line = new InputLine();
  line.set("/edit a\x1b[2Jb\u2028c\x07");
  assert.equal(line.text, "/edit a[2Jb\nc");
});
