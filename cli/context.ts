/**
 * @module What every subcommand works with: the server in use, the saved session
 * for it, an API client carrying its token, the parsed flags and the output.
 */

import { ChatApi, NetworkError } from "../lib/client/http.ts";
import { type Flags, normalizeServer, type ParsedArgs } from "./args.ts";
import { type Credentials, credentialsPath, loadCredentials } from "./config.ts";
import { NotLoggedInError, UnreachableNotLoggedInError } from "./errors.ts";

export const DEFAULT_SERVER = "http://localhost:8000";

/** Where results go: lines of text, or newline-delimited JSON with `--json`. */
export interface Output {
  line(text: string): void;
  json(value: unknown): void;
  /** A notice on stderr (progress, warnings): never mixed into the results. */
  warn(text: string): void;
}

export interface Context {
  server: string;
  flags: Flags;
  positionals: string[];
  credentialsPath: string;
  /** The saved session, when it is for `server`. */
  credentials?: Credentials;
  /** The server of the saved session, when it is for another server. */
  savedServer?: string;
  api: ChatApi;
  out: Output;
}

const encoder = new TextEncoder();

/** Writes all of `text`, even when the OS takes it in pieces. */
export function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length) bytes = bytes.subarray(file.writeSync(bytes));
}

/** Columns to cut long lines to: the terminal's, when printing to one. */
export function outputWidth(): number | undefined {
  try {
    return Deno.stdout.isTerminal() ? Deno.consoleSize().columns : undefined;
  } catch {
    return undefined;
  }
}

export function stdOutput(): Output {
  return {
    line: (text) => writeAll(Deno.stdout, text + "\n"),
    json: (value) => writeAll(Deno.stdout, JSON.stringify(value) + "\n"),
    warn: (text) => writeAll(Deno.stderr, text + "\n"),
  };
}

/**
 * The server to use: `--server`, else `CHAT_SERVER`, else the one of the saved
 * credentials, else {@linkcode DEFAULT_SERVER}.
 */
export function resolveServer(
  sources: { flag?: string; env?: string; saved?: string },
): string {
  const { flag, env, saved } = sources;
  return normalizeServer(flag || env || saved || DEFAULT_SERVER);
}

export async function createContext(
  parsed: ParsedArgs,
  options: { out?: Output; env?: (name: string) => string | undefined } = {},
): Promise<Context> {
  const env = options.env ?? ((name: string) => Deno.env.get(name));
  const path = credentialsPath(env);
  const saved = await loadCredentials(path);
  const server = resolveServer({
    flag: parsed.flags.server,
    env: env("CHAT_SERVER"),
    saved: saved?.server,
  });
  const credentials = saved && normalizeServer(saved.server) === server ? saved : undefined;
  return {
    server,
    flags: parsed.flags,
    positionals: parsed.positionals,
    credentialsPath: path,
    credentials,
    savedServer: saved && !credentials ? normalizeServer(saved.server) : undefined,
    api: new ChatApi(server, { token: credentials?.token }),
    out: options.out ?? stdOutput(),
  };
}

/** The saved session, or {@linkcode NotLoggedInError}. */
export function requireLogin(ctx: Context): Credentials {
  if (!ctx.credentials) throw new NotLoggedInError(ctx.server, ctx.savedServer);
  return ctx.credentials;
}

/** How long {@linkcode explainNotLoggedIn} waits for the server to answer. */
const PROBE_TIMEOUT_MS = 5_000;

/**
 * "Not logged in" is only half the story when the server is down too (a mistyped
 * `--server`, a server not started yet): asks the server, and answers an error that
 * says it cannot be reached (exit 5) when it does not answer, else `err` itself.
 */
export async function explainNotLoggedIn(err: NotLoggedInError): Promise<Error> {
  const api = new ChatApi(err.server, {
    fetch: (input, init) =>
      fetch(input, { ...init, signal: AbortSignal.timeout(PROBE_TIMEOUT_MS) }),
  });
  try {
    await api.me();
  } catch (probe) {
    if (probe instanceof NetworkError) return new UnreachableNotLoggedInError(err);
  }
  return err;
}
