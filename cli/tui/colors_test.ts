import assert from "node:assert/strict";
import { createStyler, hashName, stripStyles, stylerFromEnv, userColor } from "./colors.ts";

Deno.test("userColor() is stable and ignores case", () => {
  assert.equal(userColor("Alice"), userColor("alice"));
  assert.equal(userColor("alice"), userColor("alice"));
  // FNV-1a 32-bit of "alice", computed independently.
  assert.equal(hashName("ALICE"), 2267157479);
});

Deno.test("userColor() spreads names over the palette", () => {
  const names = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"];
  assert.ok(new Set(names.map((n) => userColor(n))).size >= 5);
  assert.match(userColor("bob", false), /^(3[1-6]|9[1-6])$/);
});

Deno.test("stylerFromEnv() honours NO_COLOR but keeps reverse video", () => {
  const plain = stylerFromEnv((name) => ({ NO_COLOR: "1", TERM: "xterm-256color" }[name]));
  assert.equal(plain.user("alice"), "");
  assert.equal(plain.red, "");
  assert.equal(plain.reverse, "\x1b[7m");
  // A mention stands out with or without colours.
  assert.equal(plain.mention, "\x1b[7m");
  const colored = stylerFromEnv((name) => ({ TERM: "xterm-256color" }[name]));
  // deno-lint-ignore no-control-regex
  assert.match(colored.user("alice"), /^\x1b\[38;5;\d+m$/);
});

Deno.test("stripStyles() removes SGR escapes only", () => {
  const s = createStyler();
  assert.equal(stripStyles(`${s.bold}hi${s.reset} ${s.user("bob")}bob${s.reset}`), "hi bob");
});
