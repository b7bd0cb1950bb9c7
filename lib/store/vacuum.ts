/**
 * @module `deno task vacuum`: rebuilds the embedded KV file (SQLite's VACUUM), so
 * that what was deleted is gone from the disk too, not only from KV.
 *
 * A deleted message leaves nothing in KV (its record becomes a tombstone, its edit
 * history is removed in the same commit), but SQLite keeps freed space until it is
 * reused, and Deno KV offers no way to turn on `secure_delete`. VACUUM writes the
 * database anew from what it holds, which drops every freed byte (as Synapse's
 * admins run it after purging history). Run it with the server stopped: it takes
 * the whole file for as long as it runs. `KV_PATH` (or the argument) names the file.
 *
 * The task runs with `--allow-all`: VACUUM attaches a temporary database, which
 * `node:sqlite` in Deno refuses ("too many attached databases - max 0") under any
 * narrower set of permissions.
 */

import { DatabaseSync } from "node:sqlite";

export function vacuum(path: string): { before: number; after: number } {
  const before = Deno.statSync(path).size;
  const db = new DatabaseSync(path);
  try {
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    db.exec("VACUUM");
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
  return { before, after: Deno.statSync(path).size };
}

if (import.meta.main) {
  const path = Deno.args[0] ?? Deno.env.get("KV_PATH") ?? "./data/chat.db";
  if (path === ":memory:" || /^https?:\/\//.test(path)) {
    console.error(`Nothing to vacuum: KV_PATH is "${path}", not a file`);
    Deno.exit(2);
  }
  try {
    const { before, after } = vacuum(path);
    console.log(`Vacuumed ${path}: ${before} → ${after} bytes`);
  } catch (err) {
    console.error(`Could not vacuum ${path}: ${(err as Error).message}`);
    Deno.exit(1);
  }
}
