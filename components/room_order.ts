/**
 * The sidebar's order, one function for the server's render and the browser's
 * live list, so that hydrating a page moves nothing:
 *
 * - rooms (and invitations) by name, letters before case and accents (those only
 *   break ties: "apple", "Banana", "eclair", "Émile"), digits as numbers ("room 2"
 *   before "room 10"): where a room is does not change when someone writes in it,
 *   so it is found where it was;
 * - direct conversations by their latest activity, newest first (whom I talk to
 *   now is on top); equals by name.
 *
 * The collation is fixed ("en", the root order for Latin letters) rather than the
 * reader's: the server does not know the browser's locale, and two collations
 * would disagree on a page's first change. Ties end on the room's id, so the
 * order is total and the same everywhere. The API's `GET /api/rooms` keeps the
 * contract's order (most recent activity first); this is the sidebar's.
 */

export interface OrderedRoom {
  id: string;
  name: string;
  kind: string;
  lastActivityAt: number;
}

const NAMES = new Intl.Collator("en", { numeric: true });

/** Compares names as the sidebar does (the member list too), the same on server and browser. */
export function compareNames(a: string, b: string): number {
  return NAMES.compare(a, b);
}

/** Compares two rooms in the sidebar's order (rooms before direct conversations). */
export function compareRooms(a: OrderedRoom, b: OrderedRoom): number {
  const direct = a.kind === "direct";
  return Number(direct) - Number(b.kind === "direct") ||
    (direct ? b.lastActivityAt - a.lastActivityAt : 0) ||
    compareNames(a.name, b.name) || (a.id < b.id ? -1 : Number(a.id > b.id));
}

/** The rooms in the sidebar's order (a new array). */
export function sidebarOrder<T extends OrderedRoom>(rooms: readonly T[]): T[] {
  return [...rooms].sort(compareRooms);
}
