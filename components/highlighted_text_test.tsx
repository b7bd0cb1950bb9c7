import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { HighlightedText, snippet } from "./highlighted_text.tsx";

const marked = (s: ReturnType<typeof snippet>) => s.parts.filter((p) => p.mark).map((p) => p.text);

Deno.test("snippet() marks the highlighted ranges of a short text", () => {
  const s = snippet("Deploy the cache on Friday", [[11, 16], [20, 26]]);
  assert.deepEqual(s.parts, [
    { text: "Deploy the ", mark: false },
    { text: "cache", mark: true },
    { text: " on ", mark: false },
    { text: "Friday", mark: true },
  ]);
  assert.equal(s.cutStart, false);
  assert.equal(s.cutEnd, false);
});

Deno.test("snippet() ignores ranges that are empty, out of bounds or overlapping", () => {
  const s = snippet("abcdef", [[4, 99], [-3, 1], [2, 2], [0, 2]]);
  assert.deepEqual(marked(s), ["ab", "ef"]);
  assert.equal(s.parts.map((p) => p.text).join(""), "abcdef");
});

Deno.test("snippet() cuts a long text around its first match", () => {
  const text = `${"word ".repeat(200)}needle ${"tail ".repeat(200)}`;
  const at = text.indexOf("needle");
  const s = snippet(text, [[at, at + 6]], 100);
  assert.equal(s.cutStart, true);
  assert.equal(s.cutEnd, true);
  assert.deepEqual(marked(s), ["needle"]);
  const shown = s.parts.map((p) => p.text).join("");
  assert.ok(shown.length <= 101, String(shown.length));
  assert.ok(shown.startsWith("word "), shown);
  assert.ok(text.includes(shown));
});

Deno.test("snippet() near the end shows a full window, not a short one", () => {
  const text = `${"a".repeat(500)} end`;
  const s = snippet(text, [[501, 504]], 100);
  assert.equal(s.cutEnd, false);
  assert.equal(s.parts.map((p) => p.text).join("").length, 100);
});

Deno.test("snippet() never cuts a surrogate pair in two", () => {
  const text = "😀".repeat(200);
  const s = snippet(text, [[201, 203]], 51);
  const shown = s.parts.map((p) => p.text).join("");
  assert.ok(!/^[\udc00-\udfff]|[\ud800-\udbff]$/.test(shown), "a lone half at an edge");
  assert.ok(shown.isWellFormed());
});

Deno.test("HighlightedText renders marks as elements and text as text", () => {
  const text = '<b onclick="x">cache</b>';
  const html = renderToString(<HighlightedText text={text} highlights={[[15, 20]]} />);
  assert.match(html, /&lt;b onclick=&quot;x&quot;><mark [^>]*>cache<\/mark>&lt;\/b>/);
  assert.ok(!html.includes("<b "));
});
