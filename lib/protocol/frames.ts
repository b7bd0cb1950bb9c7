/**
 * @module WebSocket frames of the contract, both directions, and the one parser of
 * client frames. The server parses with it; clients build frames with these types.
 */

import { BadRequestError } from "../errors.ts";
import { REF_MAX } from "./limits.ts";
import type {
  ErrorCode,
  InvitationInfo,
  Member,
  Message,
  NotifyReason,
  RemovedReason,
  Role,
  Room,
  RoomSettings,
  User,
} from "./types.ts";
import { validateClientId, validateFileIds, validateSeq } from "./validate.ts";

export type ClientFrame =
  | { type: "subscribe"; roomId: string; since?: number; sinceRev?: number; ref?: string }
  | { type: "unsubscribe"; roomId: string; ref?: string }
  | {
    type: "send";
    roomId: string;
    text: string;
    clientId?: string;
    replyTo?: number;
    /** v2: ids of my uploads, not yet posted (up to 10). */
    files?: string[];
    /** v2: a thread reply to this top-level message. */
    threadRoot?: number;
    /** Extension: a thread reply that shows in the room too. */
    alsoInRoom?: boolean;
    ref?: string;
  }
  | { type: "edit"; roomId: string; seq: number; text: string; ref?: string }
  | { type: "delete"; roomId: string; seq: number; ref?: string }
  | { type: "react"; roomId: string; seq: number; emoji: string; on: boolean; ref?: string }
  | { type: "typing"; roomId: string; ref?: string }
  /** `threadRoot` (extension): moves my read marker in that thread instead. */
  | { type: "read"; roomId: string; seq: number; threadRoot?: number; ref?: string }
  | { type: "ping"; ref?: string };

export type ServerFrame =
  /** `isolate` (extension) names the server isolate that holds this socket. */
  | { type: "ready"; user: User; isolate?: string }
  | {
    type: "subscribed";
    roomId: string;
    lastSeq: number;
    /** v2: the room's revision at that moment. */
    lastRev: number;
    recovered: boolean;
    members: Member[];
    ref?: string;
  }
  | { type: "unsubscribed"; roomId: string; ref?: string }
  /** The event revision is `createdRevOf(message)`. */
  | { type: "message"; roomId: string; message: Message }
  /** v2: a message changed at `rev`; `message` is its state then or later. */
  | { type: "update"; roomId: string; rev: number; message: Message }
  | { type: "ack"; ref?: string; message: Message; duplicate?: boolean }
  | { type: "presence"; userId: string; username: string; online: boolean; lastSeenAt: number }
  | {
    type: "member";
    roomId: string;
    userId: string;
    username: string;
    /** Extension, on `joined`: how they show (as `member.displayName`, `avatarUrl`). */
    displayName?: string;
    avatarUrl?: string;
    event: "joined" | "left";
  }
  | { type: "typing"; roomId: string; userId: string; username: string }
  | { type: "read"; roomId: string; seq: number; threadRoot?: number; ref?: string }
  /** v2: a new message meant for me (see NotifyReason), subscribed to its room or not. */
  | { type: "notify"; roomId: string; message: Message; reason: NotifyReason }
  /**
   * Extension: a reply in a thread I follow (to my sockets only): counts toward the
   * room's and the thread's unread.
   */
  | { type: "thread_activity"; roomId: string; root: number; seq: number; userId: string }
  /** Extension: my settings of a room changed (from another of my sockets). */
  | { type: "settings"; roomId: string; settings: RoomSettings }
  | { type: "room"; room: Room; invitation?: InvitationInfo }
  | { type: "invitation_declined"; roomId: string }
  /**
   * v2: I am no longer in the room (removed, banned, or the room was deleted): its
   * subscriptions on every socket of mine have ended. `reason` is an extension.
   */
  | { type: "removed"; roomId: string; reason?: RemovedReason }
  /** Extension: a member's role in a room changed (to the room's members). */
  | { type: "role"; roomId: string; userId: string; username: string; role: Role }
  /** v2: the profile of someone who shares a room with me changed. */
  | { type: "user"; user: User }
  | { type: "error"; ref?: string; code: ErrorCode; message: string; retryAfterMs?: number }
  | { type: "pong"; ref?: string }
  /** v2: several frames in one, in their order (only to sockets opened with `?batch=1`). */
  | { type: "batch"; frames: ServerFrame[] };

export type ClientFrameType = ClientFrame["type"];
export type ServerFrameType = ServerFrame["type"];

/** Narrows the server frames to one type. */
export type ServerFrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;

/** A frame the server could not accept, carrying the `ref` to echo when it had one. */
export class FrameError extends BadRequestError {
  readonly ref?: string;
  constructor(message: string, ref?: string) {
    super(message);
    this.name = "FrameError";
    this.ref = ref;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses the text of one client frame. Throws {@linkcode FrameError} (with the
 * frame's `ref` when it is readable) for invalid JSON, unknown types and bad fields.
 * Room ids are only checked to be strings here: whether they name a room is the
 * services' business, which answer `not_found`.
 */
export function parseClientFrame(text: string): ClientFrame {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new FrameError("Frame is not valid JSON");
  }
  if (!isRecord(data)) throw new FrameError("Frame must be a JSON object");
  let ref: string | undefined;
  if (data.ref !== undefined) {
    if (typeof data.ref !== "string" || data.ref.length > REF_MAX) {
      throw new FrameError(`Field "ref" must be a string of at most ${REF_MAX} characters`);
    }
    ref = data.ref;
  }
  try {
    return parseFields(data, ref);
  } catch (err) {
    if (err instanceof FrameError) throw err;
    if (err instanceof BadRequestError) throw new FrameError(err.message, ref);
    throw err;
  }
}

function roomIdOf(data: Record<string, unknown>): string {
  if (typeof data.roomId !== "string") {
    throw new BadRequestError('Field "roomId" must be a string');
  }
  return data.roomId;
}

function optionalSeq(value: unknown, field: string): number | undefined {
  return value === undefined || value === null ? undefined : validateSeq(value, field);
}

function parseFields(data: Record<string, unknown>, ref: string | undefined): ClientFrame {
  switch (data.type) {
    case "subscribe": {
      const since = data.since === undefined || data.since === null
        ? undefined
        : validateSeq(data.since, "since");
      const sinceRev = data.sinceRev === undefined || data.sinceRev === null
        ? undefined
        : validateSeq(data.sinceRev, "sinceRev");
      return { type: "subscribe", roomId: roomIdOf(data), since, sinceRev, ref };
    }
    case "unsubscribe":
      return { type: "unsubscribe", roomId: roomIdOf(data), ref };
    case "send": {
      // Text is validated by the message service, the one path for every door.
      if (typeof data.text !== "string") throw new BadRequestError('Field "text" must be a string');
      const clientId = validateClientId(data.clientId);
      const replyTo = data.replyTo === undefined || data.replyTo === null
        ? undefined
        : validateSeq(data.replyTo, "replyTo");
      const files = data.files === undefined || data.files === null
        ? undefined
        : validateFileIds(data.files);
      const threadRoot = optionalSeq(data.threadRoot, "threadRoot");
      if (data.alsoInRoom !== undefined && typeof data.alsoInRoom !== "boolean") {
        throw new BadRequestError('Field "alsoInRoom" must be true or false');
      }
      return {
        type: "send",
        roomId: roomIdOf(data),
        text: data.text,
        clientId,
        replyTo,
        ...(files ? { files } : {}),
        ...(threadRoot !== undefined ? { threadRoot } : {}),
        ...(data.alsoInRoom ? { alsoInRoom: true } : {}),
        ref,
      };
    }
    case "edit": {
      if (typeof data.text !== "string") throw new BadRequestError('Field "text" must be a string');
      const seq = validateSeq(data.seq, "seq");
      return { type: "edit", roomId: roomIdOf(data), seq, text: data.text, ref };
    }
    case "delete":
      return { type: "delete", roomId: roomIdOf(data), seq: validateSeq(data.seq, "seq"), ref };
    case "react": {
      if (typeof data.emoji !== "string") {
        throw new BadRequestError('Field "emoji" must be a string');
      }
      if (typeof data.on !== "boolean") {
        throw new BadRequestError('Field "on" must be true or false');
      }
      const seq = validateSeq(data.seq, "seq");
      return { type: "react", roomId: roomIdOf(data), seq, emoji: data.emoji, on: data.on, ref };
    }
    case "typing":
      return { type: "typing", roomId: roomIdOf(data), ref };
    case "read": {
      const threadRoot = optionalSeq(data.threadRoot, "threadRoot");
      return {
        type: "read",
        roomId: roomIdOf(data),
        seq: validateSeq(data.seq, "seq"),
        ...(threadRoot !== undefined ? { threadRoot } : {}),
        ref,
      };
    }
    case "ping":
      return { type: "ping", ref };
    default: {
      const shown = typeof data.type === "string" ? `"${data.type.slice(0, 32)}"` : "missing";
      throw new BadRequestError(`Unknown frame type: ${shown}`);
    }
  }
}
