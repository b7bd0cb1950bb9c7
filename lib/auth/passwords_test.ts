import assert from "node:assert/strict";
import { PasswordHasher } from "./passwords.ts";

/** This process's threads in the idle scheduling class (policy 5 in /proc's stat). */
function idleThreads(): Set<string> {
  const idle = new Set<string>();
  for (const entry of Deno.readDirSync("/proc/self/task")) {
    const stat = Deno.readTextFileSync(`/proc/self/task/${entry.name}/stat`);
    // Fields after the command name, which is in parentheses: state is field 3, policy 41.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[41 - 3] === "5") idle.add(entry.name);
  }
  return idle;
}

Deno.test("the hashing thread runs in the idle scheduling class, and only it", async () => {
  const before = idleThreads();
  const hasher = new PasswordHasher(1);
  try {
    const hash = await hasher.hash("correct horse");
    assert.equal(await hasher.verify("correct horse", hash), true);
    assert.equal(await hasher.verify("wrong horse", hash), false);
    const after = idleThreads();
    const added = [...after].filter((tid) => !before.has(tid));
    assert.equal(added.length, 1, `threads newly in SCHED_IDLE: ${added.join(", ") || "none"}`);
    const name = Deno.readTextFileSync(`/proc/self/task/${added[0]}/comm`).trim();
    assert.match(name, /^worker-/);
    assert.ok(!after.has(String(Deno.pid)), "the main thread keeps its class");
  } finally {
    hasher.close();
  }
});
