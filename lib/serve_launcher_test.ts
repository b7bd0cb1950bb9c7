import assert from "node:assert/strict";
import { serveArgs } from "./serve_launcher.ts";

function flag(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
}

Deno.test("serveArgs() takes the address from PORT and HOSTNAME, as main.ts does", () => {
  const args = serveArgs({ PORT: "8840", HOSTNAME: "127.0.0.1" });
  assert.equal(args[0], "serve");
  assert.ok(args.includes("--parallel"));
  assert.ok(args.includes("--unstable-kv"));
  assert.equal(flag(args, "--port"), "8840");
  assert.equal(flag(args, "--host"), "127.0.0.1");
  assert.match(args.at(-1)!, /\/serve\.ts$/);
});

Deno.test("serveArgs() defaults to 0.0.0.0:8000 and puts extra flags before the entry", () => {
  const args = serveArgs({}, ["--watch"]);
  assert.equal(flag(args, "--port"), "8000");
  assert.equal(flag(args, "--host"), "0.0.0.0");
  assert.equal(args.at(-2), "--watch");
});

Deno.test("serveArgs() refuses a bad configuration before anything starts", () => {
  assert.throws(() => serveArgs({ PORT: "-1" }), /PORT must be a non-negative integer/);
  assert.throws(() => serveArgs({ LOG_LEVEL: "loud" }), /LOG_LEVEL/);
});
