/**
 * @module Invite codes to register on a server with `REGISTRATION=invite`. A code is
 * 128 random bits shown once to the admin who made it; KV keeps only its SHA-256
 * (like session tokens: a copy of the database lets nobody in), with how often it
 * may be used and until when (checked from the value: `expireIn` is a hint).
 *
 * | key                          | value                                          |
 * | ---------------------------- | ---------------------------------------------- |
 * | ["server_invite", codeHash]  | ServerInviteRecord {id, uses, used, expiresAt} |
 */

import { listAll } from "./kv.ts";

export interface ServerInviteRecord {
  /** What lists and revokes it (not the code: a prefix of its hash). */
  id: string;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  uses: number;
  used: number;
}

/** Invites listed (and scanned to revoke one) at most. */
export const INVITES_LISTED = 500;
/** Kept past its expiry (so the admin page shows it as spent for a while). */
const KEPT_AFTER_EXPIRY_MS = 7 * 24 * 3600_000;

export function serverInviteKey(codeHash: string): Deno.KvKey {
  return ["server_invite", codeHash];
}

export function isUsable(invite: ServerInviteRecord, now: number): boolean {
  return invite.used < invite.uses && invite.expiresAt > now;
}

export class ServerInviteStore {
  #kv: Deno.Kv;
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  async create(codeHash: string, invite: ServerInviteRecord): Promise<void> {
    const expireIn = Math.max(1, invite.expiresAt - invite.createdAt) + KEPT_AFTER_EXPIRY_MS;
    const result = await this.#kv.atomic()
      .check({ key: serverInviteKey(codeHash), versionstamp: null })
      .set(serverInviteKey(codeHash), invite, { expireIn })
      .commit();
    if (!result.ok) throw new Error("Invite code collision");
  }

  async get(codeHash: string): Promise<Deno.KvEntryMaybe<ServerInviteRecord>> {
    return await this.#kv.get<ServerInviteRecord>(serverInviteKey(codeHash));
  }

  /**
   * What a registration's commit adds to use the invite once: its check and the
   * record with one more use (see UserStore.create's `with`).
   */
  use(entry: Deno.KvEntry<ServerInviteRecord>): {
    checks: Deno.AtomicCheck[];
    sets: Array<[Deno.KvKey, unknown, { expireIn: number }?]>;
  } {
    const next = { ...entry.value, used: entry.value.used + 1 };
    const expireIn = Math.max(1, next.expiresAt - Date.now()) + KEPT_AFTER_EXPIRY_MS;
    return { checks: [entry], sets: [[entry.key, next, { expireIn }]] };
  }

  /** Invites, newest first. */
  async list(): Promise<ServerInviteRecord[]> {
    const entries = await listAll<ServerInviteRecord>(this.#kv, ["server_invite"], INVITES_LISTED);
    return entries.map((e) => e.value).sort((a, b) => b.createdAt - a.createdAt);
  }

  /** Ends an invite (it can no longer be used); false when no invite has that id. */
  async revoke(id: string): Promise<boolean> {
    const entries = await listAll<ServerInviteRecord>(this.#kv, ["server_invite"], INVITES_LISTED);
    const entry = entries.find((e) => e.value.id === id);
    if (!entry) return false;
    const spent = { ...entry.value, uses: entry.value.used };
    await this.#kv.atomic().check(entry).set(entry.key, spent, {
      expireIn: KEPT_AFTER_EXPIRY_MS,
    }).commit();
    return true;
  }
}
