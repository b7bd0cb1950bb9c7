import assert from "node:assert/strict";
import type { MentionInfo, Message, Room } from "../../lib/protocol/types.ts";
import { MentionFilter } from "./follow_mentions.ts";
import { mentionRows } from "./mentions.ts";
import { countsOf } from "./rooms.ts";
import { threadRows } from "./threads.ts";

const AT = new Date(2024, 4, 1, 9, 5).getTime();

const ROOM: Room = {
  id: "r1",
  name: "General",
  topic: "",
  kind: "public",
  createdAt: AT,
  lastSeq: 9,
  lastActivityAt: AT,
};

function msg(seq: number, extra: Partial<Message> = {}): Message {
  return {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId: "u2",
    username: "alice",
    text: `hey @bob ${seq}`,
    createdAt: AT,
    ...extra,
  };
}

Deno.test("mentionRows() lists room, seq, who, when and the text on one sanitized line", () => {
  const list: MentionInfo[] = [
    { room: ROOM, message: msg(12, { text: "@bob look\nhere \x1b[31m" }) },
    {
      room: { ...ROOM, id: "d1", kind: "direct", peer: { id: "u3", username: "carol" } },
      message: msg(3, { username: "carol" }),
    },
  ];
  assert.deepEqual(mentionRows(list), [
    "#General  #12  alice  2024-05-01 09:05  @bob look here ^[[31m",
    "@carol    #3   carol  2024-05-01 09:05  hey @bob 3",
  ]);
});

Deno.test("threadRows() shows replies, unread ones and the root's excerpt", () => {
  const root = msg(4, {
    text: "shall we?",
    thread: { count: 3, lastSeq: 9, lastAt: AT, users: [] },
  });
  assert.deepEqual(threadRows([{ room: ROOM, root, unread: 2, lastAt: AT }]), [
    "#General  #4  3 replies, 2 unread  2024-05-01 09:05  alice: shall we?",
  ]);
});

Deno.test("countsOf() tells unread, mentions and muted, once for a direct room", () => {
  assert.equal(
    countsOf({ kind: "public", unread: 3, mentions: 1, muted: false }),
    "3 unread, 1 mention",
  );
  assert.equal(
    countsOf({ kind: "public", unread: 0, mentions: 2, muted: true }),
    "muted, 2 mentions",
  );
  assert.equal(countsOf({ kind: "direct", unread: 2, mentions: 2, muted: false }), "2 unread");
  assert.equal(countsOf({ kind: "public", unread: 0, mentions: 0, muted: false }), "");
});

Deno.test("MentionFilter passes each mention of me once, and nothing else", () => {
  const filter = new MentionFilter("u1", [{ roomId: "r1", message: msg(1) }]);
  // Seen when it started: not new.
  assert.equal(filter.notify("r1", msg(1), "mention"), false);
  assert.equal(filter.notify("r1", msg(2), "mention"), true);
  assert.equal(filter.notify("r1", msg(2), "mention"), false);
  // Notified for another reason: only when the message itself mentions me.
  assert.equal(filter.notify("r1", msg(3), "message"), false);
  assert.equal(filter.notify("r1", msg(4, { mentions: ["u1"] }), "thread"), true);
  assert.equal(filter.notify("r2", msg(2), "mention"), true);
  // A catch-up lists newest first: what is left comes oldest first.
  const missed = filter.missed([
    { room: ROOM, message: msg(7) },
    { room: ROOM, message: msg(2) },
    { room: ROOM, message: msg(6) },
  ]);
  assert.deepEqual(missed.map((m) => m.message.seq), [6, 7]);
});
