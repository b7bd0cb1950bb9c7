/**
 * @module Cold start: from spawning the server process to its first successful
 * response (ours: `GET /api/me` with a seeded session, 200; the peers: `GET /health`).
 * One unmeasured start first warms the disk cache and Deno's module cache, as any
 * restart of a deployed server would find them; the island bundle is built first
 * (`deno task build`), as deploying does.
 */

import { seedFor, sleep } from "./_common.ts";
import type { Params } from "../params.ts";
import { commandFor, freePort, OUR_KINDS, probePath, type ServerKind } from "../servers.ts";
import { median, round } from "../stats.ts";
import { progress } from "./_common.ts";

export interface ColdStartResult {
  server: ServerKind;
  runs: number[];
  median: number;
}

async function once(kind: ServerKind, kvPath: string, token: string): Promise<number> {
  const port = freePort();
  const { cmd, args, cwd, env } = commandFor(kind, port, { kvPath });
  const url = `http://127.0.0.1:${port}${probePath(kind)}`;
  const headers = token ? { authorization: `Bearer ${token}` } : undefined;
  const start = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  })
    .spawn();
  try {
    while (performance.now() - start < 30_000) {
      try {
        const res = await fetch(url, { headers });
        await res.body?.cancel();
        if (res.ok) return performance.now() - start;
      } catch {
        // not listening yet
      }
      await sleep(2);
    }
    throw new Error(`Server "${kind}" gave no successful response in 30 s`);
  } finally {
    child.kill("SIGTERM");
    await child.status;
  }
}

/**
 * `deno task build`: deployed servers start from the prebuilt island bundle in
 * `_build/` (docs/web.md); without it every start bundles in memory first.
 */
export async function buildIslands(): Promise<void> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "build"],
    cwd: new URL("../../", import.meta.url).pathname,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) throw new Error(`deno task build failed:\n${new TextDecoder().decode(stderr)}`);
}

let built = false;

export async function coldStart(kind: ServerKind, params: Params): Promise<ColdStartResult> {
  if (OUR_KINDS.includes(kind) && !built) {
    await buildIslands();
    built = true;
  }
  const seeded = await seedFor(kind, { users: 1, roomSize: 1 });
  const token = seeded.users[0].token;
  try {
    await once(kind, seeded.kvPath, token);
    const runs: number[] = [];
    for (let i = 0; i < params.coldStart.runs; i++) {
      runs.push(await once(kind, seeded.kvPath, token));
    }
    const result = { server: kind, runs, median: median(runs) };
    progress(
      `first successful response after ${runs.map(round).join(", ")} ms (median ${
        round(result.median)
      })`,
    );
    return result;
  } finally {
    if (seeded.kvPath) {
      await Deno.remove(seeded.kvPath.replace(/\/[^/]+$/, ""), { recursive: true }).catch(() => {});
    }
  }
}
