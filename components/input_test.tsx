import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Input } from "./input.tsx";

Deno.test("Input links its label, and its error through aria-describedby", () => {
  const html = renderToString(
    <Input name="username" label="Username" hint="3–32 characters" error="Username is taken" />,
  );
  assert.match(html, /<label for="input-username"/);
  assert.match(html, /<input id="input-username" name="username" class="[^"]*border-red-500[^"]*"/);
  assert.match(
    html,
    /aria-invalid="true" aria-describedby="input-username-hint input-username-error"/,
  );
  assert.match(html, /<p id="input-username-error" role="alert"[^>]*>Username is taken<\/p>/);
  assert.ok(!html.includes("3–32 characters"), "the error replaces the hint");
});

Deno.test("Input without an error is not marked invalid and shows its hint", () => {
  const html = renderToString(
    <Input name="pw" id="pw" type="password" label="Password" hint="8+" />,
  );
  assert.ok(!html.includes("aria-invalid"));
  assert.match(html, /type="password"/);
  assert.match(html, /aria-describedby="pw-hint"/);
  assert.match(html, /<p id="pw-hint"[^>]*>8\+<\/p>/);
});
