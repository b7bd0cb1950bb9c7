/**
 * @module Avatars (v2 "People"): one small JPEG per user, in one KV value beside
 * the user record, which names its version (`UserRecord.avatar`). The address
 * holds the version, so a browser may keep it for good: a new avatar is a new
 * address. Both are written in one commit, so they never disagree.
 */

/** `["avatar", userId]` → the user's avatar. */
export function avatarKey(userId: string): Deno.KvKey {
  return ["avatar", userId];
}

export interface AvatarRecord {
  /** Matches `UserRecord.avatar`; a new one per upload. */
  version: string;
  type: "image/jpeg";
  bytes: Uint8Array<ArrayBuffer>;
  updatedAt: number;
}

/** Where a user's avatar of that version is served (routes/api/account.ts). */
export function avatarUrl(userId: string, version: string): string {
  return `/api/avatars/${encodeURIComponent(userId)}/${encodeURIComponent(version)}`;
}
