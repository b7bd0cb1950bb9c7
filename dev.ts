/**
 * Dev entry: `deno task dev`. Watches islands/, components/, routes/, lib/ and
 * static/, restarting the server (which rebuilds the island bundle in memory) on
 * every change; open pages reload by themselves (see lib/islands/watch.ts).
 */

import { DEV_CHILD_ENV, superviseDevServer } from "./lib/islands/watch.ts";

if (Deno.env.get(DEV_CHILD_ENV) === "1") {
  const { loadConfig } = await import("./lib/config.ts");
  const { createChatServer } = await import("./lib/server.ts");
  const config = loadConfig();
  const server = await createChatServer(config, { dev: true });
  const controller = new AbortController();
  Deno.serve({
    port: config.port,
    hostname: config.hostname,
    signal: controller.signal,
    onListen({ hostname, port }) {
      const shown = hostname === "0.0.0.0" ? "localhost" : hostname;
      console.log(`Dev server on http://${shown}:${port}/`);
    },
  }, server.fetch);
  Deno.addSignalListener("SIGTERM", async () => {
    // Not waiting for open requests: the reload event streams never end.
    controller.abort();
    await server.shutdown();
    Deno.exit(0);
  });
} else {
  await superviseDevServer({
    entry: import.meta.url,
    root: new URL(".", import.meta.url).pathname,
    watch: ["islands", "components", "routes", "lib", "static"],
  });
}
