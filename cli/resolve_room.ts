/**
 * @module What a ROOM argument names: a room id, the name of one of my rooms
 * (exactly, else ignoring case; a leading `#` allowed), a public room's name, the
 * name of a room I am invited to, or `@user` for the direct conversation with that
 * user (opened on the server when needed).
 */

import type { ChatApi } from "../lib/client/http.ts";
import { ChatError } from "../lib/errors.ts";
import type { Room } from "../lib/protocol/types.ts";
import { isWellFormedId, validateUsername } from "../lib/protocol/validate.ts";
import { InvalidInputError, UnknownRoomError, UsageError } from "./errors.ts";
import { roomLabel } from "./format.ts";

export interface ResolvedRoom {
  id: string;
  /** Known unless the argument was the id of a room I cannot see yet (an invite). */
  room?: Room;
  label: string;
}

/**
 * Rooms whose id or name (`#` optional) is `arg`: by id, else the rooms of exactly
 * that name, else those of that name ignoring case. Public names are unique ignoring
 * case, private ones need not be: `Book club` and `book club` may both be mine, and
 * `book club` then names only the second.
 */
export function matchRooms<R extends Pick<Room, "id" | "name" | "kind">>(
  rooms: R[],
  arg: string,
): R[] {
  const byId = rooms.filter((room) => room.id === arg);
  if (byId.length) return byId;
  const name = arg.replace(/^#/, "");
  const named = rooms.filter((room) => room.kind !== "direct");
  const exact = named.filter((room) => room.name === name);
  if (exact.length) return exact;
  const folded = name.toLowerCase();
  return named.filter((room) => room.name.toLowerCase() === folded);
}

/** The error for a name that matches several rooms: each with its kind and id. */
export function ambiguousRoom(arg: string, matches: Pick<Room, "id" | "name" | "kind">[]) {
  const candidates = matches.map((room) => `${roomLabel(room)} (${room.kind}, id ${room.id})`);
  return new InvalidInputError(
    `Room name is ambiguous: "${arg}" matches ${matches.length} rooms: ${
      candidates.join(", ")
    }: give its id`,
  );
}

function pick<R extends Room>(matches: R[], arg: string): R | undefined {
  if (matches.length > 1) throw ambiguousRoom(arg, matches);
  return matches[0];
}

/** The username of a `@user` argument, validated. */
export function parseDmArg(arg: string): string {
  try {
    return validateUsername(arg.slice(1));
  } catch (err) {
    throw new InvalidInputError(`Invalid user "${arg}": ${(err as Error).message}`);
  }
}

/** Resolves a ROOM argument against the server. Throws {@linkcode UnknownRoomError}. */
export async function resolveRoom(api: ChatApi, arg: string): Promise<ResolvedRoom> {
  if (!arg.trim()) throw new UsageError("Room must not be empty");
  if (arg.startsWith("@")) {
    const room = await api.dm(parseDmArg(arg));
    return { id: room.id, room, label: `@${arg.slice(1)}` };
  }
  const mine = pick(matchRooms(await api.rooms(), arg), arg);
  if (mine) return { id: mine.id, room: mine, label: roomLabel(mine) };
  const listed = pick(matchRooms(await api.directory(), arg), arg);
  if (listed) return { id: listed.id, room: listed, label: roomLabel(listed) };
  const invited = pick(matchRooms((await api.invites()).map((i) => i.room), arg), arg);
  if (invited) return { id: invited.id, room: invited, label: roomLabel(invited) };
  if (!isWellFormedId(arg)) throw new UnknownRoomError(arg);
  try {
    const { room } = await api.room(arg);
    return { id: room.id, room, label: roomLabel(room) };
  } catch (err) {
    if (err instanceof ChatError && err.code === "not_found") throw new UnknownRoomError(arg);
    // Private and not (yet) a member: the id exists; joining may still work (an invite).
    if (err instanceof ChatError && err.code === "forbidden") return { id: arg, label: arg };
    throw err;
  }
}
