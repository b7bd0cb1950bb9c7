/** Schedule: callbacks run once, not early, at most a resolution late; moved and cancelled. */

import assert from "node:assert/strict";
import { Schedule } from "./schedule.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("each callback runs once, never before its time", async () => {
  const schedule = new Schedule({ resolutionMs: 20 });
  const ran: [string, number][] = [];
  const start = Date.now();
  const due = { soon: start + 30, later: start + 90 };
  const soon = () => ran.push(["soon", Date.now()]);
  const later = () => ran.push(["later", Date.now()]);
  schedule.at(later, due.later);
  schedule.at(soon, due.soon);
  assert.equal(schedule.size, 2);
  await sleep(200);
  assert.deepEqual(ran.map(([name]) => name), ["soon", "later"]);
  for (const [name, at] of ran) assert.ok(at >= due[name as keyof typeof due], `${name} early`);
  assert.equal(schedule.size, 0);
});

Deno.test("scheduling again moves a callback; cancel drops it", async () => {
  const schedule = new Schedule({ resolutionMs: 10 });
  let moved = 0;
  let cancelled = 0;
  const move = () => moved++;
  const drop = () => cancelled++;
  schedule.at(move, Date.now() + 20);
  schedule.at(move, Date.now() + 60);
  schedule.at(drop, Date.now() + 20);
  schedule.cancel(drop);
  schedule.cancel(drop);
  assert.equal(schedule.size, 1);
  await sleep(40);
  assert.equal(moved, 0, "moved to later: not yet");
  await sleep(80);
  assert.equal(moved, 1);
  assert.equal(cancelled, 0);
});

Deno.test("a callback may cancel or reschedule others due in the same pass, and throw", async () => {
  const schedule = new Schedule({ resolutionMs: 10 });
  const ran: string[] = [];
  const at = Date.now() + 10;
  const second = () => ran.push("second");
  const third = () => ran.push("third");
  const first = () => {
    ran.push("first");
    schedule.cancel(second);
    schedule.at(third, Date.now() + 50);
    throw new Error("a failing callback stops nothing else");
  };
  schedule.at(first, at);
  schedule.at(second, at);
  schedule.at(third, at);
  await sleep(40);
  assert.deepEqual(ran, ["first"]);
  await sleep(80);
  assert.deepEqual(ran, ["first", "third"]);
  assert.equal(schedule.size, 0);
});
