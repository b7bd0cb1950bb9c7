import assert from "node:assert/strict";
import type { Message } from "../../lib/protocol/types.ts";
import { FollowPrinter } from "./follow.ts";

function msg(seq: number, rev = seq, extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId: "u2",
    username: "bob",
    text: `text ${seq}`,
    createdAt: seq,
    rev,
    ...extra,
  };
}

function setup(shown = [msg(1), msg(2)]) {
  const log: string[] = [];
  const printer = new FollowPrinter(shown, shown.at(-1)?.seq ?? 0, {
    print: (m) => log.push(`new ${m.seq}`),
    update: (before, after) => log.push(`update ${after.seq} ${before?.text ?? "?"}→${after.text}`),
  });
  return { printer, log };
}

Deno.test("FollowPrinter prints new messages once and newer states as updates", () => {
  const { printer, log } = setup();
  assert.equal(printer.lastRev, 2);
  printer.message(msg(2));
  printer.message(msg(3));
  printer.message(msg(3));
  printer.update(msg(1, 4, { text: "fixed", editedAt: 9 }), 4);
  // The same state again (a replay), or an older one: nothing.
  printer.update(msg(1, 4, { text: "fixed", editedAt: 9 }), 4);
  printer.update(msg(1, 1), 1);
  assert.deepEqual(log, ["new 3", "update 1 text 1→fixed"]);
  assert.equal(printer.lastSeq, 3);
  assert.equal(printer.lastRev, 4);
});

Deno.test("FollowPrinter treats an update of a message not printed yet as new", () => {
  const { printer, log } = setup();
  printer.update(msg(3, 5, { text: "edited already" }), 5);
  printer.message(msg(3, 5));
  assert.deepEqual(log, ["new 3"]);
});

Deno.test("FollowPrinter keeps quiet about old changes to messages it never printed", () => {
  const { printer, log } = setup([msg(5, 5)]);
  printer.update(msg(2, 6, { text: "old edit" }), 6, { quiet: true });
  printer.update(msg(2, 7, { text: "newer edit" }), 7);
  printer.update(msg(1, 8, { text: "never seen" }), 8);
  assert.deepEqual(log, ["update 2 old edit→newer edit", "update 1 ?→never seen"]);
});

Deno.test("FollowPrinter.catchUp() prints changes, then new messages in seq order", () => {
  const { printer, log } = setup();
  // As GET …/changes lists them: by rev, so 3 (edited at rev 6) after 4.
  printer.catchUp([msg(4, 5), msg(1, 5, { text: "one" }), msg(3, 6, { text: "three" })]);
  assert.deepEqual(log, ["update 1 text 1→one", "new 3", "new 4"]);
  assert.equal(printer.lastRev, 6);
  assert.equal(printer.lastSeq, 4);
});
