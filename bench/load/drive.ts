/**
 * @module The open-loop pacer: senders send at a fixed rate whatever the server's
 * answers (no waiting for acks), so a slow server shows up as latency rather than
 * as a quietly lower offered load (no coordinated omission).
 *
 * All senders share one schedule: message n of the run is due at n / (senders ×
 * rate) seconds and goes to the n-th sender of a shuffled round robin, so each
 * sends exactly `rate` per second, evenly spread. A run is a warm-up, a measured
 * window, then a drain until every owed delivery arrived.
 */

import type { RunningServer } from "../servers.ts";
import { readCpuSeconds } from "../servers.ts";
import type { LatencySummary } from "../stats.ts";
import type { BenchClient } from "./clients.ts";
import type { Ledger, LedgerTotals, RoomBook } from "./ledger.ts";

export interface Sender {
  client: BenchClient;
  book: RoomBook;
}

export interface DriveOptions {
  ledger: Ledger;
  senders: Sender[];
  /** Messages per second each sender sends. */
  rate: number;
  warmupMs: number;
  measureMs: number;
  /** Give up draining after this long without progress. */
  drainIdleMs: number;
  /** Whose CPU to report. */
  server?: RunningServer;
  /** Runs during warm-up and window; awaited before draining. */
  alongside?: (windowEnd: number) => Promise<void>;
}

export interface DriveResult extends LedgerTotals {
  /** Messages per second offered (all senders). */
  offered: number;
  /** Deliveries per second owed at the offered rate. */
  offeredDeliveries: number;
  /** Messages per second actually sent in the window. */
  sentPerSec: number;
  /** Deliveries per second received in the window. */
  deliveredPerSec: number;
  latency: LatencySummary;
  ack: LatencySummary;
  /** CPU use in the window, percent of one core. */
  serverCpu: number;
  generatorCpu: number;
  /**
   * Server CPU time per delivery in the window, in µs: the cost of a delivery,
   * which (unlike latency) a busy or noisy machine barely moves.
   */
  serverUsPerDelivery: number;
  drainMs: number;
  /** Why sends failed (message → count). */
  errorReasons: Record<string, number>;
}

function shuffle<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function drive(options: DriveOptions): Promise<DriveResult> {
  const { ledger, rate, warmupMs, measureMs } = options;
  const order = shuffle(options.senders);
  const total = order.length * rate;
  const start = performance.now();
  ledger.windowStart = start + warmupMs;
  ledger.windowEnd = ledger.windowStart + measureMs;
  const side = options.alongside?.(ledger.windowEnd);
  let cpuAt: { gen: number; server: number; t: number } | undefined;
  let cpu = { gen: NaN, server: NaN };
  let n = 0;
  while (true) {
    const now = performance.now();
    if (!cpuAt && now >= ledger.windowStart) {
      cpuAt = { gen: readCpuSeconds("self"), server: serverCpu(options.server), t: now };
    }
    if (now >= ledger.windowEnd) {
      const seconds = (now - cpuAt!.t) / 1000;
      cpu = {
        gen: (readCpuSeconds("self") - cpuAt!.gen) / seconds * 100,
        server: (serverCpu(options.server) - cpuAt!.server) / seconds * 100,
      };
      break;
    }
    const due = Math.floor((now - start) * total / 1000);
    for (; n < due; n++) {
      const sender = order[n % order.length];
      ledger.send(sender.client, sender.book);
    }
    await sleep(1);
  }
  await side;
  const drainMs = await ledger.drain(options.drainIdleMs);
  const totals = ledger.totals();
  const receivers = ledger.rooms.reduce((sum, book) => sum + book.receivers, 0) /
    Math.max(1, ledger.rooms.length);
  return {
    offered: total,
    offeredDeliveries: total * receivers,
    sentPerSec: ledger.sentInWindow / (measureMs / 1000),
    deliveredPerSec: ledger.deliveredInWindow / (measureMs / 1000),
    latency: ledger.latency.summary(),
    ack: ledger.ackLatency.summary(),
    serverCpu: cpu.server,
    generatorCpu: cpu.gen,
    serverUsPerDelivery: cpu.server / 100 * (measureMs / 1000) * 1e6 /
      Math.max(1, ledger.deliveredInWindow),
    drainMs,
    errorReasons: Object.fromEntries(ledger.errorReasons),
    ...totals,
  };
}

function serverCpu(server?: RunningServer): number {
  return server ? server.cpuSeconds() : NaN;
}
