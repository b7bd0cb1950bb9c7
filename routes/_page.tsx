/**
 * @module Helpers every page route uses: rendering a page with this response's
 * nonce and the island assets, and the full-window frame of the signed-in app
 * (the search box on top, the room list beside the content).
 */

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ComponentChildren } from "preact";
import type { AppEnv } from "../lib/http/env.ts";
import { renderPage } from "../lib/islands/render.ts";
import type { Authenticated } from "../lib/auth/auth.ts";
import type { MyRoom } from "../lib/protocol/types.ts";
import { getCookie } from "hono/cookie";
import { type Clock, CLOCK_COOKIE, clockFrom } from "../components/clock.ts";
import { AppLayout } from "../components/app_layout.tsx";
import { sidebarOrder } from "../components/room_order.ts";
import RoomList, { sidebarRoom } from "../islands/room_list.tsx";

export const APP_NAME = "Deno Chat";
/** The app's colour (indigo-600): the browser's bar, static/manifest.webmanifest, the icons. */
export const THEME_COLOUR = "#4f46e5";
/** What makes the app installable, on every page (lib/push/sw_source.js, static/). */
const INSTALLABLE = {
  manifest: {
    href: "/manifest.webmanifest",
    themeColour: THEME_COLOUR,
    touchIcon: "/icons/icon-192.png",
  },
  serviceWorker: "/sw.js",
};

/** The reader's locale and zone: their `chat_clock` cookie, else `accept-language`. */
export function readerClock(c: Context<AppEnv>): Clock {
  return clockFrom(getCookie(c, CLOCK_COOKIE), c.req.header("accept-language"));
}

/** Answers a full HTML page. Pages show private data: never cached. */
export function page(
  c: Context<AppEnv>,
  body: ComponentChildren,
  options: { title: string; status?: ContentfulStatusCode },
): Response {
  c.header("cache-control", "no-store");
  const title = options.title === APP_NAME ? APP_NAME : `${options.title} · ${APP_NAME}`;
  const html = renderPage(body, {
    assets: c.get("assets"),
    nonce: c.get("nonce"),
    title,
    ...INSTALLABLE,
  });
  return c.html(html, options.status ?? 200);
}

export interface ShellOptions {
  /** The room shown beside the list. */
  activeRoomId?: string;
  /** Its newest seq shown on the page (the list then subscribes from there too). */
  activeLastSeq?: number;
  /** What a phone shows (see AppLayout). */
  phone?: "list" | "content";
  /** My rooms, when the route already read them. */
  mine?: MyRoom[];
  /** The content is my threads (the list marks its entry). */
  threadsActive?: boolean;
  /** The search box's text, and it shows on a phone too (the search page). */
  query?: string;
  /** The content has the composer (a room's chat pane): the skip link goes there. */
  composer?: boolean;
}

/** The app frame for a signed-in user: the live room list, then `children`. */
export async function appShell(
  c: Context<AppEnv>,
  children: ComponentChildren,
  options: ShellOptions = {},
) {
  const { rooms, presence } = c.get("services");
  const auth: Authenticated = c.get("auth");
  const [mine, invitations] = await Promise.all([
    options.mine ?? rooms.mine(auth.user.id),
    rooms.invitations(auth.user.id),
  ]);
  const peers = mine.flatMap((room) => room.peer ? [room.peer.id] : []);
  const states = await presence.states(peers);
  const online: Record<string, boolean> = {};
  for (const id of peers) online[id] = states.get(id)?.online ?? false;
  const list = mine.map((room) => {
    const entry = sidebarRoom(room);
    // The chat pane subscribes from the seq it rendered; so does the list.
    if (room.id === options.activeRoomId && options.activeLastSeq !== undefined) {
      entry.lastSeq = Math.min(entry.lastSeq, options.activeLastSeq);
      entry.readSeq = Math.min(entry.readSeq, entry.lastSeq);
    }
    return entry;
  });
  for (const { room, invitedBy } of invitations) {
    list.push(sidebarRoom(room, true, invitedBy.username));
  }
  return (
    <AppLayout
      serverAdmin={auth.user.serverAdmin}
      phone={options.phone}
      query={options.query}
      phoneSearch={options.query !== undefined}
      composer={options.composer}
      sidebar={
        <RoomList
          me={auth.user}
          rooms={sidebarOrder(list)}
          activeRoomId={options.activeRoomId}
          online={online}
          threadsActive={options.threadsActive}
        />
      }
    >
      {children}
    </AppLayout>
  );
}
