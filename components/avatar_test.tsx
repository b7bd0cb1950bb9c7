import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Avatar, avatarColour, initials } from "./avatar.tsx";

Deno.test("initials() takes the first letters of up to two name parts", () => {
  assert.equal(initials("ada_lovelace"), "AL");
  assert.equal(initials("grace.b.hopper"), "GB");
  assert.equal(initials("linus"), "L");
  assert.equal(initials("-x-"), "X");
  assert.equal(initials(""), "?");
});

Deno.test("avatarColour() is stable per username, case-insensitive and spread out", () => {
  assert.equal(avatarColour("Ada"), avatarColour("ada"));
  assert.equal(avatarColour("ada"), avatarColour("ada"));
  const colours = new Set(
    ["ada", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"].map(avatarColour),
  );
  assert.ok(colours.size >= 4, `only ${colours.size} colours for 8 names`);
  for (const colour of colours) assert.match(colour, /^bg-[a-z]+-\d{3} text-white$/);
});

Deno.test("Avatar renders the initials on the user's colour with the name as title", () => {
  const html = renderToString(<Avatar username="ada_lovelace" size="lg" />);
  assert.match(
    html,
    /^<span class="[^"]*h-12 w-12[^"]*" title="ada_lovelace" aria-hidden="true">AL<\/span>$/,
  );
  assert.ok(html.includes(avatarColour("ada_lovelace")));
});
