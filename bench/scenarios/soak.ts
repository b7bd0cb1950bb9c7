/**
 * @module Soak: the fan-out room (200 members, lean sockets) at a fixed rate near
 * the knee, 4 msgs/s per member (160,000 deliveries/s), for 10 minutes
 * (`--soak-minutes`), the server's VmRSS read every 10 s. What it asks: does the
 * server's memory stay flat under sustained load (no leak in feeds, buffers, caches
 * or KV), with nothing lost or doubled? Drift is judged from the first reading after
 * a 60 s warm-up (V8's heap, glibc's arenas and the caches fill first): every later
 * reading within ±10 % of it. Ours only.
 */

import { connectAll } from "../load/clients.ts";
import { drive, type DriveResult } from "../load/drive.ts";
import { Ledger } from "../load/ledger.ts";
import { type ServerWindow, statsOverWindow } from "../load/server_stats.ts";
import type { Params } from "../params.ts";
import type { ServerKind } from "../servers.ts";
import { round } from "../stats.ts";
import { describeCounters, describeStep } from "./fanout.ts";
import { membersOf, progress, seedFor, sleep, withServer } from "./_common.ts";

export interface RssSample {
  /** Seconds since the load started. */
  s: number;
  kb: number;
}

export interface SoakResult extends DriveResult {
  server: ServerKind;
  members: number;
  /** Messages per second per member. */
  rate: number;
  durationS: number;
  warmupS: number;
  rss: {
    samples: RssSample[];
    /** The first reading after the warm-up, and the extremes and last after it. */
    firstKb: number;
    minKb: number;
    maxKb: number;
    lastKb: number;
    /** last ÷ first. */
    drift: number;
    bandPct: number;
    /** Every reading after the warm-up within ±bandPct % of the first. */
    flat: boolean;
  };
  counters: ServerWindow | null;
  disorder: number;
}

/** The RSS figures of `samples` after `warmupS`. */
export function rssFigures(
  samples: RssSample[],
  warmupS: number,
  bandPct: number,
): SoakResult["rss"] {
  const after = samples.filter((x) => x.s >= warmupS && Number.isFinite(x.kb));
  const kbs = after.map((x) => x.kb);
  const firstKb = kbs[0] ?? NaN;
  const minKb = kbs.length ? Math.min(...kbs) : NaN;
  const maxKb = kbs.length ? Math.max(...kbs) : NaN;
  const lastKb = kbs.at(-1) ?? NaN;
  const band = bandPct / 100;
  return {
    samples,
    firstKb,
    minKb,
    maxKb,
    lastKb,
    drift: lastKb / firstKb,
    bandPct,
    flat: kbs.length >= 2 && minKb >= (1 - band) * firstKb && maxKb <= (1 + band) * firstKb,
  };
}

export async function soak(kind: ServerKind, params: Params): Promise<SoakResult> {
  const p = params.soak;
  const seeded = await seedFor(kind, { users: p.members, roomSize: p.members });
  return await withServer(kind, seeded, async (server, track) => {
    const clients = track(
      await connectAll(kind, server.url, membersOf(seeded), { lean: true }),
    );
    const roomId = seeded.rooms[0].id;
    const ledger = new Ledger("s");
    const book = ledger.room(roomId, clients.length);
    clients.forEach((client, slot) => ledger.attach(client, book, slot));
    const measureMs = Math.max(1000, p.durationMs - p.warmupMs);
    const samples: RssSample[] = [];
    let counters = null as ServerWindow | null;
    const sampleRss = async (end: number) => {
      const start = performance.now();
      for (let n = 0;; n++) {
        const at = start + n * p.sampleMs;
        if (at > end) break;
        await sleep(Math.max(0, at - performance.now()));
        const s = (performance.now() - start) / 1000;
        samples.push({ s, kb: server.rssKb() });
        if (n % 6 === 0 || at + p.sampleMs > end) {
          progress(`${round(s)} s: server RSS ${round(samples.at(-1)!.kb / 1024)} MiB`);
        }
      }
      await sleep(Math.max(0, end - performance.now()));
      samples.push({ s: (performance.now() - start) / 1000, kb: server.rssKb() });
    };
    const result = await drive({
      ledger,
      senders: clients.map((client) => ({ client, book })),
      rate: p.rate,
      warmupMs: p.warmupMs,
      measureMs,
      drainIdleMs: params.drainIdleMs,
      server,
      alongside: async (end) => {
        const [stats] = await Promise.all([
          statsOverWindow(server, seeded.admin, { end, measureMs }),
          sampleRss(end),
        ]);
        counters = stats;
      },
    });
    const rss = rssFigures(samples, p.warmupMs / 1000, p.bandPct);
    const out: SoakResult = {
      server: kind,
      members: clients.length,
      rate: p.rate,
      durationS: (p.warmupMs + measureMs) / 1000,
      warmupS: p.warmupMs / 1000,
      ...result,
      rss,
      counters,
      disorder: clients.reduce((sum, c) => sum + c.libraryDuplicates, 0),
    };
    progress(describeStep(`${clients.length} members at ${p.rate}/s each`, result));
    progress(describeSoak(out));
    if (counters) progress(describeCounters(counters));
    return out;
  });
}

export function describeSoak(r: SoakResult): string {
  const mib = (kb: number) => round(kb / 1024);
  const x = r.rss;
  return `RSS after ${r.warmupS} s: first ${mib(x.firstKb)} MiB, min ${mib(x.minKb)}, max ${
    mib(x.maxKb)
  }, last ${mib(x.lastKb)} (drift ${round(x.drift)}×, ${
    x.flat ? "" : "not "
  }within ±${x.bandPct} %)`;
}
