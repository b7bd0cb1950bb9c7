/**
 * @module Deno Deploy, simulated: ours with every KV call made late
 * (`KV_SIMULATED_LATENCY`, lib/store/kv_latency.ts), at the latencies Deno publishes
 * for Deploy's KV: 7 ms for strong reads and commits in its primary region
 * (us-east4), 94 ms from a region away from it (Frankfurt, europe-west3). Two
 * loads each: one room of 200 members at 1 msg/s per member (40,000 deliveries/s),
 * and many small rooms (the many-rooms load). The local run (no delay) is measured
 * beside them in the same way, so the table shows what the KV's distance costs.
 *
 * What it shows and does not: every KV call of ours waits its delay, so a message
 * waits one commit (its batch's) before it is acknowledged and delivered, and the
 * group commit's batches grow with the delay instead of the queue; watches (other
 * isolates' commits) are delayed alike. It does not model Deploy's isolates being
 * spread over machines, nor its network to clients.
 */

import { connectAll } from "../load/clients.ts";
import { drive, type DriveResult } from "../load/drive.ts";
import { Ledger } from "../load/ledger.ts";
import type { Params } from "../params.ts";
import type { ServerKind } from "../servers.ts";
import { describeStep } from "./fanout.ts";
import { sendersByRoom } from "./many_rooms.ts";
import { membersOf, progress, seedFor, withServer } from "./_common.ts";

/** Deno's published KV latencies (docs.deno.com, "KV on Deno Deploy"). */
export const DEPLOY_PROFILES = [
  { name: "local", latency: "" },
  { name: "Deploy, primary region (7 ms)", latency: "read=7,commit=7,watch=7" },
  { name: "Deploy, other region (94 ms)", latency: "read=94,commit=94,watch=94" },
] as const;

export interface DeployLoad extends DriveResult {
  load: "fanout" | "many-rooms";
}

export interface DeploySimResult {
  server: ServerKind;
  profiles: Array<{ name: string; latency: string; loads: DeployLoad[] }>;
}

export async function deploySim(kind: ServerKind, params: Params): Promise<DeploySimResult> {
  const p = params.deploySim;
  const profiles: DeploySimResult["profiles"] = [];
  for (const profile of DEPLOY_PROFILES) {
    const env = profile.latency ? { KV_SIMULATED_LATENCY: profile.latency } : undefined;
    const loads: DeployLoad[] = [];
    // One room.
    const one = await seedFor(kind, { users: p.members, roomSize: p.members });
    loads.push(
      await withServer(kind, one, async (server, track) => {
        const members = membersOf(one);
        const clients = track(await connectAll(kind, server.url, members));
        const ledger = new Ledger(`d${profiles.length}f`);
        const book = ledger.room(one.rooms[0].id, clients.length);
        clients.forEach((client, slot) => ledger.attach(client, book, slot));
        const result = await drive({
          ledger,
          senders: clients.map((client) => ({ client, book })),
          rate: p.rate,
          warmupMs: p.warmupMs,
          measureMs: p.measureMs,
          drainIdleMs: params.drainIdleMs,
          server,
        });
        progress(describeStep(`${profile.name}: fan-out`, result));
        return { load: "fanout" as const, ...result };
      }, { env }),
    );
    // Many rooms.
    const many = await seedFor(kind, { users: p.rooms * p.roomSize, roomSize: p.roomSize });
    loads.push(
      await withServer(kind, many, async (server, track) => {
        const members = membersOf(many);
        const clients = track(await connectAll(kind, server.url, members));
        const ledger = new Ledger(`d${profiles.length}m`);
        const senders = sendersByRoom(ledger, many, clients, p.roomSize);
        const result = await drive({
          ledger,
          senders,
          rate: p.manyRoomsRate,
          warmupMs: p.warmupMs,
          measureMs: p.measureMs,
          drainIdleMs: params.drainIdleMs,
          server,
        });
        progress(describeStep(`${profile.name}: many rooms`, result));
        return { load: "many-rooms" as const, ...result };
      }, { env }),
    );
    profiles.push({ name: profile.name, latency: profile.latency, loads });
  }
  return { server: kind, profiles };
}
