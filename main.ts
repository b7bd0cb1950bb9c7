/**
 * Production entry: `deno task start`. One process, embedded KV (or KV Connect),
 * graceful shutdown on SIGINT/SIGTERM.
 */

import { loadConfig } from "./lib/config.ts";
import { createChatServer } from "./lib/server.ts";
import { errorFields, log } from "./lib/log.ts";

/**
 * Connections the kernel holds for us before we accept them. Deno's default (511)
 * overflows when every client reconnects at once, after a restart or a network
 * blip: a connection that finds the queue full has its SYN dropped and retried a
 * second later (then 3 s, 7 s…). Linux caps it at `net.core.somaxconn` (4,096 by
 * default since 5.4).
 */
const TCP_BACKLOG = 4096;

const config = loadConfig();
const server = await createChatServer(config);
const controller = new AbortController();
let stopping = false;
let httpServer = listen(config.port);

/**
 * Deno.serve's accept loop ends for good on an accept error: when the process runs
 * out of file descriptors (EMFILE: e.g. a flood of connections that never send a
 * request, which Deno.serve does not time out), `finished` rejects and the listener
 * is closed, and the unhandled rejection would end the process. Instead, log it and
 * listen again on the same port, until it works: open sockets are kept throughout
 * and new connections are taken again as soon as descriptors are free.
 */
function listen(port: number, restart = false): Deno.HttpServer<Deno.NetAddr> {
  const http = Deno.serve({
    port,
    hostname: config.hostname,
    tcpBacklog: TCP_BACKLOG,
    signal: controller.signal,
    onListen({ hostname, port }) {
      if (restart) return log.warn("listener_restarted", { port });
      const shown = hostname === "0.0.0.0" ? "localhost" : hostname;
      console.log(`Listening on http://${shown}:${port}/`);
    },
  }, server.fetch);
  http.finished.catch((err) => {
    if (stopping) return;
    log.error("listener_failed", errorFields(err));
    const retry = () => {
      if (stopping) return;
      try {
        httpServer = listen(http.addr.port, true);
      } catch (err) {
        log.warn("listener_restart_failed", errorFields(err));
        setTimeout(retry, 1000);
      }
    };
    setTimeout(retry, 250);
  });
  return http;
}

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
