/**
 * @module Threads and mentions as readers see them: a thread's page, the threads I
 * follow, following, my read marker in a thread, and my latest mentions.
 * (Replies are sent like any message, with `threadRoot`: see messages.ts.)
 */

import { BadRequestError, NotFoundError } from "../errors.ts";
import { HISTORY_DEFAULT, HISTORY_MAX } from "../protocol/limits.ts";
import type { MentionInfo, Message, ThreadInfo, User } from "../protocol/types.ts";
import type { Clock } from "../clock.ts";
import type { MessageStore } from "../store/messages.ts";
import { FOLLOWED_MAX, type ThreadStore } from "../store/threads.ts";
import type { EventSink } from "../realtime/events.ts";
import type { RoomService } from "./rooms.ts";

const MENTIONS_DEFAULT = 50;
const MENTIONS_MAX = 100;

export class ThreadService {
  #rooms: RoomService;
  #messages: MessageStore;
  #threads: ThreadStore;
  #events: EventSink;
  #clock: Clock;

  constructor(deps: {
    rooms: RoomService;
    messages: MessageStore;
    threads: ThreadStore;
    events: EventSink;
    clock: Clock;
  }) {
    this.#rooms = deps.rooms;
    this.#messages = deps.messages;
    this.#threads = deps.threads;
    this.#events = deps.events;
    this.#clock = deps.clock;
  }

  /** A thread's root and a page of its replies (after `after`, ascending). */
  async thread(
    userId: string,
    roomId: unknown,
    seqInput: unknown,
    query: { after?: number; limit?: number },
  ): Promise<{
    root: Message;
    messages: Message[];
    hasMore: boolean;
    following: boolean;
    unread: number;
  }> {
    const room = await this.#rooms.requireReadable(userId, roomId);
    const root = await this.#root(room.id, seqInput);
    const limit = query.limit ?? HISTORY_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > HISTORY_MAX) {
      throw new BadRequestError(`Parameter "limit" must be 1–${HISTORY_MAX}`);
    }
    const seqs = await this.#threads.replies(room.id, root.seq, query.after ?? 0, limit + 1);
    const [found, following, [marker]] = await Promise.all([
      this.#messages.bySeq(room.id, seqs.slice(0, limit)),
      this.#threads.isFollowing(userId, room.id, root.seq),
      this.#threads.readMarkers(userId, [{ roomId: room.id, root: root.seq }]),
    ]);
    const unread = following ? await this.#threads.unreadIn(userId, room.id, root.seq, marker) : 0;
    return {
      root,
      messages: seqs.slice(0, limit).flatMap((seq) => found.get(seq) ?? []),
      hasMore: seqs.length > limit,
      following,
      unread,
    };
  }

  /** The threads I follow, newest activity first, in rooms I am still in. */
  async followed(userId: string): Promise<ThreadInfo[]> {
    const all = await this.#threads.followed(userId);
    const mine = new Set(await this.#rooms.roomIdsOf(userId));
    const threads = all.filter((t) => mine.has(t.roomId));
    const byRoom = new Map<string, number[]>();
    for (const t of threads) byRoom.set(t.roomId, [...byRoom.get(t.roomId) ?? [], t.root]);
    const roots = new Map<string, Message>();
    await Promise.all([...byRoom].map(async ([roomId, seqs]) => {
      for (const [seq, message] of await this.#messages.bySeq(roomId, seqs)) {
        roots.set(`${roomId}/${seq}`, message);
      }
    }));
    const live = threads
      .flatMap((t) => {
        const root = roots.get(`${t.roomId}/${t.root}`);
        return root?.thread ? [{ ...t, message: root, lastAt: root.thread.lastAt }] : [];
      })
      .sort((a, b) => b.lastAt - a.lastAt)
      .slice(0, FOLLOWED_MAX);
    const markers = await this.#threads.readMarkers(userId, live);
    const views = new Map<string, Awaited<ReturnType<RoomService["view"]>>>();
    const infos: ThreadInfo[] = [];
    for (const [i, t] of live.entries()) {
      if (!views.has(t.roomId)) {
        const view = await this.#viewOf(t.roomId, userId);
        if (!view) continue; // deleted (its keys not swept yet)
        views.set(t.roomId, view);
      }
      const unread = t.message.thread!.lastSeq > markers[i]
        ? await this.#threads.unreadIn(userId, t.roomId, t.root, markers[i])
        : 0;
      infos.push({ room: views.get(t.roomId)!, root: t.message, unread, lastAt: t.lastAt });
    }
    return infos;
  }

  /** Follows a thread (any reader of the room who is a member) or stops following it. */
  async follow(user: User, roomId: unknown, seqInput: unknown, on: boolean): Promise<void> {
    const room = await this.#rooms.requireMember(user.id, roomId);
    const root = await this.#root(room.id, seqInput);
    await this.#threads.follow(user.id, room.id, root.seq, on, this.#clock.now());
  }

  /** Moves my read marker in a thread; my other sockets hear of it. */
  async markRead(
    userId: string,
    roomId: unknown,
    root: number,
    seq: number,
    fromConn?: string,
  ): Promise<number> {
    const room = await this.#rooms.requireMember(userId, roomId);
    const marker = await this.#threads.moveReadMarker(userId, room.id, root, seq);
    await this.#events.publish({
      kind: "read",
      userId,
      roomId: room.id,
      seq: marker,
      threadRoot: root,
      fromConn,
    });
    return marker;
  }

  /** The newest messages naming me, in rooms I am still in (deleted ones left out). */
  async mentions(userId: string, limitInput?: number): Promise<MentionInfo[]> {
    const limit = limitInput ?? MENTIONS_DEFAULT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MENTIONS_MAX) {
      throw new BadRequestError(`Parameter "limit" must be 1–${MENTIONS_MAX}`);
    }
    const mine = new Set(await this.#rooms.roomIdsOf(userId));
    const found = (await this.#threads.mentionsOf(userId, limit * 2))
      .filter((m) => mine.has(m.roomId));
    const out: MentionInfo[] = [];
    const views = new Map<string, Awaited<ReturnType<RoomService["view"]>>>();
    for (const { roomId, seq } of found) {
      if (out.length >= limit) break;
      const message = (await this.#messages.bySeq(roomId, [seq])).get(seq);
      if (!message || message.deleted) continue;
      if (!views.has(roomId)) {
        const view = await this.#viewOf(roomId, userId);
        if (!view) continue; // deleted (its keys not swept yet)
        views.set(roomId, view);
      }
      out.push({ room: views.get(roomId)!, message });
    }
    return out;
  }

  /** A room as I see it, or null once it was deleted. */
  async #viewOf(roomId: string, userId: string) {
    try {
      return await this.#rooms.view(await this.#rooms.record(roomId), userId);
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  /** A thread root: a top-level message of the room (deleted ones too: their replies stay). */
  async #root(roomId: string, seqInput: unknown): Promise<Message> {
    const seq = typeof seqInput === "string" && /^\d{1,15}$/.test(seqInput)
      ? Number(seqInput)
      : seqInput;
    if (typeof seq !== "number" || !Number.isSafeInteger(seq) || seq < 1) {
      throw new BadRequestError("Message seq must be a positive integer");
    }
    const root = (await this.#messages.bySeq(roomId, [seq])).get(seq);
    if (!root) throw new NotFoundError(`Message not found: ${seq}`);
    if (root.threadRoot) throw new BadRequestError("A thread reply has no thread of its own");
    return root;
  }
}
