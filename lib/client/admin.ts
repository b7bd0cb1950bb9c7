/**
 * @module The client library's administration and account calls (PROTOCOL v2
 * "People, rooms and the server"): room administration, the server's owner, my
 * account. Importing this module adds them to {@linkcode ChatApi}. They live apart
 * from http.ts so that the web app's pages, which never make these calls from an
 * island, do not ship them (the room page's JavaScript budget).
 */

import { type AuthResult, ChatApi } from "./http_core.ts";
import type {
  AdminRoom,
  AdminUser,
  NewServerInvite,
  Role,
  Room,
  RoomBan,
  ServerInvite,
  ServerStats,
  SessionInfo,
  User,
} from "../protocol/types.ts";

function pageQuery(query: { cursor?: string; limit?: number }): string {
  const params = new URLSearchParams();
  if (query.cursor !== undefined) params.set("cursor", query.cursor);
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  return params.size ? `?${params}` : "";
}

const calls = {
  /** Registers with an invite code (servers with `REGISTRATION=invite`). */
  async registerWithInvite(
    this: ChatApi,
    username: string,
    password: string,
    invite: string,
  ): Promise<AuthResult> {
    const body = { username, password, invite };
    const result = await this.request<AuthResult>("POST", "/api/auth/register", body);
    this.token = result.token;
    return result;
  },

  /** Renames a room or sets its topic (its owner or an admin). */
  async updateRoom(
    this: ChatApi,
    roomId: string,
    changes: { name?: string; topic?: string },
  ): Promise<Room> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}`;
    return (await this.request<{ room: Room }>("PATCH", path, changes)).room;
  },

  /** Deletes a room (its owner): its messages and files go too. */
  deleteRoom(this: ChatApi, roomId: string): Promise<void> {
    return this.request("DELETE", `/api/rooms/${encodeURIComponent(roomId)}`);
  },

  /** Sets a member's role (the owner); "owner" hands ownership on. */
  setRole(this: ChatApi, roomId: string, userId: string, role: Role): Promise<void> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`;
    return this.request("PUT", path, { role });
  },

  /** Removes a member from a room (its owner, or an admin for plain members). */
  removeMember(this: ChatApi, roomId: string, userId: string): Promise<void> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/members/${encodeURIComponent(userId)}`;
    return this.request("DELETE", path);
  },

  /** Bans a user from a room (removed if a member, and kept out). */
  ban(this: ChatApi, roomId: string, username: string): Promise<void> {
    return this.request("POST", `/api/rooms/${encodeURIComponent(roomId)}/bans`, { username });
  },

  unban(this: ChatApi, roomId: string, userId: string): Promise<void> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/bans/${encodeURIComponent(userId)}`;
    return this.request("DELETE", path);
  },

  /** A room's bans, newest first (its owner or an admin). */
  async bans(this: ChatApi, roomId: string): Promise<RoomBan[]> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/bans`;
    return (await this.request<{ bans: RoomBan[] }>("GET", path)).bans;
  },

  /** A new invite code (server admins): single use unless `uses` says more. */
  createServerInvite(
    this: ChatApi,
    options: { uses?: number; expiresInDays?: number } = {},
  ): Promise<
    NewServerInvite
  > {
    return this.request("POST", "/api/admin/invites", options);
  },

  async serverInvites(this: ChatApi): Promise<ServerInvite[]> {
    return (await this.request<{ invites: ServerInvite[] }>("GET", "/api/admin/invites")).invites;
  },

  revokeServerInvite(this: ChatApi, id: string): Promise<void> {
    return this.request("DELETE", `/api/admin/invites/${encodeURIComponent(id)}`);
  },

  /** Every account, a page at a time (server admins). */
  adminUsers(this: ChatApi, query: { cursor?: string; limit?: number } = {}): Promise<
    { users: AdminUser[]; nextCursor?: string }
  > {
    return this.request("GET", `/api/admin/users${pageQuery(query)}`);
  },

  /** Every room with its member count, a page at a time (server admins). */
  adminRooms(this: ChatApi, query: { cursor?: string; limit?: number } = {}): Promise<
    { rooms: AdminRoom[]; nextCursor?: string }
  > {
    return this.request("GET", `/api/admin/rooms${pageQuery(query)}`);
  },

  /** The counters of the isolate that answers (server admins; lib/metrics.ts). */
  adminStats(this: ChatApi): Promise<ServerStats> {
    return this.request("GET", "/api/admin/stats");
  },

  /** Deactivates an account (server admins): its sessions end, it cannot sign in. */
  deactivateUser(this: ChatApi, userId: string): Promise<void> {
    return this.request("POST", `/api/admin/users/${encodeURIComponent(userId)}/deactivate`);
  },

  /** Changes my display name (`null`: back to my username). */
  async updateProfile(this: ChatApi, changes: { displayName?: string | null }): Promise<User> {
    return (await this.request<{ user: User }>("PATCH", "/api/me", changes)).user;
  },

  /** Changes my password; every other session of mine ends. */
  changePassword(this: ChatApi, current: string, password: string): Promise<void> {
    return this.request("POST", "/api/me/password", { current, password });
  },

  async sessions(this: ChatApi): Promise<SessionInfo[]> {
    return (await this.request<{ sessions: SessionInfo[] }>("GET", "/api/me/sessions")).sessions;
  },

  /** Ends one of my sessions (its sockets close with 4001). */
  endSession(this: ChatApi, sessionId: string): Promise<void> {
    return this.request("DELETE", `/api/me/sessions/${encodeURIComponent(sessionId)}`);
  },

  /** Ends every session of mine but this one. */
  endOtherSessions(this: ChatApi): Promise<void> {
    return this.request("DELETE", "/api/me/sessions");
  },

  /** Sets my avatar from an image (PNG, JPEG, GIF or WebP, ≤ 5 MiB): resized, metadata stripped. */
  async setAvatar(
    this: ChatApi,
    image: Blob | Uint8Array,
    type?: string,
  ): Promise<User> {
    const body = image instanceof Blob
      ? image
      : new Blob([image.slice()], { type: type || "application/octet-stream" });
    return (await this.request<{ user: User }>("PUT", "/api/me/avatar", body)).user;
  },

  /** Removes my avatar (the initials show again). */
  removeAvatar(this: ChatApi): Promise<void> {
    return this.request("DELETE", "/api/me/avatar");
  },

  /** Deactivates my own account (my password again): every session of mine ends. */
  async deactivate(this: ChatApi, password: string): Promise<void> {
    await this.request("POST", "/api/me/deactivate", { password });
    this.token = undefined;
  },
};

declare module "./http_core.ts" {
  interface ChatApi {
    registerWithInvite: OmitThisParameter<typeof calls.registerWithInvite>;
    updateRoom: OmitThisParameter<typeof calls.updateRoom>;
    deleteRoom: OmitThisParameter<typeof calls.deleteRoom>;
    setRole: OmitThisParameter<typeof calls.setRole>;
    removeMember: OmitThisParameter<typeof calls.removeMember>;
    ban: OmitThisParameter<typeof calls.ban>;
    unban: OmitThisParameter<typeof calls.unban>;
    bans: OmitThisParameter<typeof calls.bans>;
    createServerInvite: OmitThisParameter<typeof calls.createServerInvite>;
    serverInvites: OmitThisParameter<typeof calls.serverInvites>;
    revokeServerInvite: OmitThisParameter<typeof calls.revokeServerInvite>;
    adminUsers: OmitThisParameter<typeof calls.adminUsers>;
    adminRooms: OmitThisParameter<typeof calls.adminRooms>;
    adminStats: OmitThisParameter<typeof calls.adminStats>;
    deactivateUser: OmitThisParameter<typeof calls.deactivateUser>;
    updateProfile: OmitThisParameter<typeof calls.updateProfile>;
    changePassword: OmitThisParameter<typeof calls.changePassword>;
    sessions: OmitThisParameter<typeof calls.sessions>;
    endSession: OmitThisParameter<typeof calls.endSession>;
    endOtherSessions: OmitThisParameter<typeof calls.endOtherSessions>;
    deactivate: OmitThisParameter<typeof calls.deactivate>;
    setAvatar: OmitThisParameter<typeof calls.setAvatar>;
    removeAvatar: OmitThisParameter<typeof calls.removeAvatar>;
  }
}

Object.assign(ChatApi.prototype, calls);
