import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Badge, badgeText } from "./badge.tsx";
import { OnlineDot } from "./online_dot.tsx";

Deno.test("Badge renders nothing at zero and caps the number at 99+", () => {
  assert.equal(renderToString(<Badge count={0} />), "");
  assert.equal(badgeText(7), "7");
  assert.equal(badgeText(100), "99+");
  const html = renderToString(<Badge count={250} />);
  assert.match(html, /aria-label="250 unread">99\+<\/span>$/);
});

Deno.test("OnlineDot says online, offline or presence unknown to screen readers", () => {
  assert.match(
    renderToString(<OnlineDot online />),
    /bg-emerald-500.*<span class="sr-only">online</,
  );
  assert.match(renderToString(<OnlineDot online={false} />), /bg-gray-400.*>offline</);
  assert.match(
    renderToString(<OnlineDot online={undefined} />),
    /border-gray-400 bg-white.*>presence unknown</,
  );
});

Deno.test("Badge in the mention tone is red and says what it counts", () => {
  const html = renderToString(<Badge count={2} tone="mention" label="unread mentions" />);
  assert.match(html, /bg-red-600/);
  assert.match(html, /aria-label="2 unread mentions">2</);
});
