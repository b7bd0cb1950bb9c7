import assert from "node:assert/strict";
import { type BenchResults, checkTargets, isolateRatios } from "./report.ts";
import { FULL } from "./params.ts";

function step(k: number, p99: number, passed: boolean) {
  return { k, passed, latency: { p99 }, lost: 0, duplicates: 0 };
}

/** Only the lists the functions read; the rest stays empty. */
function results(parts: Partial<Record<keyof BenchResults, unknown>>): BenchResults {
  return {
    params: FULL,
    fanout: [],
    manyRooms: [],
    bigRoom: [],
    idle: [],
    reconnect: [],
    logins: [],
    history: [],
    changes: [],
    files: [],
    soak: [],
    coldStart: [],
    errors: [],
    ...parts,
  } as unknown as BenchResults;
}

Deno.test("isolateRatios() compares parallel's fan-out run at ours' highest sustained k", () => {
  const r = results({
    fanout: [
      { server: "ours", steps: [step(1, 10, true), step(2, 40, true), step(4, 300, false)] },
      { server: "ours-parallel", steps: [step(1, 20, true), step(2, 30, true)] },
    ],
    manyRooms: [{ server: "ours", latency: { p99: 20 } }],
    reconnect: [
      { server: "ours", caughtUpMs: 1000 },
      { server: "ours-parallel", caughtUpMs: 1500 },
    ],
  });
  const [fanout, many, big, storm] = isolateRatios(r);
  assert.equal(fanout.figure, "fan-out p99 at ours' k = 2");
  assert.equal(fanout.ratio, 0.75);
  assert.equal(many.parallel, undefined);
  assert.ok(Number.isNaN(many.ratio));
  assert.equal(big.ours, undefined);
  assert.equal(storm.ratio, 1.5);
});

Deno.test("checkTargets() fails the fan-out ratio when parallel's sweep ended before ours' k", () => {
  const r = results({
    fanout: [
      { server: "ours", steps: [step(1, 10, true), step(2, 40, true)] },
      { server: "ours-parallel", steps: [step(1, 200, false)] },
    ],
  });
  const target = checkTargets(r).find((t) => t.name.startsWith("Many isolates: fan-out"))!;
  assert.equal(target.met, false);
  assert.match(target.value, /parallel's sweep ended at k = 1/);
  const many = checkTargets(r).find((t) => t.name.startsWith("Many isolates: many rooms"))!;
  assert.equal(many.met, null);
});
