/**
 * @module Typed builders of the KV keys that several store modules (and the feeds'
 * watch) share: one spelling per key. The table of every key is in kv.ts.
 */

/** `["room_seq", roomId]`: the room head (newest seq, activity, revision). */
export function roomHeadKey(roomId: string): Deno.KvKey {
  return ["room_seq", roomId];
}

/** `["msg", roomId, seq]`: a message record. */
export function messageKey(roomId: string, seq: number): Deno.KvKey {
  return ["msg", roomId, seq];
}

/** The prefix of a room's messages (range reads). */
export function messagesOf(roomId: string): Deno.KvKey {
  return ["msg", roomId];
}

/** `["msg_rev", roomId, rev]`: one change of the room (every one, in rev order). */
export function changeKey(roomId: string, rev: number): Deno.KvKey {
  return ["msg_rev", roomId, rev];
}

/** `["msg_changed", roomId, rev]` → seq: a changed message, at its latest rev. */
export function changedKey(roomId: string, rev: number): Deno.KvKey {
  return ["msg_changed", roomId, rev];
}

/** `["msg_reply", roomId, originalSeq, replySeq]`: a reply to a message. */
export function replyKey(roomId: string, originalSeq: number, replySeq: number): Deno.KvKey {
  return ["msg_reply", roomId, originalSeq, replySeq];
}

/** The prefix of the replies to one message. */
export function repliesOf(roomId: string, originalSeq: number): Deno.KvKey {
  return ["msg_reply", roomId, originalSeq];
}

/** `["msg_edit", roomId, seq, rev]`: a text an edit replaced. */
export function editKey(roomId: string, seq: number, rev: number): Deno.KvKey {
  return ["msg_edit", roomId, seq, rev];
}

/** The prefix of a message's edit history. */
export function editHistoryOf(roomId: string, seq: number): Deno.KvKey {
  return ["msg_edit", roomId, seq];
}

/** The prefix of a message's reactions (of one emoji, when given). */
export function reactionsOf(roomId: string, seq: number, emoji?: string): Deno.KvKey {
  return emoji === undefined ? ["reaction", roomId, seq] : ["reaction", roomId, seq, emoji];
}

/** `["reaction", roomId, seq, emoji, userId]`: one user's reaction. */
export function reactionKey(
  roomId: string,
  seq: number,
  emoji: string,
  userId: string,
): Deno.KvKey {
  return ["reaction", roomId, seq, emoji, userId];
}

/** `["mention", userId, roomId, seq]` → createdAt: a message that names a user. */
export function mentionKey(userId: string, roomId: string, seq: number): Deno.KvKey {
  return ["mention", userId, roomId, seq];
}

/** The prefix of a user's mentions in one room. */
export function mentionsIn(userId: string, roomId: string): Deno.KvKey {
  return ["mention", userId, roomId];
}

/** `["mention_at", userId, at, roomId, seq]`: the same, by time (GET /api/mentions). */
export function mentionAtKey(userId: string, at: number, roomId: string, seq: number): Deno.KvKey {
  return ["mention_at", userId, at, roomId, seq];
}

/** `["room_mention", roomId, seq]` → {here?}: an `@room` (or `@here`, with who was online). */
export function roomMentionKey(roomId: string, seq: number): Deno.KvKey {
  return ["room_mention", roomId, seq];
}

/** `["thread_msg", roomId, root, seq]`: a reply in the thread of `root`. */
export function threadMessageKey(roomId: string, root: number, seq: number): Deno.KvKey {
  return ["thread_msg", roomId, root, seq];
}

/** The prefix of a thread's replies. */
export function threadMessagesOf(roomId: string, root: number): Deno.KvKey {
  return ["thread_msg", roomId, root];
}

/** `["in_thread", roomId, seq]` → root: the room's thread replies, by seq. */
export function inThreadKey(roomId: string, seq: number): Deno.KvKey {
  return ["in_thread", roomId, seq];
}

/** `["follow", userId, roomId, root]` → since: a thread a user follows. */
export function followKey(userId: string, roomId: string, root: number): Deno.KvKey {
  return ["follow", userId, roomId, root];
}

/** `["follower", roomId, root, userId]` → since: the same, by thread. */
export function followerKey(roomId: string, root: number, userId: string): Deno.KvKey {
  return ["follower", roomId, root, userId];
}

/** `["thread_read", userId, roomId, root]` → seq: my read marker in a thread. */
export function threadReadKey(userId: string, roomId: string, root: number): Deno.KvKey {
  return ["thread_read", userId, roomId, root];
}

/** `["room_settings", roomId, userId]` → {muted, notify?}: a member's own settings. */
export function settingsKey(roomId: string, userId: string): Deno.KvKey {
  return ["room_settings", roomId, userId];
}
