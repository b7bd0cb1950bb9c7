import assert from "node:assert/strict";
import { BUSY_BYTES_PER_S, UploadPacer } from "./_upload_pacer.ts";

Deno.test("upload pacer: free while quiet; while busy, every upload shares one allowance", () => {
  const pacer = new UploadPacer({ watch: false });
  pacer.begin();
  assert.equal(pacer.reserve(100 * 1024 * 1024, 0), 0, "quiet: no wait, whatever the size");
  pacer.busy = true;
  const second = BUSY_BYTES_PER_S;
  // Two uploads asking at the same moment: the second waits for the first's share.
  assert.equal(pacer.reserve(second / 2, 1000), 0);
  assert.equal(pacer.reserve(second / 2, 1000), 500);
  // Later asks queue behind what was reserved; once past it, they start fresh.
  assert.equal(pacer.reserve(second, 1200), 800);
  assert.equal(pacer.reserve(second, 5000), 0);
  pacer.end();
  assert.equal(pacer.busy, false, "no upload left: the load is not watched, nothing paced");
  assert.equal(pacer.reserve(second, 5000), 0);
});
