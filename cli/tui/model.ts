/**
 * @module The state of the interactive client: my rooms with their transcripts,
 * members, typing and unread counts, the current room, the connection, and the
 * outbox of messages typed but not yet acknowledged. No I/O: the session feeds it
 * and the view draws it, so its rules (ordering, deduplication, unread) are tested
 * on their own.
 */

import type { ConnectionState } from "../../lib/client/socket.ts";
import type { Member, Message, Room, User } from "../../lib/protocol/types.ts";

/** How long a "typing" lasts without a new one. */
export const TYPING_TTL_MS = 6_000;
/** Messages kept per room; older ones are fetched again with /history. */
export const TRANSCRIPT_MAX = 2_000;

export type Entry =
  | { kind: "message"; message: Message }
  | { kind: "notice"; text: string; at: number; level: "info" | "error" };

export interface RoomView {
  room: Room;
  unread: number;
  entries: Entry[];
  seqs: Set<number>;
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
  /** Rows scrolled up from the bottom of the transcript. */
  scroll = 0;
  /** The oldest message held is on screen (set when drawing). */
  atTop = true;

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
        seqs: new Set(),
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
   * Adds messages to a room in seq order, ignoring ones already there. Messages
   * from others in a room that is not on screen count as unread. Answers how many
   * were new.
   */
  addMessages(roomId: string, messages: Message[], options: { live?: boolean } = {}): number {
    const view = this.rooms.get(roomId);
    if (!view) return 0;
    let added = 0;
    for (const message of messages) {
      if (view.seqs.has(message.seq)) continue;
      view.seqs.add(message.seq);
      added++;
      insertBySeq(view.entries, message);
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
    const entries = this.rooms.get(roomId)?.entries ?? [];
    for (let i = entries.length - 1; i >= 0; i--) {
      const e = entries[i];
      if (e.kind === "message") return e.message.seq;
    }
    return 0;
  }

  /** The oldest seq held for a room, 0 if none. */
  firstSeq(roomId: string): number {
    const first = this.rooms.get(roomId)?.entries.find((e) => e.kind === "message");
    return first?.kind === "message" ? first.message.seq : 0;
  }
}

/**
 * Messages stay in seq order; notices stay where they were added. A message newer
 * than all goes last (after any notice); an older one goes before the first
 * message that is newer than it (history, gaps).
 */
function insertBySeq(entries: Entry[], message: Message): void {
  let i = entries.length;
  let at = entries.length;
  while (i > 0) {
    const e = entries[--i];
    if (e.kind !== "message") continue;
    if (e.message.seq < message.seq) break;
    at = i;
  }
  entries.splice(at, 0, { kind: "message", message });
}

function trim(view: RoomView): void {
  if (view.seqs.size <= TRANSCRIPT_MAX) return;
  let drop = view.seqs.size - TRANSCRIPT_MAX;
  while (drop > 0 && view.entries.length) {
    const e = view.entries.shift()!;
    if (e.kind === "message") {
      view.seqs.delete(e.message.seq);
      drop--;
    }
  }
  view.hasMore = true;
}
