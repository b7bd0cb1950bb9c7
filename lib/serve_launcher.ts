/**
 * @module `deno task serve`: runs `deno serve --parallel serve.ts` on the address that
 * `PORT` and `HOSTNAME` name, as `deno task start` does.
 *
 * `deno serve` takes its address only from `--port`/`--host` or `DENO_SERVE_ADDRESS`,
 * and a task cannot give a variable a default, so this small parent builds the flags
 * from the same configuration `main.ts` reads (validating all of it before any
 * isolate starts), runs `deno serve` with them, passes signals on and exits with its
 * status. `DENO_SERVE_ADDRESS`, when set, is passed through and wins over the flags,
 * as it does for `deno serve` itself (it takes IP addresses only, no host names).
 */

import { loadConfig, SERVER_PERMISSIONS } from "./config.ts";

const SERVE_ENTRY = new URL("../serve.ts", import.meta.url);

/** The `deno serve` arguments for this environment (`extra` goes before the entry). */
export function serveArgs(
  env: Record<string, string | undefined>,
  extra: string[] = [],
): string[] {
  const { port, hostname } = loadConfig(env);
  return [
    "serve",
    "--parallel",
    ...SERVER_PERMISSIONS,
    "--port",
    String(port),
    "--host",
    hostname,
    ...extra,
    SERVE_ENTRY.pathname,
  ];
}

async function launch(): Promise<number> {
  let args: string[];
  try {
    args = serveArgs(Deno.env.toObject(), Deno.args);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  // Ctrl-C in a terminal reaches both processes; a signal sent to this one alone
  // (a supervisor's SIGTERM) is passed on. The server's shutdown runs once either way.
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    Deno.addSignalListener(signal, () => {
      try {
        child.kill(signal);
      } catch { /* already exited */ }
    });
  }
  // Killed by a signal, the code is 128 + its number, as a shell reports it.
  return (await child.status).code;
}

if (import.meta.main) Deno.exit(await launch());
