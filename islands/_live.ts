/**
 * The page's one live connection, shared by every island on it (the room list
 * and the chat pane import this module; esbuild puts it in a shared chunk, so
 * there is one instance per page).
 *
 * Browser only: nothing here may run while the server renders, because module
 * state on the server would be shared by every request. Islands render from
 * their props and call these functions from effects. The signals below are
 * written only in the browser; on the server they keep their initial values.
 *
 * - One `ChatSocket` (reconnect with backoff and jitter, resubscribe with
 *   `since`, re-send unacknowledged messages by clientId: see lib/client/).
 * - Each room is subscribed once, whichever island asks first.
 * - Read markers: the chat pane marks a room (or a thread) read; the room list
 *   hears of it at once (and of reads from my other tabs through the socket's
 *   `read` frames). A read made while offline is sent when the socket is back.
 * - Room settings changed on this page reach the room list the same way (and
 *   those changed in my other tabs, through `settings` frames).
 * - Presence: what every dot on the page shows (`presenceOf`), unknown while the
 *   socket is down and until fresh facts come after it is back.
 * - The chat pane registers itself in `pane`, so that `_nav.ts` can switch the
 *   page to another room without loading a page; `activeRoom` then says which
 *   room is shown (until then, the page's own).
 */

import { signal } from "@preact/signals";
import type { ComponentType } from "preact";
import { ChatApi } from "../lib/client/http_core.ts";
import { ChatSocket, type ConnectionState } from "../lib/client/socket.ts";
import type { Member, RoomSettings } from "../lib/protocol/types.ts";

/** The socket's state, for the connection indicator. */
export const connection = signal<ConnectionState>("connecting");

/** The room shown in the pane, once `_nav.ts` switched rooms (before that, the page's). */
export const activeRoom = signal<string | undefined>(undefined);

/**
 * The page's chat pane, once mounted: its island component, the element it is
 * rendered in, and its state now (for `_nav.ts`, which keeps it to come back to).
 */
export const pane: {
  // deno-lint-ignore no-explicit-any
  component?: ComponentType<any>;
  root?: Element | null;
  snapshot?(): { roomId: string; props: object; scrollTop: number };
} = {};

/**
 * Presence learned on this page (frames and subscriptions) since the socket last
 * opened: userId → online. What a dot shows is `presenceOf`.
 */
export const presence = signal<Readonly<Record<string, boolean>>>({});

/**
 * Presence while our own connection is down is unknown: nobody tells us who comes
 * and goes. So when the socket drops, `presence` is emptied, and the facts the
 * page was rendered with (server props) stop counting for good (`stale`). Once it
 * is back, a user's dot shows again when a fresh fact about them arrives (each
 * room's `subscribed` frame brings its members' `online`, then `presence`
 * frames): nothing from before the outage wins over the server's word after it,
 * and nobody is shown online (or offline) on the strength of a fact from before.
 * (A generation per fact would keep the old ones for ordering lists meanwhile;
 * emptying costs the bundle less, and lists fall back on their members' own
 * `online`.) The first connect of a page keeps the rendered facts: they are as
 * fresh as the page, and greying every dot for a moment on each page load would
 * be noise.
 */
let stale = false;

/**
 * How to show a user's presence: online, offline, or `undefined` (unknown: the
 * connection is down, or came back without word about them yet). `rendered`:
 * what the page's props said (the server's, or a member list's). Reads
 * `presence`, which a drop empties, so that every dot on the page redraws.
 */
export function presenceOf(userId: string, rendered?: boolean): boolean | undefined {
  return presence.value[userId] ?? (stale ? undefined : rendered);
}

let socket: ChatSocket | undefined;
let api: ChatApi | undefined;
const subscribed = new Set<string>();
/** "roomId" or "roomId root" → the newest seq read while offline. */
const unsentReads = new Map<string, number>();
type ReadListener = (roomId: string, seq: number, threadRoot?: number) => void;
const readListeners = new Set<ReadListener>();
type SettingsListener = (roomId: string, settings: RoomSettings) => void;
const settingsListeners = new Set<SettingsListener>();

/** The HTTP API of this site, authenticated by the session cookie. */
export function chatApi(): ChatApi {
  return api ??= new ChatApi(location.origin);
}

/** Sets presence for several users at once (later facts win). */
export function notePresence(users: Iterable<{ id: string; online: boolean }>): void {
  const next = { ...presence.value };
  let changed = false;
  for (const user of users) {
    if (next[user.id] !== user.online) {
      next[user.id] = user.online;
      changed = true;
    }
  }
  if (changed) presence.value = next;
}

/** The page's socket, opened on first use. */
export function chatSocket(): ChatSocket {
  if (socket) return socket;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const created = new ChatSocket({
    url: `${scheme}://${location.host}/api/ws`,
    backoffInitialMs: 300,
    backoffMaxMs: 8_000,
  });
  socket = created;
  created.on("state", (state) => {
    if (state !== "open") {
      stale = true;
      presence.value = {};
    }
    connection.value = state;
    if (state === "open") flushReads();
  });
  created.on("presence", (frame) => notePresence([{ id: frame.userId, online: frame.online }]));
  created.on("subscribed", (frame) => notePresence(frame.members as Member[]));
  created.on("sessionEnded", () => {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
  });
  // The browser knows before our pings do: offline, the connection is given up at
  // once (its close may never come); online again, it is tried at once.
  addEventListener("offline", () => created.drop());
  addEventListener("online", () => created.retryNow());
  // Leaving the page: close cleanly, so others see us go offline at once.
  addEventListener("pagehide", (event) => {
    if (!event.persisted) created.close();
  });
  return created;
}

/** Where a subscription starts: a seq (`since`), or a room revision (`sinceRev`). */
export interface WatchFrom {
  since?: number;
  sinceRev?: number;
}

const requested = new Map<string, WatchFrom>();
let flushing = false;

/**
 * Subscribes to a room once per page, replaying what came after `from`, and
 * answers whether it does (false: the room was subscribed already). Requests
 * made in the same task are merged first: the room list asks with the seq it knows,
 * the chat pane with the revision its messages were rendered at (which also replays
 * the edits, deletions and reactions since), and the revision wins.
 */
export function watchRoom(roomId: string, from: WatchFrom): boolean {
  if (subscribed.has(roomId)) return false;
  const known = requested.get(roomId);
  requested.set(roomId, known?.sinceRev ? known : from.sinceRev ? from : known ?? from);
  if (flushing) return true;
  flushing = true;
  setTimeout(() => {
    flushing = false;
    for (const [id, start] of requested) {
      requested.delete(id);
      subscribed.add(id);
      chatSocket().subscribe(id, start).catch((error) => {
        subscribed.delete(id);
        // Not a member (any more): nothing to show live. Anything else is retried
        // by the socket itself after a reconnect.
        if (error?.code !== "forbidden" && error?.code !== "not_found") {
          console.warn(`Subscribing to a room failed: ${error?.message ?? error}`);
        }
      });
    }
  }, 0);
  return true;
}

/** Moves my read marker in a room, or in one of its threads (and tells the islands of this page). */
export function markRead(roomId: string, seq: number, threadRoot?: number): void {
  for (const listener of readListeners) listener(roomId, seq, threadRoot);
  const sock = chatSocket();
  if (sock.state === "open") sock.read(roomId, seq, threadRoot);
  else {
    const key = threadRoot ? `${roomId} ${threadRoot}` : roomId;
    unsentReads.set(key, Math.max(seq, unsentReads.get(key) ?? 0));
  }
}

function flushReads(): void {
  for (const [key, seq] of unsentReads) {
    const [roomId, root] = key.split(" ");
    socket?.read(roomId, seq, Number(root) || undefined);
  }
  unsentReads.clear();
}

/** Calls `listener` for every read marker moved on this page or in my other tabs. */
export function onRead(listener: ReadListener): () => void {
  readListeners.add(listener);
  const off = chatSocket().on(
    "read",
    (frame) => listener(frame.roomId, frame.seq, frame.threadRoot),
  );
  return () => {
    readListeners.delete(listener);
    off();
  };
}

/** Tells the islands of this page that my settings of a room changed here. */
export function noteSettings(roomId: string, settings: RoomSettings): void {
  for (const listener of settingsListeners) listener(roomId, settings);
}

/** Calls `listener` for my settings of a room changed on this page or in my other tabs. */
export function onSettings(listener: SettingsListener): () => void {
  settingsListeners.add(listener);
  const off = chatSocket().on("settings", (frame) => listener(frame.roomId, frame.settings));
  return () => {
    settingsListeners.delete(listener);
    off();
  };
}
