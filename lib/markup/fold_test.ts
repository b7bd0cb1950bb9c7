import assert from "node:assert/strict";
import { fold, FOLD_AFTER_LINES, PREVIEW_LINES } from "./fold.ts";
import { parse } from "./parse.ts";

const lines = (n: number, prefix = "line") =>
  Array.from({ length: n }, (_, i) => `${prefix} ${i}`).join("\n");

Deno.test("fold() shows messages up to the limit whole", () => {
  const blocks = parse(lines(FOLD_AFTER_LINES));
  assert.deepEqual(fold(blocks), { shown: blocks, hidden: [] });
});

Deno.test("fold() splits a long paragraph between lines", () => {
  const { shown, hidden } = fold(parse(lines(40)));
  assert.equal(shown.length, 1);
  assert.equal(hidden.length, 1);
  const breaks = (children: { type: string }[]) => children.filter((n) => n.type === "break");
  assert.ok(shown[0].type === "paragraph" && hidden[0].type === "paragraph");
  assert.equal(breaks(shown[0].children).length, PREVIEW_LINES - 1);
  assert.deepEqual(hidden[0].children[0], { type: "text", text: `line ${PREVIEW_LINES}` });
  assert.equal(breaks(hidden[0].children).length, 40 - PREVIEW_LINES - 1);
});

Deno.test("fold() splits a code block and keeps its language on both halves", () => {
  const { shown, hidden } = fold(parse("intro\n```ts\n" + lines(30, "x") + "\n```\nouttro"));
  assert.deepEqual(shown.map((b) => b.type), ["paragraph", "codeBlock"]);
  assert.deepEqual(hidden.map((b) => b.type), ["codeBlock", "paragraph"]);
  assert.ok(shown[1].type === "codeBlock" && hidden[0].type === "codeBlock");
  assert.equal(shown[1].lang, "ts");
  assert.equal(hidden[0].lang, "ts");
  assert.equal(shown[1].text.split("\n").length, PREVIEW_LINES - 1);
  assert.equal(`${shown[1].text}\n${hidden[0].text}`, lines(30, "x"));
});

Deno.test("fold() counts long prose lines as the lines they wrap to", () => {
  const prose = ("word ".repeat(40) + "\n").repeat(8).trim(); // 8 lines of 200 characters
  const { shown, hidden } = fold(parse(prose));
  assert.ok(hidden.length > 0);
  assert.ok(shown[0].type === "paragraph");
  assert.equal(shown[0].children.filter((n) => n.type === "break").length, 3);
});

Deno.test("fold() folds inside one long line, at a space, keeping the formatting on both sides", () => {
  const { shown, hidden } = fold(parse("**" + "bold words ".repeat(200).trim() + "**"));
  assert.equal(shown.length, 1);
  assert.equal(hidden.length, 1);
  assert.ok(shown[0].type === "paragraph" && hidden[0].type === "paragraph");
  const [head] = shown[0].children;
  const [tail] = hidden[0].children;
  assert.ok(head.type === "strong" && tail.type === "strong");
  assert.ok(head.children[0].type === "text" && tail.children[0].type === "text");
  const cut = head.children[0].text.length;
  assert.ok(cut > 10 * 80 - 11 && cut <= 10 * 80, `${cut}`); // ten lines' worth
  assert.match(head.children[0].text, / $/);
  assert.match(tail.children[0].text, /^\S/);
  assert.equal(head.children[0].text + tail.children[0].text, "bold words ".repeat(200).trim());
});

Deno.test("fold() cuts a line without spaces anywhere but inside a surrogate pair", () => {
  for (const text of ["*".repeat(4000), "x" + "😀".repeat(1999)]) {
    const { shown, hidden } = fold(parse(text));
    assert.ok(shown[0].type === "paragraph" && hidden[0]?.type === "paragraph", text.slice(0, 9));
    const head = shown[0].children[0];
    const tail = hidden[0].children[0];
    assert.ok(head.type === "text" && tail.type === "text");
    assert.equal(head.text + tail.text, text);
    assert.ok(head.text.isWellFormed() && tail.text.isWellFormed());
  }
});

Deno.test("fold() keeps code spans and links whole", () => {
  const link = "https://example.com/" + "a".repeat(2000);
  const long = fold(parse(`see ${link} and ${"more ".repeat(300)}`));
  assert.ok(long.shown[0].type === "paragraph" && long.hidden[0].type === "paragraph");
  assert.deepEqual(long.shown[0].children, [{ type: "text", text: "see " }]);
  assert.equal(long.hidden[0].children[0].type, "link");
  // First in its line, it cannot go later: it is shown whole.
  const first = fold(parse(`\`${"x".repeat(2000)}\` and ${"more ".repeat(300)}`));
  assert.ok(first.shown[0].type === "paragraph" && first.hidden[0].type === "paragraph");
  assert.deepEqual(first.shown[0].children.map((n) => n.type), ["code"]);
});
