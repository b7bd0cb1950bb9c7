/**
 * @module Bytes in KV: a blob is a file's content in chunks of at most 64 KiB (KV's
 * value limit), under `["blob", blobId, index]`.
 *
 * A blob larger than one commit (KV takes 800 KiB and 1000 mutations per commit)
 * cannot be written atomically, so it is written in steps, and what makes it
 * visible is a small commit of its own elsewhere (the file record, files.ts):
 *
 * 1. Each commit of chunks also writes `["blob_pending", blobId]` (who writes it,
 *    and when it last moved). Nothing refers to a pending blob.
 * 2. Publishing deletes the pending marker in the same commit that writes the
 *    record naming the blob (`publish`).
 * 3. Unpublishing (a deleted message, an upload never posted) writes
 *    `["blob_trash", blobId]` in the commit that removes the record (`trash`).
 *
 * The reaper (`reap`) deletes the chunks of trashed blobs and of pending blobs
 * whose writer is gone (its isolate stopped heart-beating, or it has not written
 * for STALE_MS), in bounded commits, and the marker last: a crash midway leaves
 * the marker, and the next run goes on. So every chunk in KV belongs to a published
 * record, to an upload in progress, or to a marker the reaper will finish.
 */

import type { Hash } from "node:crypto";

/** Bytes per chunk: KV's largest value. */
export const CHUNK_SIZE = 64 * 1024;
/** Chunks per commit while writing: 512 KiB, within KV's 800 KiB per commit. */
const CHUNKS_PER_COMMIT = 8;
/** Keys deleted per commit while reaping (KV allows 1000 mutations). */
const DELETES_PER_COMMIT = 500;
/** A pending blob not written to for this long is abandoned, whoever writes it. */
export const STALE_MS = 10 * 60_000;

export interface PendingBlob {
  isolateId: string;
  startedAt: number;
  touchedAt: number;
}

export interface TrashedBlob {
  at: number;
}

/** What a finished write stored. */
export interface WrittenBlob {
  blobId: string;
  /** The pending marker's versionstamp: `publish` checks it. */
  pendingStamp: string;
  size: number;
  /** SHA-256 of the bytes, lowercase hex. */
  sha256: string;
}

/** A blob's writer was taken for gone (it stalled for STALE_MS): the upload failed. */
export class AbandonedBlobError extends Error {
  constructor(blobId: string) {
    super(`Upload abandoned: ${blobId}`);
    this.name = "AbandonedBlobError";
  }
}

export function chunkKey(blobId: string, index: number): Deno.KvKey {
  return ["blob", blobId, index];
}

export function pendingKey(blobId: string): Deno.KvKey {
  return ["blob_pending", blobId];
}

export function trashKey(blobId: string): Deno.KvKey {
  return ["blob_trash", blobId];
}

let nodeCrypto: Promise<typeof import("node:crypto")> | undefined;

/**
 * A streaming SHA-256. `node:crypto` is loaded with the first blob, not at
 * start-up (the Node compatibility modules cost a fresh process ~20 ms).
 */
async function newSha256(): Promise<Hash> {
  return (await (nodeCrypto ??= import("node:crypto"))).createHash("sha256");
}

/**
 * Writes one blob: bytes in, chunks out, CHUNKS_PER_COMMIT at a time, so at most
 * that much is held in memory whatever the size. The hash is taken as bytes pass.
 */
export class BlobWriter {
  readonly blobId: string;
  #kv: Deno.Kv;
  #pending: PendingBlob;
  #now: () => number;
  #hash: Hash | undefined;
  /** Full chunks not yet committed, and the chunk being filled. */
  #full: Uint8Array<ArrayBuffer>[] = [];
  #current = new Uint8Array(CHUNK_SIZE);
  /**
   * Chunks whose commit returned, to be filled again: a writer holds at most
   * CHUNKS_PER_COMMIT + 1 buffers whatever the size, and makes no garbage.
   */
  #spare: Uint8Array<ArrayBuffer>[] = [];
  #fill = 0;
  #index = 0;
  #size = 0;
  #done = false;
  /** The pending marker as this writer last wrote it (null: not yet). */
  #stamp: string | null = null;

  constructor(kv: Deno.Kv, blobId: string, isolateId: string, now: () => number) {
    this.#kv = kv;
    this.blobId = blobId;
    this.#now = now;
    const at = now();
    this.#pending = { isolateId, startedAt: at, touchedAt: at };
  }

  /** Bytes written so far. */
  get size(): number {
    return this.#size;
  }

  /** Appends bytes; commits whenever CHUNKS_PER_COMMIT chunks are full. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#done) throw new Error("Blob already finished");
    (this.#hash ??= await newSha256()).update(bytes);
    this.#size += bytes.byteLength;
    let offset = 0;
    while (offset < bytes.byteLength) {
      const n = Math.min(CHUNK_SIZE - this.#fill, bytes.byteLength - offset);
      this.#current.set(bytes.subarray(offset, offset + n), this.#fill);
      this.#fill += n;
      offset += n;
      if (this.#fill === CHUNK_SIZE) {
        this.#full.push(this.#current);
        this.#current = this.#spare.pop() ?? new Uint8Array(CHUNK_SIZE);
        this.#fill = 0;
        if (this.#full.length === CHUNKS_PER_COMMIT) await this.#flush();
      }
    }
  }

  /** Commits what is left. The blob stays pending until a record publishes it. */
  async finish(): Promise<WrittenBlob> {
    if (this.#fill > 0) this.#full.push(this.#current.slice(0, this.#fill));
    this.#fill = 0;
    await this.#flush(true);
    this.#done = true;
    return {
      blobId: this.blobId,
      pendingStamp: this.#stamp!,
      size: this.#size,
      sha256: (this.#hash ?? await newSha256()).digest("hex"),
    };
  }

  /** Gives up: the blob goes to the trash for the reaper. */
  async abort(): Promise<void> {
    this.#done = true;
    this.#full = [];
    await this.#kv.atomic().delete(pendingKey(this.blobId)).set(
      trashKey(this.blobId),
      {
        at: this.#now(),
      } satisfies TrashedBlob,
    ).commit();
  }

  async #flush(always = false): Promise<void> {
    if (!this.#full.length && !always) return;
    // Checked against the marker as this writer left it: if the reaper took the
    // blob for abandoned meanwhile, nothing more is written to it.
    const op = this.#kv.atomic().check({ key: pendingKey(this.blobId), versionstamp: this.#stamp });
    for (const chunk of this.#full) op.set(chunkKey(this.blobId, this.#index++), chunk);
    this.#pending.touchedAt = this.#now();
    op.set(pendingKey(this.blobId), this.#pending);
    const written = this.#full;
    this.#full = [];
    // KV reads the values' bytes while the commit is under way: only after it
    // answered may the buffers be filled again.
    const result = await op.commit();
    if (written.length === CHUNKS_PER_COMMIT) this.#spare.push(...written);
    if (!result.ok) throw new AbandonedBlobError(this.blobId);
    this.#stamp = result.versionstamp;
  }
}

/** The chunks of a blob overlapping [start, end] (inclusive byte offsets). */
export function chunkSpan(start: number, end: number): { first: number; last: number } {
  return { first: Math.floor(start / CHUNK_SIZE), last: Math.floor(end / CHUNK_SIZE) };
}

export class BlobStore {
  #kv: Deno.Kv;
  #isolateId: string;
  #now: () => number;

  constructor(kv: Deno.Kv, isolateId: string, now: () => number = Date.now) {
    this.#kv = kv;
    this.#isolateId = isolateId;
    this.#now = now;
  }

  writer(blobId: string): BlobWriter {
    return new BlobWriter(this.#kv, blobId, this.#isolateId, this.#now);
  }

  /**
   * Adds to `op` what publishes a written blob: its pending marker goes, checked
   * to be as the writer left it (the commit fails if the reaper took it).
   */
  publish(op: Deno.AtomicOperation, blob: WrittenBlob): Deno.AtomicOperation {
    const key = pendingKey(blob.blobId);
    return op.check({ key, versionstamp: blob.pendingStamp }).delete(key);
  }

  /** Adds to `op` what hands a blob to the reaper. */
  trash(op: Deno.AtomicOperation, blobId: string): Deno.AtomicOperation {
    return op.set(trashKey(blobId), { at: this.#now() } satisfies TrashedBlob);
  }

  /**
   * Bytes `start`–`end` (inclusive) of a blob of `size` bytes, read chunk by chunk
   * as the stream is pulled (one chunk read ahead). A chunk missing from KV (the
   * blob was reaped meanwhile) errors the stream.
   */
  read(blobId: string, size: number, start = 0, end = size - 1): ReadableStream<Uint8Array> {
    const kv = this.#kv;
    if (size === 0 || end < start) return new ReadableStream({ start: (c) => c.close() });
    const { first, last } = chunkSpan(start, end);
    let index = first;
    const fetchChunk = (i: number) => kv.get<Uint8Array>(chunkKey(blobId, i));
    let ahead: Promise<Deno.KvEntryMaybe<Uint8Array>> | undefined = fetchChunk(index);
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const entry = await ahead!;
        const i = index++;
        ahead = index <= last ? fetchChunk(index) : undefined;
        if (!entry.value) {
          controller.error(new Error(`Blob chunk missing: ${blobId}/${i}`));
          return;
        }
        const base = i * CHUNK_SIZE;
        const from = Math.max(0, start - base);
        const to = Math.min(entry.value.byteLength, end - base + 1);
        controller.enqueue(entry.value.subarray(from, to));
        if (index > last) controller.close();
      },
      cancel() {
        ahead = undefined;
      },
    }, { highWaterMark: 1 });
  }

  /** The whole blob in memory (thumbnails; the caller bounds the size). */
  async readAll(blobId: string, size: number): Promise<Uint8Array> {
    const out = new Uint8Array(size);
    let offset = 0;
    for await (const chunk of this.read(blobId, size)) {
      out.set(chunk, offset);
      offset += chunk.byteLength;
    }
    return out;
  }

  /**
   * Deletes the chunks of trashed blobs and of abandoned pending ones (their
   * isolate is not in `alive`, or they have not moved for STALE_MS), at most
   * `budget` keys in all; answers the keys deleted. An abandoned blob is first
   * moved to the trash in one commit checked against its marker, so a writer that
   * comes back finds its marker gone and fails (see BlobWriter). Safe to run on
   * several isolates at once: deletes are idempotent and a trash marker goes last.
   */
  async reap(alive: Set<string>, budget = 20_000): Promise<number> {
    const now = this.#now();
    for await (const entry of this.#kv.list<PendingBlob>({ prefix: ["blob_pending"] })) {
      const p = entry.value;
      const gone = p.isolateId !== this.#isolateId && !alive.has(p.isolateId);
      if (!gone && p.touchedAt >= now - STALE_MS) continue;
      await this.#kv.atomic().check(entry).delete(entry.key)
        .set(trashKey(entry.key[1] as string), { at: now } satisfies TrashedBlob).commit();
    }
    let deleted = 0;
    for await (const marker of this.#kv.list<TrashedBlob>({ prefix: ["blob_trash"] })) {
      const blobId = marker.key[1] as string;
      while (deleted < budget) {
        const keys: Deno.KvKey[] = [];
        const limit = Math.min(DELETES_PER_COMMIT, budget - deleted);
        const chunks = this.#kv.list({ prefix: ["blob", blobId] }, { limit });
        for await (const e of chunks) keys.push(e.key);
        if (!keys.length) break;
        const op = this.#kv.atomic();
        for (const key of keys) op.delete(key);
        await op.commit();
        deleted += keys.length;
      }
      if (deleted >= budget) break;
      await this.#kv.delete(marker.key);
      deleted++;
    }
    return deleted;
  }
}
