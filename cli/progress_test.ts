import assert from "node:assert/strict";
import { displayWidth } from "./width.ts";
import { compactProgress, percentText, ProgressBar, rateText, renderProgress } from "./progress.ts";

const MB = 1024 * 1024;

Deno.test("renderProgress() shows name, bytes of total, percent, bar and throughput", () => {
  const line = renderProgress({
    name: "report.pdf",
    done: 1.2 * MB,
    total: 3.4 * MB,
    elapsedMs: 2000,
  }, 80);
  assert.equal(line, "report.pdf  1.2 MB / 3.4 MB  35% [======>           ]  614 KB/s");
  assert.ok(displayWidth(line) <= 80);
  const done = renderProgress({ name: "a", done: 10, total: 10, elapsedMs: 1000 }, 80);
  assert.equal(done, `a  10 B / 10 B  100% [${"=".repeat(18)}]  10 B/s`);
});

Deno.test("renderProgress() drops the bar, the rate, then cuts the name to fit", () => {
  const state = {
    name: "a-rather-long-file-name.tar.gz",
    done: MB,
    total: 4 * MB,
    elapsedMs: 1000,
  };
  for (const width of [20, 30, 40, 50, 60, 100, 200]) {
    const line = renderProgress(state, width);
    assert.ok(displayWidth(line) <= width, `${width}: ${line}`);
    assert.match(line, /25%/);
  }
  assert.equal(renderProgress(state, 40), "a-rather-long…  1 MB / 4 MB  25%  1 MB/s");
  assert.ok(!renderProgress(state, 30).includes("MB/s"));
  // Unknown total: the bytes and the rate.
  assert.equal(renderProgress({ name: "x", done: 2048, elapsedMs: 1000 }, 80), "x  2 KB  2 KB/s");
});

Deno.test("renderProgress() sanitizes a hostile name", () => {
  const line = renderProgress({ name: "\x1b[2J\rname", done: 1, total: 2, elapsedMs: 0 }, 80);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x1f]/.test(line), line);
  assert.match(line, /^\^\[\[2J\^Mname/);
});

Deno.test("percentText() and rateText() wait for something to say", () => {
  assert.equal(percentText(999, 1000), "99%");
  assert.equal(percentText(5), "");
  assert.equal(rateText(MB, 100), "");
  assert.equal(rateText(MB, 1000), "1 MB/s");
  assert.equal(
    compactProgress({ up: true, name: "r.pdf", done: 1, total: 4, elapsedMs: 0 }),
    "↑ r.pdf 25%",
  );
  assert.equal(
    compactProgress({ up: false, name: "r.pdf", done: 2048, elapsedMs: 1000 }),
    "↓ r.pdf 2 KB 2 KB/s",
  );
});

function recorder() {
  const writes: string[] = [];
  const decoder = new TextDecoder();
  return {
    writes,
    sink: { writeSync: (p: Uint8Array) => (writes.push(decoder.decode(p)), p.length) },
  };
}

Deno.test("ProgressBar redraws at most every 100 ms, at 100% at once, and clears its line", () => {
  const { writes, sink } = recorder();
  let now = 0;
  const bar = new ProgressBar({ sink, enabled: true, width: () => 60, now: () => now });
  bar.start("f.bin", 1000);
  now = 50;
  bar.update(100); // too soon
  now = 120;
  bar.update(200);
  now = 130;
  bar.update(1000); // the end is always drawn
  bar.clear();
  assert.equal(writes.length, 4);
  assert.ok(writes.slice(0, 3).every((w) => w.startsWith("\r") && w.endsWith("\x1b[K")));
  assert.match(writes[1], /20%/);
  assert.match(writes[2], /100%/);
  assert.equal(writes[3], "\r\x1b[K");
});

Deno.test("ProgressBar writes nothing at all when stderr is not a terminal", () => {
  const { writes, sink } = recorder();
  const bar = new ProgressBar({ sink, enabled: false });
  bar.start("f.bin", 10);
  bar.update(10);
  bar.clear();
  assert.deepEqual(writes, []);
});
