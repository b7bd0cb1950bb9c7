/**
 * @module The interactive client's link to the server: logs in and out, keeps one
 * ChatSocket subscribed to all my rooms, turns its events into model changes, and
 * sends what is typed through the outbox (`outbox.ts`), to the room or to the
 * thread open (`/thread`). Says when the bell should ring: a mention of me, a
 * direct message, or a `notify` frame for a room not on screen.
 */

import { ApiError, ChatApi, NetworkError } from "../../lib/client/http.ts";
import { ChatSocket, FrameRequestError } from "../../lib/client/socket.ts";
import { ChatError } from "../../lib/errors.ts";
import type { NotifyLevel, Room } from "../../lib/protocol/types.ts";
import {
  type Credentials,
  deleteCredentials,
  loadCredentials,
  saveCredentials,
} from "../config.ts";
import { AdminActions } from "./admin_actions.ts";
import { Attention } from "./attention.ts";
import { defaultDownloadDir, FileActions } from "./file_actions.ts";
import { MessageActions } from "./message_actions.ts";
import { type Model, STATUS } from "./model.ts";
import { Outbox } from "./outbox.ts";
import { fullName } from "./people.ts";
import { SearchActions } from "./search_actions.ts";
import { ThreadActions } from "./thread_actions.ts";
import { sanitizeLine } from "../sanitize.ts";
import { roomLabel } from "../format.ts";

/** How often a "typing" is sent while typing continues. */
const TYPING_EVERY_MS = 3_000;
/** How often to ask the server, while reconnecting, whether the session still exists. */
const PROBE_EVERY_MS = 5_000;
export const HISTORY_PAGE = 50;
/** Pages of thread replies skipped at most, looking for older messages of the room. */
const HISTORY_PAGES_MAX = 5;

export interface SessionHooks {
  /** Something changed: draw again. */
  changed(): void;
  /** A message could not be sent at all: give its text back to the input line. */
  restore(text: string): void;
  /** Something asks for attention: a mention of me, a direct message, a notification. */
  bell?(): void;
}

export class ChatSession {
  readonly model: Model;
  readonly api: ChatApi;
  /** Edit, delete, react to and reply to the messages on screen. */
  readonly actions: MessageActions;
  /** Upload and download files (`/upload`, `/download`). */
  readonly files: FileActions;
  /** Open and leave threads (`/thread`, `/back`). */
  readonly threads: ThreadActions;
  /** Search, and jump to a result (`/search`). */
  readonly search: SearchActions;
  /** Rooms and people changing, and changing them (`/topic`, `/kick`, `/nick`, …). */
  readonly admin: AdminActions;
  #hooks: SessionHooks;
  #credentialsPath: string;
  #credentials?: Credentials;
  #socket?: ChatSocket;
  #subscribed = new Set<string>();
  #readSent = new Map<string, number>();
  #attention: Attention;
  #typingSentAt = 0;
  #probe?: ReturnType<typeof setInterval>;
  #wasOffline = false;
  #loggingOut = false;
  #outbox: Outbox;

  constructor(
    model: Model,
    options: { credentialsPath: string; hooks: SessionHooks; downloadDir?: () => string },
  ) {
    this.model = model;
    this.api = new ChatApi(model.server);
    this.#credentialsPath = options.credentialsPath;
    this.#hooks = options.hooks;
    this.#attention = new Attention(model, () => this.#hooks.bell?.());
    this.#outbox = new Outbox(model, {
      socket: () => this.#socket,
      delivered: (roomId) => {
        if (roomId === this.model.current) this.#markRead(roomId);
      },
      restore: (text) => this.#hooks.restore(text),
      changed: () => this.#hooks.changed(),
    });
    this.actions = new MessageActions(model, {
      socket: () => this.#credentials ? this.#socket : undefined,
      reply: (roomId, text, replyTo) => {
        if (!this.#credentials) throw new ChatError("unauthorized", "Not logged in: /login USER");
        this.model.scroll = 0;
        this.#outbox.add(roomId, text, { replyTo, threadRoot: this.model.threadOf(roomId)?.root });
      },
    });
    this.threads = new ThreadActions(model, {
      api: this.api,
      socket: () => this.#socket,
      changed: () => this.#hooks.changed(),
      roomShown: (roomId) => this.#markRead(roomId),
    });
    this.search = new SearchActions(model, {
      api: this.api,
      open: (roomId) => this.open(roomId),
      enter: (room) => this.enter(room),
      threads: this.threads,
      changed: () => this.#hooks.changed(),
    });
    this.admin = new AdminActions(model, {
      api: this.api,
      changed: () => this.#hooks.changed(),
      forget: (roomId) => {
        this.#subscribed.delete(roomId);
        this.#readSent.delete(roomId);
      },
      open: (roomId) => this.open(roomId),
    });
    this.files = new FileActions(model, {
      api: () => {
        if (!this.#credentials) throw new ChatError("unauthorized", "Not logged in: /login USER");
        return this.api;
      },
      send: (roomId, text, files, restore) => {
        if (!this.#credentials) throw new ChatError("unauthorized", "Not logged in: /login USER");
        this.model.scroll = 0;
        const threadRoot = this.model.threadOf(roomId)?.root;
        this.#outbox.add(roomId, text, { files, restore, threadRoot });
      },
      changed: () => this.#hooks.changed(),
      downloadDir: options.downloadDir ?? (() => defaultDownloadDir()),
    });
  }

  get credentials(): Credentials | undefined {
    return this.#credentials;
  }

  /** Connects with saved credentials, checking that the session still exists. */
  async resume(credentials: Credentials): Promise<void> {
    this.#connect(credentials);
    try {
      const user = await this.api.me();
      this.model.user = user;
    } catch (err) {
      if (err instanceof ChatError && err.code === "unauthorized") {
        await this.#sessionEnded("Your saved session is no longer valid: log in with /login USER");
      } else if (err instanceof NetworkError) {
        this.model.notice(`Cannot reach ${this.model.server}: retrying in the background`, {
          level: "error",
        });
      }
    }
    this.#hooks.changed();
  }

  async login(username: string, password: string, options: { register?: boolean } = {}) {
    const api = new ChatApi(this.model.server);
    const result = options.register
      ? await api.register(username, password)
      : await api.login(username, password);
    const previous = this.#credentials ?? await loadCredentials(this.#credentialsPath);
    if (previous && previous.server === this.model.server && previous.token !== result.token) {
      await new ChatApi(this.model.server, { token: previous.token }).logout().catch(() => {});
    }
    const credentials: Credentials = {
      server: this.model.server,
      username: result.user.username,
      userId: result.user.id,
      token: result.token,
      savedAt: Date.now(),
    };
    await saveCredentials(credentials, this.#credentialsPath);
    if (this.model.user && this.model.user.id !== result.user.id) {
      // Another account: its rooms and unsent messages are not this one's.
      this.#disconnect();
      this.model.reset();
    }
    this.#connect(credentials);
    this.model.user = result.user;
    this.model.notice(`Logged in as ${sanitizeLine(result.user.username)}`);
  }

  /** Ends the session on the server, then forgets it here. */
  async logout(): Promise<void> {
    if (!this.#credentials) throw new ChatError("unauthorized", "Not logged in");
    // The server closes our socket (4001) when the session ends: that is expected.
    this.#loggingOut = true;
    try {
      await this.api.logout();
    } catch (err) {
      if (!(err instanceof ChatError && err.code === "unauthorized")) throw err;
    } finally {
      this.#loggingOut = false;
    }
    this.#disconnect();
    this.#credentials = undefined;
    await deleteCredentials(this.#credentialsPath);
    this.model.reset();
    this.model.notice("Logged out: the session is ended and forgotten");
  }

  close(): void {
    this.files.abortAll();
    this.#disconnect();
  }

  #connect(credentials: Credentials): void {
    this.#disconnect();
    this.#credentials = credentials;
    this.api.token = credentials.token;
    this.model.user = { id: credentials.userId, username: credentials.username };
    this.model.connection = "connecting";
    this.#wasOffline = false;
    const socket = new ChatSocket({ url: this.api.wsUrl, token: credentials.token });
    this.#socket = socket;
    this.#wire(socket);
    // Rooms on screen before (the session ended, this is a new login) resume after
    // the newest message held, so what was said meanwhile is replayed. Subscribing
    // now, before the outbox is flushed, keeps that point ahead of our own sends.
    for (const [id, view] of this.model.rooms) {
      if (!view.loaded) continue;
      const since = this.model.heldSeq(id);
      this.subscribe(id, view.lastRev ? { since, sinceRev: view.lastRev } : { since });
    }
    // Messages typed before the session ended go out with the same clientId.
    this.#outbox.flush();
  }

  #disconnect(): void {
    clearInterval(this.#probe);
    this.#socket?.close();
    this.#socket = undefined;
    this.#subscribed.clear();
    this.#readSent.clear();
    this.threads.reset();
  }

  #wire(socket: ChatSocket): void {
    const m = this.model;
    const changed = () => this.#hooks.changed();
    socket.on("state", (state) => {
      if (socket !== this.#socket) return;
      m.connection = state;
      if (state === "reconnecting" && !this.#wasOffline) {
        this.#wasOffline = true;
        m.notice("Connection lost: reconnecting…", { level: "error" });
        this.#startProbe();
      } else if (state === "open" && this.#wasOffline) {
        this.#wasOffline = false;
        clearInterval(this.#probe);
        m.notice("Reconnected");
      }
      changed();
    });
    socket.on("ready", (frame) => {
      m.user = frame.user;
      m.people.learn(frame.user);
      this.#sync().catch((err) => this.#error(err)).finally(changed);
    });
    socket.on("message", ({ roomId, message }) => {
      const fresh = m.addMessages(roomId, [message], { live: true }) > 0;
      if (fresh) this.#attention.message(roomId, message);
      if (roomId === m.current) {
        this.#markRead(roomId);
        this.threads.markRead(roomId);
      }
      changed();
    });
    // Sent for what should notify me, subscribed or not: the server applied my settings.
    socket.on("notify", ({ roomId, message, reason }) => {
      this.#attention.notify(roomId, message, reason);
    });
    socket.on("thread_activity", ({ roomId, root, seq, userId }) => {
      if (m.threadActivity(roomId, root, seq, userId)) changed();
    });
    socket.on("settings", ({ roomId, settings }) => {
      m.setPrefs(roomId, settings);
      changed();
    });
    socket.on("update", ({ roomId, rev, message }) => {
      if (m.applyUpdate(roomId, message, rev)) changed();
    });
    socket.on("subscribed", async (frame) => {
      m.setMembers(frame.roomId, frame.members);
      if (!frame.recovered) {
        m.notice("Many messages were missed while away: showing the newest", {
          roomId: frame.roomId,
        });
        await this.#loadLatest(frame.roomId).catch((err) => this.#error(err));
      }
      changed();
    });
    socket.on("presence", (frame) => {
      const rooms = m.presence(frame.userId, frame.online, frame.lastSeenAt);
      if (rooms.includes(m.current) && frame.userId !== m.user?.id) {
        const state = frame.online ? "is online" : "went offline";
        m.notice(`${fullName(m.people.get(frame.userId) ?? frame)} ${state}`);
      }
      changed();
    });
    socket.on("member", (frame) => {
      m.memberEvent(frame.roomId, { id: frame.userId, username: frame.username }, frame.event);
      const who = fullName(m.people.get(frame.userId) ?? frame);
      m.notice(`${who} ${frame.event} the room`, { roomId: frame.roomId });
      changed();
      // Whether a newcomer is online is not in the event: ask.
      if (frame.event === "joined") {
        this.api.room(frame.roomId).then(({ members }) => {
          m.setMembers(frame.roomId, members);
          changed();
        }, () => {});
      }
    });
    socket.on("typing", (frame) => {
      m.typing(frame.roomId, frame.username);
      changed();
    });
    socket.on("read", (frame) => {
      if (frame.threadRoot) m.threadRead(frame.roomId, frame.threadRoot);
      else m.roomRead(frame.roomId, frame.seq);
      changed();
    });
    socket.on("room", (frame) => {
      this.#onRoom(frame.room, frame.invitation?.invitedBy.username).catch((err) =>
        this.#error(err)
      ).finally(changed);
    });
    this.admin.wire(socket);
    socket.on("invitation_declined", (frame) => {
      this.model.invites.delete(frame.roomId);
      changed();
    });
    socket.on("error", (frame) => {
      // Answers to our requests are handled where they were made.
      if (frame.ref === undefined) m.notice(sanitizeLine(frame.message), { level: "error" });
      changed();
    });
    socket.on("sessionEnded", () => {
      if (this.#loggingOut) return;
      this.#sessionEnded("Your session has ended (logged out elsewhere?): /login USER")
        .finally(changed);
    });
  }

  /** While reconnecting: a revoked session looks like a server that is down. Ask. */
  #startProbe(): void {
    clearInterval(this.#probe);
    this.#probe = setInterval(() => {
      this.api.me().catch((err) => {
        if (err instanceof ApiError && err.code === "unauthorized") {
          this.#sessionEnded("Your session has ended: log in again with /login USER")
            .finally(() => this.#hooks.changed());
        }
      });
    }, PROBE_EVERY_MS);
  }

  async #sessionEnded(text: string): Promise<void> {
    const token = this.#credentials?.token;
    this.#disconnect();
    this.model.connection = "ended";
    this.model.notice(text, { level: "error" });
    if (this.model.current !== STATUS) this.model.notice(text, { level: "error", roomId: STATUS });
    // The saved token is dead: forget it (unless another login replaced it meanwhile).
    const saved = await loadCredentials(this.#credentialsPath).catch(() => undefined);
    if (saved && saved.token === token) await deleteCredentials(this.#credentialsPath);
  }

  #error(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.model.notice(sanitizeLine(message), { level: "error" });
  }

  /** Refreshes my rooms and subscribes to the new ones. */
  async #sync(): Promise<void> {
    this.api.directory().then((rooms) => this.model.directory = rooms.map((r) => r.name), () => {});
    const rooms = await this.api.rooms();
    const ids = new Set(rooms.map((r) => r.id));
    for (const room of rooms) {
      // Rooms with messages held were subscribed when connecting; the others start
      // now, with the server's unread count.
      const loaded = this.model.rooms.get(room.id)?.loaded;
      this.model.upsertRoom(room, loaded ? undefined : room.unread);
      this.subscribe(room.id, { since: room.lastSeq });
    }
    for (const id of [...this.model.order]) {
      if (!ids.has(id)) {
        this.model.removeRoom(id);
        this.#subscribed.delete(id);
      }
    }
    // The threads I follow that have news: their roots say so.
    this.api.threads().then((threads) => {
      for (const { room, root, unread } of threads) {
        const view = this.model.rooms.get(room.id);
        if (!view || this.model.threadOf(room.id)?.root === root.seq) continue;
        if (unread > 0) view.threadUnread.set(root.seq, unread);
        else view.threadUnread.delete(root.seq);
      }
      this.#hooks.changed();
    }, () => {});
    if (this.model.current === STATUS && this.model.order.length) {
      await this.open(this.model.order[0]);
    } else if (!this.model.order.length && this.model.current === STATUS) {
      this.model.notice("You are in no room yet: /directory, /join ROOM, /create NAME or /dm USER");
    } else if (this.model.view && !this.model.view.loaded) {
      await this.#loadLatest(this.model.current);
    }
    // Invitations that came while I was away (or in another client), each told once,
    // in the view now open.
    const invites = (await this.api.invites()).filter(({ room }) => !ids.has(room.id));
    const pending = new Set(invites.map(({ room }) => room.id));
    for (const id of [...this.model.invites.keys()]) {
      if (!pending.has(id)) this.model.invites.delete(id);
    }
    for (const { room, invitedBy } of invites.toReversed()) {
      if (!this.model.invites.has(room.id)) this.#noteInvite(room, invitedBy.username);
    }
  }

  /**
   * Subscribes to a room once per socket: from `since` (a seq: the messages after
   * it are replayed), or from `sinceRev` (every event after that revision, changes
   * included); the socket resumes from the last revision after a reconnect.
   */
  subscribe(roomId: string, from: { since?: number; sinceRev?: number } = {}): void {
    if (!this.#socket || this.#subscribed.has(roomId)) return;
    this.#subscribed.add(roomId);
    this.#socket.subscribe(roomId, from).catch((err) => {
      if (err instanceof FrameRequestError) {
        this.#subscribed.delete(roomId);
        this.#error(err);
        this.#hooks.changed();
      }
    });
  }

  async #onRoom(room: Room, invitedBy?: string): Promise<void> {
    if (this.model.rooms.has(room.id)) return this.admin.roomChanged(room);
    // An invitation says so (and by whom): no need to ask the server for my rooms.
    if (invitedBy !== undefined) return this.#noteInvite(room, invitedBy);
    const mine = room.kind === "direct"
      ? room
      : (await this.api.rooms()).find((r) => r.id === room.id);
    if (mine) {
      this.model.upsertRoom(mine);
      // New to me: replay what is there, unless it is a lot.
      this.subscribe(mine.id, { since: mine.lastSeq <= HISTORY_PAGE ? 0 : mine.lastSeq });
      this.model.notice(`New conversation: ${roomLabel(mine)} (Ctrl-N to switch)`);
    } else {
      this.#noteInvite(room, invitedBy);
    }
  }

  #noteInvite(room: Room, invitedBy?: string): void {
    this.model.invites.set(room.id, room);
    const by = invitedBy === undefined ? "" : ` by @${sanitizeLine(invitedBy)}`;
    this.model.notice(
      `You were invited to ${roomLabel(room)}${by}: /join ${sanitizeLine(room.name)}`,
    );
  }

  async #loadLatest(roomId: string): Promise<void> {
    const view = this.model.rooms.get(roomId);
    if (!view) return;
    const page = await this.api.messages(roomId, { limit: HISTORY_PAGE });
    this.model.addMessages(roomId, page.messages);
    view.loaded = true;
    view.hasMore = page.hasMore;
  }

  /** Shows a room: fetches its latest messages the first time and marks it read. */
  async open(roomId: string): Promise<void> {
    this.model.switchTo(roomId);
    this.#hooks.changed();
    const view = this.model.rooms.get(roomId);
    if (!view) return;
    if (!view.loaded) await this.#loadLatest(roomId);
    this.#markRead(roomId);
  }

  /** Fetches a page of older messages of the current room; answers how many. */
  async history(): Promise<number> {
    const view = this.model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    if (!view.loaded) await this.#loadLatest(view.room.id);
    const first = this.model.firstSeq(view.room.id);
    if (first <= 1 && view.loaded) {
      view.hasMore = false;
      return 0;
    }
    // A page of replies only in threads shows nothing here: look further back.
    let before = first;
    for (let pages = 0; pages < HISTORY_PAGES_MAX; pages++) {
      const page = await this.api.messages(view.room.id, { before, limit: HISTORY_PAGE });
      this.model.addMessages(view.room.id, page.messages);
      view.hasMore = page.hasMore;
      const shown = this.model.firstSeq(view.room.id);
      if (shown !== first || !page.hasMore || !page.messages.length) break;
      before = page.messages[0].seq;
    }
    return view.timeline.messages().filter((m) => m.seq < first).length;
  }

  /** Changes my settings of the room on screen (`/mute`, `/notify`); answers them. */
  async setPrefs(change: { muted?: boolean; notify?: NotifyLevel }) {
    const view = this.model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    const settings = await this.api.setSettings(view.room.id, change);
    this.model.setPrefs(view.room.id, settings);
    return settings;
  }

  #markRead(roomId: string): void {
    const seq = this.model.lastSeq(roomId);
    if (!this.#socket || seq <= (this.#readSent.get(roomId) ?? 0)) return;
    this.#readSent.set(roomId, seq);
    this.#socket.read(roomId, seq);
  }

  /**
   * Sends text to what is on screen, through the outbox: the current room, or the
   * thread open (`alsoInRoom`: to the room too).
   */
  send(text: string, options: { alsoInRoom?: boolean } = {}): void {
    const view = this.model.view;
    if (!view) {
      throw new ChatError("bad_request", "No room on screen: /join ROOM or /dm USER first");
    }
    if (!this.#credentials) throw new ChatError("unauthorized", "Not logged in: /login USER");
    const thread = this.model.threadOf(view.room.id);
    if (options.alsoInRoom && !thread) {
      throw new ChatError("bad_request", "No thread on screen: /thread SEQ first");
    }
    this.model.scroll = 0;
    this.#outbox.add(view.room.id, text, {
      threadRoot: thread?.root,
      alsoInRoom: options.alsoInRoom,
    });
  }

  /** The user is typing in the current room: tell the others, now and then. */
  typing(): void {
    const now = Date.now();
    const view = this.model.view;
    if (!view || this.#socket?.state !== "open" || now - this.#typingSentAt < TYPING_EVERY_MS) {
      return;
    }
    this.#typingSentAt = now;
    this.#socket.typing(view.room.id);
  }

  /** Joins (if needed) and shows a room I am now a member of. */
  async enter(room: Room): Promise<void> {
    this.model.upsertRoom(room);
    this.subscribe(room.id, { since: room.lastSeq });
    await this.open(room.id);
  }

  /** Leaves the current room. */
  async leave(): Promise<Room> {
    const view = this.model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen to leave");
    await this.api.leave(view.room.id);
    this.#subscribed.delete(view.room.id);
    this.#socket?.unsubscribe(view.room.id).catch(() => {});
    this.model.removeRoom(view.room.id);
    if (this.model.current !== STATUS) await this.open(this.model.current);
    return view.room;
  }
}
