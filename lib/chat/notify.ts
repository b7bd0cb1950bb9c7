/**
 * @module Notification settings, and who a new message notifies.
 *
 * After a commit, the isolate that stored a message decides who it is meant for: the
 * members it mentions, the other member of a direct room, the followers of the
 * thread it replies in, and members whose level is `all`, each filtered by their
 * settings (see {@linkcode allows}). It publishes one `notify` bus event with every
 * recipient (each of their sockets, on every isolate, gets a `notify` frame) and one
 * `thread_activity` event to a thread's followers; and it sends Web Push to the
 * recipients who have no socket open anywhere.
 *
 * Nothing here is on the delivery path: it runs after the messages were handed to
 * the feeds, and a room's plain top-level message in a big room (the common case)
 * costs a few map lookups: the room's kind, member count and members' own settings
 * are cached per room for `ROOM_INFO_MS`, and dropped on membership and settings
 * events from any isolate.
 */

import { BadRequestError } from "../errors.ts";
import type {
  Message,
  NotifyLevel,
  NotifyReason,
  RoomKind,
  RoomSettings,
} from "../protocol/types.ts";
import { errorFields, log } from "../log.ts";
import type { Clock } from "../clock.ts";
import type { RoomStore } from "../store/rooms.ts";
import type { StoredSettings, ThreadStore } from "../store/threads.ts";
import type { EventSink } from "../realtime/events.ts";
import type { PresenceService } from "../presence/presence.ts";
import type { PushPayload, PushService } from "../push/service.ts";
import type { Notable } from "./messages.ts";

/** Rooms of more than this many members default to `mentions`. */
export const BIG_ROOM_MEMBERS = 30;
const ROOM_INFO_MS = 30_000;
const ROOM_INFO_KEPT = 5_000;
const LEVELS: NotifyLevel[] = ["all", "mentions", "none"];

interface Recipient {
  userId: string;
  reason: NotifyReason;
}

/** The level in force when a member has not chosen one. */
export function defaultLevel(kind: RoomKind, memberCount: number): NotifyLevel {
  return kind === "direct" || memberCount <= BIG_ROOM_MEMBERS ? "all" : "mentions";
}

/** Settings as served, from what was stored (if anything) and the room's default. */
export function settingsOf(stored: StoredSettings | null, fallback: NotifyLevel): RoomSettings {
  return {
    muted: stored?.muted ?? false,
    notify: stored?.notify ?? fallback,
    notifyDefault: stored?.notify === undefined,
  };
}

/**
 * Whether settings let a message notify for a reason: `none` never; muted rooms
 * only mentions; `mentions` also direct messages and followed threads; `all`
 * everything.
 */
export function allows(settings: RoomSettings, reason: NotifyReason): boolean {
  if (settings.notify === "none") return false;
  if (settings.muted) return reason === "mention";
  return settings.notify === "all" || reason !== "message";
}

interface RoomInfo {
  kind: RoomKind;
  name: string;
  memberCount: number;
  /** Members' own settings. */
  chosen: Map<string, StoredSettings>;
  /** Member ids, read when needed (small rooms, `@room`, direct rooms). */
  members?: Promise<string[]>;
  /** The same, once read. */
  memberIds?: string[];
  at: number;
}

/** How long a user's having push subscriptions or not is trusted (other isolates may add one). */
const PUSHABLE_MS = 30_000;
/** Messages kept for this isolate's `notify` frames (saves reading them back). */
const RECENT_KEPT = 2_000;

export interface NotifyDeps {
  rooms: RoomStore;
  threads: ThreadStore;
  events: EventSink;
  presence: PresenceService;
  clock: Clock;
  push?: PushService;
  /** A display name for a room as a user sees it (direct rooms: the other member). */
  roomName(roomId: string, userId: string): Promise<string>;
  /** Whether a user is (still) a member of a room: a follower may have left. */
  isMember(roomId: string, userId: string): Promise<boolean>;
}

export class NotifyService {
  #deps: NotifyDeps;
  #info = new Map<string, Promise<RoomInfo>>();
  /** The same, once read: what the synchronous path of `notable` uses. */
  #ready = new Map<string, RoomInfo>();
  #inFlight = new Set<Promise<void>>();
  #pushable = new Map<string, { has: boolean; at: number }>();
  #recent = new Map<string, Message>();

  constructor(deps: NotifyDeps) {
    this.#deps = deps;
  }

  /** My settings of a room (members only: the caller checked). */
  async settings(userId: string, roomId: string): Promise<RoomSettings> {
    const info = await this.#room(roomId);
    const [stored] = await this.#deps.threads.settingsOf(userId, [roomId]);
    return settingsOf(stored, defaultLevel(info.kind, info.memberCount));
  }

  /** Changes my settings of a room; unknown fields or values are a 400 and change nothing. */
  async update(userId: string, roomId: string, input: unknown): Promise<RoomSettings> {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new BadRequestError("Settings must be a JSON object");
    }
    const fields = input as Record<string, unknown>;
    for (const key of Object.keys(fields)) {
      if (key !== "muted" && key !== "notify") {
        throw new BadRequestError(`Unknown setting: "${key.slice(0, 40)}" (muted, notify)`);
      }
    }
    if (fields.muted !== undefined && typeof fields.muted !== "boolean") {
      throw new BadRequestError('Field "muted" must be true or false');
    }
    if (fields.notify !== undefined && !LEVELS.includes(fields.notify as NotifyLevel)) {
      throw new BadRequestError('Field "notify" must be "all", "mentions" or "none"');
    }
    const [stored] = await this.#deps.threads.settingsOf(userId, [roomId]);
    const next: StoredSettings = {
      muted: (fields.muted as boolean | undefined) ?? stored?.muted ?? false,
    };
    const notify = (fields.notify as NotifyLevel | undefined) ?? stored?.notify;
    if (notify) next.notify = notify;
    await this.#deps.threads.saveSettings(userId, roomId, next);
    const info = await this.#room(roomId);
    const settings = settingsOf(next, defaultLevel(info.kind, info.memberCount));
    await this.#deps.events.publish({ kind: "settings", userId, roomId, settings });
    return settings;
  }

  /**
   * A message this isolate just announced in a `notify` event (the event names it
   * only, see BusEvent), so that this isolate's sockets get it without a read.
   */
  recent(roomId: string, seq: number): Message | undefined {
    return this.#recent.get(`${roomId}/${seq}`);
  }

  /** A user's push subscriptions changed here: ask the store again next time. */
  forgetPushable(userId: string): void {
    this.#pushable.delete(userId);
  }

  /** Forgets what is cached of a room (its members or someone's settings changed). */
  forget(roomId: string): void {
    this.#info.delete(roomId);
    this.#ready.delete(roomId);
  }

  /** Decides and sends the notifications of a commit's messages (see the module doc). */
  notable(roomId: string, notes: Notable[]): void {
    // The common case, a plain message in a room whose members and settings are in
    // memory, is decided and handed to the sockets at once: in the same turn as the
    // message itself, so a socket gets both in one batch.
    const info = this.#ready.get(roomId);
    if (info && info.at + ROOM_INFO_MS > this.#deps.clock.now()) {
      const rest: Notable[] = [];
      for (const note of notes) {
        const recipients = this.#plainRecipients(info, note);
        if (!recipients) rest.push(note);
        else if (recipients.length) this.#send(roomId, note, recipients);
      }
      if (!rest.length) return;
      notes = rest;
    }
    const run = this.#notify(roomId, notes)
      .catch((err) => log.error("notify_failed", { room: roomId, ...errorFields(err) }))
      .finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
  }

  /** Waits for the notifications in flight (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }

  async #notify(roomId: string, notes: Notable[]): Promise<void> {
    const info = await this.#room(roomId);
    for (const note of notes) {
      const reasons = await this.#reasons(roomId, info, note);
      const recipients = [...reasons].map(([userId, reason]) => ({ userId, reason }));
      if (!recipients.length) continue;
      await this.#send(roomId, note, recipients);
    }
  }

  /**
   * Hands a message's notifications to the bus (and Web Push). Mentions, direct
   * messages and followed threads go the durable way (KV); a message notifying
   * everyone of a small room rides the fast path only: one lost now and then costs a
   * notification, never the message, and writing each to KV would double the
   * commits of a busy small room.
   */
  #send(roomId: string, note: Notable, recipients: Recipient[]): Promise<void> {
    const id = `${roomId}/${note.message.seq}`;
    this.#recent.delete(id);
    this.#recent.set(id, note.message);
    if (this.#recent.size > RECENT_KEPT) this.#recent.delete(this.#recent.keys().next().value!);
    const durable = recipients.filter((r) => r.reason !== "message");
    const everyone = recipients.filter((r) => r.reason === "message");
    const seq = note.message.seq;
    const writes: Promise<void>[] = [];
    if (everyone.length) {
      const event = { kind: "notify" as const, roomId, seq, recipients: everyone };
      if (this.#deps.events.ephemeral) this.#deps.events.ephemeral(event);
      else writes.push(this.#deps.events.publish(event));
    }
    if (durable.length) {
      writes.push(this.#deps.events.publish({ kind: "notify", roomId, seq, recipients: durable }));
    }
    if (this.#deps.push && this.#mayPush(recipients)) {
      writes.push(this.#push(roomId, note.message, recipients));
    }
    if (!writes.length) return Promise.resolve();
    const run = Promise.all(writes).then(() => {})
      .catch((err) => log.error("notify_failed", { room: roomId, ...errorFields(err) }))
      .finally(() => this.#inFlight.delete(run));
    this.#inFlight.add(run);
    return run;
  }

  /**
   * The recipients of a plain message (no mention, not a thread reply, not in a
   * direct room) from what is in memory; null when it needs more than that.
   */
  #plainRecipients(info: RoomInfo, note: Notable): Recipient[] | null {
    const { message } = note;
    if (note.added || message.mentions || message.mentionsAll || message.threadRoot) return null;
    if (info.kind === "direct") return null;
    const fallback = defaultLevel(info.kind, info.memberCount);
    let ids: Iterable<string>;
    if (fallback === "all") {
      if (!info.memberIds) return null;
      ids = info.memberIds;
    } else {
      ids = [...info.chosen].flatMap(([id, chosen]) => chosen.notify === "all" ? [id] : []);
    }
    const recipients: Recipient[] = [];
    for (const userId of ids) {
      if (userId === message.userId) continue;
      if (allows(settingsOf(info.chosen.get(userId) ?? null, fallback), "message")) {
        recipients.push({ userId, reason: "message" });
      }
    }
    return recipients;
  }

  /** Who a message notifies, and why (the strongest reason each), after settings. */
  async #reasons(
    roomId: string,
    info: RoomInfo,
    note: Notable,
  ): Promise<Map<string, NotifyReason>> {
    const { message } = note;
    const sender = message.userId;
    const candidates = new Map<string, NotifyReason>();
    const add = (userId: string, reason: NotifyReason) => {
      if (userId !== sender && !candidates.has(userId)) candidates.set(userId, reason);
    };
    if (note.added) {
      // An edit notifies only those it newly mentions.
      for (const id of note.added) add(id, "mention");
    } else {
      for (const id of message.mentions ?? []) add(id, "mention");
      if (message.mentionsAll === "room") {
        for (const id of await this.#members(info, roomId)) add(id, "mention");
      }
      if (message.mentionsAll === "here") {
        for (const id of note.hereIds ?? []) add(id, "mention");
      }
      if (info.kind === "direct") {
        for (const id of await this.#members(info, roomId)) add(id, "direct");
      }
      if (message.threadRoot) {
        const followers = await this.#deps.threads.followers(roomId, message.threadRoot);
        const candidates = followers.filter((id) => id !== sender);
        const still = await Promise.all(candidates.map((id) => this.#deps.isMember(roomId, id)));
        const others = candidates.filter((_, i) => still[i]);
        if (others.length) {
          await this.#deps.events.publish({
            kind: "thread_activity",
            roomId,
            root: message.threadRoot,
            seq: message.seq,
            userId: sender,
            recipients: others,
          });
        }
        for (const id of others) add(id, "thread");
      }
      if (!message.threadRoot || message.alsoInRoom) {
        // Level `all`: every member in a small room who did not choose otherwise,
        // and anyone who chose it.
        const fallback = defaultLevel(info.kind, info.memberCount);
        if (fallback === "all") {
          for (const id of await this.#members(info, roomId)) add(id, "message");
        } else {
          for (const [id, chosen] of info.chosen) if (chosen.notify === "all") add(id, "message");
        }
      }
    }
    const fallback = defaultLevel(info.kind, info.memberCount);
    for (const [userId, reason] of candidates) {
      if (!allows(settingsOf(info.chosen.get(userId) ?? null, fallback), reason)) {
        candidates.delete(userId);
      }
    }
    return candidates;
  }

  /** Web Push to the recipients with no socket open anywhere (an open tab notifies itself). */
  async #push(
    roomId: string,
    message: Message,
    recipients: Array<{ userId: string; reason: NotifyReason }>,
  ): Promise<void> {
    const pushable = await this.#withPush(recipients.map((r) => r.userId));
    if (!pushable.size) return;
    const states = await this.#deps.presence.states([...pushable]);
    for (const { userId, reason } of recipients) {
      if (!pushable.has(userId) || states.get(userId)?.online) continue;
      const payload: PushPayload = {
        roomId,
        roomName: await this.#deps.roomName(roomId, userId),
        seq: message.seq,
        reason,
        from: message.username,
        url: `/rooms/${encodeURIComponent(roomId)}${
          message.threadRoot ? `?thread=${message.threadRoot}` : ""
        }#m${message.seq}`,
        text: message.text,
      };
      await this.#deps.push!.send(userId, payload);
    }
  }

  /**
   * False when the cache already says none of the recipients has a push
   * subscription (the common case): a busy small room's every message then costs no
   * promise per member.
   */
  #mayPush(recipients: Recipient[]): boolean {
    const now = this.#deps.clock.now();
    for (const { userId } of recipients) {
      const known = this.#pushable.get(userId);
      if (!known || known.has || known.at + PUSHABLE_MS <= now) return true;
    }
    return false;
  }

  /** Of these users, those with push subscriptions (cached for PUSHABLE_MS). */
  async #withPush(userIds: string[]): Promise<Set<string>> {
    const now = this.#deps.clock.now();
    const found = new Set<string>();
    await Promise.all(userIds.map(async (userId) => {
      let known = this.#pushable.get(userId);
      if (!known || known.at + PUSHABLE_MS <= now) {
        known = { has: (await this.#deps.push!.list(userId)).length > 0, at: now };
        if (this.#pushable.size > 100_000) this.#pushable.clear();
        this.#pushable.set(userId, known);
      }
      if (known.has) found.add(userId);
    }));
    return found;
  }

  #room(roomId: string): Promise<RoomInfo> {
    const now = this.#deps.clock.now();
    const cached = this.#info.get(roomId);
    if (cached) {
      return cached.then((info) => info.at + ROOM_INFO_MS > now ? info : this.#readRoom(roomId));
    }
    return this.#readRoom(roomId);
  }

  #readRoom(roomId: string): Promise<RoomInfo> {
    const read = (async (): Promise<RoomInfo> => {
      const [room, [memberCount], chosen] = await Promise.all([
        this.#deps.rooms.get(roomId),
        this.#deps.rooms.memberCounts([roomId]),
        this.#deps.threads.roomSettings(roomId),
      ]);
      return {
        kind: room?.kind ?? "public",
        name: room?.name ?? "",
        memberCount,
        chosen,
        at: this.#deps.clock.now(),
      };
    })();
    if (this.#info.size >= ROOM_INFO_KEPT) {
      this.#info.clear();
      this.#ready.clear();
    }
    this.#info.set(roomId, read);
    read.then(
      (info) => {
        if (this.#info.get(roomId) === read) this.#ready.set(roomId, info);
      },
      () => this.#info.delete(roomId),
    );
    return read;
  }

  #members(info: RoomInfo, roomId: string): Promise<string[]> {
    info.members ??= this.#deps.rooms.members(roomId).then((list) => {
      info.memberIds = list.map((m) => m.userId);
      return info.memberIds;
    });
    return info.members;
  }
}
