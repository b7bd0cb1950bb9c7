import assert from "node:assert/strict";
import type { ChatSocket } from "../../lib/client/socket.ts";
import type { Message } from "../../lib/protocol/types.ts";
import { MessageActions } from "./message_actions.ts";
import { Model } from "./model.ts";

function msg(seq: number, userId: string, extra: Partial<Message> = {}): Message {
  const username = userId === "u1" ? "me" : "bob";
  return {
    id: `m${seq}`,
    roomId: "r1",
    seq,
    userId,
    username,
    text: `t${seq}`,
    createdAt: 0,
    ...extra,
  };
}

function setup(socket?: Partial<ChatSocket>) {
  const model = new Model("http://h");
  model.user = { id: "u1", username: "me" };
  const room = { id: "r1", name: "r", topic: "", kind: "public" as const, createdAt: 0 };
  model.upsertRoom({ ...room, lastSeq: 3, lastActivityAt: 0 });
  model.switchTo("r1");
  model.addMessages("r1", [
    msg(1, "u1", { rev: 1 }),
    msg(2, "u2", { rev: 2 }),
    msg(3, "u2", { rev: 3 }),
  ]);
  const replies: string[] = [];
  const actions = new MessageActions(model, {
    socket: () => socket as ChatSocket | undefined,
    reply: (roomId, text, replyTo) => replies.push(`${roomId} ${replyTo} ${text}`),
  });
  return { model, actions, replies };
}

Deno.test("pick() says what is missing", () => {
  const { actions, model } = setup();
  model.rooms.get("r1")!.hasMore = false;
  assert.equal(actions.pick(1).seq, 3);
  assert.equal(actions.pick(1, { mine: true }).seq, 1);
  assert.throws(() => actions.pick(2, { mine: true }), /You have fewer than 2 messages here$/);
  model.rooms.get("r1")!.hasMore = true;
  assert.throws(() => actions.pick(4), /Fewer than 4 messages here: \/history loads older/);
  model.switchTo("");
  assert.throws(() => actions.pick(1), /No room on screen/);
});

Deno.test("edit(), deleteMessage() and react() apply the acknowledged state at once", async () => {
  const calls: string[] = [];
  const socket: Partial<ChatSocket> = {
    edit: (roomId, seq, text) => {
      calls.push(`edit ${roomId} ${seq} ${text}`);
      return Promise.resolve(msg(seq, "u1", { text, editedAt: 5, rev: 4 }));
    },
    delete: (_roomId, seq) => Promise.resolve(msg(seq, "u2", { text: "", deleted: true, rev: 5 })),
    react: (_roomId, seq, emoji, on) => {
      calls.push(`react ${seq} ${emoji} ${on}`);
      return Promise.resolve(
        msg(seq, "u2", { rev: 6, reactions: [{ emoji, count: 1, users: ["u1"] }] }),
      );
    },
  };
  const { actions, model } = setup(socket);
  const timeline = model.rooms.get("r1")!.timeline;
  await actions.edit(actions.pick(1, { mine: true }), "better  ");
  assert.equal(timeline.get(1)!.text, "better");
  await actions.deleteMessage(timeline.get(2)!);
  assert.equal(timeline.get(2)!.deleted, true);
  await actions.react(timeline.get(3)!, "👍", true);
  assert.equal(timeline.get(3)!.reactions![0].emoji, "👍");
  assert.deepEqual(calls, ["edit r1 1 better", "react 3 👍 true"]);
  await assert.rejects(actions.edit(timeline.get(1)!, " "), /must not be empty/);
});

Deno.test("changes need a session; replies go through the outbox", async () => {
  const { actions, replies } = setup();
  await assert.rejects(actions.react(actions.pick(1), "👍", true), /Not logged in/);
  actions.reply(actions.pick(2), "sure");
  assert.deepEqual(replies, ["r1 2 sure"]);
});
