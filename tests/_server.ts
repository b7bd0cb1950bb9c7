/**
 * @module Starts the real server as a child process on a random port for tests:
 * `deno run main.ts` (or `deno serve --parallel serve.ts`) with a temp or given KV.
 */

const ROOT = new URL("../", import.meta.url);

export interface TestServer {
  url: string;
  port: number;
  kvPath: string;
  /** Graceful stop (SIGTERM), waiting for the process to exit. */
  stop(): Promise<void>;
  /** kill -9. */
  kill(): Promise<void>;
  /** Everything the server printed so far. */
  output(): string;
  process: Deno.ChildProcess;
}

export interface StartOptions {
  /** Run `deno serve --parallel` with this many isolates instead of `main.ts`. */
  parallel?: number;
  /**
   * With `parallel`: start it as a user does, `deno task serve` with `PORT` and
   * `HOSTNAME` in the environment, rather than `deno serve --port` directly.
   */
  task?: boolean;
  kvPath?: string;
  env?: Record<string, string>;
  port?: number;
}

const tempDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of tempDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch { /* already gone */ }
  }
});

/** A fresh KV file path in a temp dir (removed when the test process exits). */
export async function tempKvPath(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "chat-test-" });
  tempDirs.push(dir);
  return `${dir}/chat.db`;
}

export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const kvPath = options.kvPath ?? await tempKvPath();
  const port = options.port ?? 0;
  const common = ["--unstable-kv", "--allow-all"];
  const servePort = options.parallel ? port || freePort() : port;
  const args = !options.parallel
    ? ["run", ...common, "--quiet", "main.ts"]
    : options.task
    ? ["task", "--quiet", "serve"]
    : ["serve", ...common, "--parallel", "--port", String(servePort), "serve.ts"];
  const env: Record<string, string> = {
    KV_PATH: kvPath,
    PORT: String(servePort),
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...options.env,
  };
  if (options.parallel) env.DENO_JOBS = String(options.parallel);
  const process = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let out = "";
  const decoder = new TextDecoder();
  let resolveUrl: (url: string) => void;
  const urlPromise = new Promise<string>((resolve) => resolveUrl = resolve);
  let listening = 0;
  const want = options.parallel ?? 1;
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      out += decoder.decode(chunk, { stream: true });
      const found = [...out.matchAll(/Listening on (http:\/\/[^\s/]+)/g)];
      if (found.length && found.length !== listening) {
        listening = found.length;
        // `deno serve --parallel` prints one line for all isolates.
        if (options.parallel || listening >= want) resolveUrl(found[0][1]);
      }
    }
  };
  const pumps = Promise.all([pump(process.stdout), pump(process.stderr)]);
  const status = process.status;
  const url = await Promise.race([
    urlPromise,
    status.then((s) => {
      throw new Error(`Server exited (${s.code}) before listening:\n${out}`);
    }),
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`Server did not start in 20 s:\n${out}`)), 20_000)
    ),
  ]);
  const normalized = url.replace("0.0.0.0", "127.0.0.1").replace("localhost", "127.0.0.1");
  if (options.parallel) await untilAnswering(normalized, options.parallel * 4);
  const exited = async () => {
    await status;
    await pumps.catch(() => {});
  };
  return {
    url: normalized,
    port: Number(new URL(normalized).port),
    kvPath,
    process,
    output: () => out,
    async stop() {
      try {
        process.kill("SIGTERM");
      } catch { /* already gone */ }
      await exited();
    },
    async kill() {
      try {
        process.kill("SIGKILL");
      } catch { /* already gone */ }
      await exited();
    },
  };
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Waits until `n` requests in a row are answered (every isolate is up). */
async function untilAnswering(url: string, n: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  let answered = 0;
  while (answered < n) {
    if (Date.now() > deadline) throw new Error(`Server at ${url} does not answer`);
    try {
      const res = await fetch(`${url}/api/me`);
      await res.body?.cancel();
      answered = res.status === 401 ? answered + 1 : 0;
    } catch {
      answered = 0;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
