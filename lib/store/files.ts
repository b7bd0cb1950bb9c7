/**
 * @module File records: what an upload is (name, type, size, hash, image facts,
 * its thumbnail), who uploaded it, and where it was posted. The bytes are blobs
 * (blobs.ts): the file's under its id, its thumbnail's under `thumbBlobId(id)`.
 *
 * | key                                   | value                                 |
 * | ------------------------------------- | ------------------------------------- |
 * | ["file", fileId]                      | FileRecord                            |
 * | ["file_unposted", uploadedAt, fileId] | true: swept after UNPOSTED_MS         |
 * | ["upload_quota", userId, day]         | bytes uploaded (or reserved) that day |
 */

import type { FileInfo } from "../protocol/types.ts";
import { trashKey } from "./blobs.ts";

/** An upload never posted is removed after this long. */
export const UNPOSTED_MS = 24 * 3600_000;

export interface ThumbRecord {
  size: number;
  width: number;
  height: number;
  type: string;
  sha256: string;
}

export interface FileRecord {
  id: string;
  name: string;
  size: number;
  type: string;
  sha256: string;
  uploaderId: string;
  uploadedAt: number;
  width?: number;
  height?: number;
  /** A separate thumbnail; absent for small images (the image is its own) and non-images. */
  thumb?: ThumbRecord;
  /** An image whose thumbnail could not be made (it is shown as a file). */
  noThumb?: true;
  /** Set in the commit of the message that carries it. */
  posted?: { roomId: string; seq: number };
}

export function fileKey(fileId: string): Deno.KvKey {
  return ["file", fileId];
}

export function unpostedKey(record: Pick<FileRecord, "id" | "uploadedAt">): Deno.KvKey {
  return ["file_unposted", record.uploadedAt, record.id];
}

export function quotaKey(userId: string, day: string): Deno.KvKey {
  return ["upload_quota", userId, day];
}

/** The blob of a file's thumbnail. */
export function thumbBlobId(fileId: string): string {
  return `${fileId}.t`;
}

/** `file` as the contract shows it. */
export function fileInfoOf(record: FileRecord): FileInfo {
  const url = `/api/files/${record.id}/${encodeURIComponent(record.name)}`;
  const info: FileInfo = {
    id: record.id,
    name: record.name,
    size: record.size,
    type: record.type,
    url,
    sha256: record.sha256,
  };
  if (record.width !== undefined && record.height !== undefined) {
    info.width = record.width;
    info.height = record.height;
    if (record.thumb) {
      info.thumbUrl = `/api/thumbs/${record.id}`;
      info.thumbWidth = record.thumb.width;
      info.thumbHeight = record.thumb.height;
    } else if (!record.noThumb) {
      info.thumbUrl = url;
      info.thumbWidth = record.width;
      info.thumbHeight = record.height;
    }
  }
  return info;
}

/** A file a send is about to post: its record as read, to check in the commit. */
export interface FileClaim {
  record: FileRecord;
  versionstamp: string;
}

/** Adds to a message commit what removes its files (a delete): records go, blobs to the trash. */
export function unpublishFiles(
  files: FileInfo[],
  now: number,
): { sets: Array<[Deno.KvKey, unknown]>; deletes: Deno.KvKey[] } {
  const sets: Array<[Deno.KvKey, unknown]> = [];
  const deletes: Deno.KvKey[] = [];
  for (const file of files) {
    deletes.push(fileKey(file.id));
    sets.push([trashKey(file.id), { at: now }], [trashKey(thumbBlobId(file.id)), { at: now }]);
  }
  return { sets, deletes };
}
