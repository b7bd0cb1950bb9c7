/**
 * @module The chat server as one object: a `fetch` handler for Deno.serve or
 * `deno serve`, and a graceful `shutdown`.
 */

import type { Config } from "./config.ts";
import { createServices, type ServiceOptions, type Services } from "./services.ts";
import { createApp } from "./http/app.ts";
import { CLOSE_RESTARTING } from "./protocol/limits.ts";
import { errorFields, log, setLogLevel } from "./log.ts";

export interface ChatServer {
  fetch(req: Request, info?: Deno.ServeHandlerInfo): Response | Promise<Response>;
  /** Stops taking sockets, closes them with 1012, flushes commits, stops presence. */
  shutdown(): Promise<void>;
  services: Services;
}

export interface ChatServerOptions extends ServiceOptions {
  dev?: boolean;
}

export async function createChatServer(
  config: Config,
  options: ChatServerOptions = {},
): Promise<ChatServer> {
  setLogLevel(config.logLevel);
  const services = await createServices(config, options);
  const app = createApp(services);
  let stopping = false;
  let stopped: Promise<void> | undefined;
  return {
    services,
    fetch(req, info) {
      if (stopping && req.headers.get("upgrade")?.toLowerCase() === "websocket") {
        return new Response(
          JSON.stringify({ error: { code: "internal", message: "Server is restarting" } }),
          { status: 503, headers: { "content-type": "application/json", "retry-after": "1" } },
        );
      }
      return app.fetch(req, { info });
    },
    shutdown() {
      stopping = true;
      stopped ??= (async () => {
        services.hub.closeAll(CLOSE_RESTARTING, "Server restarting");
        await services.messages.flush();
        try {
          await services.presence.stop();
        } catch (err) {
          log.warn("presence_stop_failed", errorFields(err));
        }
        services.feeds.close();
        await services.bus.close();
        services.hasher.close();
        services.kv.close();
      })();
      return stopped;
    },
  };
}
