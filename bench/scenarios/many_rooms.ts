/**
 * @module Many rooms: 2,000 sockets in 200 rooms of 10, each sending one message per
 * second into its room (2,000 messages and 20,000 deliveries per second in all).
 * Beside the latency, for our servers: the server's KV commits per second (each an
 * `fsync`) and messages per message-commit over the window (load/server_stats.ts).
 */

import { type BenchClient, connectAll } from "../load/clients.ts";
import { drive, type DriveResult } from "../load/drive.ts";
import { Ledger, type RoomBook } from "../load/ledger.ts";
import { type ServerWindow, statsOverWindow } from "../load/server_stats.ts";
import type { Params } from "../params.ts";
import type { ServerKind } from "../servers.ts";
import type { Seeded } from "../seed.ts";
import { describeCounters, describeStep } from "./fanout.ts";
import { membersOf, progress, seedFor, withServer } from "./_common.ts";

export interface ManyRoomsResult extends DriveResult {
  server: ServerKind;
  sockets: number;
  rooms: number;
  /** The server's counters over the window (ours; null for the peers). */
  counters: ServerWindow | null;
}

/**
 * Every client a sender into its own room (its first), each room a book of the
 * ledger with `roomSize` receivers, in `membersOf(seeded)` order.
 */
export function sendersByRoom(
  ledger: Ledger,
  seeded: Seeded,
  clients: BenchClient[],
  roomSize: number,
): Array<{ client: BenchClient; book: RoomBook }> {
  const members = membersOf(seeded);
  const books = new Map(seeded.rooms.map((room) => [room.id, ledger.room(room.id, roomSize)]));
  const slots = new Map<string, number>();
  return clients.map((client, i) => {
    const roomId = members[i].rooms[0];
    const slot = slots.get(roomId) ?? 0;
    slots.set(roomId, slot + 1);
    const book = books.get(roomId)!;
    ledger.attach(client, book, slot);
    return { client, book };
  });
}

export async function manyRooms(kind: ServerKind, params: Params): Promise<ManyRoomsResult> {
  const p = params.manyRooms;
  const seeded = await seedFor(kind, { users: p.rooms * p.roomSize, roomSize: p.roomSize });
  return await withServer(kind, seeded, async (server, track) => {
    const members = membersOf(seeded);
    const clients = track(await connectAll(kind, server.url, members, { lean: true }));
    const ledger = new Ledger("m");
    const senders = sendersByRoom(ledger, seeded, clients, p.roomSize);
    let counters = null as ServerWindow | null;
    const result = await drive({
      ledger,
      senders,
      rate: p.rate,
      warmupMs: p.warmupMs,
      measureMs: p.measureMs,
      drainIdleMs: params.drainIdleMs,
      server,
      alongside: async (end) => {
        counters = await statsOverWindow(server, seeded.admin, { end, measureMs: p.measureMs });
      },
    });
    progress(describeStep(`${clients.length} sockets`, result));
    if (counters) progress(describeCounters(counters));
    return {
      server: kind,
      sockets: clients.length,
      rooms: seeded.rooms.length,
      ...result,
      counters,
    };
  });
}
