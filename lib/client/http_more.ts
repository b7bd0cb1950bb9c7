/**
 * @module The client library's calls that the web app's pages never make from
 * the room page's eager code (signing in and up, sending over HTTP, history of
 * edits, search, uploads, …). Importing this module adds them to
 * {@linkcode ChatApi}; `http.ts` does, so the terminal client, the benchmarks and
 * the tests see one whole client, while the room page imports `http_core.ts` and
 * ships only what it uses (its JavaScript budget).
 */

import { type AuthResult, ChatApi, messagePath, type SendOptions } from "./http_core.ts";
import type {
  DirectoryRoom,
  FileInfo,
  Invitation,
  MentionInfo,
  Message,
  MessageEdit,
  Room,
  SearchPage,
  User,
} from "../protocol/types.ts";

const calls = {
  async register(this: ChatApi, username: string, password: string): Promise<AuthResult> {
    const result = await this.request<AuthResult>("POST", "/api/auth/register", {
      username,
      password,
    });
    this.token = result.token;
    return result;
  },

  async login(this: ChatApi, username: string, password: string): Promise<AuthResult> {
    const result = await this.request<AuthResult>("POST", "/api/auth/login", {
      username,
      password,
    });
    this.token = result.token;
    return result;
  },

  async logout(this: ChatApi): Promise<void> {
    await this.request<void>("POST", "/api/auth/logout");
    this.token = undefined;
  },

  async me(this: ChatApi): Promise<User> {
    return (await this.request<{ user: User }>("GET", "/api/me")).user;
  },

  async directory(this: ChatApi): Promise<DirectoryRoom[]> {
    return (await this.request<{ rooms: DirectoryRoom[] }>("GET", "/api/directory")).rooms;
  },

  async createRoom(
    this: ChatApi,
    name: string,
    options: { topic?: string; kind?: "public" | "private" } = {},
  ): Promise<Room> {
    return (await this.request<{ room: Room }>("POST", "/api/rooms", { name, ...options })).room;
  },

  async join(this: ChatApi, roomId: string): Promise<Room> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/join`;
    return (await this.request<{ room: Room }>("POST", path)).room;
  },

  leave(this: ChatApi, roomId: string): Promise<void> {
    return this.request("POST", `/api/rooms/${encodeURIComponent(roomId)}/leave`);
  },

  /** Rooms I am invited to and have not joined, newest invitation first. */
  async invites(this: ChatApi): Promise<Invitation[]> {
    return (await this.request<{ invites: Invitation[] }>("GET", "/api/invites")).invites;
  },

  decline(this: ChatApi, roomId: string): Promise<void> {
    return this.request("DELETE", `/api/invites/${encodeURIComponent(roomId)}`);
  },

  async send(
    this: ChatApi,
    roomId: string,
    text: string,
    clientId?: string,
    options: SendOptions = {},
  ): Promise<Message> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/messages`;
    const body = {
      text,
      clientId,
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
      ...(options.files?.length ? { files: options.files } : {}),
      ...(options.threadRoot ? { threadRoot: options.threadRoot } : {}),
      ...(options.alsoInRoom ? { alsoInRoom: true } : {}),
    };
    return (await this.request<{ message: Message }>("POST", path, body)).message;
  },

  /** Replaces the text of one of my messages; answers the message as edited. */
  async edit(this: ChatApi, roomId: string, seq: number, text: string): Promise<Message> {
    const path = `${messagePath(roomId, seq)}`;
    return (await this.request<{ message: Message }>("PATCH", path, { text })).message;
  },

  /** Deletes a message (mine, or any as the room's owner); twice is fine. */
  deleteMessage(this: ChatApi, roomId: string, seq: number): Promise<void> {
    return this.request("DELETE", messagePath(roomId, seq));
  },

  /** Adds (`on`, the default) or removes my reaction; idempotent either way. */
  react(this: ChatApi, roomId: string, seq: number, emoji: string, on = true): Promise<void> {
    const path = `${messagePath(roomId, seq)}/reactions/${encodeURIComponent(emoji)}`;
    return this.request(on ? "PUT" : "DELETE", path);
  },

  /** Everyone who reacted to a message with `emoji`. */
  async reactions(this: ChatApi, roomId: string, seq: number, emoji: string): Promise<User[]> {
    const path = `${messagePath(roomId, seq)}/reactions/${encodeURIComponent(emoji)}`;
    return (await this.request<{ users: User[] }>("GET", path)).users;
  },

  /** The previous texts of an edited message, oldest first (its author or the room's owner). */
  async edits(this: ChatApi, roomId: string, seq: number): Promise<MessageEdit[]> {
    return (await this.request<{ edits: MessageEdit[] }>(
      "GET",
      `${messagePath(roomId, seq)}/edits`,
    ))
      .edits;
  },

  /**
   * Every message created or changed after revision `sinceRev`, once each, in its
   * current state, ascending by `rev`; page on with `lastRev` while `hasMore`.
   */
  changes(this: ChatApi, roomId: string, query: { sinceRev: number; limit?: number }): Promise<{
    messages: Message[];
    lastRev: number;
    hasMore: boolean;
  }> {
    const params = new URLSearchParams({ sinceRev: String(query.sinceRev) });
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    return this.request("GET", `/api/rooms/${encodeURIComponent(roomId)}/changes?${params}`);
  },

  /** The newest messages that mention me by name, across my rooms. */
  async mentions(this: ChatApi, query: { limit?: number } = {}): Promise<MentionInfo[]> {
    const qs = query.limit !== undefined ? `?limit=${query.limit}` : "";
    return (await this.request<{ mentions: MentionInfo[] }>("GET", `/api/mentions${qs}`)).mentions;
  },

  /** Messages of my rooms that match `q`, newest first; `cursor` is a page's `nextCursor`. */
  search(
    this: ChatApi,
    q: string,
    query: { limit?: number; cursor?: string } = {},
  ): Promise<SearchPage> {
    const params = new URLSearchParams({ q });
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.cursor !== undefined) params.set("cursor", query.cursor);
    return this.request("GET", `/api/search?${params}`);
  },

  /**
   * `POST /api/uploads`: stores a file (not yet posted: send its id in a message's
   * `files`). A stream body is sent as it is read (`onProgress` is told the bytes
   * read so far); the server sniffs the type, so `type` is only a hint.
   */
  async upload(
    this: ChatApi,
    name: string,
    body: Uint8Array | Blob | ReadableStream<Uint8Array>,
    options: { type?: string; onProgress?(sent: number): void; signal?: AbortSignal } = {},
  ): Promise<FileInfo> {
    const headers: Record<string, string> = {
      "content-type": options.type || "application/octet-stream",
    };
    let sent = 0;
    const counted = body instanceof ReadableStream && options.onProgress
      ? body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            sent += chunk.byteLength;
            options.onProgress!(sent);
            controller.enqueue(chunk);
          },
        }),
      )
      : body;
    const res = await this.exchange(
      `/api/uploads?name=${encodeURIComponent(name)}`,
      {
        method: "POST",
        headers,
        body: counted as BodyInit,
        signal: options.signal,
        // A stream body needs half duplex (Deno and browsers with streaming uploads).
        ...(counted instanceof ReadableStream ? { duplex: "half" } : {}),
      } as Omit<RequestInit, "headers"> & { headers: Record<string, string> },
    );
    return (await this.answer<{ file: FileInfo }>(res)).file;
  },

  /**
   * The bytes of a file (`file.url`, a path or an absolute URL of this server),
   * as a streaming response; `range` asks for part of it ("bytes=0-99").
   */
  async download(
    this: ChatApi,
    url: string,
    options: { range?: string; signal?: AbortSignal } = {},
  ): Promise<
    Response
  > {
    const headers: Record<string, string> = {};
    if (options.range) headers.range = options.range;
    const target = /^https?:/.test(url) ? url : url.startsWith("/") ? url : `/${url}`;
    const res = await this.exchange(target, { headers, signal: options.signal });
    if (!res.ok) await this.answer(res);
    return res;
  },
};

declare module "./http_core.ts" {
  interface ChatApi {
    register: OmitThisParameter<typeof calls.register>;
    login: OmitThisParameter<typeof calls.login>;
    logout: OmitThisParameter<typeof calls.logout>;
    me: OmitThisParameter<typeof calls.me>;
    directory: OmitThisParameter<typeof calls.directory>;
    createRoom: OmitThisParameter<typeof calls.createRoom>;
    join: OmitThisParameter<typeof calls.join>;
    leave: OmitThisParameter<typeof calls.leave>;
    invites: OmitThisParameter<typeof calls.invites>;
    decline: OmitThisParameter<typeof calls.decline>;
    send: OmitThisParameter<typeof calls.send>;
    edit: OmitThisParameter<typeof calls.edit>;
    deleteMessage: OmitThisParameter<typeof calls.deleteMessage>;
    react: OmitThisParameter<typeof calls.react>;
    reactions: OmitThisParameter<typeof calls.reactions>;
    edits: OmitThisParameter<typeof calls.edits>;
    changes: OmitThisParameter<typeof calls.changes>;
    mentions: OmitThisParameter<typeof calls.mentions>;
    search: OmitThisParameter<typeof calls.search>;
    upload: OmitThisParameter<typeof calls.upload>;
    download: OmitThisParameter<typeof calls.download>;
  }
}

Object.assign(ChatApi.prototype, calls);
