import assert from "node:assert/strict";
import type { Message, Room, SearchResult } from "../../lib/protocol/types.ts";
import { STARS } from "../highlight.ts";
import { displayWidth } from "../width.ts";
import { searchLines, searchQuery } from "./search.ts";

function result(
  room: Partial<Room>,
  message: Partial<Message>,
  highlights: Array<[number, number]> = [],
): SearchResult {
  return {
    room: {
      id: "r1",
      name: "general",
      topic: "",
      kind: "public",
      createdAt: 0,
      lastSeq: 9,
      lastActivityAt: 0,
      ...room,
    },
    message: {
      id: "m1",
      roomId: room.id ?? "r1",
      seq: 1,
      userId: "u1",
      username: "alice",
      text: "",
      createdAt: new Date(2025, 2, 14, 20, 14).getTime(),
      ...message,
    },
    highlights,
  };
}

Deno.test("searchQuery() joins the words and refuses an empty query", () => {
  assert.equal(searchQuery(["from:alice", '"two words"']), 'from:alice "two words"');
  assert.throws(() => searchQuery([]), /Search needs a query/);
  assert.throws(() => searchQuery(["  ", ""]), /Search needs a query/);
});

Deno.test("searchLines() aligns room, seq, who and when, the matches emphasised", () => {
  const lines = searchLines([
    result({}, { seq: 12, text: "Who has read Dune?" }, [[13, 17]]),
    result({ id: "r2", name: "Book club" }, { seq: 3, username: "bob", text: "dune again" }, [
      [0, 4],
    ]),
    result({ id: "d", name: "x", kind: "direct", peer: { id: "u3", username: "carol" } }, {
      seq: 100,
      username: "carol",
      text: "",
      files: [{ id: "f1", name: "dune.pdf", size: 2048, type: "application/pdf", url: "/f" }],
    } as Partial<Message>),
  ], { emphasis: STARS });
  assert.deepEqual(lines, [
    "#general    #12   alice  2025-03-14 20:14  Who has read *Dune*?",
    "#Book club  #3    bob    2025-03-14 20:14  *dune* again",
    "@carol      #100  carol  2025-03-14 20:14  [file: dune.pdf 2 KB id:f1]",
  ]);
});

Deno.test("searchLines() fits a terminal's width and prints nothing raw from the server", () => {
  const long = `${"word ".repeat(40)}the match here ${"tail ".repeat(20)}`;
  const at = long.indexOf("match");
  const [line] = searchLines([
    result({ name: "ev\x1b[2Jil" }, { username: "x\x07y", text: long }, [[at, at + 5]]),
  ], { emphasis: STARS, width: 80 });
  assert.ok(displayWidth(line) <= 80 + 2, line); // the two `*` are not columns of text
  assert.ok(line.startsWith("#ev^[[2Jil  #1  x^Gy  "), line);
  assert.match(line, / {2}…(word )?the \*match\* here tail/);
});
