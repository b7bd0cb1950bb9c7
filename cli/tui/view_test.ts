import assert from "node:assert/strict";
import type { Message, Room } from "../../lib/protocol/types.ts";
import { displayWidth } from "../width.ts";
import { createStyler, stripStyles } from "./colors.ts";
import { InputLine } from "./input_line.ts";
import { Model } from "./model.ts";
import { promptFor, renderFrame } from "./view.ts";

const S = createStyler();
const SIZE = { columns: 60, rows: 12 };

function room(id: string, name: string, extra: Partial<Room> = {}): Room {
  return {
    id,
    name,
    topic: "",
    kind: "public",
    createdAt: 0,
    lastSeq: 0,
    lastActivityAt: 0,
    ...extra,
  };
}

function msg(seq: number, text: string, username = "bob"): Message {
  const createdAt = new Date(2024, 4, 1, 9, seq).getTime();
  return { id: `m${seq}`, roomId: "r1", seq, userId: `id-${username}`, username, text, createdAt };
}

function setup(): Model {
  const model = new Model("http://chat.example:8000");
  model.user = { id: "id-me", username: "me" };
  model.connection = "open";
  model.upsertRoom(room("r1", "general", { topic: "Hello" }));
  model.upsertRoom(room("r2", "random"));
  model.switchTo("r1");
  return model;
}

function plain(model: Model, line = new InputLine(), size = SIZE, hidden = false) {
  const frame = renderFrame(model, { prompt: promptFor(model), line, hidden }, {
    size,
    styler: S,
    now: 0,
  });
  return { frame, rows: frame.rows.map(stripStyles) };
}

Deno.test("renderFrame() lays out title, transcript, status and input rows", () => {
  const model = setup();
  model.addMessages("r1", [msg(1, "hi there"), msg(2, "mine", "me")]);
  const line = new InputLine();
  line.insert("typing");
  const { frame, rows } = plain(model, line);
  assert.equal(rows.length, SIZE.rows);
  assert.match(rows[0], /^ #general – Hello/);
  assert.equal(rows[1], "");
  assert.equal(rows[7], "──── 2024-05-01 ────");
  assert.equal(rows[8], "09:01 bob: hi there");
  assert.equal(rows[9], "09:02 me: mine");
  assert.match(rows[10], /^ #general │ online │ me@chat\.example:8000 +$/);
  assert.equal(rows[SIZE.rows - 1], "[#general] typing");
  assert.deepEqual(frame.cursor, { row: SIZE.rows - 1, column: "[#general] typing".length });
  for (const row of rows) assert.ok(displayWidth(row) <= SIZE.columns, row);
});

Deno.test("renderFrame() says clearly when the connection is down", () => {
  const model = setup();
  model.connection = "reconnecting";
  model.outbox.push({ clientId: "c", roomId: "r1", text: "later", createdAt: 0 });
  const { rows } = plain(model);
  assert.match(rows[SIZE.rows - 2], /offline – reconnecting…/);
  assert.equal(rows[SIZE.rows - 3], "--:-- me: later (queued until reconnected)");
});

Deno.test("renderFrame() never prints control characters from the server", () => {
  const model = setup();
  model.upsertRoom(room("r1", "general", { topic: "\x1b]0;title\x07" }));
  model.addMessages("r1", [msg(1, "\x1b[2J\x1b[Hgotcha\r\nline2\x9b31m", "ev\x1bil")]);
  model.typing("r1", "ty\x07per", Date.now());
  const frame = renderFrame(model, { prompt: promptFor(model), line: new InputLine() }, {
    size: SIZE,
    styler: S,
  });
  for (const row of frame.rows) {
    // Only our own SGR escapes remain.
    const withoutSgr = stripStyles(row);
    // deno-lint-ignore no-control-regex
    assert.equal(/[\x00-\x1f\x7f-\x9f]/.test(withoutSgr), false, JSON.stringify(row));
  }
  const rows = frame.rows.map(stripStyles);
  assert.ok(rows.some((r) => r.includes("ev^[il: ^[[2J^[[Hgotcha")));
  assert.ok(rows.some((r) => r.includes("line2<9b>31m")));
  assert.match(rows[0], /\^\[\]0;title\^G/);
  assert.match(rows[SIZE.rows - 2], /│ ty\^Gper is typing… │/);
});

Deno.test("renderFrame() wraps long messages under the text and shows unread rooms", () => {
  const model = setup();
  model.addMessages("r1", [msg(1, "word ".repeat(30).trim())]);
  model.addMessages("r2", [msg(1, "ping"), msg(2, "pong")], { live: true });
  const { rows } = plain(model);
  const start = rows.findIndex((r) => r.startsWith("09:01 bob: word"));
  assert.ok(start > 0);
  assert.match(rows[start + 1], /^ {11}word/);
  assert.match(rows[SIZE.rows - 2], /act: #random\(2\)/);
});

Deno.test("renderFrame() scrolls back and clamps at the oldest row", () => {
  const model = setup();
  model.addMessages("r1", Array.from({ length: 30 }, (_, i) => msg(i + 1, `m${i + 1}`)));
  model.rooms.get("r1")!.hasMore = false;
  model.scroll = 5;
  let { rows } = plain(model);
  assert.match(rows[9], /bob: m25$/);
  assert.match(rows[SIZE.rows - 2], /more below: PgDn/);
  model.scroll = 1000;
  ({ rows } = plain(model));
  assert.equal(rows[1], "──── 2024-05-01 ────");
  assert.match(rows[2], /bob: m1$/);
  assert.equal(model.atTop, true);
});

Deno.test("renderFrame() puts the state of a pending send on its own row when needed", () => {
  const model = setup();
  model.connection = "ended";
  model.outbox.push({ clientId: "c", roomId: "r1", text: "x".repeat(45), createdAt: 0 });
  const { rows } = plain(model);
  assert.equal(rows[SIZE.rows - 4], `--:-- me: ${"x".repeat(45)}`);
  assert.equal(rows[SIZE.rows - 3], "          (queued until you log in)");
  for (const row of rows) assert.ok(displayWidth(row) <= SIZE.columns, row);
});

Deno.test("renderFrame() hides a password being typed", () => {
  const model = setup();
  const line = new InputLine();
  line.insert("hunter22");
  const frame = renderFrame(model, { prompt: "Password for me: ", line, hidden: true }, {
    size: SIZE,
    styler: S,
  });
  const last = stripStyles(frame.rows.at(-1)!);
  assert.equal(last, "Password for me: ");
  assert.equal(frame.cursor.column, "Password for me: ".length);
});

Deno.test("renderFrame() copes with a tiny terminal", () => {
  const model = setup();
  const { rows } = plain(model, new InputLine(), { columns: 10, rows: 3 });
  assert.deepEqual(rows, ["Too small", "", ""]);
});

Deno.test("renderFrame() shows (edited), reactions (mine marked) and deleted messages", () => {
  const model = setup();
  const reactions = [
    { emoji: "👍", count: 2, users: ["id-me", "id-bob"] },
    { emoji: "🎉", count: 1, users: ["id-bob"] },
  ];
  model.addMessages("r1", [
    { ...msg(1, "typo fixed"), editedAt: 1, reactions },
    { ...msg(2, "", "me"), deleted: true, reactions },
  ]);
  const { frame, rows } = plain(model);
  assert.equal(rows[8], "09:01 bob: typo fixed (edited) [👍 2* 🎉 1]");
  assert.equal(rows[9], "09:02 me: message deleted");
  // Mine in bold.
  assert.ok(frame.rows[8].includes(`${S.bold}👍 2*${S.reset}`), JSON.stringify(frame.rows[8]));
});

Deno.test("renderFrame() wraps reactions that do not fit after the text", () => {
  const model = setup();
  const emoji = ["😀", "😃", "😄", "😁", "😆", "😅", "😂", "🤣", "😊", "😇"];
  const reactions = emoji.map((e) => ({ emoji: e, count: 10, users: [] }));
  model.addMessages("r1", [{ ...msg(1, "x".repeat(30)), reactions }]);
  const { rows } = plain(model);
  const start = rows.findIndex((r) => r.startsWith("09:01 bob: x"));
  assert.match(rows[start], /x{30} \[😀 10 😃 10 😄 10$/);
  assert.match(rows[start + 1], /^ {11}😁 10 .* 😇 10\]$/);
  for (const row of rows) assert.ok(displayWidth(row) <= SIZE.columns, row);
});

Deno.test("renderFrame() puts the answered message above a reply, sanitized and cut", () => {
  const model = setup();
  const excerpt = "\x1b[2J" + "long words ".repeat(10);
  model.addMessages("r1", [
    { ...msg(1, "yes", "me"), replyTo: { seq: 9, userId: "id-bob", username: "bob", excerpt } },
    {
      ...msg(2, "what?"),
      replyTo: { seq: 8, userId: "x", username: "al", excerpt: "", deleted: true },
    },
  ]);
  const { rows } = plain(model);
  const at = rows.findIndex((r) => r.startsWith("09:01 me: yes"));
  assert.equal(rows[at - 1], `          ↪ bob: ^[[2Jlong words long words long words long…`);
  assert.equal(displayWidth(rows[at - 1]), SIZE.columns);
  assert.equal(rows[at + 1], "           ↪ al: message deleted");
  assert.equal(rows[at + 2], "09:02 bob: what?");
});

Deno.test("renderFrame() reprints a message changed off screen with a ~ marker", () => {
  const model = setup();
  model.addMessages("r1", Array.from({ length: 20 }, (_, i) => msg(i + 1, `m${i + 1}`)));
  plain(model);
  assert.ok(model.onScreen.seqs.has(20));
  assert.ok(!model.onScreen.seqs.has(1));
  model.applyUpdate("r1", { ...msg(20, "m20 better"), editedAt: 1, rev: 30 });
  model.applyUpdate("r1", { ...msg(1, "m1 better"), editedAt: 1, rev: 31 });
  const { rows } = plain(model);
  assert.equal(rows[SIZE.rows - 3], "~ 09:01 bob: m1 better (edited)");
  assert.equal(rows[SIZE.rows - 4], "09:20 bob: m20 better (edited)");
  assert.ok(model.onScreen.seqs.has(1));
});

Deno.test("renderFrame() shows what a pending reply answers", () => {
  const model = setup();
  model.addMessages("r1", [msg(1, "question?")]);
  model.outbox.push({ clientId: "c", roomId: "r1", text: "answer", createdAt: 0, replyTo: 1 });
  const { rows } = plain(model);
  assert.equal(rows[SIZE.rows - 4], "          ↪ bob: question?");
  assert.equal(rows[SIZE.rows - 3], "--:-- me: answer (sending…)");
});

function fileInfo(id: string, name: string, size: number) {
  return { id, name, size, type: "application/pdf", url: `/api/files/${id}/x`, sha256: "" };
}

Deno.test("renderFrame() shows files as [file: NAME SIZE /download SEQ [N]] markers", () => {
  const model = setup();
  model.addMessages("r1", [
    { ...msg(1, "the report"), files: [fileInfo("f1", "report.pdf", 1229)] },
    { ...msg(2, ""), files: [fileInfo("f2", "a.txt", 10), fileInfo("f3", "\x1b[2Jb.txt", 2048)] },
  ]);
  const { rows } = plain(model, new InputLine(), { columns: 100, rows: 12 });
  assert.ok(
    rows.includes("09:01 bob: the report [file: report.pdf 1.2 KB /download 1]"),
    rows.join("\n"),
  );
  assert.ok(
    rows.includes(
      "09:02 bob: [file: a.txt 10 B /download 2 1] [file: ^[[2Jb.txt 2 KB /download 2 2]",
    ),
    rows.join("\n"),
  );
  // Narrow: each marker goes on a row of its own under the text, its name cut to fit.
  const narrow = plain(model, new InputLine(), { columns: 46, rows: 12 }).rows;
  const at = narrow.findIndex((r) => r.startsWith("09:02 bob: [file: a.txt 10 B /download 2 1]"));
  assert.equal(narrow[at + 1], "           [file: ^[[….txt 2 KB /download 2 2]");
  for (const row of narrow) assert.ok(displayWidth(row) <= 46, row);
});

Deno.test("renderFrame() shows a pending file message and transfers in the status bar", () => {
  const model = setup();
  model.outbox.push({
    clientId: "c",
    roomId: "r1",
    text: "",
    createdAt: 0,
    files: [fileInfo("f1", "report.pdf", 1229)],
  });
  model.transfers.push({ up: true, name: "big.iso", done: 512, total: 2048, startedAt: 0 });
  model.transfers.push({ up: false, name: "c.bin", done: 10, total: 10, startedAt: 0 });
  const { rows } = plain(model, new InputLine(), { columns: 100, rows: 12 });
  assert.equal(rows[12 - 3], "--:-- me: [file: report.pdf 1.2 KB] (sending…)");
  assert.match(rows[12 - 2], /^ #general │ online │ ↑ big\.iso 25% │ ↓ c\.bin 100% │ me@/);
});

Deno.test("renderFrame() scrolls to the message a search jumped to and marks it", () => {
  const model = setup();
  model.addMessages("r1", Array.from({ length: 40 }, (_, i) => msg(i + 1, `message ${i + 1}`)));
  model.mark = { roomId: "r1", seq: 10 };
  model.reveal = { roomId: "r1", seq: 10 };
  let { rows } = plain(model);
  const at = rows.findIndex((row) => row.startsWith("> 09:10 bob: message 10"));
  assert.ok(at >= 4 && at <= 6, rows.join("\n"));
  assert.equal(model.reveal, undefined, "scrolled once");
  assert.ok(model.scroll > 0);
  assert.match(rows[SIZE.rows - 2], /more below: PgDn/);
  // The mark stays while the room is on screen, then goes.
  model.scroll = 0;
  ({ rows } = plain(model));
  assert.ok(!rows.some((row) => row.startsWith("> ")), "scrolled back down");
  model.switchTo("r2");
  assert.equal(model.mark, undefined);
});

Deno.test("renderFrame() shows search results instead of the room, with their own prompt", async () => {
  const { SearchView } = await import("./search_view.ts");
  const model = setup();
  model.addMessages("r1", [msg(1, "hi there")]);
  const search = new SearchView("there");
  search.add({
    results: [{
      room: room("r1", "general"),
      message: msg(1, "hi there"),
      highlights: [[3, 8]],
    }],
  });
  model.search = search;
  const { rows } = plain(model);
  assert.match(rows[0], /^ Search "there": 1 result – ↑\/↓ select, Enter: go to it/);
  assert.match(rows[1], /^> 2024-05-01 09:01 #general #1 bob: hi there/);
  assert.match(rows[SIZE.rows - 2], /^ \(search\) │ online/);
  assert.equal(rows[SIZE.rows - 1], "[search] ");
  assert.ok(!rows.some((row) => row.startsWith("09:01 bob:")), "the room is not drawn");
  model.switchTo("r1");
  assert.equal(model.search, undefined, "a room on screen closes the results");
});
