/**
 * The outbox: messages that were sent while the page's socket was down, kept in
 * IndexedDB until the server has them, so that closing the tab loses none.
 * Loaded with `import()` only, never imported by an island: by the chat pane when
 * it mounts (it must be at hand before the network goes: offline, a chunk cannot
 * be fetched, and the service worker has only those fetched before), and by the
 * room list when the hint says something waits. It takes the page's socket and
 * the pane's state as arguments rather than importing them (see `_lazy.ts`).
 *
 * - What is kept: a message of the chat pane not acknowledged yet while the socket
 *   is not open, whether it was sent then or was on its way when the socket went
 *   down, and one still unanswered after a few seconds (a connection can die
 *   without closing) (`attach`). It leaves the outbox once stored (its ack, or its
 *   own `message` frame, took it out of the pane's pending items). Nothing is
 *   written for a message answered at once, the usual case.
 * - `flush` sends what is kept through the page's socket with its own clientId,
 *   oldest first, one room's messages one after another (the next once the
 *   previous is acknowledged, so they are stored in the order they were written).
 *   The server deduplicates by clientId: a message that did reach the server
 *   before (its ack was lost with the connection), or that another tab sends at
 *   the same time, is answered with the stored one, never stored twice. Flushes
 *   take turns (in a page, and across tabs with a Web Lock), so each sends only
 *   what is still kept.
 * - A message the server refuses for good (I left the room, it was deleted, the
 *   message it answers was deleted) is dropped with a warning; one that failed for
 *   now (no answer, the socket closed, rate limited too long) stays, with those
 *   after it in its room, for the next flush (the next page).
 * - Entries are mine: each names its user, and a flush sends only those of the
 *   user the socket is signed in as (another person may sign in on this browser).
 * - A synchronous hint, `localStorage["chat-outbox"]` = the number of entries,
 *   lets a page know without loading this module whether anything waits.
 * - Without IndexedDB (or with it refused) nothing is kept: the socket still
 *   re-sends within the page's life.
 */

import type { Signal } from "@preact/signals";
import type { ChatSocket } from "../lib/client/socket.ts";
import type { FileInfo, Message, ReplyRef, Room, User } from "../lib/protocol/types.ts";
import type { Pending } from "./_conversation.tsx";

/** A kept message: the chat pane's pending item, its room and its author. */
export interface Outgoing {
  clientId: string;
  roomId: string;
  userId: string;
  text: string;
  replyTo?: ReplyRef;
  files?: FileInfo[];
  createdAt: number;
}

/** localStorage key of the hint: the number of entries ("" or absent: none). */
export const HINT_KEY = "chat-outbox";

const DB_NAME = "chat-outbox";
const STORE = "outgoing";
/** Codes that would be answered the same on every try (the rest may pass later). */
const REFUSED_FOR_GOOD = new Set(["bad_request", "forbidden", "not_found", "payload_too_large"]);
/** Waits for a rate limit per flush and room before leaving the rest for later. */
const RATE_LIMIT_WAITS = 5;
const RATE_LIMIT_WAIT_MAX_MS = 10_000;
/** A message still unanswered this long after it was sent is kept, the socket open or not. */
const UNANSWERED_MS = 3_000;

let database: Promise<IDBDatabase | null> | undefined;
/** The flush running in this page (the next one waits for it). */
let flushing: Promise<void> = Promise.resolve();
/** The newest `createdAt` kept by this page: two messages of one millisecond keep their order. */
let newest = 0;

function open(): Promise<IDBDatabase | null> {
  return database ??= new Promise((resolve) => {
    try {
      const request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: "clientId" })
          .createIndex("createdAt", "createdAt");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => resolve(null);
    } catch {
      // No IndexedDB (an old or locked-down browser): keep nothing.
      resolve(null);
    }
  });
}

/**
 * Runs `work` in one transaction of the store and answers its request's result
 * (undefined when the store cannot be had); a read-write one writes the hint too.
 * Transactions on one store run in the order they were created, and each call
 * creates its own after awaiting the same `open()`: calls take effect in order.
 */
async function inStore<T>(
  mode: IDBTransactionMode,
  work: (store: IDBObjectStore) => IDBRequest<T> | void,
): Promise<T | undefined> {
  const db = await open();
  if (!db) {
    localStorage.removeItem(HINT_KEY);
    return undefined;
  }
  return await new Promise((resolve) => {
    let request: IDBRequest<T> | void;
    let count: IDBRequest<number> | undefined;
    try {
      const transaction = db.transaction(STORE, mode);
      const store = transaction.objectStore(STORE);
      request = work(store);
      if (mode === "readwrite") count = store.count();
      transaction.oncomplete = () => {
        if (count) {
          if (count.result) localStorage.setItem(HINT_KEY, String(count.result));
          else localStorage.removeItem(HINT_KEY);
        }
        resolve(request?.result);
      };
      transaction.onabort = () => resolve(undefined);
    } catch {
      resolve(undefined);
    }
  });
}

/** Keeps messages (a clientId kept already is replaced). */
export async function put(entries: Outgoing[]): Promise<void> {
  const kept = entries.map((entry) => {
    newest = Math.max(entry.createdAt, newest + 1);
    return { ...entry, createdAt: newest };
  });
  await inStore("readwrite", (store) => {
    for (const entry of kept) store.put(entry);
  });
}

/** Drops messages by clientId (those not kept are ignored). */
export async function remove(clientIds: string[]): Promise<void> {
  await inStore("readwrite", (store) => {
    for (const id of clientIds) store.delete(id);
  });
}

/** Every kept message, oldest first. */
export async function list(): Promise<Outgoing[]> {
  return await inStore<Outgoing[]>("readonly", (store) => store.index("createdAt").getAll()) ??
    [];
}

export interface FlushOptions {
  /** What is about to be sent: the socket user's kept messages, once it is this flush's turn. */
  listed?(entries: Outgoing[]): void;
  /** Each message the server acknowledged (it is out of the outbox by then). */
  sent?(message: Message): void;
  /** Messages not sent, with the reason (refused for good: dropped; else still kept). */
  failed?(clientIds: string[], reason: string): void;
}

/**
 * Sends every kept message of the socket's user, oldest first, each room's one
 * after another; resolves when each was acknowledged, dropped or left for later.
 * Waits for the socket to be open (and for a flush in another tab to finish).
 */
export async function flush(socket: ChatSocket, options: FlushOptions = {}): Promise<void> {
  try {
    await socket.ready();
  } catch {
    return; // closed for good (signed out): the entries wait for the next page
  }
  await exclusive(async () => {
    const entries = (await list()).filter((entry) => entry.userId === socket.user?.id);
    options.listed?.(entries);
    const rooms = new Map<string, Outgoing[]>();
    for (const entry of entries) rooms.set(entry.roomId, [...rooms.get(entry.roomId) ?? [], entry]);
    await Promise.all([...rooms.values()].map((queue) => flushRoom(socket, queue, options)));
  });
}

async function flushRoom(
  socket: ChatSocket,
  queue: Outgoing[],
  options: FlushOptions,
): Promise<void> {
  let waits = 0;
  for (let i = 0; i < queue.length; i++) {
    const { clientId, roomId, text, replyTo, files } = queue[i];
    try {
      const message = await socket.send(roomId, text, {
        clientId,
        replyTo: replyTo?.seq,
        files: files?.map((f) => f.id),
      });
      await remove([clientId]);
      options.sent?.(message);
    } catch (error) {
      const { code, retryAfterMs } = error as { code?: string; retryAfterMs?: number };
      if (code === "rate_limited" && waits++ < RATE_LIMIT_WAITS) {
        await new Promise((wake) =>
          setTimeout(wake, Math.min(retryAfterMs ?? 1_000, RATE_LIMIT_WAIT_MAX_MS))
        );
        i--;
        continue;
      }
      const reason = reasonOf(error);
      if (code && REFUSED_FOR_GOOD.has(code)) {
        // The reason names no text: the message itself stays out of the logs.
        console.warn(`A message kept while offline was refused and dropped: ${code}: ${reason}`);
        await remove([clientId]);
        options.failed?.([clientId], reason);
        continue;
      }
      // For now: this one and those after it wait, so that their order holds.
      options.failed?.(queue.slice(i).map((entry) => entry.clientId), reason);
      return;
    }
  }
}

/**
 * One flush at a time: in this page (the room list and the chat pane may both
 * start one), and across this browser's tabs where there are Web Locks.
 */
function exclusive(work: () => Promise<void>): Promise<void> {
  const locked = () => navigator.locks ? navigator.locks.request(DB_NAME, work) : work();
  const turn = flushing.then(locked);
  flushing = turn.catch(() => {});
  return turn;
}

/** As the chat pane says it (`reasonOf` in `_message_ops.ts`, which this cannot import). */
function reasonOf(error: unknown): string {
  return (error as { code?: string }).code ? (error as Error).message : "No answer from the server";
}

export interface PaneOptions {
  room: Room;
  /** The author of what the pane sends. */
  me: User;
  /** The pane's pending items: what it sent and has not seen stored yet. */
  pending: Signal<Pending[]>;
  /** Applies stored messages to the pane (which drops their pending items). */
  apply(messages: Message[]): void;
}

/**
 * Keeps the chat pane's messages while the socket is down: a pending item still
 * sending is kept when the socket is not open (sent then, or on its way when it
 * closed), or once it has waited `UNANSWERED_MS` for its ack (a connection can die
 * without closing: it counts as open until its pings go unanswered, up to 40 s);
 * it leaves the outbox when it leaves the pending items (stored). When something
 * waits, it first shows this room's kept messages as pending and flushes the
 * outbox. Answers a function that stops it.
 */
export function attach(socket: ChatSocket, pane: PaneOptions): () => void {
  const { room: { id: roomId }, me: { id: userId }, pending } = pane;
  /** clientIds in the outbox that this pane has as pending items. */
  const kept = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sync = () => {
    const items = pending.peek();
    const open = socket.state === "open";
    const now = Date.now();
    const unkept = items.filter((p) => p.status === "sending" && !kept.has(p.clientId));
    const fresh = open ? unkept.filter((p) => now - p.createdAt >= UNANSWERED_MS) : unkept;
    for (const p of fresh) kept.add(p.clientId);
    if (fresh.length) {
      void put(fresh.map(({ clientId, text, replyTo, files, createdAt }) => ({
        clientId,
        roomId,
        userId,
        text,
        ...(replyTo && { replyTo }),
        ...(files && { files }),
        createdAt,
      })));
    }
    clearTimeout(timer);
    const next = Math.min(...unkept.filter((p) => !kept.has(p.clientId)).map((p) => p.createdAt));
    if (open && next < Infinity) timer = setTimeout(sync, next + UNANSWERED_MS - now);
    const shown = new Set(items.map((p) => p.clientId));
    const stored = [...kept].filter((id) => !shown.has(id));
    for (const id of stored) kept.delete(id);
    if (stored.length) void remove(stored);
  };
  const offs = [pending.subscribe(sync), socket.on("state", sync)];
  if (localStorage.getItem(HINT_KEY)) void resume(socket, pane, kept);
  return () => {
    clearTimeout(timer);
    offs.forEach((off) => off());
  };
}

/** Shows this room's kept messages as pending, then flushes the outbox. */
async function resume(socket: ChatSocket, pane: PaneOptions, kept: Set<string>): Promise<void> {
  const { room: { id: roomId }, me: { id: userId }, pending, apply } = pane;
  const shown = new Set(pending.peek().map((p) => p.clientId));
  const mine = (await list()).filter((entry) =>
    entry.roomId === roomId && entry.userId === userId && !shown.has(entry.clientId)
  );
  for (const entry of mine) kept.add(entry.clientId);
  if (mine.length) {
    const restored = mine.map(({ clientId, text, replyTo, files, createdAt }): Pending => ({
      clientId,
      text,
      createdAt,
      status: "sending",
      ...(replyTo && { replyTo }),
      ...(files && { files }),
    }));
    pending.value = [...restored, ...pending.peek()];
  }
  await flush(socket, {
    // Sent meanwhile by another flush (the room list's, another tab's): stored, and
    // its `message` frame may have come before its row was shown here.
    listed: (entries) => {
      const left = new Set(entries.map((entry) => entry.clientId));
      const gone = new Set(
        mine.filter((entry) => !left.has(entry.clientId)).map((e) => e.clientId),
      );
      if (gone.size) pending.value = pending.peek().filter((p) => !gone.has(p.clientId));
    },
    sent: (message) => {
      if (message.roomId === roomId) apply([message]);
    },
    failed: (ids, reason) => {
      const failed = new Set(ids);
      pending.value = pending.peek().map((p) =>
        failed.has(p.clientId) ? { ...p, status: "failed", error: reason } : p
      );
    },
  });
}
