import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Button } from "./button.tsx";

Deno.test("Button defaults to type=button and merges extra classes", () => {
  const html = renderToString(<Button variant="danger" class="w-full">Delete</Button>);
  assert.match(
    html,
    /^<button type="button" class="[^"]*bg-red-600[^"]* w-full">Delete<\/button>$/,
  );
  assert.match(renderToString(<Button type="submit">Go</Button>), /type="submit"/);
});
