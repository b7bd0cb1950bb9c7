/**
 * @module Switching rooms without a page load, in the spirit of Fresh's Partials:
 * the app shell (the room list, the one socket, the search box) stays, and only
 * the chat pane changes. Loaded by the room list when a room link is first
 * pointed at or focused (`follow` in room_list.tsx), so the room page's own
 * JavaScript does not grow; a link clicked before that, or on a page without a
 * chat pane, or with a modifier key, is a plain link.
 *
 * Data, not markup: the pane is the `chat_room` island, so a switch renders the
 * island again, keyed by the room, from the same props the server renders it
 * from (`GET /rooms/:id/pane`, JSON, about a quarter of the HTML's bytes). An
 * HTML fragment would have to be hydrated anyway, with its props beside it.
 *
 * - Prefetch: pointing at or focusing a room link fetches its props ahead.
 * - Warm: the rooms I left (and those fetched ahead) are kept, the newest
 *   KEEP of them, each as I left it (its newest 100 messages, where it was
 *   scrolled, my read marker, what I had typed and not sent). Going back renders at once from that; the pane
 *   then asks what changed since (`GET /api/rooms/:id/changes?sinceRev=`, the
 *   `changes` prop), while its frames keep coming on the socket.
 * - The socket stays open: the room list subscribes to every room I am in, so
 *   a switch subscribes nothing (a room not subscribed yet is subscribed by the
 *   pane as on a page load, with `sinceRev`).
 * - History: each switch pushes `/rooms/:id`; back and forward switch again. The
 *   document title follows; focus goes to the composer.
 * - Anything unexpected (the props cannot be had: signed out, removed from the
 *   room, offline) falls back to loading the page.
 */

import { h, render } from "preact";
import type { Message } from "../lib/protocol/types.ts";
import type { ChatRoomProps } from "./chat_room.tsx";
import type { NavKit } from "./room_list.tsx";

interface Kept {
  props: ChatRoomProps;
  scrollTop?: number;
  /** What I had typed in the composer and not sent. */
  draft?: string;
}

/** Messages rendered at once when switching; the older ones follow. */
const FIRST = 12;
/** The composer's tallest (as in `_composer.tsx`). */
const COMPOSER_MAX_PX = 160;
/** Rooms kept to come back to. */
const KEEP = 20;
const kept = new Map<string, Kept>();
const loading = new Map<string, Promise<Kept | null>>();
/** The latest switch asked for: an earlier one still loading gives way. */
let turn = 0;
let started = false;

const pathOf = (roomId: string) => `/rooms/${encodeURIComponent(roomId)}`;

function keep(roomId: string, entry: Kept): void {
  kept.delete(roomId);
  kept.set(roomId, entry);
  if (kept.size > KEEP) kept.delete(kept.keys().next().value!);
}

function load(roomId: string, kit: NavKit): Promise<Kept | null> {
  let promise = loading.get(roomId);
  if (!promise) {
    promise = kit.chatApi().request<ChatRoomProps>("GET", `${pathOf(roomId)}/pane`).then(
      (props) => {
        const entry = { props };
        keep(roomId, entry);
        return entry;
      },
      () => null,
    ).finally(() => loading.delete(roomId));
    loading.set(roomId, promise);
  }
  return promise;
}

function start(kit: NavKit): void {
  if (started) return;
  started = true;
  addEventListener("popstate", () => {
    const id = /^\/rooms\/([^/?#]+)$/.exec(location.pathname)?.[1];
    if (id) void go(decodeURIComponent(id), kit, false);
    else location.reload();
  });
}

/** Whether the pane shows this room now (the URL follows it, but for a moment on back/forward). */
const shown = (roomId: string) => location.pathname === pathOf(roomId);

/** Fetches a room's props ahead, unless it is kept or shown. */
export function prefetch(roomId: string, kit: NavKit): void {
  start(kit);
  if (!kept.has(roomId) && !shown(roomId)) void load(roomId, kit);
}

/** Shows a room in the pane; `push`: as a new history entry (not for back and forward). */
export async function go(roomId: string, kit: NavKit, push = true): Promise<void> {
  start(kit);
  const mine = ++turn;
  const { pane } = kit;
  if (!pane.root || !pane.component || !pane.snapshot) return location.assign(pathOf(roomId));
  // The pane's own word, not the URL's: on back and forward the URL has moved already.
  if (pane.snapshot().roomId !== roomId) {
    const entry = kept.get(roomId) ?? await load(roomId, kit);
    if (mine !== turn) return;
    if (!entry) return location.assign(pathOf(roomId));
    const left = pane.snapshot();
    keep(left.roomId, {
      props: left.props as ChatRoomProps,
      scrollTop: left.scrollTop,
      draft: composer()?.value,
    });
    if (push) history.pushState(null, "", pathOf(roomId));
    const props: ChatRoomProps = {
      ...entry.props,
      scrollTop: entry.scrollTop,
      changes: (sinceRev) => changesSince(kit, roomId, sinceRev),
    };
    // The newest messages first, the rest a moment later: a screenful is on screen
    // sooner (when I was at the bottom, and my unread ones are among them).
    const { messages, readSeq } = props;
    const cut = messages.length - FIRST;
    if (cut > 0 && !entry.scrollTop && readSeq >= messages[cut].seq) {
      props.messages = messages.slice(cut);
      props.later = messages.slice(0, cut);
    }
    render(h(pane.component, { key: roomId, ...props }), pane.root);
    const title = document.title;
    document.title = props.room.name + title.slice(title.lastIndexOf(" · "));
    kit.activeRoom.value = roomId;
    const field = composer();
    if (field && entry.draft) {
      // Not an input event: that would tell the room I am typing.
      field.value = entry.draft;
      field.style.height = `${Math.min(field.scrollHeight, COMPOSER_MAX_PX)}px`;
    }
  }
  // Once the frame that shows the room is painted: focusing lays the page out, and
  // would do it before that frame does, again.
  requestAnimationFrame(() => setTimeout(() => composer()?.focus()));
}

const composer = () => document.getElementById("composer") as HTMLTextAreaElement | null;

/** What changed in a room after a revision; null when that is more than one page. */
async function changesSince(
  kit: NavKit,
  roomId: string,
  sinceRev: number,
): Promise<Message[] | null> {
  const page = await kit.chatApi().request<{ messages: Message[]; hasMore: boolean }>(
    "GET",
    `/api${pathOf(roomId)}/changes?sinceRev=${sinceRev}&limit=500`,
  );
  return page.hasMore ? null : page.messages;
}
