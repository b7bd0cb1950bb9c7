/**
 * @module Command-line parsing of the terminal client: flags anywhere, `--name value`
 * or `--name=value`, `--` ends the flags. Which flags and how many arguments each
 * subcommand takes is checked by the command table (`commands.ts`).
 */

import { UsageError } from "./errors.ts";

export interface Flags {
  server?: string;
  json: boolean;
  help: boolean;
  version: boolean;
  passwordStdin: boolean;
  private: boolean;
  follow: boolean;
  limit?: number;
  topic?: string;
  /** `send --reply SEQ`: the message answered. */
  reply?: number;
  /** `react --off`: remove my reaction. */
  off: boolean;
  /** `upload --text TEXT`: the caption of the message carrying the files. */
  text?: string;
  /** `download -o PATH`: where to save (`-` for stdout, a directory for its own name). */
  output?: string;
  /** `download --force`: overwrite an existing file. */
  force: boolean;
  /** `send --thread SEQ`: a reply in the thread of message SEQ. */
  thread?: number;
  /** `send --thread SEQ --also-in-room`: shown in the room's timeline too. */
  alsoInRoom: boolean;
  /** `tail --mentions`: the messages that mention me, across my rooms. */
  mentions: boolean;
  /** `search --all`: every page of results (up to a bound). */
  all: boolean;
  /** `profile --display-name NAME`. */
  displayName?: string;
  /** `profile --clear-display-name`: back to my username. */
  clearDisplayName: boolean;
  /** `avatar --remove`. */
  remove: boolean;
  /** `sessions --end ID`. */
  end?: string;
  /** `sessions --end-others`. */
  endOthers: boolean;
  /** `room ROOM --rename NAME`. */
  rename?: string;
  /** `delete-room ROOM --yes`: no second thoughts. */
  yes: boolean;
  /** `register USER --invite CODE`. */
  invite?: string;
  /** `admin invite --uses N`: how many registrations the code allows. */
  uses?: number;
  /** `admin invite --expires 7d`: days until the code expires. */
  expires?: number;
}

export type FlagName = Exclude<keyof Flags, "help" | "version">;

export interface ParsedArgs {
  /** The subcommand; undefined for the interactive mode. */
  command?: string;
  positionals: string[];
  flags: Flags;
  /** The flags that were given, by their canonical name. */
  given: Set<keyof Flags>;
}

interface FlagSpec {
  name: keyof Flags;
  value?: "string" | "count" | "seq" | "uses" | "days";
}

const FLAGS: Record<string, FlagSpec> = {
  "--server": { name: "server", value: "string" },
  "-s": { name: "server", value: "string" },
  "--json": { name: "json" },
  "--help": { name: "help" },
  "-h": { name: "help" },
  "--version": { name: "version" },
  "--password-stdin": { name: "passwordStdin" },
  "--private": { name: "private" },
  "--follow": { name: "follow" },
  "-f": { name: "follow" },
  "--limit": { name: "limit", value: "count" },
  "-n": { name: "limit", value: "count" },
  "--topic": { name: "topic", value: "string" },
  "--reply": { name: "reply", value: "seq" },
  "-r": { name: "reply", value: "seq" },
  "--off": { name: "off" },
  "--text": { name: "text", value: "string" },
  "-t": { name: "text", value: "string" },
  "--output": { name: "output", value: "string" },
  "-o": { name: "output", value: "string" },
  "--force": { name: "force" },
  "--thread": { name: "thread", value: "seq" },
  "--also-in-room": { name: "alsoInRoom" },
  "--mentions": { name: "mentions" },
  "--all": { name: "all" },
  "--display-name": { name: "displayName", value: "string" },
  "--clear-display-name": { name: "clearDisplayName" },
  "--remove": { name: "remove" },
  "--end": { name: "end", value: "string" },
  "--end-others": { name: "endOthers" },
  "--rename": { name: "rename", value: "string" },
  "--yes": { name: "yes" },
  "-y": { name: "yes" },
  "--invite": { name: "invite", value: "string" },
  "--uses": { name: "uses", value: "uses" },
  "--expires": { name: "expires", value: "days" },
};

/** The most registrations one invite code allows, and the longest it lasts (the server's). */
export const INVITE_USES_MAX = 1000;
export const INVITE_DAYS_MAX = 365;

/** The most messages `history` and `tail` fetch (paging 100 at a time). */
export const LIMIT_MAX = 10_000;

function parseCount(flag: string, value: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1 || Number(value) > LIMIT_MAX) {
    throw new UsageError(`Option ${flag} must be a number from 1 to ${LIMIT_MAX}: got "${value}"`);
  }
  return Number(value);
}

function parseUses(flag: string, value: string): number {
  if (!/^\d{1,4}$/.test(value) || Number(value) < 1 || Number(value) > INVITE_USES_MAX) {
    throw new UsageError(
      `Option ${flag} must be a number from 1 to ${INVITE_USES_MAX}: got "${value}"`,
    );
  }
  return Number(value);
}

/** `7d`, `7` (days) or `2w` (weeks): whole days from 1 to {@linkcode INVITE_DAYS_MAX}. */
export function parseDays(flag: string, value: string): number {
  const match = /^(\d{1,3})([dw]?)$/i.exec(value.trim());
  const days = match ? Number(match[1]) * (match[2].toLowerCase() === "w" ? 7 : 1) : NaN;
  if (!(days >= 1 && days <= INVITE_DAYS_MAX)) {
    throw new UsageError(
      `Option ${flag} must be days (7d) or weeks (2w), from 1 to ${INVITE_DAYS_MAX} days: got "${value}"`,
    );
  }
  return days;
}

/**
 * A message's seq as a user gives it: `12` or `#12` (as `history` prints it).
 * Throws {@linkcode UsageError} naming `what`.
 */
export function parseSeq(value: string, what = "SEQ"): number {
  const digits = value.startsWith("#") ? value.slice(1) : value;
  if (!/^\d{1,15}$/.test(digits) || Number(digits) < 1) {
    throw new UsageError(
      `${what} must be a message number (as history shows it, e.g. 12 or #12): got "${value}"`,
    );
  }
  return Number(digits);
}

/** Parses argv (without the program name). Throws {@linkcode UsageError}. */
export function parseArgs(argv: string[]): ParsedArgs {
  const flags: Flags = {
    json: false,
    help: false,
    version: false,
    passwordStdin: false,
    private: false,
    follow: false,
    off: false,
    force: false,
    alsoInRoom: false,
    mentions: false,
    all: false,
    clearDisplayName: false,
    remove: false,
    endOthers: false,
    yes: false,
  };
  const given = new Set<keyof Flags>();
  const positionals: string[] = [];
  let onlyPositionals = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (onlyPositionals || arg === "-" || !arg.startsWith("-")) {
      positionals.push(arg);
      continue;
    }
    if (arg === "--") {
      onlyPositionals = true;
      continue;
    }
    const eq = arg.indexOf("=");
    const key = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const spec = FLAGS[key];
    if (!spec) {
      // `chat search budget -draft`: an exclusion, not an option.
      const hint = positionals[0] === "search"
        ? `: to exclude a word, quote the whole query ('${
          [...positionals.slice(1), key].join(" ")
        }') or put -- before it`
        : "";
      throw new UsageError(`Unknown option: "${key}"${hint}`);
    }
    given.add(spec.name);
    if (!spec.value) {
      if (key !== arg) throw new UsageError(`Option ${key} takes no value`);
      (flags[spec.name] as boolean) = true;
      continue;
    }
    let value: string;
    if (key !== arg) {
      value = arg.slice(eq + 1);
    } else {
      if (i + 1 >= argv.length) throw new UsageError(`Option ${key} needs a value`);
      value = argv[++i];
    }
    if (spec.value === "count") flags.limit = parseCount(key, value);
    else if (spec.value === "uses") flags.uses = parseUses(key, value);
    else if (spec.value === "days") flags.expires = parseDays(key, value);
    else if (spec.value === "seq") {
      (flags[spec.name] as number) = parseSeq(value, `Option ${key}`);
    } else (flags[spec.name] as string) = value;
  }
  const [command, ...rest] = positionals;
  return { command, positionals: rest, flags, given };
}

/** Normalizes a server URL: adds http:// when no scheme, drops trailing slashes. */
export function normalizeServer(value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`Invalid server URL: "${value}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`Server URL must start with http:// or https://: got "${value}"`);
  }
  if (url.search || url.hash) {
    throw new UsageError(`Server URL must not have a query or fragment: got "${value}"`);
  }
  return url.origin + url.pathname.replace(/\/+$/, "");
}
