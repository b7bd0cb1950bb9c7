/**
 * @module The KV side of changing a message: what an edit, a delete or a reaction
 * writes besides the message record (which `MessageStore.tryChange` commits with the
 * room's next revision).
 *
 * | key                                         | value                                  |
 * | ------------------------------------------- | -------------------------------------- |
 * | ["msg_edit", roomId, seq, rev]              | MessageEdit: a text an edit replaced   |
 * | ["reaction", roomId, seq, emoji, userId]    | when they reacted (one per user+emoji) |
 *
 * A delete leaves a tombstone and removes the old text everywhere KV held it: the
 * record and the edit history, in the same commit. Reaction keys are removed after
 * it (they hold no text).
 */

import { REACTION_USERS_SHOWN } from "../protocol/limits.ts";
import { type Message, type MessageEdit, type Reaction, replyRefOf } from "../protocol/types.ts";
import type { ChangePlan } from "./messages.ts";
import { editKey, reactionKey, replyKey } from "./keys.ts";

/** Previous texts kept per message (older ones are dropped by the next edit). */
export const EDITS_KEPT = 100;

export { editKey, reactionKey };

async function keysOf(kv: Deno.Kv, prefix: Deno.KvKey, limit: number): Promise<Deno.KvKey[]> {
  const keys: Deno.KvKey[] = [];
  for await (const entry of kv.list({ prefix }, { limit })) keys.push(entry.key);
  return keys;
}

/** The edit history of a message, oldest first. */
export async function editsOf(kv: Deno.Kv, roomId: string, seq: number): Promise<MessageEdit[]> {
  const edits: MessageEdit[] = [];
  for await (const e of kv.list<MessageEdit>({ prefix: ["msg_edit", roomId, seq] })) {
    edits.push(e.value);
  }
  return edits;
}

/** A new text for `stored`; the replaced text goes to the history. */
export async function planEdit(
  kv: Deno.Kv,
  stored: Message,
  text: string,
  options: { now: number; rev: number },
): Promise<ChangePlan> {
  const { roomId, seq } = stored;
  const history = await keysOf(kv, ["msg_edit", roomId, seq], EDITS_KEPT + 1);
  const excess = history.length - EDITS_KEPT + 1;
  const replaced: MessageEdit = {
    text: stored.text,
    since: stored.editedAt ?? stored.createdAt,
    replacedAt: options.now,
  };
  const message: Message = { ...stored, text, editedAt: options.now };
  return {
    message,
    sets: [[editKey(roomId, seq, options.rev), replaced]],
    deletes: excess > 0 ? history.slice(0, excess) : [],
    quotedChanged: replyRefOf(stored).excerpt !== replyRefOf(message).excerpt,
  };
}

/** The tombstone of `stored`, and the removal of its edit history. */
export async function planDelete(
  kv: Deno.Kv,
  stored: Message,
  options: { now: number },
): Promise<ChangePlan> {
  const { roomId, seq } = stored;
  const history = await keysOf(kv, ["msg_edit", roomId, seq], EDITS_KEPT + 10);
  const tombstone: Message = {
    id: stored.id,
    roomId,
    seq,
    userId: stored.userId,
    username: stored.username,
    text: "",
    createdAt: stored.createdAt,
    ...(stored.clientId ? { clientId: stored.clientId } : {}),
    rev: stored.rev,
    ...(stored.createdRev !== undefined ? { createdRev: stored.createdRev } : {}),
    deleted: true,
    deletedAt: options.now,
  };
  // It no longer quotes anything: out of its original's replies.
  const deletes = stored.replyTo
    ? [...history, replyKey(roomId, stored.replyTo.seq, seq)]
    : history;
  return { message: tombstone, deletes, quotedChanged: true };
}

/** Removes the reaction keys of a deleted message, a batch per commit (no text in them). */
export async function dropReactions(kv: Deno.Kv, roomId: string, seq: number): Promise<void> {
  while (true) {
    const keys = await keysOf(kv, ["reaction", roomId, seq], 500);
    if (!keys.length) return;
    const op = kv.atomic();
    for (const key of keys) op.delete(key);
    await op.commit();
  }
}

/**
 * My reaction `emoji` on (`on`) or off `stored`; null when that is already so
 * (reactions are idempotent), else the plan. Throws `tooMany` when the message
 * would carry more distinct emoji than allowed.
 */
export async function planReaction(
  kv: Deno.Kv,
  stored: Message,
  reaction: { userId: string; emoji: string; on: boolean; now: number; maxEmoji: number },
  tooMany: () => Error,
): Promise<ChangePlan | null> {
  const { roomId, seq } = stored;
  const { userId, emoji, on } = reaction;
  const key = reactionKey(roomId, seq, emoji, userId);
  const mine = await kv.get<number>(key);
  if ((mine.versionstamp !== null) === on) return null;
  const reactions: Reaction[] = (stored.reactions ?? []).map((r) => ({
    ...r,
    users: [...r.users],
  }));
  let entry = reactions.find((r) => r.emoji === emoji);
  if (on) {
    if (!entry) {
      if (reactions.length >= reaction.maxEmoji) throw tooMany();
      entry = { emoji, count: 0, users: [] };
      reactions.push(entry);
    }
    entry.count++;
    if (entry.users.length < REACTION_USERS_SHOWN && !entry.users.includes(userId)) {
      entry.users.push(userId);
    }
  } else if (entry) {
    entry.count = Math.max(0, entry.count - 1);
    entry.users = entry.users.filter((id) => id !== userId);
  }
  const kept = reactions.filter((r) => r.count > 0);
  const { reactions: _old, ...rest } = stored;
  const message: Message = kept.length ? { ...rest, reactions: kept } : rest;
  return on
    ? { message, checks: [mine], sets: [[key, reaction.now]] }
    : { message, checks: [mine], deletes: [key] };
}

/** Everyone who reacted with `emoji` (user ids, oldest key order), at most `limit`. */
export async function reactors(
  kv: Deno.Kv,
  roomId: string,
  seq: number,
  emoji: string,
  limit = 1000,
): Promise<string[]> {
  const ids: string[] = [];
  for await (const e of kv.list({ prefix: ["reaction", roomId, seq, emoji] }, { limit })) {
    ids.push(e.key[4] as string);
  }
  return ids;
}
