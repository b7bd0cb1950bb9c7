/**
 * @module Reading what changes leave beside a message record (its edit history, its
 * reactions) and removing a deleted message's reactions. What a change writes is
 * planned in change_batch.ts.
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

import type { MessageEdit } from "../protocol/types.ts";

/** The edit history of a message, oldest first. */
export async function editsOf(kv: Deno.Kv, roomId: string, seq: number): Promise<MessageEdit[]> {
  const edits: MessageEdit[] = [];
  for await (const e of kv.list<MessageEdit>({ prefix: ["msg_edit", roomId, seq] })) {
    edits.push(e.value);
  }
  return edits;
}

/** Removes the reaction keys of a deleted message, a batch per commit (no text in them). */
export async function dropReactions(kv: Deno.Kv, roomId: string, seq: number): Promise<void> {
  while (true) {
    const keys: Deno.KvKey[] = [];
    for await (const e of kv.list({ prefix: ["reaction", roomId, seq] }, { limit: 500 })) {
      keys.push(e.key);
    }
    if (!keys.length) return;
    const op = kv.atomic();
    for (const key of keys) op.delete(key);
    await op.commit();
  }
}

/** Everyone who reacted with `emoji` (user ids, in key order), at most `limit`. */
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
