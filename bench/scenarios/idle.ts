/**
 * @module Idle sockets: 10,000 authenticated, subscribed sockets held open (rooms of
 * 10); the server's resident memory per socket is the growth of its VmRSS
 * (/proc/<pid>/status) over the idle baseline, divided by the sockets. The load
 * generator is a separate process, so its memory is not counted.
 */

import { connectAll } from "../load/clients.ts";
import type { Params } from "../params.ts";
import type { ServerKind } from "../servers.ts";
import { median, round } from "../stats.ts";
import { membersOf, progress, seedFor, sleep, withServer } from "./_common.ts";

export interface IdleResult {
  server: ServerKind;
  sockets: number;
  rssBeforeKb: number;
  rssAfterKb: number;
  perSocketKb: number;
  /** Sockets connected and subscribed per second while opening them. */
  connectPerSec: number;
}

/** The median of `samples` VmRSS readings a second apart. */
async function settledRss(read: () => number, samples: number): Promise<number> {
  const readings: number[] = [];
  for (let i = 0; i < samples; i++) {
    if (i) await sleep(1000);
    readings.push(read());
  }
  return median(readings);
}

export async function idle(kind: ServerKind, params: Params): Promise<IdleResult> {
  const p = params.idle;
  const seeded = await seedFor(kind, { users: p.sockets, roomSize: p.roomSize });
  return await withServer(kind, seeded, async (server, track) => {
    await sleep(p.settleMs);
    const rssBeforeKb = await settledRss(server.rssKb, p.samples);
    const start = performance.now();
    const clients = track(
      await connectAll(kind, server.url, membersOf(seeded), { concurrency: 200 }),
    );
    const connectPerSec = clients.length / ((performance.now() - start) / 1000);
    await sleep(p.settleMs);
    const rssAfterKb = await settledRss(server.rssKb, p.samples);
    const result = {
      server: kind,
      sockets: clients.length,
      rssBeforeKb,
      rssAfterKb,
      perSocketKb: (rssAfterKb - rssBeforeKb) / clients.length,
      connectPerSec,
    };
    progress(
      `${clients.length} sockets: RSS ${round(rssBeforeKb / 1024)} → ${
        round(rssAfterKb / 1024)
      } MiB, ${round(result.perSocketKb)} KiB per socket, connected ${round(connectPerSec)}/s`,
    );
    return result;
  });
}
