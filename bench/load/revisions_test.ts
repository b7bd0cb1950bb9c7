import assert from "node:assert/strict";
import type { Message } from "../../lib/protocol/types.ts";
import { RevisionLedger } from "./revisions.ts";

function message(seq: number, rev: number, createdRev?: number): Message {
  return {
    id: `m${seq}`,
    roomId: "r",
    seq,
    userId: "u",
    username: "user",
    text: "x",
    createdAt: 0,
    rev,
    ...(createdRev === undefined ? {} : { createdRev }),
  };
}

Deno.test("RevisionLedger counts every owed revision once at every receiver", async () => {
  const ledger = new RevisionLedger("r", [0, 0]);
  await ledger.track("message", Promise.resolve(message(1, 1)), performance.now());
  await ledger.track("reaction", Promise.resolve(message(1, 2, 1)), performance.now());
  for (const slot of [0, 1]) {
    ledger.receive(slot, 1, "message");
    ledger.receive(slot, 2, "update");
  }
  assert.ok(ledger.complete());
  const totals = ledger.totals();
  assert.equal(totals.messages.delivered, 2);
  assert.equal(totals.reactions.delivered, 2);
  assert.equal(totals.messages.lost + totals.updates.lost, 0);
  assert.equal(totals.messages.duplicates + totals.updates.duplicates, 0);
  assert.equal(totals.disorder, 0);
  assert.equal(totals.messages.latency.count, 2);
});

Deno.test("RevisionLedger counts a repeat, a gap, a reorder and a loss", async () => {
  const ledger = new RevisionLedger("r", [0]);
  await ledger.track("message", Promise.resolve(message(1, 1)), performance.now());
  await ledger.track("edit", Promise.resolve(message(1, 2, 1)), performance.now());
  await ledger.track("message", Promise.resolve(message(2, 3)), performance.now());
  await ledger.track("message", Promise.resolve(message(3, 4)), performance.now());
  ledger.receive(0, 1, "message");
  ledger.receive(0, 1, "message"); // repeat
  ledger.receive(0, 3, "message"); // skips 2
  ledger.receive(0, 2, "update"); // older than 3
  // 4 never arrives
  const totals = ledger.totals();
  assert.equal(totals.messages.duplicates, 1);
  assert.equal(totals.disorder, 2);
  assert.equal(totals.messages.lost, 1);
  assert.equal(totals.edits.lost, 0);
});

Deno.test("RevisionLedger books a change that took no revision as unchanged, not owed", async () => {
  const ledger = new RevisionLedger("r", [0]);
  await ledger.track("message", Promise.resolve(message(1, 1)), performance.now());
  // A repeated reaction is answered with the message as it was: revision 1 again.
  await ledger.track("reaction", Promise.resolve(message(1, 1)), performance.now());
  ledger.receive(0, 1, "message");
  assert.equal(ledger.unchanged, 1);
  assert.ok(ledger.complete());
  assert.equal(ledger.totals().reactions.expected, 0);
});

Deno.test("RevisionLedger counts a failed request as an error, owing nothing", async () => {
  const ledger = new RevisionLedger("r", [0]);
  await ledger.track("edit", Promise.reject(new Error("Only its author can edit")), 0);
  const totals = ledger.totals();
  assert.equal(totals.edits.errors, 1);
  assert.equal(totals.edits.expected, 0);
  assert.deepEqual(totals.errorReasons, { "edit: Only its author can edit": 1 });
});
