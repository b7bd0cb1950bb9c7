/**
 * Multi-isolate entry: `deno task serve` runs `deno serve --parallel serve.ts`, one
 * isolate per core, each with its own server object over the same KV. Isolates
 * share nothing in memory: KV (and BroadcastChannel, when on) carries everything.
 */

import { loadConfig } from "./lib/config.ts";
import { createChatServer } from "./lib/server.ts";

const server = await createChatServer(loadConfig());

try {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    Deno.addSignalListener(signal, () => {
      server.shutdown().finally(() => Deno.exit(0));
    });
  }
} catch {
  // Some hosts do not let isolates listen for signals; they stop them themselves.
}

export default { fetch: server.fetch } satisfies Deno.ServeDefaultExport;
