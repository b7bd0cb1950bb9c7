/**
 * @module Sender rows: what one user stored in one room lately (their newest seq,
 * their recent clientIds for 24-hour idempotency), and the encoding of those rows.
 * See lib/store/messages.ts for how a commit keeps them.
 */

export const IDEMPOTENCY_MS = 24 * 3600_000;

export interface ClientIdRecord {
  seq: number;
  expiresAt: number;
}

/** `["sent", roomId, userId]`: what one user stored in one room lately (see the module doc). */
export interface SenderRow {
  /** The seq of their newest message in the room: their read marker is at least this. */
  seq: number;
  /**
   * Their latest clientIds, oldest first, none 24 h old, as one string of lines
   * `clientId TAB seq TAB storedAt NEWLINE` (a clientId is printable ASCII: it holds
   * neither). Every message rewrites its sender's row, and one string serializes
   * several times faster than the same entries as arrays (measured per KV set: a
   * full row ~6 µs as a string, ~22 µs as 64 tuples). See `rowIds` to read them.
   */
  ids: string;
  /** Until when an older clientId of theirs may be in the `["msg_client"]` index (ms). */
  indexedUntil: number;
}

/** A row as stored by the version before rows held a string (ids as tuples). */
export interface TupleRow {
  seq: number;
  ids: Array<[string, number, number]>;
  indexedUntil: number;
}

export function senderRowKey(roomId: string, userId: string): Deno.KvKey {
  return ["sent", roomId, userId];
}

/** How many clientIds a sender row keeps before the oldest go to the index. */
export const RECENT_CLIENT_IDS = 64;

/** A stored row (either encoding) as this version keeps it; no row: an empty one. */
export function asRow(value: SenderRow | TupleRow | null): SenderRow {
  if (!value) return { seq: 0, ids: "", indexedUntil: 0 };
  if (typeof value.ids === "string") {
    // Every line ends with a newline; a row written otherwise is mended, not misread.
    if (value.ids === "" || value.ids.endsWith("\n")) return value as SenderRow;
    return { ...value, ids: `${value.ids}\n` };
  }
  const ids = value.ids.map(([clientId, seq, at]) => `${clientId}\t${seq}\t${at}\n`).join("");
  return { ...value, ids };
}

/** A row's clientIds as [clientId, seq, storedAt], oldest first. */
export function rowIds(row: SenderRow | TupleRow): Array<[string, number, number]> {
  if (typeof row.ids !== "string") return row.ids;
  return row.ids.split("\n").slice(0, -1).map(parseId);
}

export function parseId(line: string): [string, number, number] {
  const [clientId, seq, at] = line.split("\t");
  return [clientId, Number(seq), Number(at)];
}

export function countIds(ids: string): number {
  let count = 0;
  for (let i = ids.indexOf("\n"); i >= 0; i = ids.indexOf("\n", i + 1)) count++;
  return count;
}

/** The clientId lines still within their 24 hours (the oldest come first). */
export function withoutExpired(ids: string, now: number): string {
  let start = 0;
  while (start < ids.length) {
    const end = ids.indexOf("\n", start);
    const at = Number(ids.slice(ids.lastIndexOf("\t", end) + 1, end));
    if (at + IDEMPOTENCY_MS > now) break;
    start = end + 1;
  }
  return start === 0 ? ids : ids.slice(start);
}

/** The seq and storage time of a clientId in a row, newest first. */
export function findId(row: SenderRow, clientId: string): { seq: number; at: number } | undefined {
  const needle = `${clientId}\t`;
  for (let i = row.ids.lastIndexOf(needle); i >= 0; i = row.ids.lastIndexOf(needle, i - 1)) {
    if (i > 0 && row.ids.charCodeAt(i - 1) !== 10) continue; // inside another line
    const [, seq, at] = parseId(row.ids.slice(i, row.ids.indexOf("\n", i)));
    return { seq, at };
  }
  return undefined;
}

export function clientIdKey(roomId: string, userId: string, clientId: string): Deno.KvKey {
  return ["msg_client", roomId, userId, clientId];
}
