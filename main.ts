/**
 * Production entry: `deno task start`. One process, embedded KV (or KV Connect),
 * graceful shutdown on SIGINT/SIGTERM.
 */

import { loadConfig } from "./lib/config.ts";
import { createChatServer } from "./lib/server.ts";
import { log } from "./lib/log.ts";

const config = loadConfig();
const server = await createChatServer(config);
const controller = new AbortController();
const httpServer = Deno.serve({
  port: config.port,
  hostname: config.hostname,
  signal: controller.signal,
  onListen({ hostname, port }) {
    const shown = hostname === "0.0.0.0" ? "localhost" : hostname;
    console.log(`Listening on http://${shown}:${port}/`);
  },
}, server.fetch);

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info("shutdown", { signal });
  // Stop accepting first; then close sockets (1012) and flush what was acknowledged.
  controller.abort();
  await server.shutdown();
  await httpServer.finished.catch(() => {});
  Deno.exit(0);
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => void stop(signal));
}
