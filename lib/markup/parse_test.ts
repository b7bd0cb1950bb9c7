import assert from "node:assert/strict";
import { type Block, type Inline, parse, parseLines } from "./parse.ts";

const t = (text: string): Inline => ({ type: "text", text });
const strong = (...children: Inline[]): Inline => ({ type: "strong", children });
const em = (...children: Inline[]): Inline => ({ type: "em", children });
const strike = (...children: Inline[]): Inline => ({ type: "strike", children });
const code = (text: string): Inline => ({ type: "code", text });
const link = (href: string, text = href): Inline => ({ type: "link", href, text });
const br: Inline = { type: "break" };
const p = (...children: Inline[]): Block => ({ type: "paragraph", children });

/** The inline content of a one-line message. */
function line(text: string): Inline[] {
  return parseLines([text]);
}

/** Every string in a tree, in order: what a renderer would show as text. */
function texts(nodes: Array<Inline | Block>): string {
  return nodes.map((node) =>
    "children" in node ? texts(node.children) : "text" in node ? node.text : "\n"
  ).join("");
}

Deno.test("parse() reads **bold**, _italic_, *italic*, ~~strike~~ and `code`", () => {
  assert.deepEqual(line("**bold** _it_ *it* ~~gone~~ `x`"), [
    strong(t("bold")),
    t(" "),
    em(t("it")),
    t(" "),
    em(t("it")),
    t(" "),
    strike(t("gone")),
    t(" "),
    code("x"),
  ]);
  assert.deepEqual(line("(**a**), _b_."), [t("("), strong(t("a")), t("), "), em(t("b")), t(".")]);
  assert.deepEqual(line("***both***"), [em(strong(t("both")))]);
});

Deno.test("parse() pairs markers only on word boundaries", () => {
  for (
    const text of [
      "snake_case_name",
      "2*3*4",
      "a * b * c",
      "__init__",
      "~5 minutes~",
      "~~~x~~~",
      "**not bold **",
      "** not bold**",
      "**bold**text",
    ]
  ) {
    assert.deepEqual(line(text), [t(text)], text);
  }
});

Deno.test("parse() nests markers and never lets spans cross", () => {
  assert.deepEqual(line("**_~~x~~_**"), [strong(em(strike(t("x"))))]);
  assert.deepEqual(line("*a **b** c*"), [em(t("a "), strong(t("b")), t(" c"))]);
  assert.deepEqual(line("*a _b* c_"), [em(t("a _b")), t(" c_")]);
  assert.deepEqual(line("**a*"), [t("*"), em(t("a"))]);
});

Deno.test("parse() shows markers nested past the depth limit as text", () => {
  let deep = "x";
  let shown = "x";
  for (let k = 11; k >= 0; k--) {
    const marker = ["**", "_", "~~"][k % 3];
    deep = `${marker}a ${deep} a${marker}`;
    shown = k < 6 ? `a ${shown} a` : `${marker}a ${shown} a${marker}`;
  }
  const nodes = line(deep);
  const depth = (node: Inline): number =>
    "children" in node ? 1 + Math.max(...node.children.map(depth)) : 0;
  assert.equal(depth(nodes[0]), 6);
  assert.equal(texts(nodes), shown);
});

Deno.test("parse() keeps code spans literal: markers, links and HTML inside", () => {
  assert.deepEqual(line("`**x** _y_ https://x.org <b>`"), [code("**x** _y_ https://x.org <b>")]);
  assert.deepEqual(line("``a`b`` and `` `x` ``"), [code("a`b"), t(" and "), code("`x`")]);
  assert.deepEqual(line("`unclosed **bold**"), [t("`unclosed "), strong(t("bold"))]);
});

Deno.test("parse() finds http, https, www and mailto links, and only those", () => {
  assert.deepEqual(line("see https://x.org/a, www.example.com. or mailto:a@b.co!"), [
    t("see "),
    link("https://x.org/a"),
    t(", "),
    link("https://www.example.com/", "www.example.com"),
    t(". or "),
    link("mailto:a@b.co"),
    t("!"),
  ]);
  assert.deepEqual(line("(https://en.wikipedia.org/wiki/Deno_(software))"), [
    t("("),
    link("https://en.wikipedia.org/wiki/Deno_(software)"),
    t(")"),
  ]);
  assert.deepEqual(line("http://x.org?;:"), [link("http://x.org/", "http://x.org"), t("?;:")]);
  for (
    const text of [
      "javascript:alert(1)",
      "data:text/html,<b>x</b>",
      "ftp://x.org",
      "https://",
      "www.example",
      "mailto:nobody",
      "xhttps://x.org",
      "JavaScript://x.org%0aalert(1)",
    ]
  ) {
    assert.ok(line(text).every((node) => node.type !== "link"), text);
  }
});

Deno.test("parse() reads a link inside bold, and bold around a link", () => {
  assert.deepEqual(line("**see https://x.org/a_b**"), [
    strong(t("see "), link("https://x.org/a_b")),
  ]);
  assert.deepEqual(line("_www.example.com_"), [
    em(link("https://www.example.com/", "www.example.com")),
  ]);
});

Deno.test("parse() reads fenced code blocks, with or without a language", () => {
  assert.deepEqual(parse("before\n```ts\nconst x = **1**;\n  indented\n```\nafter"), [
    p(t("before")),
    { type: "codeBlock", lang: "ts", text: "const x = **1**;\n  indented" },
    p(t("after")),
  ]);
  assert.deepEqual(parse("```x = 1```"), [{ type: "codeBlock", text: "x = 1" }]);
  assert.deepEqual(parse("```\nlast line```"), [{ type: "codeBlock", text: "last line" }]);
  assert.deepEqual(parse("```two words\nmore\n```"), [
    { type: "codeBlock", text: "two words\nmore" },
  ]);
});

Deno.test("parse() runs an unclosed fence to the end, and keeps <script> in code as text", () => {
  assert.deepEqual(parse("look:\n```html\n<script>alert(1)</script>\n> not a quote\n**no**"), [
    p(t("look:")),
    { type: "codeBlock", lang: "html", text: "<script>alert(1)</script>\n> not a quote\n**no**" },
  ]);
  assert.deepEqual(parse("a lone ```"), [p(t("a lone ```"))]);
  assert.deepEqual(parse("```"), [p(t("```"))]);
});

Deno.test("parse() joins consecutive > lines into one quote", () => {
  assert.deepEqual(parse("> one *a*\n>\n> two\nreply"), [
    { type: "quote", children: [t("one "), em(t("a")), br, br, t("two")] },
    p(t("reply")),
  ]);
  assert.deepEqual(parse(">no space\n>"), [p(t(">no space"), br, t(">"))]);
  assert.deepEqual(parse("> a\n\n> b").map((block) => block.type), ["quote", "quote"]);
});

Deno.test("parse() keeps line breaks and blank lines, and trims blank lines around blocks", () => {
  assert.deepEqual(parse("a\n\n  \nb  \r\nc"), [
    p(t("a"), br, br, t("  "), br, t("b  "), br, t("c")),
  ]);
  assert.deepEqual(parse("a\n\n```\nx\n```\n\n \nb"), [
    p(t("a")),
    { type: "codeBlock", text: "x" },
    p(t("b")),
  ]);
  assert.deepEqual(parse(" \n\t\n "), []);
  assert.deepEqual(parse(""), []);
});

Deno.test("parse() is linear on hostile input and loses no text", () => {
  const hostile = [
    "*".repeat(4000),
    "_".repeat(4000),
    "~".repeat(4000),
    "`".repeat(4000),
    "*a ".repeat(1333),
    "a_".repeat(2000),
    "_*".repeat(1000) + "x" + "*_".repeat(1000),
    "**_~~".repeat(400) + "x" + "~~_**".repeat(400),
    "` ``".repeat(1000),
    "(http://x".repeat(444),
    "https://x.org/" + ")".repeat(3986),
    "> *\n".repeat(1000),
    "```\n".repeat(1000),
    "\n".repeat(4000),
  ];
  const started = performance.now();
  for (const text of hostile) parse(text);
  // Generous enough for a slow CI machine; a quadratic parser takes seconds.
  assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
  assert.deepEqual(parse("*".repeat(4000)), [p(t("*".repeat(4000)))]);
  assert.deepEqual(parse("_".repeat(4000)), [p(t("_".repeat(4000)))]);
  // Markers that pair disappear; everything else survives as text.
  assert.equal(texts(parse("*a ".repeat(1333))), "*a ".repeat(1333));
  assert.equal(texts(parse("*a* ".repeat(1000))), "a ".repeat(1000));
});

Deno.test("parse() makes mention nodes only of the names given, by the server's rule", () => {
  const mention = (name: string, text = `@${name}`): Inline => ({ type: "mention", name, text });
  const names = new Set(["alice", "bob.smith", "room"]);
  const with_ = (text: string) => parseLines([text], { mentions: names });
  assert.deepEqual(with_("hi @Alice and @carol"), [
    t("hi "),
    mention("alice", "@Alice"),
    t(" and @carol"),
  ]);
  // A trailing "." or "-" is tried without it; a name with a dot inside stays whole.
  assert.deepEqual(with_("thanks @alice. @bob.smith-"), [
    t("thanks "),
    mention("alice"),
    t(". "),
    mention("bob.smith"),
    t("-"),
  ]);
  assert.deepEqual(with_("**@room** look"), [strong(mention("room")), t(" look")]);
  // E-mail addresses, "@a@b", code and links mention nobody.
  for (const text of ["a@alice.org", "@alice@example.org", "`@alice`", "x_@alice", "@@alice"]) {
    assert.ok(with_(text).every((node) => node.type !== "mention"), text);
  }
  assert.deepEqual(with_("https://example.com/@alice"), [link("https://example.com/@alice")]);
  // Without the option (or with no names) there are no mention nodes at all.
  assert.deepEqual(line("hi @alice"), [t("hi @alice")]);
  assert.deepEqual(parse("> @alice\n@alice", { mentions: names }), [
    { type: "quote", children: [mention("alice")] },
    p(mention("alice")),
  ]);
});

Deno.test("parse() stays linear with mentions in hostile text", () => {
  const names = new Set(["alice"]);
  const hostile = [
    "@".repeat(4000),
    "@a".repeat(2000),
    `@${"a".repeat(3999)}`,
    "@alice".repeat(660),
  ];
  for (const text of hostile) {
    const start = performance.now();
    parse(text, { mentions: names });
    assert.ok(performance.now() - start < 200, `${text.slice(0, 10)}… took too long`);
  }
  assert.equal(parse("@alice".repeat(3), { mentions: names }).length, 1);
});
