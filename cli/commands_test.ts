import assert from "node:assert/strict";
import { parseArgs } from "./args.ts";
import { ADMIN_COMMANDS, commandFor, COMMANDS, helpText } from "./commands.ts";
import { ApiError } from "../lib/client/http.ts";
import { describeError, formatWait, UsageError } from "./errors.ts";

Deno.test("commandFor() finds the command and checks its arity", () => {
  assert.equal(commandFor(parseArgs(["send", "general", "hello", "world"])), COMMANDS.send);
  assert.throws(() => commandFor(parseArgs(["join"])), /Missing arguments: usage: chat join ROOM/);
  assert.throws(() => commandFor(parseArgs(["rooms", "extra"])), /Too many arguments/);
  assert.throws(() => commandFor(parseArgs(["frobnicate"])), /Unknown command: "frobnicate"/);
  assert.throws(() => commandFor(parseArgs(["toString"])), UsageError);
});

Deno.test("commandFor() refuses options that do not apply to the command", () => {
  assert.throws(() => commandFor(parseArgs(["rooms", "--follow"])), /--follow does not apply/);
  assert.throws(() => commandFor(parseArgs(["send", "r", "x", "-n", "3"])), /--limit/);
  assert.equal(commandFor(parseArgs(["tail", "r", "-f", "-n", "3", "--json"])), COMMANDS.tail);
});

Deno.test("helpText() lists every command and the exit codes", () => {
  const help = helpText();
  for (const command of Object.values(COMMANDS)) assert.ok(help.includes(command.usage));
  assert.match(help, /Exit codes:/);
  assert.match(help, /5 +the server cannot be reached/);
});

Deno.test("commandFor() knows edit, delete, react and send --reply with their arities", () => {
  assert.equal(commandFor(parseArgs(["edit", "r", "3", "new", "text"])), COMMANDS.edit);
  assert.throws(() => commandFor(parseArgs(["edit", "r", "3"])), /usage: chat edit ROOM SEQ/);
  assert.equal(commandFor(parseArgs(["delete", "r", "3"])), COMMANDS.delete);
  assert.throws(() => commandFor(parseArgs(["delete", "r", "3", "4"])), /Too many/);
  assert.equal(commandFor(parseArgs(["react", "r", "3", "👍", "--off"])), COMMANDS.react);
  assert.throws(() => commandFor(parseArgs(["react", "r", "3"])), /Missing arguments/);
  assert.throws(() => commandFor(parseArgs(["edit", "r", "3", "x", "--off"])), /--off/);
  assert.equal(commandFor(parseArgs(["send", "r", "--reply", "2", "hi"])), COMMANDS.send);
  assert.throws(() => commandFor(parseArgs(["history", "r", "--reply", "2"])), /--reply/);
});

Deno.test("commandFor() knows upload and download with their options", () => {
  const up = parseArgs(["upload", "r", "a.pdf", "b.png", "--text", "the files", "--json"]);
  assert.equal(commandFor(up), COMMANDS.upload);
  assert.equal(up.flags.text, "the files");
  assert.throws(() => commandFor(parseArgs(["upload", "r"])), /usage: chat upload ROOM FILE/);
  const down = parseArgs(["download", "f1", "-o", "-"]);
  assert.equal(commandFor(down), COMMANDS.download);
  assert.equal(down.flags.output, "-");
  assert.equal(commandFor(parseArgs(["download", "f1", "--force"])), COMMANDS.download);
  assert.throws(() => commandFor(parseArgs(["download", "f1", "f2"])), /Too many arguments/);
  assert.throws(() => commandFor(parseArgs(["download", "f1", "--text", "x"])), /--text/);
  assert.throws(() => commandFor(parseArgs(["send", "r", "x", "--force"])), /--force/);
});

Deno.test("describeError() gives the server's reason for a rate limit and the wait", () => {
  const quota = new ApiError(
    "rate_limited",
    "Upload quota reached: 1000 MB per day",
    429,
    5 * 3600_000,
  );
  assert.equal(describeError(quota), "Upload quota reached: 1000 MB per day: try again in 5 h");
  assert.equal(
    describeError(new ApiError("rate_limited", "", 429, 2000)),
    "Too many requests: try again in 2 s",
  );
  assert.equal(formatWait(90_000), "90 s");
  assert.equal(formatWait(10 * 60_000), "10 min");
});

Deno.test("commandFor() knows mentions, threads, thread, tail --mentions and send --thread", () => {
  assert.equal(commandFor(parseArgs(["mentions", "-n", "5", "--json"])), COMMANDS.mentions);
  assert.throws(() => commandFor(parseArgs(["mentions", "r"])), /Too many arguments/);
  assert.equal(commandFor(parseArgs(["threads"])), COMMANDS.threads);
  assert.equal(commandFor(parseArgs(["thread", "r", "#3"])), COMMANDS.thread);
  assert.throws(() => commandFor(parseArgs(["thread", "r"])), /usage: chat thread ROOM SEQ/);
  assert.equal(commandFor(parseArgs(["tail", "--mentions", "-f", "--json"])), COMMANDS.tail);
  const reply = parseArgs(["send", "r", "--thread", "3", "--also-in-room", "hi"]);
  assert.equal(commandFor(reply), COMMANDS.send);
  assert.throws(() => commandFor(parseArgs(["history", "r", "--mentions"])), /--mentions/);
  assert.throws(() => commandFor(parseArgs(["react", "r", "1", "x", "--thread", "2"])), /--thread/);
});

Deno.test("commandFor() knows search: the words are the query, --limit and --all apply", () => {
  const parsed = parseArgs(["search", "from:alice", "dune", "--all", "--json"]);
  assert.equal(commandFor(parsed), COMMANDS.search);
  assert.deepEqual(parsed.positionals, ["from:alice", "dune"]);
  assert.equal(parsed.flags.all, true);
  assert.equal(commandFor(parseArgs(["search", "x", "-n", "5"])), COMMANDS.search);
  assert.throws(() => commandFor(parseArgs(["search"])), /usage: chat search QUERY/);
  assert.throws(() => commandFor(parseArgs(["history", "r", "--all"])), /--all does not apply/);
  // An exclusion looks like an option: the error says how to give it.
  assert.throws(
    () => parseArgs(["search", "budget", "-draft"]),
    /Unknown option: "-draft": to exclude a word, quote the whole query \('budget -draft'\) or put -- before it/,
  );
  assert.deepEqual(parseArgs(["search", "--", "budget", "-draft"]).positionals, [
    "budget",
    "-draft",
  ]);
});

Deno.test("helpText() lists the exit code of a search that finds nothing", () => {
  assert.match(helpText(), /\n {2}6 +no results \(search\)/);
  assert.match(helpText(), /--all +every result, up to 1000 \(search\)/);
});

Deno.test("commandFor() takes `admin` subcommands, their options and arities", () => {
  const parsed = parseArgs(["admin", "deactivate", "@bob"]);
  assert.equal(commandFor(parsed), ADMIN_COMMANDS.deactivate);
  assert.deepEqual(parsed.positionals, ["@bob"], "the subcommand's name is taken off");
  assert.equal(commandFor(parseArgs(["admin", "invite", "--uses", "3"])), ADMIN_COMMANDS.invite);
  assert.throws(() => commandFor(parseArgs(["admin"])), /usage: chat admin invite\|invites/);
  assert.throws(() => commandFor(parseArgs(["admin", "nuke"])), /Unknown command: "admin nuke"/);
  assert.throws(() => commandFor(parseArgs(["admin", "users", "--uses", "3"])), /--uses/);
  assert.throws(
    () => commandFor(parseArgs(["admin", "deactivate"])),
    /usage: chat admin deactivate USER/,
  );
  assert.throws(() => commandFor(parseArgs(["kick", "room"])), /usage: chat kick ROOM USER/);
  assert.throws(() => commandFor(parseArgs(["room", "r", "--yes"])), /--yes does not apply/);
  const help = helpText();
  for (const command of Object.values(ADMIN_COMMANDS)) assert.ok(help.includes(command.usage));
  assert.match(help, /--display-name NAME/);
});
