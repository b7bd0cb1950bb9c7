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
 *
 * Thread replies sent only to the thread are not in the room's timeline: they are
 * kept apart, and shown in the thread view (`thread_view.ts`) when it is open. A
 * room counts its unread messages (thread replies only from `thread_activity`,
 * which only followers get) and, apart, those that mention me (in a direct room,
 * every one); a muted room counts only the mentions.
 */

import type { ConnectionState } from "../../lib/client/socket.ts";
import { replyRefOf, Timeline } from "../../lib/client/timeline.ts";
import {
  type FileInfo,
  type Member,
  type Message,
  type MyRoom,
  type NotifyLevel,
  type ReplyRef,
  revOf,
  type Room,
  type User,
} from "../../lib/protocol/types.ts";
import { inThreadOnly } from "../mentions.ts";
import { People, shortName } from "./people.ts";
import type { SearchView } from "./search_view.ts";
import { insertMessage, keepReplies, ThreadView } from "./thread_view.ts";
import { countNew, countThreadReply, readUpTo } from "./unread.ts";

/** How long a "typing" lasts without a new one. */
export const TYPING_TTL_MS = 6_000;
/** Messages kept per room; older ones are fetched again with /history. */
export const TRANSCRIPT_MAX = 2_000;

export type Entry =
  | { kind: "message"; seq: number }
  /** A message that changed while not on screen, reprinted in its current state. */
  | { kind: "change"; seq: number }
  | { kind: "notice"; text: string; at: number; level: "info" | "error" };

/** My settings of a room, as far as the client knows them. */
export interface RoomPrefs {
  muted: boolean;
  notify: NotifyLevel;
  /** The level is the room's default, not one I chose. */
  notifyDefault?: boolean;
}

export interface RoomView {
  room: Room;
  unread: number;
  /** Unread messages that mention me (in a direct room, every unread one). */
  mentions: number;
  /** Undefined until the server said. */
  prefs?: RoomPrefs;
  entries: Entry[];
  /** The messages held, in their latest state (not the replies only in a thread). */
  timeline: Timeline;
  /** Recent replies sent only to a thread, seen live or in history pages. */
  replies: Timeline;
  /** Unread replies of the threads I follow, by root seq. */
  threadUnread: Map<number, number>;
  /**
   * Recent seqs counted as unread: a reply also in the room comes as a message and,
   * to a follower, as a `thread_activity`; it counts once.
   */
  counted: Set<number>;
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
  /** A reply in the thread of that top-level message. */
  threadRoot?: number;
  /** A thread reply shown in the room too. */
  alsoInRoom?: boolean;
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
  /** The display names of the people I know of (`people.ts`). */
  people = new People();
  /** Names of the public rooms, as last listed (for completion). */
  directory: string[] = [];
  /** Private rooms I was invited to but have not joined. */
  invites = new Map<string, Room>();
  current = STATUS;
  /** The thread on screen instead of the current room's timeline (`/thread`). */
  thread?: ThreadView;
  /** Search results on screen instead of any room (`/search`). */
  search?: SearchView;
  /** The latest search, shown again by `/search` alone. */
  lastSearch?: SearchView;
  /** The message a search jumped to: marked while its room stays on screen. */
  mark?: { roomId: string; seq: number };
  /** A message to scroll to at the next draw (then forgotten). */
  reveal?: { roomId: string; seq: number };
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

  /**
   * Adds a room or refreshes its data; answers its view. `unread` (with a room of
   * `GET /api/rooms`, its mentions too) replaces the counts of a room not on screen;
   * such a room also says my settings.
   */
  upsertRoom(room: Room | MyRoom, unread?: number): RoomView {
    const mine = "muted" in room ? room : undefined;
    let view = this.rooms.get(room.id);
    if (!view) {
      view = {
        room,
        unread: unread ?? 0,
        mentions: unread !== undefined ? mine?.mentions ?? 0 : 0,
        entries: [],
        timeline: new Timeline(),
        replies: new Timeline(),
        threadUnread: new Map(),
        counted: new Set(),
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
      if (unread !== undefined && room.id !== this.current) {
        view.unread = unread;
        view.mentions = mine?.mentions ?? view.mentions;
      }
    }
    if (mine) {
      view.prefs = { ...view.prefs, muted: mine.muted === true, notify: mine.notify ?? "all" };
    }
    return view;
  }

  /** My settings of a room changed (mine, or from another of my sockets). */
  setPrefs(roomId: string, prefs: RoomPrefs): void {
    const view = this.rooms.get(roomId);
    if (!view) return;
    view.prefs = { ...prefs };
    if (prefs.muted) view.unread = 0;
  }

  removeRoom(roomId: string): void {
    if (this.thread?.roomId === roomId) this.thread = undefined;
    this.rooms.delete(roomId);
    this.order = this.order.filter((id) => id !== roomId);
    this.outbox = this.outbox.filter((out) => out.roomId !== roomId);
    if (this.current === roomId) this.current = this.order[0] ?? STATUS;
  }

  /** Forgets everything about the session (logout). */
  reset(): void {
    this.user = undefined;
    this.people = new People();
    this.connection = "logged-out";
    this.rooms.clear();
    this.order = [];
    this.invites.clear();
    this.current = STATUS;
    this.thread = undefined;
    this.search = undefined;
    this.lastSearch = undefined;
    this.mark = undefined;
    this.reveal = undefined;
    this.outbox = [];
    this.scroll = 0;
  }

  get view(): RoomView | undefined {
    return this.rooms.get(this.current);
  }

  /** The entries of the current buffer (the thread's, when one is open). */
  get entries(): Entry[] {
    if (this.thread && this.thread.roomId === this.current) return this.thread.entries;
    return this.view?.entries ?? this.status;
  }

  /** The thread open on a room, if any. */
  threadOf(roomId: string): ThreadView | undefined {
    return this.thread?.roomId === roomId ? this.thread : undefined;
  }

  /**
   * Adds messages to a room in seq order; a message held already takes the state
   * given when it is newer. A reply sent only to a thread goes to that thread, not
   * to the room's timeline. `live` messages from others in a room that is not on
   * screen count as unread (unless it is muted; a thread reply only through
   * `threadActivity`), and apart when they mention me (or the room is direct).
   * Answers how many were new.
   */
  addMessages(roomId: string, messages: Message[], options: { live?: boolean } = {}): number {
    const view = this.rooms.get(roomId);
    if (!view) return 0;
    const thread = this.threadOf(roomId);
    let added = 0;
    for (const message of messages) {
      view.lastRev = Math.max(view.lastRev, revOf(message));
      const threadOnly = inThreadOnly(message);
      const held = threadOnly ? view.replies : view.timeline;
      thread?.add([message]);
      if (held.get(message.seq)) {
        held.apply(message);
        continue;
      }
      held.apply(message);
      added++;
      if (threadOnly) {
        view.replies = keepReplies(view.replies);
      } else {
        view.quoted.delete(message.seq);
        insertMessage(view.entries, message.seq);
      }
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
        countNew(view, message, { me: this.user?.id, threadOnly });
      }
    }
    trim(view);
    return added;
  }

  /**
   * A reply by someone else in a thread I follow (a `thread_activity` frame): unread
   * in the thread, unless it is on screen, and in the room when it is not on screen.
   * Answers whether a count changed.
   */
  threadActivity(roomId: string, root: number, seq: number, userId: string): boolean {
    const view = this.rooms.get(roomId);
    if (!view || userId === this.user?.id) return false;
    if (this.threadOf(roomId)?.root === root && roomId === this.current) return false;
    countThreadReply(view, root, seq, { roomOnScreen: roomId === this.current });
    return true;
  }

  /** My read marker moved in a thread: nothing in it is unread. */
  threadRead(roomId: string, root: number): void {
    this.rooms.get(roomId)?.threadUnread.delete(root);
  }

  /**
   * My read marker moved in a room (another of my clients read it): what is left
   * unread is what came after it, the mentions among them at most.
   */
  roomRead(roomId: string, seq: number): void {
    const view = this.rooms.get(roomId);
    if (view && roomId !== this.current) readUpTo(view, seq);
  }

  /**
   * Shows the thread of `root` in a room instead of its timeline, with the
   * messages given (the root, the replies fetched: more can be added to it) and
   * those that came live meanwhile. Nothing in it is unread then.
   */
  openThread(roomId: string, root: number, messages: Message[] = []): ThreadView {
    const thread = new ThreadView(roomId, root);
    const view = this.rooms.get(roomId);
    thread.add([...messages, ...(view?.replies.messages() ?? [])]);
    view?.threadUnread.delete(root);
    this.thread = thread;
    this.search = undefined;
    this.scroll = 0;
    return thread;
  }

  /** Back to the room's timeline. */
  closeThread(): void {
    this.thread = undefined;
    this.scroll = 0;
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
    const inThread = this.threadOf(roomId)?.apply(message) ?? false;
    if (view.replies.get(message.seq)) return view.replies.apply(message).length > 0 || inThread;
    const before = view.timeline.get(message.seq);
    if (!before) return this.#quote(view, message) || inThread;
    const changed = view.timeline.apply(message);
    if (!changed.length) return inThread;
    const onScreen = this.onScreen.roomId === roomId && this.onScreen.seqs.has(message.seq);
    // A new reply changes its root's summary: no news worth reprinting the root for.
    if (!onScreen && !onlyThreadChanged(before, message)) {
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
    const thread = this.threadOf(roomId);
    if (thread) return thread.timeline.get(entry.seq);
    return this.rooms.get(roomId)?.timeline.get(entry.seq);
  }

  /**
   * The n-th newest message held in a room (1: the latest) that is not deleted;
   * only mine with `mine`. What `/edit N`, `/react N` and `/reply N` point at.
   */
  nthMessage(roomId: string, n: number, options: { mine?: boolean } = {}): Message | undefined {
    const thread = this.threadOf(roomId);
    const messages = (thread ?? this.rooms.get(roomId))?.timeline.messages() ?? [];
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
    // Said about what is on screen: shown there, in the thread when one is open.
    const thread = options.roomId === undefined ? this.threadOf(roomId) : undefined;
    (thread ?? this.rooms.get(roomId))?.entries.push(entry) ?? this.status.push(entry);
    if (this.status.length > TRANSCRIPT_MAX) this.status.splice(0, 100);
  }

  /** Shows a room (or the status buffer): instead of its thread, of search results. */
  switchTo(roomId: string): void {
    if (roomId !== STATUS && !this.rooms.has(roomId)) return;
    if (roomId !== this.current) this.thread = undefined;
    if (this.mark?.roomId !== roomId) this.mark = undefined;
    this.search = undefined;
    this.current = roomId;
    this.scroll = 0;
    const view = this.rooms.get(roomId);
    if (view) {
      view.unread = 0;
      view.mentions = 0;
    }
  }

  /**
   * A notice in a room's transcript right after message `seq` (or at the end when
   * it is not listed): what stands in a gap of the history.
   */
  noticeAfter(roomId: string, seq: number, text: string): void {
    const view = this.rooms.get(roomId);
    if (!view) return;
    const entry: Entry = { kind: "notice", text, at: Date.now(), level: "info" };
    const at = view.entries.findIndex((e) => e.kind === "message" && e.seq === seq);
    view.entries.splice(at < 0 ? view.entries.length : at + 1, 0, entry);
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
    this.people.learnAll(members);
  }

  /** How a user is named in a room's messages and typing line (the rule: `people.ts`). */
  nameIn(roomId: string, user: { id?: string; username: string }): string {
    return shortName(this.people, this.rooms.get(roomId)?.members.values() ?? [], user);
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
      this.people.learn(user);
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

  /** Rooms other than the current one with unread messages or mentions, in list order. */
  activity(): RoomView[] {
    return this.order
      .filter((id) => id !== this.current)
      .map((id) => this.rooms.get(id)!)
      .filter((view) => view.unread > 0 || view.mentions > 0);
  }

  /** Whether a message not sent yet belongs on screen: in its thread, or in its room. */
  shows(out: Outgoing): boolean {
    if (out.roomId !== this.current) return false;
    const thread = this.threadOf(out.roomId);
    if (thread) return out.threadRoot === thread.root;
    return !out.threadRoot || out.alsoInRoom === true;
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

/** Whether only what the transcript does not show (a thread summary) changed. */
function onlyThreadChanged(before: Message, after: Message): boolean {
  const reactions = (m: Message) => JSON.stringify(m.reactions ?? []);
  return before.text === after.text && before.editedAt === after.editedAt &&
    !before.deleted === !after.deleted && reactions(before) === reactions(after) &&
    (before.files?.length ?? 0) === (after.files?.length ?? 0);
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
