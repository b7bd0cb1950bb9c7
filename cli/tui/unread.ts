/**
 * @module The unread counts of a room in the interactive client, as the server
 * counts them (`GET /api/rooms`), kept up to date from live frames:
 *
 * - a new message by someone else is unread, unless the room is muted; a reply
 *   sent only to a thread counts only from `thread_activity` (which only the
 *   thread's followers get), and a reply also in the room counts once although it
 *   comes both ways;
 * - apart, a message that mentions me (in a direct room: every message) counts as
 *   a mention, muted or not;
 * - my read marker moving elsewhere (another of my clients) leaves unread what
 *   came after it.
 */

import type { Message } from "../../lib/protocol/types.ts";
import { mentionsMe } from "../mentions.ts";
import type { RoomView } from "./model.ts";

/** Seqs remembered per room as counted (see `RoomView.counted`). */
const COUNTED_KEPT = 2_000;

/** A new message from someone else, in a room not on screen. */
export function countNew(
  view: RoomView,
  message: Message,
  options: { me?: string; threadOnly: boolean },
): void {
  if (view.room.kind === "direct" || mentionsMe(message, options.me, { live: true })) {
    view.mentions++;
  }
  if (!options.threadOnly && !view.counted.has(message.seq)) countUnread(view, message.seq);
}

/**
 * A reply by someone else in a thread I follow, not on screen: unread in the
 * thread, and in the room when the room is not on screen either.
 */
export function countThreadReply(
  view: RoomView,
  root: number,
  seq: number,
  options: { roomOnScreen: boolean },
): void {
  view.threadUnread.set(root, (view.threadUnread.get(root) ?? 0) + 1);
  if (!options.roomOnScreen && !view.counted.has(seq)) countUnread(view, seq);
}

function countUnread(view: RoomView, seq: number): void {
  view.counted.add(seq);
  if (view.counted.size > COUNTED_KEPT) {
    view.counted = new Set([...view.counted].slice(-Math.floor(COUNTED_KEPT / 2)));
  }
  if (!view.prefs?.muted) view.unread++;
}

/** My read marker is at `seq`: what is unread is after it, the mentions among it at most. */
export function readUpTo(view: RoomView, seq: number): void {
  const left = Math.max(0, view.room.lastSeq - seq);
  view.unread = view.prefs?.muted ? 0 : Math.min(view.unread, left);
  view.mentions = left === 0 ? 0 : Math.min(view.mentions, left);
}
