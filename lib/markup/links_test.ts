import assert from "node:assert/strict";
import { linkify, matchLink } from "./links.ts";

Deno.test("matchLink() leaves trailing punctuation and unopened brackets out", () => {
  assert.deepEqual(matchLink("https://x.org/a).", 0).link, {
    href: "https://x.org/a",
    text: "https://x.org/a",
  });
  assert.deepEqual(matchLink("https://x.org/(a)", 0).link?.text, "https://x.org/(a)");
  assert.deepEqual(matchLink("https://x.org/a_**", 0).link?.text, "https://x.org/a");
  assert.deepEqual(matchLink("WWW.Example.COM", 0).link?.href, "https://www.example.com/");
});

Deno.test("matchLink() tells a failed candidate's length so that scans stay linear", () => {
  assert.deepEqual(matchLink("mailto:nobody here", 0), { skip: 13 });
  assert.deepEqual(matchLink("hello", 0), { skip: 1 });
});

Deno.test("linkify() splits text into plain runs and links", () => {
  assert.deepEqual(linkify("a www.x.org b **https://y.org**"), [
    "a ",
    { href: "https://www.x.org/", label: "www.x.org" },
    " b **",
    { href: "https://y.org/", label: "https://y.org" },
    "**",
  ]);
});
