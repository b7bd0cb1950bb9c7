/**
 * @module Entry of the terminal client `chat`: the interactive mode on a terminal
 * when no subcommand is given, else one scriptable subcommand. Maps every failure
 * to a one-line message on stderr and an exit code (listed in `--help`).
 */

import { parseArgs } from "./args.ts";
import { commandFor, helpText } from "./commands.ts";
import { createContext, explainNotLoggedIn, writeAll } from "./context.ts";
import {
  describeError,
  EXIT,
  exitCodeFor,
  InvalidInputError,
  NotLoggedInError,
  UsageError,
} from "./errors.ts";
import { runInteractive } from "./tui/app.ts";

export const VERSION = "0.1.0";

/** Runs the client with these arguments; answers the exit code. */
export async function main(argv: string[]): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    if (parsed.flags.version) {
      writeAll(Deno.stdout, `chat ${VERSION} (deno-chat protocol v2)\n`);
      return EXIT.OK;
    }
    if (parsed.flags.help || parsed.command === "help") {
      writeAll(Deno.stdout, helpText() + "\n");
      return EXIT.OK;
    }
    if (parsed.command === undefined) {
      if (!Deno.stdin.isTerminal() || !Deno.stdout.isTerminal()) {
        throw new UsageError("The interactive mode needs a terminal: give a command");
      }
      if (parsed.given.size > (parsed.given.has("server") ? 1 : 0)) {
        throw new UsageError("The interactive mode takes only --server");
      }
      return await runInteractive(await createContext(parsed));
    }
    const command = commandFor(parsed);
    await command.run(await createContext(parsed));
    return EXIT.OK;
  } catch (caught) {
    // The reader of our output went away (`chat history x | head -1`): not an error.
    if (caught instanceof Deno.errors.BrokenPipe) return EXIT.OK;
    const err = caught instanceof NotLoggedInError ? await explainNotLoggedIn(caught) : caught;
    const code = exitCodeFor(err);
    const hint = err instanceof UsageError && !(err instanceof InvalidInputError)
      ? " (see chat --help)"
      : "";
    try {
      writeAll(Deno.stderr, `chat: ${describeError(err)}${hint}\n`);
    } catch { /* stderr is gone too */ }
    // Unexpected failures keep their stack for a bug report when asked for.
    if (code === EXIT.ERROR && Deno.env.get("CHAT_DEBUG")) console.error(err);
    return code;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
