/**
 * @module The chat server as one object: a `fetch` handler for Deno.serve or
 * `deno serve`, and a graceful `shutdown`.
 */

import type { Config } from "./config.ts";
import { createServices, type ServiceOptions, type Services, stopServices } from "./services.ts";
import { createApp, warmPages } from "./http/app.ts";
import { errorResponse } from "./http/errors.ts";
import { BadRequestError } from "./errors.ts";
import { loadIslands } from "./islands/assets.ts";
import { CLOSE_RESTARTING } from "./protocol/limits.ts";
import { setLogLevel } from "./log.ts";

export interface ChatServer {
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Response | Promise<Response>;
  /** Stops taking sockets, closes them with 1012, flushes commits, stops presence. */
  shutdown(): Promise<void>;
  services: Services;
}

export interface ChatServerOptions extends ServiceOptions {
  /** Development: unminified islands with source maps, and pages reload on restart. */
  dev?: boolean;
}

export async function createChatServer(
  config: Config,
  options: ChatServerOptions = {},
): Promise<ChatServer> {
  setLogLevel(config.logLevel);
  // Islands first: bundling (when there is no fresh _build/) should not hold KV.
  const assets = await loadIslands({ dev: options.dev, deferComponents: true });
  const services = await createServices(config, options);
  const app = createApp(services, assets);
  let stopping = false;
  let stopped: Promise<void> | undefined;
  let warm = false;
  return {
    services,
    fetch(req, info) {
      if (stopping && req.headers.get("upgrade")?.toLowerCase() === "websocket") {
        return new Response(
          JSON.stringify({ error: { code: "internal", message: "Server is restarting" } }),
          { status: 503, headers: { "content-type": "application/json", "retry-after": "1" } },
        );
      }
      // Deno builds req.url from the Host header as sent: one with a space or a ";"
      // makes it an invalid URL, and every `new URL(req.url)` after this would throw
      // (a 500 and an error log line per request). Refused here, once, with a 400.
      if (!URL.canParse(req.url)) {
        return errorResponse(new BadRequestError("Malformed request: the Host header is invalid"));
      }
      const answer = app.fetch(req, { info });
      if (!warm) {
        // The pages load once the first answer is on its way (lib/http/pages.ts).
        warm = true;
        Promise.resolve(answer).then(() => warmPages(assets), () => warmPages(assets));
      }
      return answer;
    },
    shutdown() {
      stopping = true;
      stopped ??= (async () => {
        services.hub.closeAll(CLOSE_RESTARTING, "Server restarting");
        await stopServices(services);
      })();
      return stopped;
    },
  };
}
