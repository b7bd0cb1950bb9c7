/**
 * @module Rooms that change under the interactive client, and running them: a
 * room renamed or given a topic (`room` frames: the header follows), a role
 * changed (`role`), a profile changed (`user`: display names follow on every
 * message on screen), and being removed, banned or the room deleted (`removed`:
 * a notice, and the room's view is left). What `/topic`, `/rename`, `/kick`,
 * `/ban`, `/unban` and `/nick` do (`admin_commands.ts` parses them). The server
 * decides who may; its refusals are shown as it words them.
 */

import "../../lib/client/admin.ts";
import type { ChatApi } from "../../lib/client/http.ts";
import type { ChatSocket } from "../../lib/client/socket.ts";
import { ChatError } from "../../lib/errors.ts";
import type { Member, RemovedReason, Role, Room, User } from "../../lib/protocol/types.ts";
import { roomLabel } from "../format.ts";
import { findMember, parseUserArg } from "../resolve_user.ts";
import { sanitizeLine } from "../sanitize.ts";
import { type Model, type RoomView, STATUS } from "./model.ts";
import { applyProfile, fullName } from "./people.ts";

export interface AdminHooks {
  api: ChatApi;
  changed(): void;
  /** The room is gone for me: forget its subscription. */
  forget(roomId: string): void;
  /** Shows a room (after the one on screen went away). */
  open(roomId: string): Promise<void>;
}

/** What a `removed` frame says, about a room by its label. */
export function removedText(label: string, reason: RemovedReason | undefined): string {
  switch (reason) {
    case "banned":
      return `You were banned from ${label}: you cannot join it again`;
    case "deleted":
      return `${label} was deleted by its owner: its messages and files are gone`;
    default:
      return `You were removed from ${label} by its owner or an admin`;
  }
}

/** What a `room` frame changed, in sentences (none when nothing shown changed). */
export function roomChanges(before: Room, after: Room): string[] {
  const said: string[] = [];
  if (before.name !== after.name) {
    said.push(`${roomLabel(before)} is now called ${roomLabel(after)}`);
  }
  if ((before.topic ?? "") !== (after.topic ?? "")) {
    said.push(
      after.topic ? `The topic is now: ${sanitizeLine(after.topic)}` : "The topic was cleared",
    );
  }
  return said;
}

const ROLE_TEXT: Record<Role, string> = {
  owner: "the owner",
  admin: "an admin",
  member: "a member",
};

export class AdminActions {
  #model: Model;
  #hooks: AdminHooks;

  constructor(model: Model, hooks: AdminHooks) {
    this.#model = model;
    this.#hooks = hooks;
  }

  /** Listens to the frames about rooms and people changing. */
  wire(socket: ChatSocket): void {
    socket.on("removed", ({ roomId, reason }) => {
      this.removed(roomId, reason).catch(() => {}).finally(() => this.#hooks.changed());
    });
    socket.on("role", ({ roomId, userId, username, role }) => {
      if (this.roleChanged(roomId, { id: userId, username }, role)) this.#hooks.changed();
    });
    socket.on("user", ({ user }) => {
      this.profileChanged(user);
      this.#hooks.changed();
    });
  }

  /** A room I am in changed (`room` frame): the header follows; a notice says what. */
  roomChanged(room: Room): void {
    const view = this.#model.rooms.get(room.id);
    const before = view ? { ...view.room } : undefined;
    this.#model.upsertRoom(room);
    if (!before) return;
    for (const text of roomChanges(before, room)) this.#model.notice(text, { roomId: room.id });
  }

  /**
   * I am out of a room: removed, banned, or it was deleted. Its view goes; when it
   * was on screen, the next room (or the status buffer) is, with the notice.
   */
  async removed(roomId: string, reason: RemovedReason | undefined): Promise<void> {
    const m = this.#model;
    const view = m.rooms.get(roomId);
    const room = view?.room ?? m.invites.get(roomId);
    m.invites.delete(roomId);
    if (!view) return;
    const wasShown = m.current === roomId;
    this.#hooks.forget(roomId);
    m.removeRoom(roomId);
    const text = removedText(room ? roomLabel(room) : "a room", reason);
    m.notice(text, { level: "error", roomId: m.current });
    if (m.current !== STATUS) m.notice(text, { level: "error", roomId: STATUS });
    if (wasShown && m.current !== STATUS) await this.#hooks.open(m.current);
  }

  /** A member's role changed (`role` frame); answers whether the room is known. */
  roleChanged(roomId: string, user: { id: string; username: string }, role: Role): boolean {
    const view = this.#model.rooms.get(roomId);
    if (!view) return false;
    const member = view.members.get(user.id);
    if (member) view.members.set(user.id, { ...member, role });
    const who = user.id === this.#model.user?.id
      ? "You are"
      : `${fullName(this.#model.people.get(user.id) ?? user)} is`;
    this.#model.notice(`${who} now ${ROLE_TEXT[role]} of ${roomLabel(view.room)}`, { roomId });
    return true;
  }

  /** Someone's profile changed (`user` frame): every message of theirs shows it. */
  profileChanged(user: User): void {
    const m = this.#model;
    const before = m.people.get(user.id);
    m.people.learn(user);
    applyProfile(m.rooms.values(), user);
    if (user.id === m.user?.id) m.user = { ...m.user, ...user };
    const was = before?.displayName || before?.username;
    const now = user.displayName || user.username;
    if (was !== undefined && was !== now && user.id !== m.user?.id) {
      // Said where it matters: the room on screen, when they are in it.
      if (m.view?.members.has(user.id)) {
        m.notice(
          `${sanitizeLine(was)} is now known as ${fullName({ ...user, displayName: now })}`,
        );
      }
    }
  }

  /** The room on screen, or an error saying there is none. */
  #view(): RoomView {
    const view = this.#model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    if (view.room.kind === "direct") {
      throw new ChatError("bad_request", "A direct conversation has no owner or admins");
    }
    return view;
  }

  /** A member of the room on screen, by a USER argument (`bob` or `@bob`). */
  #member(view: RoomView, arg: string): Member {
    const username = checked(() => parseUserArg(arg));
    const member = findMember([...view.members.values()], username);
    if (!member) {
      throw new ChatError(
        "not_found",
        `Not a member of ${roomLabel(view.room)}: "${sanitizeLine(arg)}"`,
      );
    }
    return member;
  }

  /** `/topic TEXT` ("" clears it). */
  async setTopic(topic: string): Promise<Room> {
    const view = this.#view();
    const room = await this.#hooks.api.updateRoom(view.room.id, { topic });
    this.roomChanged(room);
    return room;
  }

  /** `/rename NAME`. */
  async rename(name: string): Promise<Room> {
    const view = this.#view();
    const room = await this.#hooks.api.updateRoom(view.room.id, { name });
    this.roomChanged(room);
    return room;
  }

  /** `/kick USER`: answers who was removed. */
  async kick(arg: string): Promise<Member> {
    const view = this.#view();
    const member = this.#member(view, arg);
    await this.#hooks.api.removeMember(view.room.id, member.id);
    return member;
  }

  /** `/ban USER` (a member or not): answers the username. */
  async ban(arg: string): Promise<string> {
    const view = this.#view();
    const username = checked(() => parseUserArg(arg));
    await this.#hooks.api.ban(view.room.id, username);
    return username;
  }

  /** `/unban USER`. */
  async unban(arg: string): Promise<string> {
    const view = this.#view();
    const username = checked(() => parseUserArg(arg));
    const user = await this.#hooks.api.user(username);
    await this.#hooks.api.unban(view.room.id, user.id);
    return user.username;
  }

  /** `/nick NAME` (null: back to my username): answers my profile. */
  async nick(displayName: string | null): Promise<User> {
    const user = await this.#hooks.api.updateProfile({ displayName });
    this.profileChanged(user);
    return user;
  }
}

function checked<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw new ChatError("bad_request", (err as Error).message);
  }
}
