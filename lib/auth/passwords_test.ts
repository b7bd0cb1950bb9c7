import assert from "node:assert/strict";
import { SERVER_PERMISSIONS } from "../config.ts";

/** A process's threads: name and scheduling policy (5 is SCHED_IDLE), from /proc. */
function threadsOf(pid: number): Array<{ tid: string; name: string; policy: string }> {
  return [...Deno.readDirSync(`/proc/${pid}/task`)].map(({ name: tid }) => {
    const stat = Deno.readTextFileSync(`/proc/${pid}/task/${tid}/stat`);
    // Fields after the command name, which is in parentheses: state is field 3, policy 41.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
    return { tid, name, policy: fields[41 - 3] };
  });
}

Deno.test("with the server's permissions, the hashing thread runs in the idle scheduling class, and only it", async () => {
  // A server process in miniature: the permissions `deno task start` grants, one
  // hasher, one hash and one verification; then it waits to be looked at.
  const script = `
    import { PasswordHasher } from ${
    JSON.stringify(new URL("./passwords.ts", import.meta.url).href)
  };
    const hasher = new PasswordHasher(1);
    const hash = await hasher.hash("correct horse");
    console.log(await hasher.verify("correct horse", hash), await hasher.verify("wrong", hash));
    await new Promise(() => {});
  `;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", ...SERVER_PERMISSIONS, "-"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(script));
  await writer.close();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value?.trim(), "true false");
    const threads = threadsOf(child.pid);
    const idle = threads.filter((t) => t.policy === "5");
    assert.deepEqual(idle.map((t) => t.name), ["worker-1"], JSON.stringify(threads));
    assert.equal(threads.find((t) => t.tid === String(child.pid))?.policy, "0");
    await reader.cancel();
  } finally {
    child.kill();
    await child.status;
  }
});
