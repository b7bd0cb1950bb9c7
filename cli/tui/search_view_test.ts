import assert from "node:assert/strict";
import type { Message, Room, SearchResult } from "../../lib/protocol/types.ts";
import { displayWidth } from "../width.ts";
import { createStyler, stripStyles } from "./colors.ts";
import { SEARCH_VIEW_MAX, searchRows, searchTitle, SearchView } from "./search_view.ts";

const S = createStyler();

function result(seq: number, text: string, highlights: Array<[number, number]> = []) {
  const room: Room = {
    id: "r1",
    name: "general",
    topic: "",
    kind: "public",
    createdAt: 0,
    lastSeq: 99,
    lastActivityAt: 0,
  };
  const message: Message = {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId: "u1",
    username: "alice",
    text,
    createdAt: new Date(2025, 2, 14, 20, seq % 60).getTime(),
  };
  return { room, message, highlights } satisfies SearchResult;
}

Deno.test("SearchView.add() keeps each result once and stops at a page with nothing new", () => {
  const search = new SearchView("dune");
  assert.equal(search.loading, true);
  assert.equal(search.add({ results: [result(3, "a"), result(2, "b")], nextCursor: "c1" }), 2);
  assert.equal(search.loading, false);
  assert.equal(search.nextCursor, "c1");
  assert.equal(search.countText, "2+ results");
  assert.equal(search.add({ results: [result(2, "b")], nextCursor: "c2" }), 0);
  assert.equal(search.nextCursor, undefined, "the same page again would loop");
  assert.equal(search.countText, "2 results");
  const many = new SearchView("x");
  many.add({
    results: Array.from({ length: SEARCH_VIEW_MAX + 5 }, (_, i) => result(i + 1, "x")),
    nextCursor: "more",
  });
  assert.equal(many.results.length, SEARCH_VIEW_MAX);
  assert.equal(many.nextCursor, undefined);
});

Deno.test("SearchView.move() stays within the results; wantsMore near the end", () => {
  const search = new SearchView("x");
  search.add({
    results: Array.from({ length: 20 }, (_, i) => result(20 - i, "x")),
    nextCursor: "next",
  });
  search.move(-3);
  assert.equal(search.selected, 0);
  assert.equal(search.wantsMore, false);
  search.move(100);
  assert.equal(search.selected, 19);
  assert.equal(search.current?.message.seq, 1);
  assert.equal(search.wantsMore, true);
  search.loading = true;
  assert.equal(search.wantsMore, false, "one fetch at a time");
});

Deno.test("searchRows() draws one row per result, the selection marked and kept on screen", () => {
  const search = new SearchView("dune");
  search.add({
    results: Array.from(
      { length: 12 },
      (_, i) => result(12 - i, `about dune, part ${12 - i}`, [[6, 10]]),
    ),
  });
  let rows = searchRows(search, 6, 60, S).map(stripStyles);
  assert.equal(rows.length, 6);
  assert.equal(rows[0], "> 2025-03-14 20:12 #general #12 alice: about dune, part 12".padEnd(60));
  assert.equal(rows[1], "  2025-03-14 20:11 #general #11 alice: about dune, part 11");
  assert.equal(rows[5], "──── 12 results, the oldest last ────");
  // The matched word is styled apart.
  assert.ok(searchRows(search, 6, 60, S)[1].includes(`${S.hit}dune${S.reset}`));
  search.move(7);
  rows = searchRows(search, 6, 60, S).map(stripStyles);
  assert.match(rows[4], /^> .* #5 alice: about dune, part 5/);
  assert.equal(search.top, 3);
  for (const row of rows) assert.ok(displayWidth(row) <= 60, row);
});

Deno.test("searchRows() says when nothing matched, what failed, and sanitizes", () => {
  const none = new SearchView("zzz\x1b[2J");
  none.add({ results: [] });
  const rows = searchRows(none, 4, 70, S).map(stripStyles);
  assert.equal(rows[0], 'No messages match "zzz^[[2J": Esc or /back to return');
  const failed = new SearchView("before:2026-13-45");
  failed.loading = false;
  failed.error = 'Invalid date: "2026-13-45"';
  assert.match(stripStyles(searchRows(failed, 3, 70, S)[0]), /^Search failed: Invalid date/);
  assert.match(searchTitle(none), /^ Search "zzz\^\[\[2J": 0 results – /);
  const hostile = new SearchView("x");
  hostile.add({ results: [result(1, "\x1b]0;title\x07 x", [[11, 12]])] });
  const row = searchRows(hostile, 2, 60, S)[0];
  assert.ok(!stripStyles(row).includes("\x1b"), row);
});
