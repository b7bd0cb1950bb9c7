/**
 * @module What every scenario does around its measurement: seed (KV for ours,
 * names only for the peers), start the server, connect, and always clean up.
 */

import { type BenchClient, closeAll } from "../load/clients.ts";
import { drive, type DriveResult } from "../load/drive.ts";
import { Ledger } from "../load/ledger.ts";
import { fakeSeed, seed, type Seeded, type SeedPlan } from "../seed.ts";
import { OUR_KINDS, type RunningServer, type ServerKind, startServer } from "../servers.ts";

/** Progress lines go to stderr; the results table goes to stdout. */
export function progress(line: string): void {
  console.error(`  ${line}`);
}

export async function seedFor(kind: ServerKind, plan: SeedPlan): Promise<Seeded> {
  return OUR_KINDS.includes(kind) ? await seed(plan) : fakeSeed(plan);
}

/**
 * Starts a server on `seeded`'s KV (with `env` on top of the bench's), runs `fn`,
 * then closes clients and stops it.
 */
export async function withServer<T>(
  kind: ServerKind,
  seeded: Seeded,
  fn: (server: RunningServer, track: (clients: BenchClient[]) => BenchClient[]) => Promise<T>,
  options: { env?: Record<string, string> } = {},
): Promise<T> {
  const server = await startServer(kind, { kvPath: seeded.kvPath || undefined, env: options.env });
  const all: BenchClient[][] = [];
  try {
    return await fn(server, (clients) => {
      all.push(clients);
      return clients;
    });
  } catch (err) {
    const out = server.output().trim();
    if (out) progress(`server output (last 2000 chars):\n${out.slice(-2000)}`);
    throw err;
  } finally {
    for (const clients of all) closeAll(clients);
    await server.stop();
    if (seeded.kvPath) {
      await Deno.remove(seeded.kvPath.replace(/\/[^/]+$/, ""), { recursive: true }).catch(() => {});
    }
  }
}

/** One entry per member of `rooms`: its user and its room. */
export function membersOf(seeded: Seeded) {
  return seeded.rooms.flatMap((room) =>
    room.members.map((m) => ({ user: seeded.users[m], rooms: [room.id] }))
  );
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One room's fan-out (each client sending `rate` messages per second into it),
 * measured once alone and once while `alongside` runs (logins, uploads): both
 * results, and what `alongside` answered.
 */
export async function fanoutWithAndWithout<T>(options: {
  tags: [string, string];
  roomId: string;
  clients: BenchClient[];
  server: RunningServer;
  rate: number;
  warmupMs: number;
  measureMs: number;
  drainIdleMs: number;
  /** Runs during the second measurement's warm-up and window (until `windowEnd`). */
  alongside(windowEnd: number): Promise<T>;
  /** Told the first result before the second run starts (progress lines). */
  onBaseline?(baseline: DriveResult): void;
}): Promise<{ baseline: DriveResult; loaded: DriveResult; extra: T }> {
  const { clients, roomId } = options;
  const run = async (tag: string, alongside?: (windowEnd: number) => Promise<void>) => {
    const ledger = new Ledger(tag);
    const book = ledger.room(roomId, clients.length);
    clients.forEach((client, slot) => ledger.attach(client, book, slot));
    return await drive({
      ledger,
      senders: clients.map((client) => ({ client, book })),
      rate: options.rate,
      warmupMs: options.warmupMs,
      measureMs: options.measureMs,
      drainIdleMs: options.drainIdleMs,
      server: options.server,
      alongside,
    });
  };
  const baseline = await run(options.tags[0]);
  options.onBaseline?.(baseline);
  let extra: T | undefined;
  const loaded = await run(options.tags[1], async (until) => {
    extra = await options.alongside(until);
  });
  return { baseline, loaded, extra: extra as T };
}
