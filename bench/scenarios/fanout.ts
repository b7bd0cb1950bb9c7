/**
 * @module Fan-out: one room of 200 members, each sending k messages per second of
 * ~100 bytes, every message delivered to all 200 sockets (the sender's included).
 * k is swept upward until p99 end-to-end latency passes 100 ms (or deliveries fall
 * behind, or one is lost); the max sustained rate is the highest k that passed.
 *
 * The knee moves between runs on a noisy machine, so every server under test is
 * started at once and each step is run `runsPerStep` times, interleaved across the
 * servers (A, B, C, A, B, C, …: a noisy minute hits all of them alike); the step's
 * figures are those of the median run by p99. Clients are the lean bench clients
 * (load/lean_client.ts) so the generator is not what saturates first. For our
 * servers each run also reads the server's counters over its window: KV commits
 * per second and messages per message-commit (load/server_stats.ts).
 */

import { type BenchClient, connectAll } from "../load/clients.ts";
import { drive, type DriveResult } from "../load/drive.ts";
import { Ledger } from "../load/ledger.ts";
import { type ServerWindow, statsOverWindow } from "../load/server_stats.ts";
import type { Params } from "../params.ts";
import type { RunningServer, ServerKind } from "../servers.ts";
import { round } from "../stats.ts";
import type { Seeded, SeededUser } from "../seed.ts";
import { membersOf, progress, seedFor, withServer } from "./_common.ts";

export interface FanoutStep extends DriveResult {
  /** Messages per second per member. */
  k: number;
  passed: boolean;
  /** Every run's p99 (ms), in run order; the step's other figures are the median run's. */
  p99s: number[];
  /** Messages whose room revision did not grow at a socket, all runs. */
  disorder: number;
  /** The median run's server counters over its window (ours; null for the peers). */
  counters?: ServerWindow | null;
}

export interface FanoutResult {
  server: ServerKind;
  members: number;
  steps: FanoutStep[];
  /** Highest k that passed, and the messages and deliveries per second it means. */
  maxK: number;
  maxMsgsPerSec: number;
  maxDeliveriesPerSec: number;
  lost: number;
  duplicates: number;
}

/** Why a step fails: p99 over the limit, deliveries falling behind, or any loss. */
export function stepPassed(step: DriveResult, p99LimitMs: number): boolean {
  return step.latency.p99 <= p99LimitMs && step.lost === 0 && step.duplicates === 0 &&
    step.sendErrors === 0 && step.deliveredPerSec >= 0.95 * step.offeredDeliveries;
}

export function describeStep(label: string, step: DriveResult): string {
  return `${label}: sent ${round(step.sentPerSec)}/s, delivered ${
    round(step.deliveredPerSec)
  }/s, p50 ${round(step.latency.p50)} ms, p99 ${round(step.latency.p99)} ms, ack p99 ${
    round(step.ack.p99)
  } ms, lost ${step.lost}, dup ${step.duplicates}, errors ${step.sendErrors}, cpu server ${
    round(step.serverCpu)
  }% (${round(step.serverUsPerDelivery)} µs/delivery) / generator ${round(step.generatorCpu)}%${
    step.sendErrors ? `; send errors: ${JSON.stringify(step.errorReasons)}` : ""
  }`;
}

/** The server's counters over a window, as a progress line. */
export function describeCounters(c: ServerWindow): string {
  return `server counters (${c.isolates} isolate${c.isolates === 1 ? "" : "s"}): ${
    round(c.kvCommitsPerSec)
  } KV commits/s (${round(c.kvFailedChecksPerSec)} failed checks/s), ${
    round(c.messagesPerCommit)
  } messages per message-commit`;
}

/** One server under test, connected and ready to run steps. */
interface Session {
  kind: ServerKind;
  server: RunningServer;
  roomId: string;
  clients: BenchClient[];
  runs: number;
  /** Reads the server's counters (ours). */
  admin?: SeededUser;
}

/** Runs `fn` with every server of `kinds` seeded, started and connected; stops them all. */
async function withSessions<T>(
  kinds: ServerKind[],
  members: number,
  fn: (sessions: Session[]) => Promise<T>,
): Promise<T> {
  const sessions: Session[] = [];
  const open = async (i: number): Promise<T> => {
    if (i === kinds.length) return await fn(sessions);
    const kind = kinds[i];
    const seeded: Seeded = await seedFor(kind, { users: members, roomSize: members });
    return await withServer(kind, seeded, async (server, track) => {
      const clients = track(
        await connectAll(kind, server.url, membersOf(seeded), { lean: true }),
      );
      sessions.push({
        kind,
        server,
        roomId: seeded.rooms[0].id,
        clients,
        runs: 0,
        admin: seeded.admin,
      });
      return await open(i + 1);
    });
  };
  return await open(0);
}

interface Run extends DriveResult {
  disorder: number;
  counters: ServerWindow | null;
}

async function runOnce(session: Session, k: number, params: Params): Promise<Run> {
  const p = params.fanout;
  const { clients } = session;
  const ledger = new Ledger(`f${session.runs++}`);
  const book = ledger.room(session.roomId, clients.length);
  clients.forEach((client, slot) => ledger.attach(client, book, slot));
  const disorderBefore = clients.reduce((sum, c) => sum + c.libraryDuplicates, 0);
  let counters = null as ServerWindow | null;
  const result = await drive({
    ledger,
    senders: clients.map((client) => ({ client, book })),
    rate: k,
    warmupMs: p.warmupMs,
    measureMs: p.measureMs,
    drainIdleMs: params.drainIdleMs,
    server: session.server,
    alongside: async (end) => {
      counters = await statsOverWindow(session.server, session.admin, {
        end,
        measureMs: p.measureMs,
      });
    },
  });
  const disorder = clients.reduce((sum, c) => sum + c.libraryDuplicates, 0) - disorderBefore;
  return { ...result, disorder, counters };
}

/** The step from its runs: the median run by p99; loss, duplicates and disorder of all. */
function stepOf(k: number, runs: Run[], p99LimitMs: number): FanoutStep {
  const median = [...runs].sort((a, b) => a.latency.p99 - b.latency.p99)[(runs.length - 1) >> 1];
  const sum = (pick: (run: Run) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const step: FanoutStep = {
    ...median,
    k,
    p99s: runs.map((run) => run.latency.p99),
    lost: sum((run) => run.lost),
    duplicates: sum((run) => run.duplicates),
    sendErrors: sum((run) => run.sendErrors),
    disorder: sum((run) => run.disorder),
    passed: false,
  };
  step.passed = stepPassed(median, p99LimitMs) && step.lost === 0 && step.duplicates === 0 &&
    step.sendErrors === 0 && step.disorder === 0;
  return step;
}

/**
 * The fan-out sweep for every server of `kinds` at once, runs interleaved; a
 * server's sweep ends at its first failed step (or error), the others go on.
 */
export async function fanoutAll(
  kinds: ServerKind[],
  params: Params,
): Promise<Array<FanoutResult | Error>> {
  const p = params.fanout;
  const runsPerStep = Math.max(1, p.runsPerStep);
  progress(
    runsPerStep === 1
      ? "one run per step (no median: a smoke test, not a figure)"
      : `${runsPerStep} runs per step, interleaved across ${kinds.join(", ")}; median by p99`,
  );
  return await withSessions(kinds, p.members, async (sessions) => {
    const steps = new Map<ServerKind, FanoutStep[]>(kinds.map((kind) => [kind, []]));
    const errors = new Map<ServerKind, Error>();
    let sweeping = [...sessions];
    for (const k of p.rates) {
      if (!sweeping.length) break;
      const runs = new Map<ServerKind, Run[]>(sweeping.map((s) => [s.kind, []]));
      for (let r = 0; r < runsPerStep; r++) {
        for (const session of sweeping) {
          if (errors.has(session.kind)) continue;
          try {
            const run = await runOnce(session, k, params);
            runs.get(session.kind)!.push(run);
            progress(describeStep(`${session.kind} k=${k} run ${r + 1}/${runsPerStep}`, run));
            if (run.counters) progress(describeCounters(run.counters));
          } catch (err) {
            errors.set(session.kind, err instanceof Error ? err : new Error(String(err)));
          }
        }
      }
      for (const session of sweeping) {
        const done = runs.get(session.kind)!;
        if (errors.has(session.kind) || !done.length) continue;
        const step = stepOf(k, done, p.p99LimitMs);
        steps.get(session.kind)!.push(step);
        progress(
          `${session.kind} k=${k}: median p99 ${round(step.latency.p99)} ms (runs ${
            step.p99s.map(round).join(", ")
          }), ${step.passed ? "sustained" : "not sustained"}${
            step.disorder ? `, ${step.disorder} out of revision order` : ""
          }`,
        );
      }
      sweeping = sweeping.filter((s) =>
        !errors.has(s.kind) && steps.get(s.kind)!.at(-1)?.passed === true
      );
    }
    return sessions.map((session) => {
      const error = errors.get(session.kind);
      if (error) return error;
      const done = steps.get(session.kind)!;
      const members = session.clients.length;
      const best = done.filter((s) => s.passed).at(-1);
      return {
        server: session.kind,
        members,
        steps: done,
        maxK: best?.k ?? 0,
        maxMsgsPerSec: best ? best.k * members : 0,
        maxDeliveriesPerSec: best ? best.k * members * members : 0,
        lost: done.reduce((sum, s) => sum + s.lost, 0),
        duplicates: done.reduce((sum, s) => sum + s.duplicates, 0),
      };
    });
  });
}

/** The fan-out sweep for one server (see `fanoutAll`). */
export async function fanout(kind: ServerKind, params: Params): Promise<FanoutResult> {
  const [result] = await fanoutAll([kind], params);
  if (result instanceof Error) throw result;
  return result;
}
