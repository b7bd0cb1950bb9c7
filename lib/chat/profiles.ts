/**
 * @module Profiles (PROTOCOL v2 "People, rooms and the server"): my display name
 * and my avatar. Usernames never change; a display name and an avatar do, and
 * everyone who shares a room with me hears of it (a `user` frame), while every
 * isolate drops what it cached of me (through the bus), so showing names costs no
 * KV read per delivered message.
 *
 * An avatar upload (≤ AVATAR_UPLOAD_MAX) must sniff as PNG, JPEG, GIF or WebP (an
 * SVG is refused: it is a document, not a picture); its header is scanned first,
 * so a decompression bomb is refused before anything decodes it. What is kept is
 * made anew in the thumbnail worker: the middle square, AVATAR_SIDE px, as a JPEG,
 * so no byte of the upload (EXIF, GPS, comments) survives.
 */

import { BadRequestError, NotFoundError, PayloadTooLargeError } from "../errors.ts";
import { AVATAR_SIDE, AVATAR_UPLOAD_MAX } from "../protocol/limits.ts";
import { checkPixels, concat } from "./files.ts";
import { avatarKey, type AvatarRecord } from "../store/avatars.ts";
import { isImageType, SNIFF_BYTES, sniffType } from "../media/sniff.ts";
import { ImageError, ImageScanner, type ScannedType } from "../media/image_scan.ts";
import { makeThumbnail } from "../media/thumbnail.ts";
import type { Clock } from "../clock.ts";
import { newId } from "../store/kv.ts";
import type { User } from "../protocol/types.ts";
import { validateDisplayName } from "../protocol/validate.ts";
import { retryAtomic } from "../store/kv.ts";
import type { UserRecord, UserStore } from "../store/users.ts";
import type { EventSink } from "../realtime/events.ts";
import { publicUser } from "../auth/auth.ts";
import type { RateLimiter } from "./_rate_limit.ts";

export class ProfileService {
  #kv: Deno.Kv;
  #clock: Clock;
  #users: UserStore;
  #events: EventSink;
  #roomIdsOf: (userId: string) => Promise<string[]>;
  #limiter: RateLimiter;

  constructor(
    deps: { kv: Deno.Kv; clock: Clock; users: UserStore; events: EventSink; limiter: RateLimiter },
    roomIdsOf: (userId: string) => Promise<string[]>,
  ) {
    this.#kv = deps.kv;
    this.#clock = deps.clock;
    this.#users = deps.users;
    this.#events = deps.events;
    this.#limiter = deps.limiter;
    this.#roomIdsOf = roomIdsOf;
  }

  /**
   * `PATCH /api/me {displayName?}` → my `user`. `displayName: null` (an extension)
   * goes back to the username. Changes are rate-limited (each one reaches every
   * room I am in).
   */
  async update(user: User, input: { displayName?: unknown }): Promise<User> {
    if (!("displayName" in input) || input.displayName === undefined) {
      throw new BadRequestError('Nothing to change: give "displayName"');
    }
    const displayName = input.displayName === null ? null : validateDisplayName(input.displayName);
    this.#limiter.take(user.id);
    const { record, changed } = await retryAtomic("Changing a profile", async () => {
      const entry = await this.#users.entry(user.id);
      if (!entry.value) throw new NotFoundError("User not found");
      const { displayName: _previous, ...rest } = entry.value;
      const next: UserRecord = displayName === null || displayName === entry.value.username
        ? rest
        : { ...rest, displayName };
      if (next.displayName === entry.value.displayName) {
        return { record: entry.value, changed: false };
      }
      const ok = await this.#users.update(entry as Deno.KvEntry<UserRecord>, next);
      return ok ? { record: next, changed: true } : null;
    });
    const view = publicUser(record);
    if (changed) await this.#announce(view);
    return view;
  }

  /**
   * `PUT /api/me/avatar` (the body is the image) → my `user`, with its new
   * `avatarUrl`. Bad images are 400, over AVATAR_UPLOAD_MAX 413; rate-limited with
   * the other profile changes.
   */
  async setAvatar(
    user: User,
    body: ReadableStream<Uint8Array> | null,
    declared?: number,
  ): Promise<User> {
    if (declared !== undefined && declared > AVATAR_UPLOAD_MAX) throw tooLarge();
    this.#limiter.take(user.id);
    const upload = await readAtMost(body, AVATAR_UPLOAD_MAX);
    const type = await sniffType(upload.subarray(0, SNIFF_BYTES));
    if (!isImageType(type)) {
      throw new BadRequestError("An avatar must be a PNG, JPEG, GIF or WebP image");
    }
    const orientation = scanImage(upload, type as ScannedType);
    const made = await makeThumbnail(upload, { type, orientation, square: AVATAR_SIDE });
    if (!made) throw new BadRequestError("Not a valid image: it could not be decoded");
    const version = newId();
    const avatar: AvatarRecord = {
      version,
      type: "image/jpeg",
      bytes: new Uint8Array(made.bytes),
      updatedAt: this.#clock.now(),
    };
    const record = await retryAtomic("Setting an avatar", async () => {
      const entry = await this.#users.entry(user.id);
      if (!entry.value) throw new NotFoundError("User not found");
      const next: UserRecord = { ...entry.value, avatar: version };
      const ok = await this.#kv.atomic().check(entry).set(entry.key, next)
        .set(avatarKey(user.id), avatar).commit();
      return ok.ok ? next : null;
    });
    const view = publicUser(record);
    await this.#announce(view);
    return view;
  }

  /** `DELETE /api/me/avatar`: the initials show again. Answers my `user`. */
  async removeAvatar(user: User): Promise<User> {
    this.#limiter.take(user.id);
    const { record, changed } = await retryAtomic("Removing an avatar", async () => {
      const entry = await this.#users.entry(user.id);
      if (!entry.value) throw new NotFoundError("User not found");
      if (!entry.value.avatar) return { record: entry.value, changed: false };
      const { avatar: _gone, ...next } = entry.value;
      const ok = await this.#kv.atomic().check(entry).set(entry.key, next)
        .delete(avatarKey(user.id)).commit();
      return ok.ok ? { record: next, changed: true } : null;
    });
    const view = publicUser(record);
    if (changed) await this.#announce(view);
    return view;
  }

  /** The bytes of a user's avatar of that version (its address), or undefined. */
  async avatar(userId: string, version: string): Promise<AvatarRecord | undefined> {
    const entry = await this.#kv.get<AvatarRecord>(avatarKey(userId));
    return entry.value?.version === version ? entry.value : undefined;
  }

  /** Tells everyone who shares a room with me, and every isolate's caches. */
  async #announce(view: User): Promise<void> {
    await this.#events.publish({
      kind: "user_changed",
      userId: view.id,
      user: view,
      roomIds: await this.#roomIdsOf(view.id),
    });
  }
}

function tooLarge(): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `An avatar may be at most ${AVATAR_UPLOAD_MAX / (1024 * 1024)} MB`,
  );
}

/** The whole body, refused (413) as soon as it passes `max` bytes. */
async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  max: number,
): Promise<Uint8Array> {
  if (!body) throw new BadRequestError("Send the image as the request body");
  const parts: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) throw tooLarge();
      parts.push(value);
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  }
  if (size === 0) throw new BadRequestError("Send the image as the request body");
  return concat(parts, size);
}

/**
 * Reads an image's header and structure (the scanner refuses malformed ones) and
 * refuses one over IMAGE_PIXELS_MAX before anything decodes it; answers its EXIF
 * orientation.
 */
function scanImage(bytes: Uint8Array, type: ScannedType): number {
  const scanner = new ImageScanner(type);
  try {
    scanner.push(bytes);
    checkPixels(scanner.facts);
    scanner.finish();
    return scanner.facts?.orientation ?? 1;
  } catch (err) {
    if (err instanceof ImageError) throw new BadRequestError(`Not a valid image: ${err.message}`);
    throw err;
  }
}
