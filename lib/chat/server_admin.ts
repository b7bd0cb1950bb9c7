/**
 * @module The server's admin (the first account registered): invite codes, the
 * lists of the admin page (every user with when they were last seen, every room
 * with its member count, the invites), and deactivating accounts. Every method
 * checks, from the store, that the caller is a server admin (403 otherwise).
 */

import { BadRequestError, ForbiddenError, NotFoundError } from "../errors.ts";
import { snapshot } from "../metrics.ts";
import type {
  AdminRoom,
  AdminUser,
  NewServerInvite,
  ServerInvite,
  ServerStats,
  User,
} from "../protocol/types.ts";
import type { Clock } from "../clock.ts";
import { hashToken } from "../auth/auth.ts";
import type { AccountService } from "../auth/account.ts";
import {
  isUsable,
  type ServerInviteRecord,
  type ServerInviteStore,
} from "../store/server_invites.ts";
import type { UserStore } from "../store/users.ts";
import type { RoomRecord, RoomStore } from "../store/rooms.ts";
import type { PresenceService } from "../presence/presence.ts";
import type { RoomService } from "./rooms.ts";
import { avatarUrl } from "../store/avatars.ts";

const INVITE_USES_MAX = 1000;
const INVITE_DAYS_MAX = 365;
const INVITE_DAYS_DEFAULT = 7;
const PAGE_DEFAULT = 100;
const PAGE_MAX = 500;
const DAY_MS = 24 * 3600_000;

export interface ServerAdminDeps {
  invites: ServerInviteStore;
  users: UserStore;
  rooms: RoomStore;
  roomService: RoomService;
  presence: PresenceService;
  accounts: AccountService;
  clock: Clock;
}

/** 128 random bits, base32 (lowercase letters and digits): 26 characters. */
function newInviteCode(): string {
  const alphabet = "abcdefghijklmnopqrstuvwxyz234567";
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let bits = 0;
  let value = 0;
  let code = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      code += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) code += alphabet[(value << (5 - bits)) & 31];
  return code;
}

function optionalInt(value: unknown, field: string, min: number, max: number, fallback: number) {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new BadRequestError(`Field "${field}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}

/** `limit` and `cursor` of a listing. */
function pageOf(query: { limit?: string; cursor?: string }): { limit: number; cursor?: string } {
  let limit = PAGE_DEFAULT;
  if (query.limit !== undefined) {
    limit = /^\d{1,4}$/.test(query.limit) ? Number(query.limit) : 0;
    if (limit < 1 || limit > PAGE_MAX) {
      throw new BadRequestError(`Parameter "limit" must be 1–${PAGE_MAX}`);
    }
  }
  const cursor = query.cursor;
  if (cursor !== undefined && (cursor.length > 500 || !/^[A-Za-z0-9+/=_-]*$/.test(cursor))) {
    throw new BadRequestError('Parameter "cursor" is not one this server gave');
  }
  return { limit, cursor: cursor || undefined };
}

export class ServerAdminService {
  #deps: ServerAdminDeps;

  constructor(deps: ServerAdminDeps) {
    this.#deps = deps;
  }

  async #require(user: User): Promise<void> {
    if (!(await this.#deps.accounts.isServerAdmin(user))) {
      throw new ForbiddenError("Only the server's admin can do this");
    }
  }

  /** `GET /api/admin/stats`: this isolate's counters (lib/metrics.ts). */
  async stats(user: User, isolateId: string): Promise<ServerStats> {
    await this.#require(user);
    return snapshot(isolateId);
  }

  /** `POST /api/admin/invites {uses?, expiresInDays?}`: the code is shown this once. */
  async createInvite(
    user: User,
    input: { uses?: unknown; expiresInDays?: unknown },
  ): Promise<NewServerInvite> {
    await this.#require(user);
    const uses = optionalInt(input.uses, "uses", 1, INVITE_USES_MAX, 1);
    const days = optionalInt(
      input.expiresInDays,
      "expiresInDays",
      1,
      INVITE_DAYS_MAX,
      INVITE_DAYS_DEFAULT,
    );
    const code = newInviteCode();
    const hash = await hashToken(code);
    const now = this.#deps.clock.now();
    const record: ServerInviteRecord = {
      id: hash.slice(0, 20),
      createdBy: user.id,
      createdAt: now,
      expiresAt: now + days * DAY_MS,
      uses,
      used: 0,
    };
    await this.#deps.invites.create(hash, record);
    return { code, expiresAt: record.expiresAt, invite: this.#view(record, user, now) };
  }

  /** `GET /api/admin/invites`: newest first, spent ones too (for a while). */
  async invites(user: User): Promise<ServerInvite[]> {
    await this.#require(user);
    const records = await this.#deps.invites.list();
    const makers = await this.#deps.users.byIds([...new Set(records.map((r) => r.createdBy))]);
    const now = this.#deps.clock.now();
    return records.map((r) => {
      const maker = makers.get(r.createdBy);
      return this.#view(r, { id: r.createdBy, username: maker?.username ?? "unknown" }, now);
    });
  }

  /** `DELETE /api/admin/invites/:id` (extension): the code stops working. */
  async revokeInvite(user: User, id: unknown): Promise<void> {
    await this.#require(user);
    if (typeof id !== "string" || !/^[0-9a-f]{20}$/.test(id)) {
      throw new NotFoundError("Invite not found");
    }
    if (!(await this.#deps.invites.revoke(id))) throw new NotFoundError("Invite not found");
  }

  #view(record: ServerInviteRecord, by: User, now: number): ServerInvite {
    return {
      id: record.id,
      createdAt: record.createdAt,
      createdBy: { id: by.id, username: by.username },
      expiresAt: record.expiresAt,
      uses: record.uses,
      used: record.used,
      spent: !isUsable(record, now),
    };
  }

  /** `GET /api/admin/users?limit=&cursor=`: every account, with presence. */
  async users(
    user: User,
    query: { limit?: string; cursor?: string },
  ): Promise<{ users: AdminUser[]; nextCursor?: string }> {
    await this.#require(user);
    const { limit, cursor } = pageOf(query);
    const page = await this.#deps.users.page(limit, cursor).catch(() => {
      throw new BadRequestError('Parameter "cursor" is not one this server gave');
    });
    const states = await this.#deps.presence.states(page.users.map((u) => u.id));
    const users = page.users.map((u): AdminUser => {
      const state = states.get(u.id) ?? { online: false, lastSeenAt: null };
      const view: AdminUser = {
        id: u.id,
        username: u.username,
        displayName: u.displayName ?? u.username,
        ...(u.avatar ? { avatarUrl: avatarUrl(u.id, u.avatar) } : {}),
        createdAt: u.createdAt,
        ...state,
      };
      if (u.serverAdmin) view.serverAdmin = true;
      if (u.deactivatedAt) view.deactivatedAt = u.deactivatedAt;
      return view;
    });
    return page.nextCursor ? { users, nextCursor: page.nextCursor } : { users };
  }

  /** `GET /api/admin/rooms?limit=&cursor=`: every room (direct ones too) with its member count. */
  async rooms(
    user: User,
    query: { limit?: string; cursor?: string },
  ): Promise<{ rooms: AdminRoom[]; nextCursor?: string }> {
    await this.#require(user);
    const { limit, cursor } = pageOf(query);
    const page = await this.#deps.rooms.page(limit, cursor).catch(() => {
      throw new BadRequestError('Parameter "cursor" is not one this server gave');
    });
    const ids = page.rooms.map((r: RoomRecord) => r.id);
    const [heads, counts] = await Promise.all([
      this.#deps.rooms.heads(ids),
      this.#deps.rooms.memberCounts(ids),
    ]);
    const rooms: AdminRoom[] = [];
    for (let i = 0; i < page.rooms.length; i++) {
      // A direct room is shown by its stored name ("a & b"), not from one side.
      const { pair: _pair, ...record } = page.rooms[i];
      const view = await this.#deps.roomService.view(record, user.id, heads[i]);
      rooms.push({ ...view, memberCount: counts[i] });
    }
    return page.nextCursor ? { rooms, nextCursor: page.nextCursor } : { rooms };
  }

  /** `POST /api/admin/users/:id/deactivate`. */
  async deactivate(user: User, userId: unknown): Promise<void> {
    await this.#require(user);
    await this.#deps.accounts.deactivate(userId);
  }
}
