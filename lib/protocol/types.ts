/**
 * @module The wire shapes of the contract (PROTOCOL.md): what the server sends and
 * what clients may rely on. Shared by the server, the client library, the terminal
 * client, the web islands and the benchmarks.
 */

import { EXCERPT_MAX } from "./limits.ts";

export type RoomKind = "public" | "private" | "direct";
export type Role = "owner" | "admin" | "member";

/** `user` as the contract shows it. */
export interface User {
  id: string;
  username: string;
  /**
   * v2: the name to show (1–64 characters; the username until one is chosen). Set
   * in `/api/me`, auth answers, `ready` and `user` frames, members, profiles and a
   * direct room's `peer`; a `user` nested elsewhere (who invited, who banned) may
   * leave it out.
   */
  displayName?: string;
  /**
   * v2: where my avatar image is (a path of this server, or of `FILES_ORIGIN`),
   * square, at most 256 px; absent while I have none (clients show initials).
   */
  avatarUrl?: string;
  /** v2: the server's admin (the first account registered); absent for everyone else. */
  serverAdmin?: true;
}

export interface UserProfile extends User {
  online: boolean;
  lastSeenAt: number | null;
  /** Extension: the account was deactivated (its messages stay, the name stays taken). */
  deactivated?: true;
}

export interface Room {
  id: string;
  name: string;
  topic: string;
  kind: RoomKind;
  createdAt: number;
  lastSeq: number;
  /** Extension: when the newest message was stored (createdAt when none). */
  lastActivityAt: number;
  /** Extension: for direct rooms, the other member (from the reader's side). */
  peer?: User;
}

/** Extension: who invited me to a room, and when. */
export interface InvitationInfo {
  invitedBy: User;
  invitedAt: number;
}

/**
 * Extension: what `POST /api/rooms/:id/invites` did, answered (200 `{invite}`) when
 * the request says `Prefer: return=representation`; otherwise 204 as in v1. An
 * invitation to a member, or to myself, changes nothing and says so.
 */
export interface InviteOutcome {
  roomId: string;
  /** The invitee. */
  user: User;
  outcome: "invited" | "already_member" | "self";
}

/** Extension: a room I am invited to and have not joined (GET /api/invites). */
export interface Invitation extends InvitationInfo {
  room: Room;
}

export interface MyRoom extends Room {
  /**
   * Messages after my read marker: top-level ones, and thread replies only of the
   * threads I follow. 0 while the room is muted.
   */
  unread: number;
  /** Extension: my read marker. */
  readSeq: number;
  /** v2: unread messages that mention me (every unread message of a direct room). */
  mentions: number;
  /** v2: my settings say so. */
  muted: boolean;
  /** Extension: my notification level for the room (the default unless I chose one). */
  notify: NotifyLevel;
}

/** v2: what a room's new messages notify me of. */
export type NotifyLevel = "all" | "mentions" | "none";

/** v2 `settings` of `PUT /api/rooms/:id/settings`: mine, for one room. */
export interface RoomSettings {
  muted: boolean;
  notify: NotifyLevel;
  /** Extension: true when `notify` is the room's default, not my choice. */
  notifyDefault: boolean;
}

/** v2: a thread root's summary. */
export interface ThreadSummary {
  /** Replies (deleted ones included). */
  count: number;
  lastSeq: number;
  lastAt: number;
  /** Ids of up to 10 repliers, first come first. */
  users: string[];
}

/** v2 `GET /api/threads`: a thread I follow. */
export interface ThreadInfo {
  room: Room;
  root: Message;
  /** Replies after my read marker in the thread (not mine). */
  unread: number;
  lastAt: number;
}

/** Why a `notify` frame reached me (extension). */
export type NotifyReason = "mention" | "direct" | "thread" | "message";

/** Extension of `GET /api/mentions`: a message that mentions me, newest first. */
export interface MentionInfo {
  room: Room;
  message: Message;
}

/** v2 `GET /api/search`: a message I can read that matches the query. */
export interface SearchResult {
  room: Room;
  /** As it is now (edits applied). */
  message: Message;
  /**
   * Extension: where the query's words and phrases are in `message.text`, as
   * [start, end) UTF-16 offsets, ascending, not overlapping (empty when only a file
   * name or an operator matched).
   */
  highlights: Array<[number, number]>;
}

/** v2 `GET /api/search`: a page of results, newest first. */
export interface SearchPage {
  results: SearchResult[];
  /** Present when there may be more: pass it as `cursor` with the same `q`. */
  nextCursor?: string;
}

export interface DirectoryRoom extends Room {
  memberCount: number;
  joined: boolean;
}

export interface Member {
  id: string;
  username: string;
  /** v2: the name to show (the username until one is chosen); always set by the server. */
  displayName?: string;
  /** v2: as `User.avatarUrl`. */
  avatarUrl?: string;
  role: Role;
  online: boolean;
  lastSeenAt: number | null;
  /** Extension: the account was deactivated (its messages stay). */
  deactivated?: true;
}

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  userId: string;
  username: string;
  /** "" once deleted. */
  text: string;
  createdAt: number;
  clientId?: string;
  /**
   * v2: the room revision of the message's latest event (its creation or its latest
   * change). Messages stored before revisions existed have `rev` = `seq`.
   */
  rev?: number;
  /**
   * Extension: the room revision at which the message was created, present once it
   * has changed (until then it is `rev`). The event revision of a `message` frame.
   */
  createdRev?: number;
  /** v2: when the text was last edited. */
  editedAt?: number;
  /** v2: a tombstone: `text` is "", no reactions or reply. */
  deleted?: true;
  deletedAt?: number;
  /** v2: in the order each emoji was first used. */
  reactions?: Reaction[];
  /** v2: the message this one answers, in the same room. */
  replyTo?: ReplyRef;
  /** v2: the files posted with it (none once deleted). */
  files?: FileInfo[];
  /**
   * v2: ids of the users it mentions: by name (at most 50), and the members an
   * `@here` or `@room` reached, up to 100 ids in all (see `mentionsAll`).
   */
  mentions?: string[];
  /**
   * Extension: set when the text has an `@room` or `@here` that counted. With more
   * than 100 ids to list, `mentions` then holds only those named.
   */
  mentionsAll?: "room" | "here";
  /** v2: a thread reply: the seq of its root (a top-level message of the room). */
  threadRoot?: number;
  /**
   * Extension: a thread reply also shown in the room's timeline ("also send to the
   * room"): it counts as unread for every member, not only the thread's followers.
   */
  alsoInRoom?: true;
  /** v2: a thread root's summary (absent until its first reply). */
  thread?: ThreadSummary;
}

/**
 * v2 `file`: an upload, as `POST /api/uploads` answers it and as `message.files`
 * carries it. `type` is what the bytes are (sniffed on the server).
 */
export interface FileInfo {
  id: string;
  /** The sanitized file name (no path, no control or bidi characters, ≤ 255 bytes). */
  name: string;
  /** Bytes, as stored (images without their metadata). */
  size: number;
  type: string;
  /** Where the bytes are: a path on this server (`/api/files/…`). */
  url: string;
  /** Images: pixels. */
  width?: number;
  height?: number;
  /** Images: a thumbnail at most 400×400 (the image itself when it is that small). */
  thumbUrl?: string;
  /** Extension: the thumbnail's pixels. */
  thumbWidth?: number;
  thumbHeight?: number;
  /** Extension: the SHA-256 of the bytes, lowercase hex (also the ETag). */
  sha256: string;
}

/** Extension of v2's `GET /api/config`: what clients need to know of the server. */
export interface ServerConfig {
  /** The largest upload, in bytes. */
  maxUploadBytes: number;
  /** Files one message may carry. */
  maxFilesPerMessage: number;
  /** Bytes one user may upload per day (UTC). */
  uploadQuotaBytesPerDay: number;
  registration: "open" | "invite" | "closed";
}

export interface Reaction {
  emoji: string;
  count: number;
  /** Ids of up to the first 100 who reacted with it. */
  users: string[];
}

export interface ReplyRef {
  seq: number;
  userId: string;
  username: string;
  /** The first up to 200 characters of the original's current text ("" once deleted). */
  excerpt: string;
  deleted?: true;
}

/** Extension: a previous text of an edited message (GET …/messages/:seq/edits). */
export interface MessageEdit {
  /** The text as it was before this edit. */
  text: string;
  /** When it was written (the message's creation or an earlier edit). */
  since: number;
  /** When it was replaced. */
  replacedAt: number;
}

/** The event revision of a message as a `message` frame carries it. */
export function createdRevOf(message: Message): number {
  return message.createdRev ?? message.rev ?? message.seq;
}

/** A message's latest revision (messages from before revisions: their seq). */
export function revOf(message: Message): number {
  return message.rev ?? message.seq;
}

/** The `replyTo` a reply to `original` carries, from the original's current state. */
export function replyRefOf(original: Message): ReplyRef {
  const text = original.deleted ? "" : original.text;
  const ref: ReplyRef = {
    seq: original.seq,
    userId: original.userId,
    username: original.username,
    excerpt: text.length <= EXCERPT_MAX ? text : Array.from(text).slice(0, EXCERPT_MAX).join(""),
  };
  if (original.deleted) ref.deleted = true;
  return ref;
}

export type ErrorCode =
  | "bad_request"
  | "unauthorized"
  | "invalid_credentials"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "payload_too_large"
  | "rate_limited"
  | "internal";

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** v2 "People, rooms and the server": why a `removed` frame came (extension). */
export type RemovedReason = "removed" | "banned" | "deleted";

/** Extension: a ban of a room (`GET /api/rooms/:id/bans`). */
export interface RoomBan {
  user: User;
  /** Who banned them. */
  by: User;
  at: number;
}

/** v2: how people may register on this server (the `REGISTRATION` setting). */
export type RegistrationMode = "open" | "invite" | "closed";

/** v2 `POST /api/admin/invites`: a new invite code, shown this once. */
export interface NewServerInvite {
  code: string;
  expiresAt: number;
  /** Extension: how it is listed in `GET /api/admin/invites`. */
  invite: ServerInvite;
}

/** Extension: an invite code as the admin page lists it (never the code itself). */
export interface ServerInvite {
  id: string;
  createdAt: number;
  createdBy: User;
  expiresAt: number;
  /** How many registrations it allows, and how many it was used for. */
  uses: number;
  used: number;
  /** Expired or used up. */
  spent: boolean;
}

/** Extension: a user as the server's admin page lists them. */
export interface AdminUser extends User {
  createdAt: number;
  online: boolean;
  lastSeenAt: number | null;
  deactivatedAt?: number;
}

/** Extension: a room as the server's admin page lists it. */
export interface AdminRoom extends Room {
  memberCount: number;
}

/** v2 `GET /api/me/sessions`: one of my sessions. */
export interface SessionInfo {
  id: string;
  createdAt: number;
  lastUsedAt: number;
  userAgent?: string;
  /** The session of this request. */
  current: boolean;
}

/**
 * `GET /api/admin/stats` (server admins): what the isolate that answered did since
 * it started, as counters (lib/metrics.ts). Counts only, never content.
 */
export interface ServerStats {
  isolateId: string;
  /** When it started counting, and when this was read (ms since the epoch). */
  startedAt: number;
  at: number;
  kv: {
    /** Atomic commits attempted (a failed check counts too: it was a round trip). */
    commits: number;
    /** Of those, the ones whose checks failed. */
    failedChecks: number;
  };
  messages: {
    /** Messages stored. */
    stored: number;
    /** Commits that stored messages (several rooms' messages may share one). */
    commits: number;
    /**
     * Sends handed to the isolate of this process that commits for their room
     * (`deno serve --parallel`); they are stored, and counted, there.
     */
    forwarded?: number;
  };
  sockets: {
    opened: number;
    closed: number;
  };
  frames: {
    /** Server frames queued to sockets (a batch's frames each count). */
    queued: number;
    /** WebSocket frames written (a batch is one). */
    written: number;
  };
  presence: {
    /** Online/offline transitions routed to this isolate's sockets. */
    changes: number;
    /** `presence` frames queued to sockets for them. */
    frames: number;
  };
}
