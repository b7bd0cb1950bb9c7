import assert from "node:assert/strict";
import { parseSlash, runSlash, SLASH_NAMES, type SlashContext } from "./slash_commands.ts";

function fakeContext(calls: string[]): SlashContext {
  return {
    session: {} as SlashContext["session"],
    ask: () => Promise.resolve(undefined),
    quit: () => calls.push("quit"),
  };
}

Deno.test("parseSlash() splits the command name and its words", () => {
  assert.deepEqual(parseSlash("/JOIN  Book   club "), { name: "join", args: ["Book", "club"] });
  assert.deepEqual(parseSlash("/"), { name: "", args: [] });
});

Deno.test("runSlash() knows every command of the brief and their aliases", async () => {
  for (const name of ["register", "login", "logout", "rooms", "directory", "create", "join"]) {
    assert.ok(SLASH_NAMES.includes(name), name);
  }
  for (const name of ["leave", "invite", "dm", "who", "history", "help", "quit"]) {
    assert.ok(SLASH_NAMES.includes(name), name);
  }
  const calls: string[] = [];
  await runSlash("/quit", fakeContext(calls));
  await runSlash("/q", fakeContext(calls));
  await runSlash("/EXIT", fakeContext(calls));
  assert.deepEqual(calls, ["quit", "quit", "quit"]);
});

Deno.test("runSlash() refuses unknown commands and missing arguments", async () => {
  const ctx = fakeContext([]);
  await assert.rejects(runSlash("/frobnicate", ctx), /Unknown command: "\/frobnicate"/);
  await assert.rejects(runSlash("/constructor", ctx), /Unknown command/);
  await assert.rejects(runSlash("/join", ctx), /Usage: \/join ROOM/);
  await assert.rejects(runSlash("/dm", ctx), /Usage: \/dm USER/);
});
