import assert from "node:assert/strict";
import { classAttributes, knownClasses, pageStyles } from "./styles.ts";

Deno.test("knownClasses() keeps twind classes found in source and drops other words", () => {
  const source = `
    import { cx } from "./_cx.ts";
    const tone = ok ? "bg-emerald-500 hover:bg-emerald-600" : 'dark:text-red-400 sm:p-2';
    return <p class={\`text-[13px] \${tone}\`}>{user.name} not-a-class</p>;`;
  const found = knownClasses(source);
  for (
    const name of [
      "bg-emerald-500",
      "hover:bg-emerald-600",
      "dark:text-red-400",
      "sm:p-2",
      "text-[13px]",
    ]
  ) {
    assert.ok(found.includes(name), name);
  }
  for (
    const word of ["import", "cx", "const", "tone", "ok", "user.name", "not-a-class", "return"]
  ) {
    assert.ok(!found.includes(word), word);
  }
  assert.deepEqual(found, [...found].sort());
});

Deno.test("pageStyles() holds preflight, the wrapper rule and the page's classes, nothing else", () => {
  const css = pageStyles('<div class="p-3 md:p-6 dark:bg-gray-800"></div>');
  assert.ok(css.startsWith("island-root{display:contents}"));
  assert.match(css, /box-sizing:border-box/, "preflight");
  assert.match(css, /\.p-3\{padding:0\.75rem\}/);
  assert.match(css, /@media \(min-width:768px\)\{\.md\\:p-6\{padding:1\.5rem\}\}/);
  assert.match(css, /@media \(prefers-color-scheme:dark\)\{\.dark\\:bg-gray-800\{/);
  // Each page starts from a clean sheet: the previous page's classes are gone.
  const next = pageStyles('<div class="m-1"></div>', ["text-red-500"]);
  assert.doesNotMatch(next, /\.p-3\{/);
  assert.match(next, /\.m-1\{/);
  assert.match(next, /\.text-red-500\{/);
});

Deno.test("pageStyles() orders rules by twind precedence, whatever the source order", () => {
  const css = pageStyles('<p class="md:p-6"></p>', ["p-1"]);
  assert.ok(css.indexOf(".p-1{") < css.indexOf(".md\\:p-6{"), "base utilities before breakpoints");
});

Deno.test("classAttributes() reads every class attribute and decodes entities", () => {
  const html = '<a class="a b"></a><b data-class="x" class="[&amp;&gt;p]:m-0"></b>';
  assert.deepEqual(classAttributes(html), ["a b", "[&>p]:m-0"]);
});
