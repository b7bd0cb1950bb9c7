/**
 * What the quick switcher (`_quick_switcher.tsx`) and the search box's suggestions
 * (`_search_suggest.tsx`) look through: my rooms and direct conversations (the room
 * list's, live), and the people who share a room with me (the members of my most
 * recently active rooms, loaded once per page when first needed).
 *
 * Both are loaded lazily, and so is this module with them. Like every lazy module
 * it imports nothing of the page's own code (see `_lazy.ts`): the room list hands
 * over a {@linkcode Finder}.
 */

import type { ChatApi } from "../lib/client/http_core.ts";
import type { RoomKind, User } from "../lib/protocol/types.ts";
import { fuzzyScore } from "../components/fuzzy.ts";

/** The room list's view of a room (a subset of its `SidebarRoom`). */
export interface FinderRoom {
  id: string;
  name: string;
  kind: RoomKind;
  lastActivityAt: number;
  peer?: User;
  invited?: boolean;
}

/** What the room list hands the lazy modules. */
export interface Finder {
  me: User;
  /** My rooms as the room list has them (its signal: read in a render, it updates it). */
  rooms: { readonly value: FinderRoom[] };
  api(): ChatApi;
}

/** A room, a direct conversation, or a person to start one with. */
export interface Place {
  kind: RoomKind | "person";
  /** The room's id, or the person's user id. */
  id: string;
  name: string;
  /** Newest activity (rooms); 0 for people. */
  at: number;
}

/** Members are read from this many of my most recently active rooms. */
const ROOMS_READ_MAX = 25;

let people: Promise<User[]> | undefined;

/**
 * The people who share one of my (most recently active) rooms with me, not me,
 * by username. Read once per page; a failure is tried again on the next call.
 */
export function loadPeople(finder: Finder): Promise<User[]> {
  return people ??= (async () => {
    const rooms = finder.rooms.value
      .filter((r) => !r.invited && r.kind !== "direct")
      .sort((a, b) => b.lastActivityAt - a.lastActivityAt)
      .slice(0, ROOMS_READ_MAX);
    const found = new Map<string, User>();
    const details = await Promise.allSettled(rooms.map((r) => finder.api().room(r.id)));
    for (const result of details) {
      if (result.status !== "fulfilled") continue;
      for (const m of result.value.members) found.set(m.id, { id: m.id, username: m.username });
    }
    for (const room of finder.rooms.value) if (room.peer) found.set(room.peer.id, room.peer);
    found.delete(finder.me.id);
    return [...found.values()].sort((a, b) => a.username.localeCompare(b.username));
  })().catch((error) => {
    people = undefined;
    throw error;
  });
}

/**
 * My rooms and direct conversations, then the people I have no direct conversation
 * with yet, matching `query` by fuzzy name: the better match first, then the most
 * recent room (people, who have no activity, after rooms, by name).
 */
export function places(
  query: string,
  rooms: FinderRoom[],
  persons: User[],
  limit = 20,
): Place[] {
  const talkingTo = new Set(rooms.flatMap((r) => r.peer ? [r.peer.id] : []));
  const all: Place[] = [
    ...rooms.filter((r) => !r.invited).map((r) => ({
      kind: r.kind,
      id: r.id,
      name: r.name,
      at: r.lastActivityAt,
    })),
    ...persons.filter((p) => !talkingTo.has(p.id)).map((p) => ({
      kind: "person" as const,
      id: p.id,
      name: p.username,
      at: 0,
    })),
  ];
  return all
    .map((place) => ({ place, score: fuzzyScore(query, place.name) }))
    .filter(({ score }) => score >= 0)
    .sort((a, b) => b.score - a.score || b.place.at - a.place.at)
    .slice(0, limit)
    .map(({ place }) => place);
}
