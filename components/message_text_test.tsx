import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { linkify, MessageText } from "./message_text.tsx";

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
    /<a href="https:\/\/example.com\/\?a=1&amp;b=" target="_blank" rel="noopener noreferrer"/,
  );
});
