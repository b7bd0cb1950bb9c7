import assert from "node:assert/strict";
import type { Message } from "../lib/protocol/types.ts";
import {
  changeKinds,
  fileMarker,
  formatAgo,
  formatMessage,
  formatSize,
  formatTable,
  formatUpdate,
  reactionsText,
  replyLine,
  roomLabel,
  shortFileName,
  threadSummary,
} from "./format.ts";

const AT = new Date(2024, 4, 1, 9, 5).getTime();

function message(text: string, username = "alice", extra: Partial<Message> = {}): Message {
  return { id: "m1", roomId: "r1", seq: 1, userId: "u1", username, text, createdAt: AT, ...extra };
}

const REACTIONS = [
  { emoji: "👍", count: 2, users: ["u1", "u2"] },
  { emoji: "❤️", count: 1, users: ["u3"] },
];

Deno.test("formatMessage() prints time, seq, sender and text, indenting further lines", () => {
  assert.equal(formatMessage(message("hi")), "2024-05-01 09:05 #1 alice: hi");
  assert.equal(
    formatMessage(message("one\ntwo", "bob")),
    "2024-05-01 09:05 #1 bob: one\n                         two",
  );
});

Deno.test("formatMessage() shows (edited), reactions with mine marked, and deletes", () => {
  const edited = message("fixed\ntypo", "alice", { editedAt: AT + 1, reactions: REACTIONS });
  assert.equal(
    formatMessage(edited, { me: "u2" }),
    "2024-05-01 09:05 #1 alice: fixed\n                           typo (edited) [👍 2* ❤️ 1]",
  );
  assert.equal(
    formatMessage(edited),
    `${formatMessage(message("fixed\ntypo"))} (edited) [👍 2 ❤️ 1]`,
  );
  const gone = message("", "alice", { deleted: true, deletedAt: AT, reactions: REACTIONS });
  assert.equal(formatMessage(gone), "2024-05-01 09:05 #1 alice: (message deleted)");
});

Deno.test("formatMessage() puts the answered message above a reply, cut to the width", () => {
  const replyTo = { seq: 1, userId: "u2", username: "bob", excerpt: "a long\nquestion \x1b[2J" };
  const reply = message("yes", "alice", { seq: 2, replyTo });
  assert.equal(
    formatMessage(reply),
    `${" ".repeat(27)}↪ bob: a long question ^[[2J\n2024-05-01 09:05 #2 alice: yes`,
  );
  assert.equal(
    formatMessage(reply, { width: 40 }).split("\n")[0],
    `${" ".repeat(27)}↪ bob: a lon…`,
  );
  const orphan = message("yes", "alice", { replyTo: { ...replyTo, excerpt: "", deleted: true } });
  assert.match(formatMessage(orphan), /↪ bob: message deleted\n/);
});

Deno.test("reactionsText() is empty without reactions; replyLine() cuts to the width", () => {
  assert.equal(reactionsText(message("x")), "");
  const ref = { seq: 1, userId: "u2", username: "bob", excerpt: "日本語のテキスト" };
  assert.equal(replyLine(ref), "↪ bob: 日本語のテキスト");
  assert.equal(replyLine(ref, 12), "↪ bob: 日本…");
  assert.equal(reactionsText(message("x", "a", { reactions: REACTIONS }), "u3"), "[👍 2 ❤️ 1*]");
});

Deno.test("changeKinds() tells an edit, a delete and reactions apart", () => {
  const before = message("a", "bob", { rev: 3 });
  assert.deepEqual(changeKinds(before, { ...before, text: "b", editedAt: AT }), ["edited"]);
  assert.deepEqual(changeKinds(before, { ...before, reactions: REACTIONS }), ["reactions"]);
  assert.deepEqual(
    changeKinds(before, { ...before, text: "b", editedAt: AT, reactions: REACTIONS }),
    ["edited", "reactions"],
  );
  const gone = { ...before, text: "", deleted: true as const, deletedAt: AT };
  assert.deepEqual(changeKinds(before, gone), ["deleted"]);
  assert.deepEqual(changeKinds(gone, gone), []);
  assert.deepEqual(changeKinds(undefined, gone), ["deleted"]);
  assert.deepEqual(changeKinds(undefined, before), ["changed"]);
  // Not known before, but edited since the caller has seen every change: an edit.
  const edited = { ...before, editedAt: AT + 10 };
  assert.deepEqual(changeKinds(undefined, edited, AT), ["edited"]);
  assert.deepEqual(changeKinds(undefined, edited, AT + 11), ["changed"]);
  assert.deepEqual(changeKinds(before, { ...before, rev: 9 }), []);
});

Deno.test("formatUpdate() prints one ~ line per change, sanitized", () => {
  const before = message("a", "b\x1bob", { seq: 12 });
  const at = new Date(2024, 4, 1, 14, 2).getTime();
  assert.deepEqual(formatUpdate(before, { ...before, text: "new\ntext", editedAt: at }), [
    `~ 14:02 b^[ob edited #12: new\n${" ".repeat(26)}text`,
  ]);
  assert.deepEqual(
    formatUpdate(before, { ...before, text: "", deleted: true, deletedAt: at }),
    ["~ 14:02 deleted #12 from b^[ob"],
  );
  assert.deepEqual(
    formatUpdate(before, { ...before, reactions: REACTIONS }, { me: "u1", now: at }),
    [
      "~ 14:02 reactions on #12 from b^[ob: [👍 2* ❤️ 1]",
    ],
  );
  assert.deepEqual(formatUpdate({ ...before, reactions: REACTIONS }, before, { now: at }), [
    "~ 14:02 reactions on #12 from b^[ob: none",
  ]);
  assert.deepEqual(formatUpdate(undefined, { ...before, editedAt: at }, { now: at }), [
    "~ 14:02 changed #12 from b^[ob: a (edited)",
  ]);
});

Deno.test("formatMessage() never lets an escape sequence through", () => {
  const out = formatMessage(message("\x1b[2J\x1b]0;x\x07", "ev\x1bil"));
  assert.equal(out.includes("\x1b"), false);
  assert.equal(out.includes("\x07"), false);
  assert.match(out, /ev\^\[il: \^\[\[2J/);
});

Deno.test("roomLabel() shows rooms with # and direct rooms with @peer", () => {
  assert.equal(roomLabel({ name: "General", kind: "public" }), "#General");
  assert.equal(
    roomLabel({ name: "dm", kind: "direct", peer: { id: "u2", username: "bob" } }),
    "@bob",
  );
});

Deno.test("formatAgo() rounds to a readable unit", () => {
  const now = AT + 5 * 60_000;
  assert.equal(formatAgo(AT, now), "5 min ago");
  assert.equal(formatAgo(now, now), "just now");
  assert.equal(formatAgo(AT - 2 * 86_400_000, AT), "2 days ago");
});

Deno.test("formatTable() aligns columns by display width", () => {
  assert.deepEqual(formatTable([["#日本", "x"], ["#ab", "y"]]), ["#日本  x", "#ab    y"]);
});

Deno.test("formatSize() is 1024-based with one decimal below 10", () => {
  assert.equal(formatSize(0), "0 B");
  assert.equal(formatSize(512), "512 B");
  assert.equal(formatSize(1023), "1023 B");
  assert.equal(formatSize(1024), "1 KB");
  assert.equal(formatSize(1229), "1.2 KB");
  assert.equal(formatSize(12 * 1024 + 300), "12 KB");
  assert.equal(formatSize(3.4 * 1024 * 1024), "3.4 MB");
  assert.equal(formatSize(25 * 1024 * 1024), "25 MB");
  // Rounding up to 1024 of a unit is the next unit.
  assert.equal(formatSize(1024 * 1024 - 1), "1 MB");
  assert.equal(formatSize(5 * 1024 ** 3), "5 GB");
});

Deno.test("fileMarker() shows a sanitized, shortened name, the size and the reference", () => {
  assert.equal(
    fileMarker({ name: "report.pdf", size: 1229 }, "id:f1"),
    "[file: report.pdf 1.2 KB id:f1]",
  );
  assert.equal(fileMarker({ name: "a.txt", size: 3 }), "[file: a.txt 3 B]");
  assert.equal(
    fileMarker({ name: "\x1b[2Jevil\u202e.txt", size: 1 }, "/download 3"),
    "[file: ^[[2Jevil.txt 1 B /download 3]",
  );
  const long = "a".repeat(100) + ".pdf";
  const short = shortFileName(long);
  assert.ok(short.length <= 48, short);
  assert.ok(short.endsWith("aaaa.pdf") && short.includes("…"), short);
});

Deno.test("formatMessage() lists files with their ids after the text, none once deleted", () => {
  const files = [
    {
      id: "f1",
      name: "report.pdf",
      size: 1229,
      type: "application/pdf",
      url: "/api/files/f1/report.pdf",
      sha256: "",
    },
    {
      id: "f2",
      name: "b.bin",
      size: 2048,
      type: "application/octet-stream",
      url: "/api/files/f2/b.bin",
      sha256: "",
    },
  ];
  assert.equal(
    formatMessage(message("see these", "alice", { files, reactions: REACTIONS })),
    "2024-05-01 09:05 #1 alice: see these [file: report.pdf 1.2 KB id:f1] [file: b.bin 2 KB id:f2] [👍 2 ❤️ 1]",
  );
  assert.equal(
    formatMessage(message("", "alice", { files: [files[0]] })),
    "2024-05-01 09:05 #1 alice: [file: report.pdf 1.2 KB id:f1]",
  );
  assert.equal(
    formatMessage(message("", "alice", { files, deleted: true })),
    "2024-05-01 09:05 #1 alice: (message deleted)",
  );
});

Deno.test("formatMessage() marks thread roots and replies, and names the room", () => {
  const thread = { count: 3, lastSeq: 9, lastAt: AT, users: ["u2"] };
  assert.equal(
    formatMessage(message("root", "alice", { seq: 4, thread })),
    "2024-05-01 09:05 #4 alice: root [thread: 3 replies, last 09:05]",
  );
  assert.equal(
    formatMessage(message("answer", "bob", { seq: 9, threadRoot: 4 }), { room: "#General" }),
    "2024-05-01 09:05 #General #9 bob: answer (in thread #4)",
  );
  assert.equal(
    formatMessage(message("", "alice", { seq: 4, thread, deleted: true })),
    "2024-05-01 09:05 #4 alice: (message deleted) [thread: 3 replies, last 09:05]",
  );
});

Deno.test("threadSummary() counts replies and the unread ones", () => {
  const thread = { count: 1, lastSeq: 9, lastAt: AT, users: ["u2"] };
  assert.equal(threadSummary(thread), "1 reply, last 09:05");
  assert.equal(threadSummary({ ...thread, count: 5 }, 2), "5 replies, 2 new, last 09:05");
});

Deno.test("changeKinds() keeps quiet about a thread summary of a message not seen", () => {
  const root = message("root", "alice", {
    thread: { count: 1, lastSeq: 2, lastAt: AT + 10, users: ["u2"] },
  });
  assert.deepEqual(changeKinds(undefined, root, AT), []);
  assert.deepEqual(changeKinds(undefined, root, AT + 20), ["changed"]);
});
