import assert from "node:assert/strict";
import type { Message, Room } from "../../lib/protocol/types.ts";
import { createStyler, stripStyles } from "./colors.ts";
import { InputLine } from "./input_line.ts";
import { Model } from "./model.ts";
import { activityText, promptFor, renderFrame } from "./view.ts";

const S = createStyler();
const SIZE = { columns: 70, rows: 12 };

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

function msg(seq: number, text: string, extra: Partial<Message> = {}): Message {
  const createdAt = new Date(2024, 4, 1, 9, seq).getTime();
  return {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId: "id-bob",
    username: "bob",
    text,
    createdAt,
    ...extra,
  };
}

function setup(): Model {
  const model = new Model("http://chat.example:8000");
  model.user = { id: "id-me", username: "me" };
  model.connection = "open";
  model.upsertRoom(room("r1", "general"));
  model.upsertRoom(room("r2", "random"));
  model.upsertRoom(room("d1", "dm", { kind: "direct", peer: { id: "id-ann", username: "ann" } }));
  model.switchTo("r1");
  return model;
}

function draw(model: Model) {
  const frame = renderFrame(model, { prompt: promptFor(model), line: new InputLine() }, {
    size: SIZE,
    styler: S,
    now: 0,
  });
  return { styled: frame.rows, rows: frame.rows.map(stripStyles) };
}

Deno.test("renderFrame() highlights a message that mentions me", () => {
  const model = setup();
  model.addMessages("r1", [
    msg(1, "hey @me look", { mentions: ["id-me"] }),
    // Text alone is not a mention: the server says who it mentions.
    msg(2, "just text, @me"),
  ]);
  const { styled, rows } = draw(model);
  const at = rows.findIndex((r) => r.endsWith("bob: hey @me look"));
  assert.ok(styled[at].includes(`${S.mention}hey @me look`), JSON.stringify(styled[at]));
  const plain = rows.findIndex((r) => r.endsWith("bob: just text, @me"));
  assert.ok(!styled[plain].includes(S.mention));
});

Deno.test("renderFrame() shows a root's thread summary and hides its replies", () => {
  const model = setup();
  const lastAt = new Date(2024, 4, 1, 14, 2).getTime();
  model.addMessages("r1", [
    msg(1, "shall we?", { thread: { count: 3, lastSeq: 4, lastAt, users: ["id-ann"] } }),
    msg(2, "only in the thread", { threadRoot: 1 }),
    msg(4, "also here", { threadRoot: 1, alsoInRoom: true }),
  ]);
  model.rooms.get("r1")!.threadUnread.set(1, 2);
  const { rows } = draw(model);
  const root = rows.findIndex((r) => r.endsWith("bob: shall we?"));
  assert.equal(rows[root + 1], "           └ 3 replies, 2 new, last 14:02 (/thread 1)");
  assert.ok(!rows.some((r) => r.includes("only in the thread")));
  assert.ok(rows.some((r) => r.endsWith("bob: also here (in thread #1)")));
});

Deno.test("renderFrame() shows an open thread: title, root, rule, replies and prompt", () => {
  const model = setup();
  const thread = { count: 1, lastSeq: 2, lastAt: 0, users: ["id-ann"] };
  model.addMessages("r1", [msg(1, "shall we?", { thread }), msg(3, "room talk")]);
  model.openThread("r1", 1, [
    msg(1, "shall we?", { thread }),
    msg(2, "yes", { threadRoot: 1, userId: "id-ann", username: "ann" }),
  ]);
  model.outbox.push({ clientId: "c", roomId: "r1", text: "me too", createdAt: 0, threadRoot: 1 });
  model.outbox.push({ clientId: "d", roomId: "r1", text: "elsewhere", createdAt: 0 });
  const { rows } = draw(model);
  assert.match(rows[0], /^ #general › thread #1 by bob \(1 reply\) – \/back to the room/);
  const root = rows.findIndex((r) => r.endsWith("bob: shall we?"));
  assert.equal(rows[root + 1], "──── 1 reply ────");
  assert.equal(rows[root + 2], "09:02 ann: yes");
  assert.equal(rows[root + 3], "--:-- me: me too (sending…)");
  assert.ok(!rows.some((r) => r.includes("room talk") || r.includes("elsewhere")));
  assert.match(rows[SIZE.rows - 2], /^ #general › #1 │ online/);
  assert.equal(rows[SIZE.rows - 1], "[#general › #1] ");
});

Deno.test("the status bar counts mentions apart; the title shows my settings", () => {
  const model = setup();
  model.addMessages("r2", [msg(1, "a"), msg(2, "@me b", { mentions: ["id-me"] }), msg(3, "c")], {
    live: true,
  });
  model.addMessages("d1", [msg(1, "psst", { roomId: "d1", userId: "id-ann", username: "ann" })], {
    live: true,
  });
  model.setPrefs("r1", { muted: true, notify: "mentions" });
  const { rows } = draw(model);
  assert.match(rows[SIZE.rows - 2], /act: #random\(3\(1!\)\) @ann\(1!\)/);
  assert.match(rows[0], /^ #general \[muted\] \[notify: mentions\]/);
});

Deno.test("activityText() says how many are unread and how many mention me", () => {
  const model = setup();
  const view = model.rooms.get("r2")!;
  const text = (unread: number, mentions: number) => activityText({ ...view, unread, mentions });
  assert.equal(text(3, 0), "#random(3)");
  assert.equal(text(3, 1), "#random(3(1!))");
  assert.equal(text(2, 2), "#random(2!)");
  // Muted: only the mentions count.
  assert.equal(text(0, 1), "#random(1!)");
});
