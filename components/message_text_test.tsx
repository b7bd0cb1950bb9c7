import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { linkify, MessageText } from "./message_text.tsx";

const render = (text: string) => renderToString(<MessageText text={text} />);

Deno.test("linkify() finds http(s) links and leaves trailing punctuation out", () => {
  assert.deepEqual(linkify("see https://example.com/a, then http://x.org."), [
    "see ",
    { href: "https://example.com/a", label: "https://example.com/a" },
    ", then ",
    { href: "http://x.org/", label: "http://x.org" },
    ".",
  ]);
  assert.deepEqual(linkify("(https://en.wikipedia.org/wiki/Deno_(software))"), [
    "(",
    {
      href: "https://en.wikipedia.org/wiki/Deno_(software)",
      label: "https://en.wikipedia.org/wiki/Deno_(software)",
    },
    ")",
  ]);
  assert.deepEqual(linkify("no links here"), ["no links here"]);
});

Deno.test("linkify() never makes links of other schemes or of broken URLs", () => {
  for (const text of ["javascript:alert(1)", "data:text/html,<b>", "ftp://x.org", "https://"]) {
    assert.ok(linkify(text).every((part) => typeof part === "string"), text);
  }
});

Deno.test("MessageText renders markup as text, links safely, and isolates direction", () => {
  const html = renderToString(
    <MessageText text='<img src=x onerror="alert(1)"> https://example.com/?a=1&b=<2>' />,
  );
  assert.ok(!html.includes("<img"), html);
  assert.match(html, /^<p dir="auto" class="[^"]*\[overflow-wrap:anywhere\]/);
  assert.match(html, /&lt;img src=x onerror=&quot;alert\(1\)&quot;>/);
  assert.match(
    html,
    /<a href="https:\/\/example.com\/\?a=1&amp;b=" target="_blank" rel="noopener noreferrer nofollow"/,
  );
});

Deno.test("MessageText keeps a plain message one <p> with its line breaks as text", () => {
  const text = "one\n\ntwo";
  assert.equal(
    renderToString(<MessageText text={text} class="text-gray-800" />),
    '<p dir="auto" class="whitespace-pre-wrap break-words [overflow-wrap:anywhere] text-gray-800">' +
      "one\n\ntwo</p>",
  );
});

Deno.test("MessageText renders bold, italics, strikes, code and a link inside bold", () => {
  const html = render("**bold** _it_ ~~old~~ `a**b**` **see https://x.org**");
  assert.match(html, /<strong>bold<\/strong> <em>it<\/em> <s>old<\/s> <code class="[^"]*font-mono/);
  assert.match(html, /<code [^>]*>a\*\*b\*\*<\/code>/);
  assert.match(
    html,
    /<strong>see <a href="https:\/\/x.org\/" [^>]*>https:\/\/x.org<\/a><\/strong>/,
  );
  assert.equal(
    render("snake_case_name 2*3*4"),
    render("plain").replace("plain", "snake_case_name 2*3*4"),
  );
});

Deno.test("MessageText renders code blocks as scrolling monospace text, <script> included", () => {
  const html = render("```html\n<script>alert(1)</script>\n**x**\n```");
  assert.ok(!html.includes("<script"), html);
  assert.match(html, /&lt;script>alert\(1\)&lt;\/script>\n\*\*x\*\*/);
  assert.match(html, /<pre dir="ltr" class="[^"]*overflow-x-auto[^"]*font-mono[^"]*">/);
  assert.match(html, /<code data-lang="html">/);
  const unclosed = render("```\n<script>alert(1)</script>");
  assert.ok(!unclosed.includes("<script"), unclosed);
  assert.match(unclosed, /<pre[^>]*><code>&lt;script>/);
});

Deno.test("MessageText renders quotes with a left border, in light and dark", () => {
  const html = render("> quoted *it*\n> more\nreply");
  assert.match(
    html,
    /<blockquote dir="auto" class="[^"]*border-l-4[^"]*dark:border-gray-600[^"]*">quoted <em>it<\/em>\nmore<\/blockquote><p dir="auto" class="whitespace-pre-wrap">reply<\/p>/,
  );
});

Deno.test("MessageText only ever links http, https and mailto", () => {
  const html = render(
    "javascript:alert(1) [x](javascript:alert(1)) data:text/html,x mailto:a@b.co",
  );
  assert.equal(html.match(/<a /g)?.length, 1, html);
  assert.match(html, /<a href="mailto:a@b.co"/);
});

Deno.test("MessageText folds a long message behind a <details> that works without JavaScript", () => {
  const text = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");
  const html = render(text);
  assert.match(html, /^<div dir="auto"/);
  const [shown, folded] = html.split("<details");
  assert.ok(shown.includes("line 9") && !shown.includes("line 10"), shown);
  assert.match(
    folded,
    /^ class="group"><summary class="[^"]*focus-visible:ring-2[^"]*"><span class="group-open:hidden">Show more<\/span><span class="hidden group-open:inline">Show less<\/span><\/summary>/,
  );
  assert.ok(folded.includes("line 10") && folded.includes("line 29"));
  assert.ok(!html.includes(" open"), "folded until the reader opens it");
  assert.ok(!render("short\nmessage").includes("<details"));
  assert.ok(render("word ".repeat(800)).includes("<details"), "one long line folds too");
});

Deno.test("MessageText renders the same HTML every time (server and hydration agree)", () => {
  const text = "**a** `b`\n```\nc\n```\n" + "line\n".repeat(20) + "> d https://x.org";
  assert.equal(render(text), render(text));
});
