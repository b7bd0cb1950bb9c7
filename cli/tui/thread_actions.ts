/**
 * @module Threads in the interactive client: `/thread SEQ` opens one in place of
 * its room's timeline (at once, so that what is typed next is a reply, then filled
 * from the server), `/back` returns to the room, and the thread on screen is kept
 * read (`read {roomId, seq, threadRoot}`) as its replies arrive.
 */

import type { ChatApi } from "../../lib/client/http.ts";
import type { ChatSocket } from "../../lib/client/socket.ts";
import { ChatError } from "../../lib/errors.ts";
import { fetchThread } from "../commands/threads.ts";
import type { Model } from "./model.ts";

/** The most replies a thread view fetches (a longer thread shows its first ones). */
export const THREAD_MAX = 2_000;

export interface ThreadActionHooks {
  api: ChatApi;
  /** The socket of the session (undefined while logged out). */
  socket(): ChatSocket | undefined;
  changed(): void;
  /** The room is on screen again: it is read. */
  roomShown(roomId: string): void;
}

export class ThreadActions {
  #model: Model;
  #hooks: ThreadActionHooks;
  /** `roomId root` → the newest reply marked read. */
  #readSent = new Map<string, number>();

  constructor(model: Model, hooks: ThreadActionHooks) {
    this.#model = model;
    this.#hooks = hooks;
  }

  /**
   * Shows the thread of message `seq` of the room on screen (of its root, when it
   * is a reply), fetched from the server, and marks it read.
   */
  async open(seq: number): Promise<void> {
    const view = this.#model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    const roomId = view.room.id;
    const held = view.timeline.get(seq) ?? view.replies.get(seq);
    const root = held?.threadRoot ?? seq;
    const thread = this.#model.openThread(roomId, root, held?.seq === root ? [held] : []);
    this.#hooks.changed();
    try {
      const page = await fetchThread(this.#hooks.api, roomId, root, THREAD_MAX);
      thread.add([page.root, ...page.replies]);
      thread.hasMore = page.hasMore;
    } catch (err) {
      if (this.#model.thread === thread) this.#model.closeThread();
      throw err;
    }
    // Somewhere else meanwhile: it is not on screen any more.
    if (this.#model.thread !== thread) return;
    this.#hooks.changed();
    this.markRead(roomId);
  }

  /** Back from the thread to its room. */
  close(): void {
    const thread = this.#model.thread;
    if (!thread) throw new ChatError("bad_request", "No thread on screen");
    this.#model.closeThread();
    this.#hooks.roomShown(thread.roomId);
  }

  /** The thread open on a room, if any, is read up to its newest reply. */
  markRead(roomId: string): void {
    const thread = this.#model.threadOf(roomId);
    const socket = this.#hooks.socket();
    const seq = thread?.lastReply ?? 0;
    if (!thread || !socket || !seq) return;
    const key = `${roomId} ${thread.root}`;
    if (seq <= (this.#readSent.get(key) ?? 0)) return;
    this.#readSent.set(key, seq);
    socket.read(roomId, seq, thread.root);
  }

  /** A new socket: nothing was marked read through it yet. */
  reset(): void {
    this.#readSent.clear();
  }
}
