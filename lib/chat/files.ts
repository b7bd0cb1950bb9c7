/**
 * @module Files (PROTOCOL v2 "Files"): uploads streamed into KV, posting them with
 * a message, who may read them, and the sweeps that remove what nobody can reach.
 *
 * An upload is read as it arrives and never held whole: its first bytes say what
 * it is (sniffed, never the client's word); an image passes through a scanner that
 * drops its metadata (EXIF with GPS, XMP, comments) and learns its size from the
 * header, so a decompression bomb is refused before anything decodes it; the bytes
 * go to a blob in 512 KiB commits while their SHA-256 is taken. Only then is the
 * file published, in a small commit of its own (blobs.ts explains why that is
 * safe). An image larger than a thumbnail gets one, made in a worker from the
 * stored bytes (lib/media/thumbnail.ts) before the file is published.
 *
 * Limits: MAX_UPLOAD_MB per file (413; refused before reading when
 * `content-length` says so), UPLOAD_QUOTA_MB_PER_DAY per user (429; the declared
 * size is reserved when an upload starts, so parallel uploads cannot overrun it),
 * and UPLOADS_IN_FLIGHT at once per user on an isolate (429).
 */

import {
  BadRequestError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
} from "../errors.ts";
import { FILES_PER_MESSAGE, IMAGE_PIXELS_MAX, THUMB_MAX } from "../protocol/limits.ts";
import type { FileInfo, Message, User } from "../protocol/types.ts";
import type { Clock } from "../clock.ts";
import { errorFields, log } from "../log.ts";
import { newId, retryAtomic } from "../store/kv.ts";
import { AbandonedBlobError, type BlobStore, type WrittenBlob } from "../store/blobs.ts";
import {
  type FileClaim,
  fileInfoOf,
  fileKey,
  type FileRecord,
  quotaKey,
  thumbBlobId,
  type ThumbRecord,
  UNPOSTED_MS,
  unpostedKey,
} from "../store/files.ts";
import { isImageType, sanitizeFileName, sniffType } from "../media/sniff.ts";
import { ImageError, type ImageFacts, ImageScanner } from "../media/image_scan.ts";
import { closeThumbnailer, makeThumbnail } from "../media/thumbnail.ts";
import { UploadPacer } from "./_upload_pacer.ts";

/** Uploads one user may have in flight on one isolate. */
export const UPLOADS_IN_FLIGHT = 4;
/** Bytes sniffed before the type is decided. */
const SNIFF_BYTES = 4100;
/** An upload that sends nothing for this long is given up. */
const STALL_MS = 30_000;
/** How often unposted uploads are swept and blobs reaped. */
const SWEEP_MS = 60_000;

export interface FileServiceOptions {
  clock: Clock;
  isolateId: string;
  maxUploadBytes: number;
  quotaBytes: number;
  /** Whether a user is a member of a room (who may read what was posted there). */
  isMember(userId: string, roomId: string): Promise<boolean>;
  /** A stored message (a repeated send with files is answered with it). */
  message(roomId: string, seq: number): Promise<Message | undefined>;
  /** The ids of the isolates alive now (a pending blob of any other is abandoned). */
  aliveIsolates(): Promise<Set<string>>;
  /** How often the sweeps run (tests shorten it). */
  sweepMs?: number;
}

export class FileService {
  #kv: Deno.Kv;
  #blobs: BlobStore;
  #options: FileServiceOptions;
  #inFlight = new Map<string, number>();
  #pacer = new UploadPacer();
  #timer: ReturnType<typeof setInterval> | undefined;
  #sweeping: Promise<void> | undefined;

  constructor(kv: Deno.Kv, blobs: BlobStore, options: FileServiceOptions) {
    this.#kv = kv;
    this.#blobs = blobs;
    this.#options = options;
  }

  get maxUploadBytes(): number {
    return this.#options.maxUploadBytes;
  }

  get quotaBytes(): number {
    return this.#options.quotaBytes;
  }

  /** Starts the periodic sweep (one now: what a crash left behind). */
  start(): void {
    this.sweepSoon();
    this.#timer = setInterval(() => this.sweepSoon(), this.#options.sweepMs ?? SWEEP_MS);
    Deno.unrefTimer(this.#timer);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sweeping;
    closeThumbnailer();
  }

  /** Refuses an upload whose `content-length` says it is too large (upload() does, first). */
  checkDeclared(declared: number | undefined): void {
    if (declared !== undefined && declared > this.#options.maxUploadBytes) {
      throw this.#tooLarge();
    }
  }

  /** Stores an upload and answers its `file`; nothing is published unless it all arrived. */
  async upload(
    user: User,
    rawName: unknown,
    declared: number | undefined,
    body: ReadableStream<Uint8Array> | null,
  ): Promise<FileInfo> {
    if (typeof rawName !== "string" || rawName.trim() === "") {
      throw new BadRequestError('Parameter "name" is required: the file\'s name');
    }
    const name = sanitizeFileName(rawName);
    this.checkDeclared(declared);
    if (declared === 0 || !body) throw new BadRequestError("File is empty");
    const inFlight = this.#inFlight.get(user.id) ?? 0;
    if (inFlight >= UPLOADS_IN_FLIGHT) {
      throw new RateLimitedError(
        `Too many uploads at once: at most ${UPLOADS_IN_FLIGHT} in flight`,
        1000,
      );
    }
    this.#inFlight.set(user.id, inFlight + 1);
    const day = utcDay(this.#options.clock.now());
    const reserved = declared ?? this.#options.maxUploadBytes;
    try {
      await this.#reserve(user.id, day, reserved);
      let stored = 0;
      try {
        this.#pacer.begin();
        const record = await this.#store(user, name, body).finally(() => this.#pacer.end());
        stored = record.size + (record.thumb?.size ?? 0);
        return fileInfoOf(record);
      } finally {
        await this.#settle(user.id, day, stored - reserved).catch((err) =>
          log.warn("upload_quota_settle_failed", errorFields(err))
        );
      }
    } finally {
      const left = (this.#inFlight.get(user.id) ?? 1) - 1;
      if (left) this.#inFlight.set(user.id, left);
      else this.#inFlight.delete(user.id);
    }
  }

  async #store(user: User, name: string, body: ReadableStream<Uint8Array>): Promise<FileRecord> {
    const id = newId();
    const writer = this.#blobs.writer(id);
    const reader = new BodyReader(body);
    const max = this.#options.maxUploadBytes;
    let received = 0;
    let type = "";
    let scanner: ImageScanner | undefined;
    let head: Uint8Array[] = [];
    let headSize = 0;
    /** A thumbnail may have been written (to trash with the file if this fails). */
    let thumbing = false;
    const pass = async (bytes: Uint8Array) => {
      await this.#pacer.take(bytes.byteLength);
      if (!scanner) return await writer.write(bytes);
      const out = scanner.push(bytes);
      checkPixels(scanner.facts);
      if (out.byteLength) await writer.write(out);
    };
    const decide = async () => {
      const first = concat(head, headSize);
      type = await sniffType(first.subarray(0, SNIFF_BYTES));
      if (isImageType(type)) scanner = new ImageScanner(type as ScannableType);
      head = [];
      await pass(first);
    };
    try {
      while (true) {
        const { done, value } = await readWithin(reader, STALL_MS);
        if (done) break;
        received += value.byteLength;
        if (received > max) throw this.#tooLarge();
        if (!type) {
          head.push(value.slice()); // the reader's buffer is reused by the next read
          headSize += value.byteLength;
          if (headSize >= SNIFF_BYTES) await decide();
          continue;
        }
        await pass(value);
      }
      if (received === 0) throw new BadRequestError("File is empty");
      if (!type) await decide();
      if (scanner) {
        const rest = scanner.finish();
        if (rest.byteLength) await writer.write(rest);
        checkPixels(scanner.facts);
      }
      const blob = await writer.finish();
      const facts = scanner?.facts;
      thumbing = facts !== undefined;
      const thumb = facts ? await this.#thumbnail(id, type, blob, facts) : undefined;
      const record: FileRecord = {
        id,
        name,
        size: blob.size,
        type,
        sha256: blob.sha256,
        uploaderId: user.id,
        uploadedAt: this.#options.clock.now(),
        // As shown: a photo turned by its EXIF orientation is as wide as it is shown.
        ...(facts ? shownSize(facts) : {}),
        ...(thumb?.record ? { thumb: thumb.record } : {}),
        ...(thumb === null ? { noThumb: true as const } : {}),
      };
      const op = this.#kv.atomic()
        .check({ key: fileKey(id), versionstamp: null })
        .set(fileKey(id), record)
        .set(unpostedKey(record), true);
      this.#blobs.publish(op, blob);
      if (thumb?.blob) this.#blobs.publish(op, thumb.blob);
      if (!(await op.commit()).ok) throw new AbandonedBlobError(id);
      log.info("file_uploaded", { file: id, user: user.id, size: record.size, type });
      return record;
    } catch (err) {
      await reader.cancel().catch(() => {});
      await writer.abort().catch(() => {});
      if (thumbing) await this.#blobs.writer(thumbBlobId(id)).abort().catch(() => {});
      if (err instanceof ImageError) {
        throw new BadRequestError(`Not a valid image: ${err.message}`);
      }
      if (err instanceof AbandonedBlobError) {
        throw new BadRequestError("Upload stalled and was given up: send it again");
      }
      throw err;
    }
  }

  /**
   * A thumbnail for an image larger than THUMB_MAX: its blob and record; undefined
   * when the image is small enough to be its own; null when it could not be made.
   */
  async #thumbnail(
    id: string,
    type: string,
    blob: WrittenBlob,
    facts: ImageFacts,
  ): Promise<{ blob: WrittenBlob; record: ThumbRecord } | undefined | null> {
    const { width: shownW, height: shownH } = shownSize(facts);
    if (shownW <= THUMB_MAX && shownH <= THUMB_MAX) return undefined;
    const bytes = await this.#blobs.readAll(blob.blobId, blob.size);
    const thumb = await makeThumbnail(bytes, { type, orientation: facts.orientation });
    if (!thumb) return null;
    const writer = this.#blobs.writer(thumbBlobId(id));
    await writer.write(thumb.bytes);
    const written = await writer.finish();
    return {
      blob: written,
      record: {
        size: written.size,
        width: thumb.width,
        height: thumb.height,
        type: thumb.type,
        sha256: written.sha256,
      },
    };
  }

  /** Reserves `bytes` of a user's day, or refuses (429) when the quota would be passed. */
  async #reserve(userId: string, day: string, bytes: number): Promise<void> {
    const key = quotaKey(userId, day);
    const quota = this.#options.quotaBytes;
    await retryAtomic("upload quota", async () => {
      const entry = await this.#kv.get<number>(key);
      const used = entry.value ?? 0;
      if (used + bytes > quota) {
        const msToMidnight = 86_400_000 - (this.#options.clock.now() % 86_400_000);
        throw new RateLimitedError(
          `Upload quota reached: ${formatMb(quota)} per day, ${formatMb(used)} used today`,
          msToMidnight,
        );
      }
      const ok = await this.#kv.atomic().check(entry).set(key, used + bytes, {
        expireIn: 2 * 86_400_000,
      }).commit();
      return ok.ok ? true : null;
    });
  }

  async #settle(userId: string, day: string, delta: number): Promise<void> {
    if (delta === 0) return;
    const key = quotaKey(userId, day);
    await retryAtomic("upload quota", async () => {
      const entry = await this.#kv.get<number>(key);
      const ok = await this.#kv.atomic().check(entry).set(
        key,
        Math.max(0, (entry.value ?? 0) + delta),
        { expireIn: 2 * 86_400_000 },
      ).commit();
      return ok.ok ? true : null;
    });
  }

  #tooLarge(): PayloadTooLargeError {
    return new PayloadTooLargeError(
      `File is too large: the limit is ${formatMb(this.#options.maxUploadBytes)}`,
    );
  }

  /**
   * The uploads a send names, checked: mine, published and not yet posted. A
   * repeated send (same clientId) whose files were posted by the first one is
   * answered with that message.
   */
  async claim(
    user: User,
    roomId: string,
    ids: string[],
    clientId: string | undefined,
  ): Promise<{ claims: FileClaim[] } | { duplicate: Message }> {
    if (ids.length > FILES_PER_MESSAGE) {
      throw new BadRequestError(`Too many files: a message carries at most ${FILES_PER_MESSAGE}`);
    }
    const entries = await this.#kv.getMany<FileRecord[]>(ids.map(fileKey));
    const claims: FileClaim[] = [];
    for (const [i, entry] of entries.entries()) {
      const record = entry.value;
      if (!record || record.uploaderId !== user.id) {
        throw new BadRequestError(`Field "files" names no upload of yours: ${ids[i]}`);
      }
      if (record.posted) {
        if (clientId && record.posted.roomId === roomId) {
          const earlier = await this.#options.message(roomId, record.posted.seq);
          if (earlier && earlier.clientId === clientId && earlier.userId === user.id) {
            return { duplicate: earlier };
          }
        }
        throw new BadRequestError(`File was already posted: ${ids[i]}`);
      }
      claims.push({ record, versionstamp: entry.versionstamp! });
    }
    return { claims };
  }

  /**
   * A file's record, to someone who may read it: its uploader, or a member of the
   * room it was posted in. Anyone else is told it does not exist.
   */
  async readable(userId: string, fileId: string): Promise<FileRecord> {
    const record = (await this.#kv.get<FileRecord>(fileKey(fileId))).value;
    if (record) {
      if (record.uploaderId === userId) return record;
      if (record.posted && await this.#options.isMember(userId, record.posted.roomId)) {
        return record;
      }
    }
    throw new NotFoundError("File not found");
  }

  /** A file's record whoever asks (the signed files origin checked access already). */
  async record(fileId: string): Promise<FileRecord> {
    const record = (await this.#kv.get<FileRecord>(fileKey(fileId))).value;
    if (!record) throw new NotFoundError("File not found");
    return record;
  }

  /** Bytes `start`–`end` of a file (or of its thumbnail). */
  bytes(
    record: FileRecord,
    thumb: boolean,
    start: number,
    end: number,
  ): ReadableStream<Uint8Array> {
    if (thumb && record.thumb) {
      return this.#blobs.read(thumbBlobId(record.id), record.thumb.size, start, end);
    }
    return this.#blobs.read(record.id, record.size, start, end);
  }

  /** Runs the sweeps now unless they are running. */
  sweepSoon(): Promise<void> {
    this.#sweeping ??= this.#sweep().catch((err) => log.warn("file_sweep_failed", errorFields(err)))
      .finally(() => this.#sweeping = undefined);
    return this.#sweeping;
  }

  /** Unposted uploads older than UNPOSTED_MS go to the trash; then the reaper runs. */
  async #sweep(): Promise<void> {
    const cutoff = this.#options.clock.now() - UNPOSTED_MS;
    const old = this.#kv.list<true>({ start: ["file_unposted"], end: ["file_unposted", cutoff] });
    for await (const entry of old) {
      const fileId = entry.key[2] as string;
      const record = await this.#kv.get<FileRecord>(fileKey(fileId));
      const op = this.#kv.atomic().check(entry).delete(entry.key);
      if (record.value && !record.value.posted) {
        op.check(record).delete(record.key);
        this.#blobs.trash(op, fileId);
        this.#blobs.trash(op, thumbBlobId(fileId));
      }
      await op.commit();
    }
    const removed = await this.#blobs.reap(await this.#options.aliveIsolates());
    if (removed) log.info("blobs_reaped", { keys: removed });
  }
}

type ScannableType = ConstructorParameters<typeof ImageScanner>[0];

function shownSize(facts: ImageFacts): { width: number; height: number } {
  return facts.orientation >= 5
    ? { width: facts.height, height: facts.width }
    : { width: facts.width, height: facts.height };
}

/** Refuses (400) an image whose header says it is over IMAGE_PIXELS_MAX (avatars too). */
export function checkPixels(facts: ImageFacts | undefined): void {
  if (facts && facts.width * facts.height > IMAGE_PIXELS_MAX) {
    throw new BadRequestError(
      `Image is too large: ${facts.width}×${facts.height} pixels, the limit is ${
        IMAGE_PIXELS_MAX / 1_000_000
      } megapixels`,
    );
  }
}

/** `parts` as one array of `size` bytes (the one part itself when there is one). */
export function concat(parts: Uint8Array[], size: number): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.byteLength;
  }
  return out;
}

/** A read that gives up (400) when the client sends nothing for `ms`. */
/** Bytes per read of an upload body, into the one buffer BodyReader reuses. */
const READ_BYTES = 64 * 1024;

/**
 * Reads a body into one buffer, reused read after read, where the stream allows it
 * (a request body is a byte stream): a 25 MiB upload read with the default reader
 * is ~400 fresh buffers that only V8's next GC gives back, which is most of what an
 * upload adds to the server's RSS. A value is valid until the next read.
 */
class BodyReader {
  readonly #byob?: ReadableStreamBYOBReader;
  readonly #plain?: ReadableStreamDefaultReader<Uint8Array>;
  #buffer = new ArrayBuffer(READ_BYTES);

  constructor(body: ReadableStream<Uint8Array>) {
    try {
      this.#byob = body.getReader({ mode: "byob" });
    } catch {
      this.#plain = body.getReader(); // not a byte stream
    }
  }

  async read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    if (this.#plain) return await this.#plain.read();
    const result = await this.#byob!.read(new Uint8Array(this.#buffer));
    // The read took the buffer over (it is detached); what came back is its view.
    if (result.value) this.#buffer = result.value.buffer as ArrayBuffer;
    if (result.done) return { done: true, value: undefined };
    return result as ReadableStreamReadResult<Uint8Array>;
  }

  cancel(): Promise<void> {
    return (this.#byob ?? this.#plain)!.cancel();
  }
}

async function readWithin(
  reader: BodyReader,
  ms: number,
): Promise<ReadableStreamReadResult<Uint8Array>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new BadRequestError(`Upload stalled: nothing received for ${ms / 1000} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([reader.read(), stalled]);
  } catch (err) {
    if (err instanceof BadRequestError) throw err;
    // The client went away mid-body: nothing is published.
    throw new BadRequestError("Upload was cut off before its end");
  } finally {
    clearTimeout(timer);
  }
}

function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

function formatMb(bytes: number): string {
  const mb = bytes / (1024 * 1024);
  return `${Number.isInteger(mb) ? mb : mb.toFixed(1)} MB`;
}
