/**
 * @module Test helpers for the terminal client: runs `cli/main.ts` as a user would
 * (a child process with the permissions of `deno task cli`), with its own config
 * directory, and reads its output.
 */

import assert from "node:assert/strict";
import { newUser, USER_PASSWORD } from "./_clients.ts";

const ROOT = new URL("../", import.meta.url);

/** The permissions `deno task cli` grants: the tests prove they are enough. */
export const CLI_PERMISSIONS = ["--allow-net", "--allow-env", "--allow-read", "--allow-write"];

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** XDG_CONFIG_HOME of the run. */
  config: string;
  server?: string;
  stdin?: string;
  env?: Record<string, string>;
}

function command(args: string[], options: CliOptions, stdin: "piped" | "null") {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...CLI_PERMISSIONS, "cli/main.ts", ...args],
    cwd: ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
      HOME: Deno.env.get("HOME") ?? options.config,
      XDG_CONFIG_HOME: options.config,
      NO_COLOR: "1",
      ...(Deno.env.get("DENO_DIR") ? { DENO_DIR: Deno.env.get("DENO_DIR")! } : {}),
      ...(options.server ? { CHAT_SERVER: options.server } : {}),
      ...options.env,
    },
    stdin,
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs the client to completion. */
export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const child = command(args, options, options.stdin === undefined ? "null" : "piped").spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** A running client whose output is collected as it comes (`tail --follow`). */
export interface RunningCli {
  process: Deno.ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Waits for the exit; answers the result. */
  done(): Promise<CliResult>;
}

export function spawnCli(args: string[], options: CliOptions): RunningCli {
  const process = command(args, options, "null").spawn();
  let out = "";
  let err = "";
  const pump = async (stream: ReadableStream<Uint8Array>, add: (s: string) => void) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) add(decoder.decode(chunk, { stream: true }));
  };
  const pumps = Promise.all([
    pump(process.stdout, (s) => out += s),
    pump(process.stderr, (s) => err += s),
  ]);
  return {
    process,
    stdout: () => out,
    stderr: () => err,
    async done() {
      const status = await process.status;
      await pumps;
      return { code: status.code, stdout: out, stderr: err };
    },
  };
}

/** A fresh config directory (XDG_CONFIG_HOME) for one client. */
export function tempConfig(): Promise<string> {
  return Deno.makeTempDir({ prefix: "chat-cli-" });
}

/** Where the client keeps its credentials under a config directory. */
export function credentialsFile(config: string): string {
  return `${config}/deno-chat/credentials.json`;
}

/** `s` quoted for a POSIX shell (tmux runs the interactive client through one). */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * A user of the API (tests/_clients.ts `newUser`), also logged in with the client
 * in its own config directory; `cli` runs a command as them.
 */
export async function cliUser(server: string, prefix: string) {
  const api = await newUser(server, prefix);
  const me = await api.me();
  const config = await tempConfig();
  const login = await runCli(["login", me.username, "--password-stdin"], {
    config,
    server,
    stdin: `${USER_PASSWORD}\n`,
  });
  assert.equal(login.code, 0, login.stderr);
  const cli = (args: string[], stdin?: string) => runCli(args, { config, server, stdin });
  return { api, me, config, cli };
}

/**
 * The shell command that runs the interactive client with a config directory (for
 * a tmux pane): it prints its exit code and keeps the pane for the test to read.
 */
export function interactiveCommand(config: string, server: string): string {
  const cli = [
    "env",
    `XDG_CONFIG_HOME=${shellQuote(config)}`,
    "TERM=xterm-256color",
    shellQuote(Deno.execPath()),
    "run",
    "--quiet",
    ...CLI_PERMISSIONS,
    "cli/main.ts",
    "--server",
    server,
  ].join(" ");
  return `cd ${shellQuote(ROOT.pathname)} && ${cli}; echo "[exit $?]"; sleep 600`;
}
