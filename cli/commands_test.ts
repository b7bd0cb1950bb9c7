import assert from "node:assert/strict";
import { parseArgs } from "./args.ts";
import { commandFor, COMMANDS, helpText } from "./commands.ts";
import { UsageError } from "./errors.ts";

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
