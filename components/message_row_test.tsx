import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import {
  continuesRun,
  formatDay,
  formatTime,
  GROUP_WINDOW_MS,
  MessageRow,
} from "./message_row.tsx";

const at = Date.UTC(2025, 2, 14, 9, 5);
const message = { seq: 7, userId: "u1", username: "ada", text: "hi", createdAt: at };

Deno.test("server-rendered times are UTC and say so", () => {
  assert.equal(formatTime(at, false), "09:05 UTC");
  assert.equal(formatDay(at, false, at + 3600_000), "Today");
  assert.equal(formatDay(at, false, at + 86_400_000), "Yesterday");
  assert.equal(formatDay(at, false, at + 5 * 86_400_000), "Friday, 14 March 2025");
});

Deno.test("continuesRun() groups one author's messages close in time", () => {
  const next = { ...message, seq: 8, createdAt: at + 1000 };
  assert.ok(continuesRun(message, next, false));
  assert.ok(!continuesRun(undefined, next, false));
  assert.ok(!continuesRun(message, { ...next, userId: "u2" }, false));
  assert.ok(!continuesRun(message, { ...next, createdAt: at + GROUP_WINDOW_MS }, false));
});

Deno.test("MessageRow shows the author with a bidi-isolated name, or only the text when grouped", () => {
  const full = renderToString(<MessageRow message={message} />);
  assert.match(full, /^<li data-seq="7"/);
  assert.match(full, /<bdi[^>]*>ada<\/bdi><time datetime="2025-03-14T09:05:00.000Z"/);
  const grouped = renderToString(<MessageRow message={message} grouped />);
  assert.ok(!grouped.includes("<bdi"));
  assert.match(grouped, /<span class="sr-only">ada:<\/span>/);
  const failed = renderToString(
    <MessageRow message={{ ...message, seq: 0 }} status="failed" error="rate limited" />,
  );
  assert.match(failed, /data-status="failed"/);
  assert.ok(!failed.includes("data-seq"));
  assert.match(failed, /Not sent: rate limited/);
});
