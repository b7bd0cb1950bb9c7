/**
 * @module Who is who in the interactive client: the display names of the people I
 * share rooms with, cached from the members the server sends (`subscribed`, room
 * info) and kept current by `user` frames, so that drawing a message never costs a
 * request. Messages carry only `username`: the name shown is looked up here at each
 * draw, so a rename shows at once on every message already on screen.
 *
 * The rule for how a person is named:
 * - In messages and the typing line (said often, read in passing): the display
 *   name alone. `@username` goes beside it, `Alice (@alice_w)`, only where two
 *   could be confused: another member of the room (or someone I know of who wrote
 *   there) shows the same name ignoring case, or the display name is, ignoring
 *   case, the username of someone else in the room (`bob` claiming to be `carol`).
 * - In the member list (`/who`), the presence and joined/left lines, and removals
 *   (said rarely, read to learn who is who): always `Alice (@alice_w)` when the
 *   display name is not the username.
 * A person whose display name is their username is shown as the username alone
 * everywhere, as before display names existed.
 */

import type { Member, User } from "../../lib/protocol/types.ts";

export interface Person {
  id: string;
  username: string;
  displayName?: string;
}

/** The display names known, by user id (and the ids by username). */
export class People {
  #byId = new Map<string, Person>();
  #idByName = new Map<string, string>();

  /** Learns (or updates) a person; answers whether what is shown of them changed. */
  learn(user: Person): boolean {
    const known = this.#byId.get(user.id);
    // A `user` nested elsewhere (who invited, who banned) may leave the name out.
    const displayName = user.displayName ?? known?.displayName;
    if (known && known.username === user.username && known.displayName === displayName) {
      return false;
    }
    this.#byId.set(user.id, { id: user.id, username: user.username, displayName });
    this.#idByName.set(user.username.toLowerCase(), user.id);
    return true;
  }

  learnAll(users: Person[]): void {
    for (const user of users) this.learn(user);
  }

  get(userId: string): Person | undefined {
    return this.#byId.get(userId);
  }

  byUsername(username: string): Person | undefined {
    const id = this.#idByName.get(username.toLowerCase());
    return id === undefined ? undefined : this.#byId.get(id);
  }

  /** The display name of a user (their username while none is known). */
  displayName(userId: string | undefined, username: string): string {
    const person = userId === undefined ? this.byUsername(username) : this.#byId.get(userId);
    return person?.displayName || username;
  }
}

/** `Alice (@alice_w)`, or the username alone when it is the display name. Sanitized. */
export { personLabel as fullName } from "../resolve_user.ts";

/**
 * The short name of a user in a room, by the rule above: the display name, with
 * `(@username)` when another of `members` could be taken for them. Not sanitized.
 */
export function shortName(
  people: People,
  members: Iterable<Pick<Member, "id" | "username" | "displayName">>,
  user: { id?: string; username: string },
): string {
  const person = user.id !== undefined ? people.get(user.id) : people.byUsername(user.username);
  const id = person?.id ?? user.id;
  const display = person?.displayName || user.username;
  if (display === user.username) return user.username;
  const folded = display.toLowerCase();
  for (const other of members) {
    if (other.id === id) continue;
    const otherName = (other.displayName || people.get(other.id)?.displayName || other.username)
      .toLowerCase();
    if (otherName === folded || other.username.toLowerCase() === folded) {
      return `${display} (@${user.username})`;
    }
  }
  return display;
}

/** A `user` frame's profile onto the members of every room that lists them. */
export function applyProfile(
  rooms: Iterable<{ members: Map<string, Member> }>,
  user: User,
): void {
  for (const view of rooms) {
    const member = view.members.get(user.id);
    if (!member) continue;
    const next: Member = { ...member, displayName: user.displayName ?? member.displayName };
    if (user.avatarUrl) next.avatarUrl = user.avatarUrl;
    else delete next.avatarUrl;
    view.members.set(user.id, next);
  }
}
