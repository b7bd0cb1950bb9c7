/**
 * @module The wire shapes of the contract (PROTOCOL.md): what the server sends and
 * what clients may rely on. Shared by the server, the client library, the terminal
 * client, the web islands and the benchmarks.
 */

export type RoomKind = "public" | "private" | "direct";
export type Role = "owner" | "member";

/** `user` as the contract shows it. */
export interface User {
  id: string;
  username: string;
}

export interface UserProfile extends User {
  online: boolean;
  lastSeenAt: number | null;
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
  unread: number;
  /** Extension: my read marker. */
  readSeq: number;
}

export interface DirectoryRoom extends Room {
  memberCount: number;
  joined: boolean;
}

export interface Member {
  id: string;
  username: string;
  role: Role;
  online: boolean;
  lastSeenAt: number | null;
}

export interface Message {
  id: string;
  roomId: string;
  seq: number;
  userId: string;
  username: string;
  text: string;
  createdAt: number;
  clientId?: string;
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
