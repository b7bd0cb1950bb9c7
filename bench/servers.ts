/**
 * @module Starting and stopping the servers under test, each as its own process on
 * a random port, and reading their memory and CPU from /proc.
 *
 * - `ours`: `deno run main.ts`, as users run it (`deno task start`'s permissions),
 *   persisting every message to a temp KV file.
 * - `ours-parallel`: `deno serve --parallel serve.ts`, one isolate per core.
 * - `socketio`: a plain Socket.IO chat server on Node (bench/peers/socketio/).
 * - `ceiling`: bare `Deno.serve` WebSockets relaying frames (bench/peers/ceiling.ts).
 * - `ours-base`: `ours` from another checkout (`BENCH_BASE_DIR`, e.g. the commit
 *   before a change), so a change is measured against what it changed, in one run:
 *   `git worktree add /tmp/base HEAD~1 && BENCH_BASE_DIR=/tmp/base deno task bench
 *   --servers=ours,ours-base --only=fanout,many-rooms`. Only run when asked for.
 */

import { SERVER_PERMISSIONS } from "../lib/config.ts";

const ROOT = new URL("../", import.meta.url);
const ROOT_PATH = ROOT.pathname;
const SOCKETIO_DIR = new URL("peers/socketio/", import.meta.url).pathname;

export type ServerKind = "ours" | "ours-parallel" | "socketio" | "ceiling" | "ours-base";
/** What a run measures unless `--servers` says otherwise. */
export const SERVER_KINDS: ServerKind[] = ["ours", "ours-parallel", "socketio", "ceiling"];
/** Every kind `--servers` accepts. */
export const ALL_SERVER_KINDS: ServerKind[] = [...SERVER_KINDS, "ours-base"];
/** The servers that speak the project's wire contract (auth, KV, history). */
export const OUR_KINDS: ServerKind[] = ["ours", "ours-parallel", "ours-base"];

/**
 * The bench raises the per-user send limits (30 burst, 10/s by default): fan-out
 * senders go far past 10 messages per second each. Nothing else is changed.
 */
export const OUR_BENCH_ENV: Record<string, string> = {
  SEND_RATE_BURST: "1000000",
  SEND_RATE_PER_SEC: "1000000",
  LOG_LEVEL: "warn",
};

export interface ServerOptions {
  /** KV file for our servers (seeded beforehand). */
  kvPath?: string;
  env?: Record<string, string>;
  /** Write a V8 CPU profile into this folder (our servers only). */
  cpuProfDir?: string;
  port?: number;
}

export interface RunningServer {
  kind: ServerKind;
  url: string;
  pid: number;
  /** Resident memory of the server process, in KiB. */
  rssKb(): number;
  /** CPU seconds (user + system) the server process used so far. */
  cpuSeconds(): number;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<RunningServer>();
let profileDir: string | undefined;

/** From now on, our servers write V8 CPU profiles into `dir` (`--profile`). */
export function profileServersInto(dir: string): void {
  profileDir = dir;
}

/** Stops every server still running (Ctrl-C, a failed scenario). */
export async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((server) => server.stop()));
}

/** A port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The command line that starts a server of `kind` on `port`. */
export function commandFor(
  kind: ServerKind,
  port: number,
  options: ServerOptions = {},
): { cmd: string; args: string[]; cwd: string; env: Record<string, string> } {
  const prof = options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : [];
  const ours = {
    KV_PATH: options.kvPath ?? ":memory:",
    HOSTNAME: "127.0.0.1",
    PORT: String(port),
    ...OUR_BENCH_ENV,
    ...options.env,
  };
  switch (kind) {
    case "ours":
      return {
        cmd: Deno.execPath(),
        args: ["run", ...SERVER_PERMISSIONS, ...prof, "main.ts"],
        cwd: ROOT_PATH,
        env: ours,
      };
    case "ours-base": {
      const dir = Deno.env.get("BENCH_BASE_DIR");
      if (!dir) throw new Error("ours-base needs BENCH_BASE_DIR: a checkout to compare against");
      return {
        cmd: Deno.execPath(),
        args: ["run", ...SERVER_PERMISSIONS, ...prof, "main.ts"],
        cwd: dir,
        env: ours,
      };
    }
    case "ours-parallel":
      return {
        cmd: Deno.execPath(),
        args: [
          "serve",
          "--parallel",
          ...SERVER_PERMISSIONS,
          ...prof,
          "--host",
          "127.0.0.1",
          "--port",
          String(port),
          "serve.ts",
        ],
        cwd: ROOT_PATH,
        env: ours,
      };
    case "socketio":
      return {
        cmd: "node",
        args: ["server.js"],
        cwd: SOCKETIO_DIR,
        env: { PORT: String(port), HOSTNAME: "127.0.0.1", ...options.env },
      };
    case "ceiling":
      return {
        cmd: Deno.execPath(),
        args: ["run", "--allow-net", "--allow-env", "bench/peers/ceiling.ts"],
        cwd: ROOT_PATH,
        env: { PORT: String(port), HOSTNAME: "127.0.0.1", ...options.env },
      };
  }
}

/** Installs the Socket.IO peer's pinned dependencies when they are missing. */
export async function ensureSocketIoInstalled(): Promise<void> {
  try {
    await Deno.stat(`${SOCKETIO_DIR}node_modules/socket.io/package.json`);
    return;
  } catch {
    // not installed yet
  }
  console.error("Installing the Socket.IO peer (npm ci) …");
  const { code, stderr } = await new Deno.Command("npm", {
    args: ["ci", "--no-audit", "--no-fund", "--loglevel=error"],
    cwd: SOCKETIO_DIR,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    throw new Error(`npm ci failed in ${SOCKETIO_DIR}:\n${new TextDecoder().decode(stderr)}`);
  }
}

/** The path a server of `kind` answers with 2xx once it is ready, for probes. */
export function probePath(kind: ServerKind): string {
  return OUR_KINDS.includes(kind) ? "/api/me" : "/health";
}

export async function startServer(
  kind: ServerKind,
  options: ServerOptions = {},
): Promise<RunningServer> {
  if (kind === "socketio") await ensureSocketIoInstalled();
  const port = options.port ?? freePort();
  const cpuProfDir = options.cpuProfDir ?? (OUR_KINDS.includes(kind) ? profileDir : undefined);
  const { cmd, args, cwd, env } = commandFor(kind, port, { ...options, cpuProfDir });
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let out = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      out += decoder.decode(chunk, { stream: true });
      if (out.length > 1_000_000) out = out.slice(-500_000);
    }
  };
  const pumps = Promise.all([pump(child.stdout), pump(child.stderr)]).catch(() => {});
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  const url = `http://127.0.0.1:${port}`;
  const server: RunningServer = {
    kind,
    url,
    pid: child.pid,
    rssKb: () => readRssKb(child.pid),
    cpuSeconds: () => readCpuSeconds(child.pid),
    output: () => out,
    async stop() {
      running.delete(server);
      if (!exited) {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        // A profiled server writes its profile on the way out: give it time.
        const timer = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, cpuProfDir ? 60_000 : 10_000);
        await status;
        clearTimeout(timer);
      }
      await pumps;
    },
  };
  running.add(server);
  // Ready = answering HTTP. Any answer will do (401 from ours without a token);
  // `deno serve --parallel` announces before every isolate is up, so it must
  // answer a few requests in a row.
  // With a simulated KV latency (deploy-sim) start-up's reads each wait for it: a
  // server seeded with 200 rooms takes over 30 s to start at 94 ms a read.
  const readyMs = options.env?.KV_SIMULATED_LATENCY ? 180_000 : 30_000;
  const deadline = Date.now() + readyMs;
  let answered = 0;
  const want = kind === "ours-parallel" ? 8 : 1;
  while (answered < want) {
    if (exited) throw new Error(`Server "${kind}" exited before it answered:\n${out}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`Server "${kind}" did not answer in ${readyMs / 1000} s:\n${out}`);
    }
    try {
      const res = await fetch(url + probePath(kind));
      await res.body?.cancel();
      answered++;
    } catch {
      answered = 0;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  return server;
}

export function readRssKb(pid: number): number {
  try {
    const status = Deno.readTextFileSync(`/proc/${pid}/status`);
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) : NaN;
  } catch {
    return NaN;
  }
}

const TICKS_PER_SECOND = 100;

export function readCpuSeconds(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    // Fields after the command name (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return NaN;
  }
}

/**
 * The soft and hard limits on open files of this process (inherited by the servers
 * it starts); NaN where /proc cannot tell.
 */
export function openFileLimit(): { soft: number; hard: number } {
  try {
    const limits = Deno.readTextFileSync("/proc/self/limits");
    const match = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(limits);
    const value = (v: string) => v === "unlimited" ? Infinity : Number(v);
    return match ? { soft: value(match[1]), hard: value(match[2]) } : { soft: NaN, hard: NaN };
  } catch {
    return { soft: NaN, hard: NaN };
  }
}
