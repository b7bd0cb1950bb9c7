/**
 * @module The dev supervisor behind `deno task dev`: runs the server in a child
 * process and restarts it when a watched file changes.
 *
 * Why restart instead of rebuilding the bundle in place: the server renders the
 * same island modules it ships, and Deno cannot reload a module it has already
 * imported, so a rebuilt browser bundle next to stale server code would fail
 * hydration. A restart rebuilds both in about a second. Open pages notice: their
 * `/_dev/reload` event stream drops, reconnects to the new server, receives a new
 * build id and reloads.
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_PERMISSIONS } from "../config.ts";

/** Set to "1" in the child's environment: the entry then runs the server. */
export const DEV_CHILD_ENV = "CHAT_DEV_CHILD";

export interface SuperviseOptions {
  /** The entry module (file URL), run again as the child. */
  entry: string;
  /** Folder with the watched folders. */
  root: string;
  /** Folders to watch, relative to `root`. */
  watch: string[];
  /** Stops the child and returns (besides SIGINT and SIGTERM). */
  signal?: AbortSignal;
}

/** Changes that never need a restart. */
function ignored(path: string): boolean {
  return /(^|\/)(\.git|_build|test-artifacts|node_modules)\//.test(path) ||
    /_test\.tsx?$|~$|\.swp$/.test(path);
}

/** Runs the child and restarts it on changes; returns on SIGINT, SIGTERM or `signal`. */
export async function superviseDevServer(options: SuperviseOptions): Promise<void> {
  const entry = fileURLToPath(options.entry);
  let child: Deno.ChildProcess | null = null;

  function start(): void {
    child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...SERVER_PERMISSIONS, entry],
      env: { [DEV_CHILD_ENV]: "1" },
      stdin: "null",
    }).spawn();
    const running = child;
    running.status.then((status) => {
      if (child === running && !status.success) {
        console.error(`Dev server exited with code ${status.code}; waiting for a change`);
      }
    });
  }

  async function stop(): Promise<void> {
    const running = child;
    child = null;
    if (!running) return;
    try {
      running.kill("SIGTERM");
    } catch {
      return; // Already exited.
    }
    const timer = setTimeout(() => {
      try {
        running.kill("SIGKILL");
      } catch { /* exited meanwhile */ }
    }, 3_000);
    await running.status;
    clearTimeout(timer);
  }

  const paths = options.watch.map((dir) => join(options.root, dir));
  const watcher = Deno.watchFs(paths, { recursive: true });
  const quit = () => watcher.close();
  Deno.addSignalListener("SIGINT", quit);
  Deno.addSignalListener("SIGTERM", quit);
  options.signal?.addEventListener("abort", quit);

  start();
  let timer: ReturnType<typeof setTimeout> | undefined;
  for await (const event of watcher) {
    if (event.kind === "access" || event.paths.every(ignored)) continue;
    // Editors save in bursts (write, rename, chmod): restart once they settle.
    clearTimeout(timer);
    timer = setTimeout(async () => {
      console.log(`Changed: ${event.paths.map((p) => p.slice(options.root.length)).join(", ")}`);
      await stop();
      start();
    }, 150);
  }
  clearTimeout(timer);
  Deno.removeSignalListener("SIGINT", quit);
  Deno.removeSignalListener("SIGTERM", quit);
  options.signal?.removeEventListener("abort", quit);
  await stop();
}
