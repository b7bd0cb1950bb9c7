/**
 * @module `deno task reindex`: rebuilds the search index of every room (or of the
 * rooms named) from the messages: each room's index is deleted and written anew
 * from its revision log, at full speed. Safe beside a running server: the rooms'
 * markers decide who writes (a room the server is indexing meanwhile is retried).
 * `KV_PATH` (or `--kv=PATH`) names the store; it prints the rate when done.
 *
 * A server does the same by itself, in the background, for rooms with messages and
 * no index (after the upgrade that brought search) or an index of an older version.
 */

import { openKv } from "../store/kv.ts";
import { MessageStore } from "../store/messages.ts";
import { RevisionLog } from "../store/revisions.ts";
import { IndexWriter, type RoomPlan } from "./index_writer.ts";

export interface ReindexResult {
  rooms: number;
  /** Messages whose index was written. */
  messages: number;
  ms: number;
}

/** A writer over a KV store's revision log. */
export function writerFor(kv: Deno.Kv): IndexWriter {
  const messages = new MessageStore(kv);
  const revisions = new RevisionLog(kv, {
    range: (roomId, from, to, limit) => messages.range(roomId, from, to, limit),
    bySeq: (roomId, seqs) => messages.bySeq(roomId, seqs),
  });
  return new IndexWriter(kv, revisions);
}

/** Every room with a head, in key order. */
export async function allRooms(kv: Deno.Kv): Promise<string[]> {
  const rooms: string[] = [];
  for await (const e of kv.list({ prefix: ["room_seq"] })) rooms.push(e.key[1] as string);
  return rooms;
}

/**
 * Rebuilds the rooms' indexes: `parallel` rooms at a time, each round's commits of
 * those rooms packed together. `onProgress` hears each round.
 */
export async function reindex(
  kv: Deno.Kv,
  options: {
    rooms?: string[];
    parallel?: number;
    onProgress?(done: { rooms: number; messages: number }): void;
  } = {},
): Promise<ReindexResult> {
  const started = performance.now();
  const writer = writerFor(kv);
  const rooms = options.rooms ?? await allRooms(kv);
  for (const roomId of rooms) await writer.rebuild(roomId);
  const queue = [...rooms];
  const active = new Set<string>();
  let messages = 0;
  let finished = 0;
  const parallel = options.parallel ?? 8;
  let contended = 0;
  while (queue.length || active.size) {
    while (active.size < parallel && queue.length) active.add(queue.shift()!);
    const plans: RoomPlan[] = await Promise.all([...active].map((roomId) => writer.plan(roomId)));
    for (const result of await writer.apply(plans)) {
      messages += result.messages;
      if (result.outcome === "contended") {
        if (++contended > 1000) throw new Error(`Reindex keeps losing room ${result.roomId}`);
        continue;
      }
      const more = result.outcome === "applied" &&
        (result.rev < result.head || (result.rev === 0 && result.messages === 0));
      if (!more) {
        active.delete(result.roomId);
        finished++;
      }
    }
    if (contended) await new Promise((resolve) => setTimeout(resolve, 5));
    options.onProgress?.({ rooms: finished, messages });
  }
  return { rooms: rooms.length, messages, ms: performance.now() - started };
}

if (import.meta.main) {
  const kvArg = Deno.args.find((a) => a.startsWith("--kv="))?.slice(5);
  const rooms = Deno.args.filter((a) => !a.startsWith("--"));
  const path = kvArg ?? Deno.env.get("KV_PATH") ?? "./data/chat.db";
  const kv = await openKv(path);
  try {
    let shown = 0;
    const result = await reindex(kv, {
      rooms: rooms.length ? rooms : undefined,
      onProgress: ({ rooms, messages }) => {
        if (messages - shown >= 10_000) {
          shown = messages;
          console.error(`  ${rooms} rooms, ${messages} messages`);
        }
      },
    });
    const rate = Math.round(result.messages / (result.ms / 1000));
    console.log(
      `Reindexed ${result.rooms} rooms, ${result.messages} messages in ${
        (result.ms / 1000).toFixed(1)
      } s (${rate} messages/s): ${path}`,
    );
  } finally {
    kv.close();
  }
}
