/**
 * @module The state of the interactive client: my rooms with their transcripts,
 * members, typing and unread counts, the current room, the connection, and the
 * outbox of messages typed but not yet acknowledged. No I/O: the session feeds it
 * and the view draws it, so its rules (ordering, deduplication, unread, changes)
 * are tested on their own.
 *
 * A room's messages are held in the shared client timeline (`lib/client/`): by
 * seq, the state with the highest `rev` winning, replies quoting the current state
 * of what they answer. The transcript lists entries that point into it, so an
 * edit, a delete or a reaction shows in place at the next draw. A change to a
 * message that is not on screen (scrolled away, or in another room) also adds a
 * marker entry at the bottom that reprints it, once per message.
 */

import type { ConnectionState } from "../../lib/client/socket.ts";
import { replyRefOf, Timeline } from "../../lib/client/timeline.ts";
import {
  type FileInfo,
  type Member,
  type Message,
  type ReplyRef,
  revOf,
  type Room,
  type User,
} from "../../lib/protocol/types.ts";

/** How long a "typing" lasts without a new one. */
export const TYPING_TTL_MS = 6_000;
/** Messages kept per room; older ones are fetched again with /history. */
export const TRANSCRIPT_MAX = 2_000;

export type Entry =
  | { kind: "message"; seq: number }
  /** A message that changed while not on screen, reprinted in its current state. */
  | { kind: "change"; seq: number }
  | { kind: "notice"; text: string; at: number; level: "info" | "error" };

export interface RoomView {
  room: Room;
  unread: number;
  entries: Entry[];
  /** The messages held, in their latest state. */
  timeline: Timeline;
  /** The newest room revision seen (0: none), where a new subscription resumes. */
  lastRev: number;
  /**
   * The latest state of messages not held that held replies quote (older than the
   * transcript): an edit or a delete of one changes the quote shown.
   */
  quoted: Map<number, Message>;
  members: Map<string, Member>;
  /** username → when the indicator expires. */
  typing: Map<string, number>;
  /** The latest messages were fetched over HTTP. */
  loaded: boolean;
  /** Older messages exist on the server. */
  hasMore: boolean;
}

export interface Outgoing {
  clientId: string;
  roomId: string;
  text: string;
  createdAt: number;
  /** The seq of the message this one answers. */
  replyTo?: number;
  /** Uploads it carries (its text may then be empty). */
  files?: FileInfo[];
  /** What goes back to the input line if it is refused (default: its text). */
  restore?: string;
}

/** An upload or a download under way, shown in the status bar. */
export interface Transfer {
  up: boolean;
  name: string;
  done: number;
  total?: number;
  startedAt: number;
}

export type Connection = ConnectionState | "logged-out" | "ended";

/** The status buffer: notices shown when no room is open. */
export const STATUS = "";

export class Model {
  server: string;
  user?: User;
  connection: Connection = "logged-out";
  rooms = new Map<string, RoomView>();
  /** Rooms in the order they are listed and cycled through. */
  order: string[] = [];
  /** Names of the public rooms, as last listed (for completion). */
  directory: string[] = [];
  /** Private rooms I was invited to but have not joined. */
  invites = new Map<string, Room>();
  current = STATUS;
  status: Entry[] = [];
  outbox: Outgoing[] = [];
  /** Uploads and downloads under way, oldest first. */
  transfers: Transfer[] = [];
  /** Rows scrolled up from the bottom of the transcript. */
  scroll = 0;
  /** The oldest message held is on screen (set when drawing). */
  atTop = true;
  /** The messages on screen at the last draw, and of which room (set when drawing). */
  onScreen: { roomId: string; seqs: Set<number> } = { roomId: STATUS, seqs: new Set() };

  constructor(server: string) {
    this.server = server;
  }

  /** Adds a room or refreshes its data; answers its view. */
  upsertRoom(room: Room, unread?: number): RoomView {
    let view = this.rooms.get(room.id);
    if (!view) {
      view = {
        room,
        unread: unread ?? 0,
        entries: [],
        timeline: new Timeline(),
        lastRev: 0,
        quoted: new Map(),
        members: new Map(),
        typing: new Map(),
        loaded: false,
        hasMore: room.lastSeq > 0,
      };
      this.rooms.set(room.id, view);
      this.order.push(room.id);
      this.invites.delete(room.id);
    } else {
      view.room = { ...view.room, ...room };
      if (unread !== undefined && room.id !== this.current) view.unread = unread;
    }
    return view;
  }

  removeRoom(roomId: string): void {
    this.rooms.delete(roomId);
    this.order = this.order.filter((id) => id !== roomId);
    this.outbox = this.outbox.filter((out) => out.roomId !== roomId);
    if (this.current === roomId) this.current = this.order[0] ?? STATUS;
  }

  /** Forgets everything about the session (logout). */
  reset(): void {
    this.user = undefined;
    this.connection = "logged-out";
    this.rooms.clear();
    this.order = [];
    this.invites.clear();
    this.current = STATUS;
    this.outbox = [];
    this.scroll = 0;
  }

  get view(): RoomView | undefined {
    return this.rooms.get(this.current);
  }

  /** The entries of the current buffer. */
  get entries(): Entry[] {
    return this.view?.entries ?? this.status;
  }

  /**
   * Adds messages to a room in seq order; a message held already takes the state
   * given when it is newer. Messages from others in a room that is not on screen
   * count as unread. Answers how many were new.
   */
  addMessages(roomId: string, messages: Message[], options: { live?: boolean } = {}): number {
    const view = this.rooms.get(roomId);
    if (!view) return 0;
    let added = 0;
    for (const message of messages) {
      view.lastRev = Math.max(view.lastRev, revOf(message));
      if (view.timeline.get(message.seq)) {
        view.timeline.apply(message);
        continue;
      }
      view.timeline.apply(message);
      view.quoted.delete(message.seq);
      added++;
      insertBySeq(view.entries, message.seq);
      if (message.seq > view.room.lastSeq) {
        view.room.lastSeq = message.seq;
        view.room.lastActivityAt = message.createdAt;
      }
      if (message.clientId) {
        this.outbox = this.outbox.filter((o) =>
          !(o.clientId === message.clientId && o.roomId === roomId)
        );
      }
      view.typing.delete(message.username);
      if (options.live && roomId !== this.current && message.userId !== this.user?.id) {
        view.unread++;
      }
    }
    trim(view);
    return added;
  }

  /**
   * Applies a new state of a message (an `update` frame, the answer to an edit).
   * Only messages held matter: older ones are not on screen. Never counts as
   * unread. Answers whether anything shown changed.
   */
  applyUpdate(roomId: string, message: Message, rev = revOf(message)): boolean {
    const view = this.rooms.get(roomId);
    if (!view) return false;
    view.lastRev = Math.max(view.lastRev, rev);
    if (!view.timeline.get(message.seq)) return this.#quote(view, message);
    const changed = view.timeline.apply(message);
    if (!changed.length) return false;
    const onScreen = this.onScreen.roomId === roomId && this.onScreen.seqs.has(message.seq);
    if (!onScreen) {
      const old = view.entries.findIndex((e) => e.kind === "change" && e.seq === message.seq);
      if (old >= 0) view.entries.splice(old, 1);
      view.entries.push({ kind: "change", seq: message.seq });
    }
    return true;
  }

  /** A message not held changed: only the replies quoting it show it. */
  #quote(view: RoomView, message: Message): boolean {
    const known = view.quoted.get(message.seq);
    if (known && revOf(known) >= revOf(message)) return false;
    const quoting = view.timeline.messages().some((m) => m.replyTo?.seq === message.seq);
    if (!quoting) return false;
    view.quoted.set(message.seq, message);
    return true;
  }

  /** What a reply quotes, as it is now (undefined when it is no reply). */
  quoteOf(message: Message, roomId = this.current): ReplyRef | undefined {
    if (!message.replyTo) return undefined;
    const original = this.rooms.get(roomId)?.quoted.get(message.replyTo.seq);
    return original ? replyRefOf(original) : message.replyTo;
  }

  /** The message of an entry, in its current state (undefined for notices). */
  messageOf(entry: Entry, roomId = this.current): Message | undefined {
    if (entry.kind === "notice") return undefined;
    return this.rooms.get(roomId)?.timeline.get(entry.seq);
  }

  /**
   * The n-th newest message held in a room (1: the latest) that is not deleted;
   * only mine with `mine`. What `/edit N`, `/react N` and `/reply N` point at.
   */
  nthMessage(roomId: string, n: number, options: { mine?: boolean } = {}): Message | undefined {
    const messages = this.rooms.get(roomId)?.timeline.messages() ?? [];
    let left = n;
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      if (m.deleted || (options.mine && m.userId !== this.user?.id)) continue;
      if (--left === 0) return m;
    }
    return undefined;
  }

  /** A line of information in a room's transcript (default: the one on screen). */
  notice(text: string, options: { roomId?: string; level?: "info" | "error"; at?: number } = {}) {
    const entry: Entry = {
      kind: "notice",
      text,
      at: options.at ?? Date.now(),
      level: options.level ?? "info",
    };
    const roomId = options.roomId ?? this.current;
    (this.rooms.get(roomId)?.entries ?? this.status).push(entry);
    if (this.status.length > TRANSCRIPT_MAX) this.status.splice(0, 100);
  }

  switchTo(roomId: string): void {
    if (roomId !== STATUS && !this.rooms.has(roomId)) return;
    this.current = roomId;
    this.scroll = 0;
    const view = this.rooms.get(roomId);
    if (view) view.unread = 0;
  }

  /** Next (+1) or previous (-1) room, the status buffer included in the cycle. */
  cycle(step: 1 | -1): void {
    const ids = [STATUS, ...this.order];
    const index = ids.indexOf(this.current);
    this.switchTo(ids[(index + step + ids.length) % ids.length]);
  }

  setMembers(roomId: string, members: Member[]): void {
    const view = this.rooms.get(roomId);
    if (!view) return;
    view.members = new Map(members.map((m) => [m.id, m]));
  }

  /** Applies a presence change; answers the rooms where the user is a member. */
  presence(userId: string, online: boolean, lastSeenAt: number | null): string[] {
    const rooms: string[] = [];
    for (const [id, view] of this.rooms) {
      const member = view.members.get(userId);
      if (!member) continue;
      view.members.set(userId, { ...member, online, lastSeenAt });
      rooms.push(id);
    }
    return rooms;
  }

  memberEvent(roomId: string, user: User, event: "joined" | "left"): void {
    const view = this.rooms.get(roomId);
    if (!view) return;
    if (event === "left") view.members.delete(user.id);
    else if (!view.members.has(user.id)) {
      view.members.set(user.id, { ...user, role: "member", online: false, lastSeenAt: null });
    }
  }

  typing(roomId: string, username: string, now = Date.now()): void {
    if (username === this.user?.username) return;
    this.rooms.get(roomId)?.typing.set(username, now + TYPING_TTL_MS);
  }

  /** Who is typing in a room now (expired indicators are dropped). */
  typers(roomId: string, now = Date.now()): string[] {
    const view = this.rooms.get(roomId);
    if (!view) return [];
    for (const [name, until] of view.typing) if (until <= now) view.typing.delete(name);
    return [...view.typing.keys()];
  }

  /** Rooms other than the current one with unread messages, in list order. */
  activity(): RoomView[] {
    return this.order
      .filter((id) => id !== this.current)
      .map((id) => this.rooms.get(id)!)
      .filter((view) => view.unread > 0);
  }

  /** The newest seq seen in a room (for read markers and `since`). */
  lastSeq(roomId: string): number {
    return this.rooms.get(roomId)?.room.lastSeq ?? 0;
  }

  /** The newest seq held for a room, 0 if none. */
  heldSeq(roomId: string): number {
    return this.rooms.get(roomId)?.timeline.lastSeq ?? 0;
  }

  /** The oldest seq held for a room, 0 if none. */
  firstSeq(roomId: string): number {
    return this.rooms.get(roomId)?.timeline.firstSeq ?? 0;
  }
}

/**
 * Messages stay in seq order; notices and change markers stay where they were
 * added. A message newer than all goes last (after any notice); an older one goes
 * before the first message that is newer than it (history, gaps).
 */
function insertBySeq(entries: Entry[], seq: number): void {
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

/** How many messages a trim keeps: a margin below the maximum, so trims are rare. */
const TRIM_TO = TRANSCRIPT_MAX - 200;

/** Over the maximum: drops the oldest entries (the timeline keeps what stays). */
function trim(view: RoomView): void {
  if (view.timeline.size <= TRANSCRIPT_MAX) return;
  let drop = view.timeline.size - TRIM_TO;
  const dropped = new Set<number>();
  while (drop > 0 && view.entries.length) {
    const e = view.entries.shift()!;
    if (e.kind === "message") {
      dropped.add(e.seq);
      drop--;
    }
  }
  view.entries = view.entries.filter((e) => e.kind !== "change" || !dropped.has(e.seq));
  const kept = view.timeline.messages().filter((m) => !dropped.has(m.seq));
  view.timeline = new Timeline();
  view.timeline.applyAll(kept);
  view.hasMore = true;
}
