/**
 * @module Group commit across rooms: one KV commit for the parts of several rooms
 * that queued up while the previous commit was being written (see `write`).
 */

import { metrics } from "../metrics.ts";

/** Keeps a batch within KV's per-commit limits (1000 mutations, 800 KB). */
export const BATCH_MAX_MESSAGES = 64;
export const BATCH_MAX_BYTES = 400_000;
/** KV allows 100 checks per commit: the head's, and one per clientId on the fast path. */
export const MAX_KV_CHECKS = 100;
const MAX_KV_MUTATIONS = 1000;
/** How long a room that lost a commit race skips the queue (commits on its own). */
const CONTENDED_MS = 5000;

/** One room's share of a commit: its checks and writes (see GroupCommit.write). */
export interface Part {
  roomId: string;
  checks: Deno.AtomicCheck[];
  sets: Array<[Deno.KvKey, unknown, { expireIn: number }?]>;
  deletes?: Deno.KvKey[];
  /** Estimated size, as for a batch (BATCH_MAX_BYTES). */
  bytes: number;
  /** New messages it stores (counted in `metrics`). */
  messages?: number;
  done(versionstamp: string | null): void;
  fail(err: unknown): void;
}

/** Counts the messages a successful commit stored, and the commit if it stored any. */
function counted(parts: Part[]): void {
  let messages = 0;
  for (const part of parts) messages += part.messages ?? 0;
  if (!messages) return;
  metrics.messages.stored += messages;
  metrics.messages.commits++;
}

function applyPart(op: Deno.AtomicOperation, part: Part): void {
  op.check(...part.checks);
  for (const [key, value, options] of part.sets) op.set(key, value, options);
  for (const key of part.deletes ?? []) op.delete(key);
}

export class GroupCommit {
  #kv: Deno.Kv;
  #queue: Part[] = [];
  #writing = false;
  /** Rooms whose commit lost a race lately, until when: they skip the queue. */
  #contended = new Map<string, number>();

  constructor(kv: Deno.Kv) {
    this.#kv = kv;
  }

  /**
   * Commits one room's part, in one KV commit with the parts of other rooms that
   * queued up meanwhile: group commit across rooms. SQLite has one writer, so many
   * small commits (busy rooms, one message each) are what limits throughput; one
   * commit for many rooms costs little more than one for a single room. Answers
   * the commit's versionstamp, or null when a check of this part failed.
   *
   * A part commits alone when nothing else is queued (no added latency), at most
   * one part per room goes into a commit (two would check the same head), and a
   * combined commit that fails is redone part by part, so a stale head in one
   * room never fails another room's part. A room whose check failed lately (other
   * isolates write to it too) skips the queue for a while and commits on its own
   * at once, as it would without it: combining it would fail the others' parts
   * along with it, and queueing would widen its own window for losing the race.
   */
  write(part: Omit<Part, "done" | "fail">): Promise<string | null> {
    return new Promise((done, fail) => {
      const queued = { ...part, done, fail };
      const until = this.#contended.get(part.roomId) ?? 0;
      if (until && until <= Date.now()) this.#contended.delete(part.roomId);
      if (until > Date.now()) {
        // Waiting in line would only give the other writers longer to move the head.
        void this.#commitAlone(queued);
        return;
      }
      this.#queue.push(queued);
      if (!this.#writing) void this.#writeQueued();
    });
  }

  async #writeQueued(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length) {
        const group = this.#nextGroup();
        if (group.length === 1) {
          await this.#commitAlone(group[0]);
          continue;
        }
        let commit: Deno.KvCommitResult | Deno.KvCommitError | undefined;
        try {
          const op = this.#kv.atomic();
          for (const part of group) applyPart(op, part);
          commit = await op.commit();
        } catch {
          // Redone part by part below, where each part gets its own error.
        }
        if (commit?.ok) {
          counted(group);
          for (const part of group) part.done(commit.versionstamp);
        } else {
          await Promise.all(group.map((part) => this.#commitAlone(part)));
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  async #commitAlone(part: Part): Promise<void> {
    try {
      const op = this.#kv.atomic();
      applyPart(op, part);
      const commit = await op.commit();
      if (commit.ok) counted([part]);
      if (!commit.ok) {
        if (this.#contended.size > 10_000) this.#contended.clear();
        this.#contended.set(part.roomId, Date.now() + CONTENDED_MS);
      }
      part.done(commit.ok ? commit.versionstamp : null);
    } catch (err) {
      part.fail(err);
    }
  }

  /** Takes queued parts, oldest first, for one commit within KV's limits. */
  #nextGroup(): Part[] {
    const group: Part[] = [];
    const rooms = new Set<string>();
    let checks = 0;
    let mutations = 0;
    let bytes = 0;
    for (let i = 0; i < this.#queue.length;) {
      const part = this.#queue[i];
      const fits = group.length === 0 ||
        (!rooms.has(part.roomId) && checks + part.checks.length <= MAX_KV_CHECKS &&
          mutations + part.sets.length + (part.deletes?.length ?? 0) <= MAX_KV_MUTATIONS &&
          bytes + part.bytes <= BATCH_MAX_BYTES);
      if (!fits) {
        i++;
        continue;
      }
      this.#queue.splice(i, 1);
      group.push(part);
      rooms.add(part.roomId);
      checks += part.checks.length;
      mutations += part.sets.length + (part.deletes?.length ?? 0);
      bytes += part.bytes;
    }
    return group;
  }
}
