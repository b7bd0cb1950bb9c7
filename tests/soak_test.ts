/**
 * The soak in short (25 s; `deno task soak` runs it for 10 minutes): moderate,
 * varied load with socket drops, re-logins and membership churn. The server's
 * memory and open descriptors at the end, under the same load, are within 10 % of
 * what they were after the warm-up, and the store is consistent afterwards.
 */

import assert from "node:assert/strict";
import { describe, runSoak } from "./soak.ts";

Deno.test({
  name: "soak (25 s): memory and descriptors stay flat under churn, nothing is lost or broken",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const report = await runSoak({ seconds: 25, warmupSeconds: 8, reloginEveryMs: 0 });
    console.log(describe(report));
    assert.deepEqual(report.problems, []);
    assert.ok(report.sent > 100, `${report.sent} messages sent`);
    assert.ok(report.reconnects >= 5 && report.membershipChanges >= 4, "churn happened");
    assert.ok(report.rssGrowth <= 0.1, `RSS grew ${(report.rssGrowth * 100).toFixed(1)} %`);
    assert.ok(report.fdGrowth <= 0.1, `descriptors grew ${(report.fdGrowth * 100).toFixed(1)} %`);
  },
});
