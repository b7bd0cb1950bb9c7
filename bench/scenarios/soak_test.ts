import assert from "node:assert/strict";
import { rssFigures } from "./soak.ts";

const MiB = 1024;

Deno.test("rssFigures() judges drift from the first reading after the warm-up", () => {
  const samples = [
    { s: 0, kb: 50 * MiB },
    { s: 30, kb: 90 * MiB },
    { s: 60, kb: 100 * MiB },
    { s: 70, kb: 95 * MiB },
    { s: 80, kb: 108 * MiB },
  ];
  const rss = rssFigures(samples, 60, 10);
  assert.equal(rss.firstKb, 100 * MiB);
  assert.equal(rss.minKb, 95 * MiB);
  assert.equal(rss.maxKb, 108 * MiB);
  assert.equal(rss.lastKb, 108 * MiB);
  assert.equal(rss.drift, 1.08);
  assert.equal(rss.flat, true);
});

Deno.test("rssFigures() is not flat when a reading leaves the band, even if the last is back", () => {
  const samples = [{ s: 60, kb: 100 }, { s: 70, kb: 115 }, { s: 80, kb: 100 }];
  const rss = rssFigures(samples, 60, 10);
  assert.equal(rss.drift, 1);
  assert.equal(rss.flat, false);
});

Deno.test("rssFigures() is not flat with fewer than two readings after the warm-up", () => {
  assert.equal(rssFigures([{ s: 0, kb: 1 }, { s: 61, kb: 1 }], 60, 10).flat, false);
});
