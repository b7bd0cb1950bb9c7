import assert from "node:assert/strict";
import { normalizeServer, parseArgs, parseSeq } from "./args.ts";
import { UsageError } from "./errors.ts";

Deno.test("parseArgs() takes flags anywhere and the first positional as the command", () => {
  const parsed = parseArgs(["--server", "http://h:1", "history", "general", "-n", "5", "--json"]);
  assert.equal(parsed.command, "history");
  assert.deepEqual(parsed.positionals, ["general"]);
  assert.equal(parsed.flags.server, "http://h:1");
  assert.equal(parsed.flags.limit, 5);
  assert.equal(parsed.flags.json, true);
  assert.equal(parsed.flags.follow, false);
  assert.deepEqual([...parsed.given].sort(), ["json", "limit", "server"]);
});

Deno.test("parseArgs() accepts --name=value and stops at --", () => {
  const parsed = parseArgs(["send", "--server=h:2", "room", "--", "--not-a-flag", "-n"]);
  assert.equal(parsed.flags.server, "h:2");
  assert.deepEqual(parsed.positionals, ["room", "--not-a-flag", "-n"]);
});

Deno.test("parseArgs() keeps a lone dash as a positional", () => {
  assert.deepEqual(parseArgs(["send", "r", "-"]).positionals, ["r", "-"]);
});

Deno.test("parseArgs() without arguments means the interactive mode", () => {
  const parsed = parseArgs([]);
  assert.equal(parsed.command, undefined);
  assert.deepEqual(parsed.positionals, []);
});

Deno.test("parseArgs() refuses unknown options, missing values and bad numbers", () => {
  assert.throws(() => parseArgs(["rooms", "--bogus"]), UsageError);
  assert.throws(() => parseArgs(["rooms", "--server"]), /needs a value/);
  assert.throws(() => parseArgs(["history", "x", "--limit", "0"]), /from 1 to/);
  assert.throws(() => parseArgs(["history", "x", "--limit", "abc"]), /from 1 to/);
  assert.throws(() => parseArgs(["tail", "x", "--follow=yes"]), /takes no value/);
});

Deno.test("normalizeServer() adds a scheme and drops trailing slashes", () => {
  assert.equal(normalizeServer("localhost:8000"), "http://localhost:8000");
  assert.equal(normalizeServer("https://chat.example.com/"), "https://chat.example.com");
  assert.equal(normalizeServer("http://h:1/prefix/"), "http://h:1/prefix");
  assert.throws(() => normalizeServer("ftp://h"), /http:\/\/ or https:\/\//);
  assert.throws(() => normalizeServer("http://"), /Invalid server URL/);
  assert.throws(() => normalizeServer("http://h/?q=1"), /query/);
});

Deno.test("parseArgs() reads --reply SEQ and --off", () => {
  const parsed = parseArgs(["send", "room", "--reply", "#12", "yes"]);
  assert.equal(parsed.flags.reply, 12);
  assert.deepEqual(parsed.positionals, ["room", "yes"]);
  assert.equal(parseArgs(["react", "r", "1", "👍", "--off"]).flags.off, true);
  assert.throws(() => parseArgs(["send", "r", "-r", "0", "x"]), /Option -r must be a message/);
  assert.throws(() => parseArgs(["send", "r", "--reply", "x"]), /got "x"/);
});

Deno.test("parseSeq() takes 12 or #12 and refuses anything else", () => {
  assert.equal(parseSeq("12"), 12);
  assert.equal(parseSeq("#7"), 7);
  for (const bad of ["0", "-1", "1.5", "1e3", "", "#", "12a", "9".repeat(16)]) {
    assert.throws(() => parseSeq(bad), UsageError, bad);
  }
  assert.throws(() => parseSeq("x"), /SEQ must be a message number/);
});

Deno.test("parseArgs() reads --thread SEQ, --also-in-room and --mentions", () => {
  const parsed = parseArgs(["send", "room", "--thread", "#12", "--also-in-room", "hi"]);
  assert.equal(parsed.flags.thread, 12);
  assert.equal(parsed.flags.reply, undefined);
  assert.equal(parsed.flags.alsoInRoom, true);
  assert.deepEqual(parsed.positionals, ["room", "hi"]);
  assert.equal(parseArgs(["tail", "--mentions", "-f"]).flags.mentions, true);
  assert.throws(() => parseArgs(["send", "r", "--thread", "x"]), /Option --thread must be/);
});

Deno.test("parseArgs() reads the account and administration options", () => {
  const parsed = parseArgs(["admin", "invite", "--uses", "5", "--expires", "2w"]);
  assert.equal(parsed.flags.uses, 5);
  assert.equal(parsed.flags.expires, 14);
  assert.equal(parsed.flags.limit, undefined, "--uses is not --limit");
  assert.equal(parseArgs(["admin", "invite", "--expires=30d"]).flags.expires, 30);
  assert.equal(parseArgs(["admin", "invite", "--expires", "7"]).flags.expires, 7);
  assert.throws(() => parseArgs(["admin", "invite", "--uses", "0"]), /from 1 to 1000/);
  assert.throws(() => parseArgs(["admin", "invite", "--uses", "1001"]), /from 1 to 1000/);
  assert.throws(() => parseArgs(["admin", "invite", "--expires", "366d"]), /up to|1 to 365/);
  assert.throws(() => parseArgs(["admin", "invite", "--expires", "soon"]), UsageError);
  const profile = parseArgs(["profile", "--display-name", "Alice Smith"]);
  assert.equal(profile.flags.displayName, "Alice Smith");
  assert.equal(parseArgs(["delete-room", "x", "-y"]).flags.yes, true);
  assert.equal(parseArgs(["room", "x", "--rename=New name"]).flags.rename, "New name");
  assert.equal(parseArgs(["sessions", "--end", "s1"]).flags.end, "s1");
  assert.equal(parseArgs(["register", "bob", "--invite", "abc"]).flags.invite, "abc");
});
