/**
 * @module The HTTP half of the client library, its core: the class, its errors and
 * the calls the web app's room page makes. The rest are in http_more.ts (and the
 * administration calls in admin.ts), each added to {@linkcode ChatApi} by
 * importing it; `http.ts` is the whole client, for everyone but the room page.
 */

import { ChatError } from "../errors.ts";
import type {
  ErrorCode,
  InviteOutcome,
  Member,
  Message,
  MyRoom,
  NotifyLevel,
  Room,
  RoomSettings,
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

export function messagePath(roomId: string, seq: number): string {
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

  async rooms(): Promise<MyRoom[]> {
    return (await this.request<{ rooms: MyRoom[] }>("GET", "/api/rooms")).rooms;
  }

  room(roomId: string): Promise<{ room: Room; members: Member[] }> {
    return this.request("GET", `/api/rooms/${encodeURIComponent(roomId)}`);
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

  /** The WebSocket URL of this server. */
  get wsUrl(): string {
    return this.baseUrl.replace(/^http/, "ws") + "/api/ws";
  }

  /**
   * Sends a request as it is (bytes or a stream, not JSON), with this client's
   * headers and token: uploads and downloads (http_more.ts).
   */
  exchange(
    path: string,
    init: Omit<RequestInit, "headers"> & { headers?: Record<string, string> },
  ): Promise<Response> {
    const headers: Record<string, string> = { ...this.#headers, ...init.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    return this.#send(path, { ...init, headers });
  }

  /** The JSON body of an answer (undefined for 204), or its error as ApiError. */
  answer<T>(res: Response): Promise<T> {
    return this.#answer<T>(res);
  }
}
