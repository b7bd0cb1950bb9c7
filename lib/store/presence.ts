/**
 * @module Presence in KV: isolate heartbeats, one key per open socket, and each
 * user's settled online state.
 */

import { GroupCommit } from "./_group_commit.ts";
import { getMany, listAll } from "./kv.ts";

export interface IsolateRecord {
  id: string;
  host: string;
  pid: number;
  startedAt: number;
  /** Heartbeat deadline: past it, the isolate counts as dead. */
  expiresAt: number;
}

export interface PresenceRecord {
  online: boolean;
  lastSeenAt: number;
  /** Set while a damped offline waits to settle. */
  pendingOfflineAt?: number;
}

export interface ConnRecord {
  isolateId: string;
  at: number;
}

const CONN_LIST_MAX = 1000;
/** A generous size estimate for one user's presence write (see GroupCommit). */
const PART_BYTES = 512;

export class PresenceStore {
  #kv: Deno.Kv;
  /**
   * Socket and state writes go through a group commit: in a reconnect storm, the
   * writes of hundreds of sockets that queued up while one commit was being
   * written share the next one, instead of a commit (an fsync) each. Each user's
   * write stays atomic and checked on its own (a combined commit whose check fails
   * is redone part by part), and one user's writes keep their order (at most one
   * part per user in a commit, taken oldest first).
   */
  #group: GroupCommit;
  constructor(kv: Deno.Kv) {
    this.#kv = kv;
    this.#group = new GroupCommit(kv);
  }

  async heartbeat(record: IsolateRecord): Promise<void> {
    await this.#kv.set(["isolate", record.id], record, {
      expireIn: Math.max(1000, record.expiresAt - Date.now()) + 60_000,
    });
  }

  async isolates(): Promise<IsolateRecord[]> {
    return (await listAll<IsolateRecord>(this.#kv, ["isolate"], 1000)).map((e) => e.value);
  }

  async deleteIsolate(id: string): Promise<void> {
    await this.#kv.delete(["isolate", id]);
  }

  async addConn(userId: string, connId: string, isolateId: string, at: number): Promise<void> {
    await this.#group.write({
      roomId: userId,
      checks: [],
      sets: [
        [["presence_conn", userId, connId], { isolateId, at } satisfies ConnRecord],
        [["isolate_conn", isolateId, userId, connId], true],
      ],
      bytes: PART_BYTES,
    });
  }

  async removeConn(userId: string, connId: string, isolateId: string): Promise<void> {
    await this.#group.write({
      roomId: userId,
      checks: [],
      sets: [],
      deletes: [["presence_conn", userId, connId], ["isolate_conn", isolateId, userId, connId]],
      bytes: PART_BYTES,
    });
  }

  async conns(userId: string): Promise<ConnRecord[]> {
    return (await listAll<ConnRecord>(this.#kv, ["presence_conn", userId], CONN_LIST_MAX)).map((
      e,
    ) => e.value);
  }

  /** The (userId, connId) pairs an isolate registered. */
  async connsOfIsolate(isolateId: string): Promise<Array<[string, string]>> {
    const entries = await listAll(this.#kv, ["isolate_conn", isolateId], 10_000);
    return entries.map((e) => [e.key[2] as string, e.key[3] as string]);
  }

  async state(userId: string): Promise<Deno.KvEntryMaybe<PresenceRecord>> {
    return await this.#kv.get<PresenceRecord>(["presence", userId]);
  }

  async states(userIds: string[]): Promise<(PresenceRecord | null)[]> {
    const entries = await getMany<PresenceRecord>(
      this.#kv,
      userIds.map((id) => ["presence", id]),
    );
    return entries.map((e) => e.value);
  }

  /** Writes a state if nobody changed it since `entry` was read. */
  async setState(
    entry: Deno.KvEntryMaybe<PresenceRecord>,
    userId: string,
    value: PresenceRecord,
  ): Promise<boolean> {
    const pending = value.pendingOfflineAt;
    const versionstamp = await this.#group.write({
      roomId: userId,
      checks: [entry],
      sets: [
        [["presence", userId], value],
        ...(pending !== undefined
          ? [[["presence_pending", userId], pending] as [Deno.KvKey, number]]
          : []),
      ],
      deletes: pending !== undefined ? [] : [["presence_pending", userId]],
      bytes: PART_BYTES,
    });
    return versionstamp !== null;
  }

  /** Users whose damped offline is due. */
  async pendingDue(now: number): Promise<string[]> {
    const entries = await listAll<number>(this.#kv, ["presence_pending"], 1000);
    return entries.filter((e) => e.value <= now).map((e) => e.key[1] as string);
  }
}
