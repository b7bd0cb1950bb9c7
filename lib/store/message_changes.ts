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
import { editHistoryOf, reactionsOf } from "./keys.ts";
import { listAll } from "./kv.ts";

/** An edit history is at most EDITS_KEPT (100) long, and a few more in a race. */
const EDITS_LISTED = 200;

/** The edit history of a message, oldest first. */
export async function editsOf(kv: Deno.Kv, roomId: string, seq: number): Promise<MessageEdit[]> {
  const entries = await listAll<MessageEdit>(kv, editHistoryOf(roomId, seq), EDITS_LISTED);
  return entries.map((e) => e.value);
}

/** Removes the reaction keys of a deleted message, a batch per commit (no text in them). */
export async function dropReactions(kv: Deno.Kv, roomId: string, seq: number): Promise<void> {
  while (true) {
    const keys = (await listAll(kv, reactionsOf(roomId, seq), 500)).map((e) => e.key);
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
  const entries = await listAll(kv, reactionsOf(roomId, seq, emoji), limit);
  return entries.map((e) => e.key[4] as string);
}
