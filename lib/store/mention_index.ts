/**
 * @module What a message's mentions and thread write beside it, in its own commit
 * (new messages: messages.ts; edits and deletes: change_batch.ts), and reading them.
 *
 * | key                                        | value                                     |
 * | ------------------------------------------ | ----------------------------------------- |
 * | ["mention", userId, roomId, seq]           | createdAt: a message naming the user      |
 * | ["mention_at", userId, at, roomId, seq]    | true: the same by time (GET /api/mentions)|
 * | ["room_mention", roomId, seq]              | {by, here?}: an `@room`, or an `@here`    |
 * | ["thread_msg", roomId, root, seq]          | author id: a reply in root's thread       |
 * | ["in_thread", roomId, seq]                 | root: replies only in the thread, by seq  |
 * | ["follow", userId, roomId, root]           | since: a thread the user follows          |
 * | ["follower", roomId, root, userId]         | since: the same by thread (notify)        |
 * | ["thread_read", userId, roomId, root]      | seq: my read marker in a thread           |
 *
 * A message names at most 50 users (two keys each) and `@room`/`@here` is one key
 * however big the room, so a message's index stays far inside KV's 1000 mutations
 * per commit; unread mentions are counted from these after the read marker.
 */

import type { Message, ThreadSummary } from "../protocol/types.ts";
import {
  followerKey,
  followKey,
  inThreadKey,
  mentionAtKey,
  mentionKey,
  roomMentionKey,
  threadMessageKey,
  threadReadKey,
} from "./keys.ts";

/** Who a message mentions, as the service resolved it (see lib/chat/mentions.ts). */
export interface MentionSet {
  /** Named members (each gets index keys). */
  named: string[];
  /** `message.mentions`. */
  listed: string[];
  all?: "room" | "here";
  /** `@here`: who was online. */
  hereIds?: string[];
}

/** `["room_mention", roomId, seq]`: who wrote the `@room`, and whom an `@here` reached. */
export interface RoomMention {
  by: string;
  here?: string[];
}

/** Thread repliers a root's summary names. */
export const THREAD_USERS_SHOWN = 10;

export type KvSet = [Deno.KvKey, unknown];

/** The fields a message record carries for its mentions (none: removed). */
export function withMentions(message: Message, mentions: MentionSet | undefined): Message {
  const { mentions: _m, mentionsAll: _a, ...rest } = message;
  if (!mentions) return rest;
  return {
    ...rest,
    ...(mentions.listed.length ? { mentions: mentions.listed } : {}),
    ...(mentions.all ? { mentionsAll: mentions.all } : {}),
  };
}

/** The index keys of a message's mentions. */
export function mentionSets(message: Message, mentions: MentionSet): KvSet[] {
  const { roomId, seq, createdAt } = message;
  const sets: KvSet[] = [];
  for (const userId of mentions.named) {
    sets.push([mentionKey(userId, roomId, seq), createdAt]);
    sets.push([mentionAtKey(userId, createdAt, roomId, seq), true]);
  }
  if (mentions.all) {
    const value: RoomMention = { by: message.userId };
    if (mentions.hereIds) value.here = mentions.hereIds;
    sets.push([roomMentionKey(roomId, seq), value]);
  }
  return sets;
}

/** Removes the index keys a stored message's mentions may have (a superset is harmless). */
export function mentionDeletes(message: Message, keep: Set<string> = new Set()): Deno.KvKey[] {
  const { roomId, seq, createdAt } = message;
  const deletes: Deno.KvKey[] = [];
  for (const userId of message.mentions ?? []) {
    if (keep.has(userId)) continue;
    deletes.push(mentionKey(userId, roomId, seq), mentionAtKey(userId, createdAt, roomId, seq));
  }
  return deletes;
}

/**
 * What a thread reply writes: its two index keys, the followers it adds (its
 * author, those it names, and at the first reply the root's author), and its
 * author's read marker in the thread.
 */
export function threadSets(reply: Message, root: Message, named: string[]): KvSet[] {
  const { roomId, seq, createdAt } = reply;
  const rootSeq = root.seq;
  const sets: KvSet[] = [
    [threadMessageKey(roomId, rootSeq, seq), reply.userId],
    [threadReadKey(reply.userId, roomId, rootSeq), seq],
  ];
  // One also shown in the room counts as unread for everyone, like a top-level one.
  if (!reply.alsoInRoom) sets.push([inThreadKey(roomId, seq), rootSeq]);
  // The root's author follows from the first reply (a later unfollow then sticks).
  const first = root.thread ? [] : [root.userId];
  for (const userId of new Set([reply.userId, ...first, ...named])) {
    sets.push([followKey(userId, roomId, rootSeq), createdAt]);
    sets.push([followerKey(roomId, rootSeq, userId), createdAt]);
  }
  return sets;
}

/** A root's summary with one more reply. */
export function withReply(summary: ThreadSummary | undefined, reply: Message): ThreadSummary {
  const users = summary ? [...summary.users] : [];
  if (users.length < THREAD_USERS_SHOWN && !users.includes(reply.userId)) users.push(reply.userId);
  return {
    count: (summary?.count ?? 0) + 1,
    lastSeq: reply.seq,
    lastAt: reply.createdAt,
    users,
  };
}
