/**
 * @module One thread as the interactive client shows it (`/thread SEQ`): its root
 * and replies in seq order, in their latest state, with the notices said while it
 * is on screen. The room's timeline does not hold replies sent only to the thread;
 * the model keeps the recent ones apart (`RoomView.replies`), so a thread opened
 * later starts with what came live, and the server's pages fill in the rest.
 */

import { Timeline } from "../../lib/client/timeline.ts";
import type { Message } from "../../lib/protocol/types.ts";
import type { Entry } from "./model.ts";

/** Replies held per room outside any open thread; beyond it, the oldest go. */
export const REPLIES_KEPT = 1_000;

export class ThreadView {
  readonly roomId: string;
  /** The seq of the root. */
  readonly root: number;
  /** The root and the replies held. */
  readonly timeline = new Timeline();
  entries: Entry[] = [];
  /** More replies exist than were fetched (a very long thread). */
  hasMore = false;

  constructor(roomId: string, root: number) {
    this.roomId = roomId;
    this.root = root;
  }

  /** Whether a message belongs here: the root, or one of its replies. */
  has(message: Pick<Message, "seq" | "threadRoot">): boolean {
    return message.seq === this.root || message.threadRoot === this.root;
  }

  /** The root, once known. */
  get rootMessage(): Message | undefined {
    return this.timeline.get(this.root);
  }

  /** The newest reply held (0: none): where the read marker of the thread goes. */
  get lastReply(): number {
    const last = this.timeline.lastSeq;
    return last === this.root ? 0 : last;
  }

  /**
   * Adds the root or replies, in seq order (a newer state of one held replaces it);
   * others are ignored. Answers how many were new.
   */
  add(messages: Iterable<Message>): number {
    let added = 0;
    for (const message of messages) {
      if (!this.has(message)) continue;
      const held = this.timeline.get(message.seq);
      this.timeline.apply(message);
      if (held) continue;
      added++;
      insertMessage(this.entries, message.seq);
    }
    return added;
  }

  /** A new state of a message held (an `update`); answers whether it changed. */
  apply(message: Message): boolean {
    if (!this.timeline.get(message.seq)) return false;
    return this.timeline.apply(message).length > 0;
  }
}

/**
 * Messages stay in seq order; notices stay where they were added. A message newer
 * than all goes last (after any notice); an older one goes before the first
 * message that is newer than it.
 */
export function insertMessage(entries: Entry[], seq: number): void {
  let i = entries.length;
  let at = entries.length;
  while (i > 0) {
    const e = entries[--i];
    if (e.kind !== "message") continue;
    if (e.seq < seq) break;
    at = i;
  }
  entries.splice(at, 0, { kind: "message", seq });
}

/** Keeps a room's stray replies under {@linkcode REPLIES_KEPT} (the newest stay). */
export function keepReplies(replies: Timeline): Timeline {
  if (replies.size <= REPLIES_KEPT) return replies;
  const kept = new Timeline();
  kept.applyAll(replies.messages().slice(-Math.floor(REPLIES_KEPT / 2)));
  return kept;
}
