/**
 * @module What every scenario does around its measurement: seed (KV for ours,
 * names only for the peers), start the server, connect, and always clean up.
 */

import { type BenchClient, closeAll } from "../load/clients.ts";
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
