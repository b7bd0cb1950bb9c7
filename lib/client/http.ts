/**
 * @module The HTTP half of the client library: one typed method per endpoint of the
 * contract. Used by the terminal client, the benchmarks, the tests and the islands.
 */

import { ChatError } from "../errors.ts";
import type {
  DirectoryRoom,
  ErrorCode,
  FileInfo,
  Invitation,
  InviteOutcome,
  Member,
  MentionInfo,
  Message,
  MessageEdit,
  MyRoom,
  NotifyLevel,
  Room,
  RoomSettings,
  SearchPage,
  ServerConfig,
  ThreadInfo,
  User,
  UserProfile,
} from "../protocol/types.ts";

/** What a send may carry besides its text. */
export interface SendOptions {
  replyTo?: number;
  files?: string[];
  /** A thread reply to this top-level message. */
  threadRoot?: number;
  /** A thread reply that shows in the room too. */
  alsoInRoom?: boolean;
}

function messagePath(roomId: string, seq: number): string {
  return `/api/rooms/${encodeURIComponent(roomId)}/messages/${seq}`;
}

/** An error answer from the server, or a network failure (`status` 0). */
export class ApiError extends ChatError {
  readonly status_: number;
  readonly retryAfterMs?: number;
  constructor(code: ErrorCode, message: string, status: number, retryAfterMs?: number) {
    super(code, message);
    this.name = "ApiError";
    this.status_ = status;
    this.retryAfterMs = retryAfterMs;
  }
  override get status(): number {
    return this.status_;
  }
}

/** Raised when the server cannot be reached at all. */
export class NetworkError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "NetworkError";
  }
}

export interface ChatApiOptions {
  /** Bearer token; omit in browsers, which send the session cookie. */
  token?: string;
  /** Extra headers on every request (tests use it for Origin). */
  headers?: Record<string, string>;
  fetch?: typeof fetch;
}

export interface AuthResult {
  user: User;
  token: string;
}

export interface HistoryQuery {
  before?: number;
  after?: number;
  limit?: number;
}

export class ChatApi {
  readonly baseUrl: string;
  token?: string;
  #headers: Record<string, string>;
  #fetch: typeof fetch;

  constructor(baseUrl: string, options: ChatApiOptions = {}) {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.token = options.token;
    this.#headers = options.headers ?? {};
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Sends one request; answers the parsed JSON body (undefined for 204). */
  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    options: { headers?: Record<string, string> } = {},
  ): Promise<T> {
    const headers: Record<string, string> = { ...this.#headers, ...options.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    // Bytes (an avatar) go as they are; anything else as JSON.
    const bytes = body instanceof Blob ? body : undefined;
    if (body !== undefined) {
      headers["content-type"] = bytes
        ? bytes.type || "application/octet-stream"
        : "application/json";
    }
    const res = await this.#send(path, {
      method,
      headers,
      body: body === undefined ? undefined : bytes ?? JSON.stringify(body),
    });
    return await this.#answer<T>(res);
  }

  /** Fetches a path of this server (or an absolute URL); a network failure is NetworkError. */
  async #send(path: string, init: RequestInit): Promise<Response> {
    try {
      const url = /^https?:/.test(path) ? path : this.baseUrl + path;
      return await this.#fetch(url, { credentials: "same-origin", ...init });
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") throw err;
      throw new NetworkError(`Cannot reach the server: ${this.baseUrl}`, { cause: err });
    }
  }

  /** The JSON body of an answer (undefined for 204), or its error as ApiError. */
  async #answer<T>(res: Response): Promise<T> {
    if (res.status === 204) {
      await res.body?.cancel();
      return undefined as T;
    }
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const error = (data as { error?: { code?: ErrorCode; message?: string } })?.error;
      const retryAfter = Number(res.headers.get("retry-after"));
      throw new ApiError(
        error?.code ?? "internal",
        error?.message ?? `Unexpected answer: HTTP ${res.status}`,
        res.status,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    }
    return data as T;
  }

  async register(username: string, password: string): Promise<AuthResult> {
    const result = await this.request<AuthResult>("POST", "/api/auth/register", {
      username,
      password,
    });
    this.token = result.token;
    return result;
  }

  async login(username: string, password: string): Promise<AuthResult> {
    const result = await this.request<AuthResult>("POST", "/api/auth/login", {
      username,
      password,
    });
    this.token = result.token;
    return result;
  }

  async logout(): Promise<void> {
    await this.request<void>("POST", "/api/auth/logout");
    this.token = undefined;
  }

  async me(): Promise<User> {
    return (await this.request<{ user: User }>("GET", "/api/me")).user;
  }

  async rooms(): Promise<MyRoom[]> {
    return (await this.request<{ rooms: MyRoom[] }>("GET", "/api/rooms")).rooms;
  }

  async directory(): Promise<DirectoryRoom[]> {
    return (await this.request<{ rooms: DirectoryRoom[] }>("GET", "/api/directory")).rooms;
  }

  async createRoom(
    name: string,
    options: { topic?: string; kind?: "public" | "private" } = {},
  ): Promise<Room> {
    return (await this.request<{ room: Room }>("POST", "/api/rooms", { name, ...options })).room;
  }

  room(roomId: string): Promise<{ room: Room; members: Member[] }> {
    return this.request("GET", `/api/rooms/${encodeURIComponent(roomId)}`);
  }

  async join(roomId: string): Promise<Room> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/join`;
    return (await this.request<{ room: Room }>("POST", path)).room;
  }

  leave(roomId: string): Promise<void> {
    return this.request("POST", `/api/rooms/${encodeURIComponent(roomId)}/leave`);
  }

  /** Invites a user; answers whether that sent an invitation or they were in already. */
  async invite(roomId: string, username: string): Promise<InviteOutcome> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/invites`;
    const answer = await this.request<{ invite: InviteOutcome } | undefined>(
      "POST",
      path,
      { username },
      { headers: { prefer: "return=representation" } },
    );
    // A server that ignores the preference answers 204: it sent the invitation.
    return answer?.invite ?? { roomId, user: { id: "", username }, outcome: "invited" };
  }

  /** Rooms I am invited to and have not joined, newest invitation first. */
  async invites(): Promise<Invitation[]> {
    return (await this.request<{ invites: Invitation[] }>("GET", "/api/invites")).invites;
  }

  decline(roomId: string): Promise<void> {
    return this.request("DELETE", `/api/invites/${encodeURIComponent(roomId)}`);
  }

  messages(roomId: string, query: HistoryQuery = {}): Promise<{
    messages: Message[];
    hasMore: boolean;
  }> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) params.set(key, String(value));
    }
    const qs = params.size ? `?${params}` : "";
    return this.request("GET", `/api/rooms/${encodeURIComponent(roomId)}/messages${qs}`);
  }

  async send(
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
  }

  /** Replaces the text of one of my messages; answers the message as edited. */
  async edit(roomId: string, seq: number, text: string): Promise<Message> {
    const path = `${messagePath(roomId, seq)}`;
    return (await this.request<{ message: Message }>("PATCH", path, { text })).message;
  }

  /** Deletes a message (mine, or any as the room's owner); twice is fine. */
  deleteMessage(roomId: string, seq: number): Promise<void> {
    return this.request("DELETE", messagePath(roomId, seq));
  }

  /** Adds (`on`, the default) or removes my reaction; idempotent either way. */
  react(roomId: string, seq: number, emoji: string, on = true): Promise<void> {
    const path = `${messagePath(roomId, seq)}/reactions/${encodeURIComponent(emoji)}`;
    return this.request(on ? "PUT" : "DELETE", path);
  }

  /** Everyone who reacted to a message with `emoji`. */
  async reactions(roomId: string, seq: number, emoji: string): Promise<User[]> {
    const path = `${messagePath(roomId, seq)}/reactions/${encodeURIComponent(emoji)}`;
    return (await this.request<{ users: User[] }>("GET", path)).users;
  }

  /** The previous texts of an edited message, oldest first (its author or the room's owner). */
  async edits(roomId: string, seq: number): Promise<MessageEdit[]> {
    return (await this.request<{ edits: MessageEdit[] }>(
      "GET",
      `${messagePath(roomId, seq)}/edits`,
    ))
      .edits;
  }

  /**
   * Every message created or changed after revision `sinceRev`, once each, in its
   * current state, ascending by `rev`; page on with `lastRev` while `hasMore`.
   */
  changes(roomId: string, query: { sinceRev: number; limit?: number }): Promise<{
    messages: Message[];
    lastRev: number;
    hasMore: boolean;
  }> {
    const params = new URLSearchParams({ sinceRev: String(query.sinceRev) });
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    return this.request("GET", `/api/rooms/${encodeURIComponent(roomId)}/changes?${params}`);
  }

  /** A thread: its root and a page of replies (after `after`, ascending). */
  thread(roomId: string, seq: number, query: { after?: number; limit?: number } = {}): Promise<{
    root: Message;
    messages: Message[];
    hasMore: boolean;
    following: boolean;
    unread: number;
  }> {
    const params = new URLSearchParams();
    if (query.after !== undefined) params.set("after", String(query.after));
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const qs = params.size ? `?${params}` : "";
    return this.request("GET", `${messagePath(roomId, seq)}/thread${qs}`);
  }

  /** The threads I follow, newest activity first. */
  async threads(): Promise<ThreadInfo[]> {
    return (await this.request<{ threads: ThreadInfo[] }>("GET", "/api/threads")).threads;
  }

  /** Follows a thread (`on`, the default) or stops following it. */
  follow(roomId: string, seq: number, on = true): Promise<void> {
    return this.request(on ? "PUT" : "DELETE", `${messagePath(roomId, seq)}/thread/follow`);
  }

  /** The newest messages that mention me by name, across my rooms. */
  async mentions(query: { limit?: number } = {}): Promise<MentionInfo[]> {
    const qs = query.limit !== undefined ? `?limit=${query.limit}` : "";
    return (await this.request<{ mentions: MentionInfo[] }>("GET", `/api/mentions${qs}`)).mentions;
  }

  /** Messages of my rooms that match `q`, newest first; `cursor` is a page's `nextCursor`. */
  search(q: string, query: { limit?: number; cursor?: string } = {}): Promise<SearchPage> {
    const params = new URLSearchParams({ q });
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.cursor !== undefined) params.set("cursor", query.cursor);
    return this.request("GET", `/api/search?${params}`);
  }

  /** My notification settings of a room. */
  async settings(roomId: string): Promise<RoomSettings> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/settings`;
    return (await this.request<{ settings: RoomSettings }>("GET", path)).settings;
  }

  /** Changes my settings of a room (what is left out stays); answers them all. */
  async setSettings(
    roomId: string,
    change: { muted?: boolean; notify?: NotifyLevel },
  ): Promise<RoomSettings> {
    const path = `/api/rooms/${encodeURIComponent(roomId)}/settings`;
    return (await this.request<{ settings: RoomSettings }>("PUT", path, change)).settings;
  }

  async dm(username: string): Promise<Room> {
    return (await this.request<{ room: Room }>("POST", "/api/dms", { username })).room;
  }

  async user(username: string): Promise<UserProfile> {
    const path = `/api/users/${encodeURIComponent(username)}`;
    return (await this.request<{ user: UserProfile }>("GET", path)).user;
  }

  /** `GET /api/config`: the server's limits and settings. */
  async config(): Promise<ServerConfig> {
    return await this.request<ServerConfig>("GET", "/api/config");
  }

  /**
   * `POST /api/uploads`: stores a file (not yet posted: send its id in a message's
   * `files`). A stream body is sent as it is read (`onProgress` is told the bytes
   * read so far); the server sniffs the type, so `type` is only a hint.
   */
  async upload(
    name: string,
    body: Uint8Array | Blob | ReadableStream<Uint8Array>,
    options: { type?: string; onProgress?(sent: number): void; signal?: AbortSignal } = {},
  ): Promise<FileInfo> {
    const headers: Record<string, string> = {
      ...this.#headers,
      "content-type": options.type || "application/octet-stream",
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
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
    const res = await this.#send(`/api/uploads?name=${encodeURIComponent(name)}`, {
      method: "POST",
      headers,
      body: counted as BodyInit,
      signal: options.signal,
      // A stream body needs half duplex (Deno and browsers with streaming uploads).
      ...(counted instanceof ReadableStream ? { duplex: "half" } : {}),
    } as RequestInit);
    return (await this.#answer<{ file: FileInfo }>(res)).file;
  }

  /**
   * The bytes of a file (`file.url`, a path or an absolute URL of this server),
   * as a streaming response; `range` asks for part of it ("bytes=0-99").
   */
  async download(url: string, options: { range?: string; signal?: AbortSignal } = {}): Promise<
    Response
  > {
    const headers: Record<string, string> = { ...this.#headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (options.range) headers.range = options.range;
    const target = /^https?:/.test(url) ? url : url.startsWith("/") ? url : `/${url}`;
    const res = await this.#send(target, { headers, signal: options.signal });
    if (!res.ok) await this.#answer(res);
    return res;
  }

  /** The WebSocket URL of this server. */
  get wsUrl(): string {
    return this.baseUrl.replace(/^http/, "ws") + "/api/ws";
  }
}
