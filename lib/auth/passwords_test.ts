import assert from "node:assert/strict";
import { SERVER_PERMISSIONS } from "../config.ts";
import { RateLimitedError } from "../errors.ts";
import { argon2id } from "hash-wasm";
import { ARGON2_PARAMS } from "./_argon2.ts";
import { BUSY_ABOVE, PasswordHasher } from "./passwords.ts";
import { SAMPLE_MS, threadCpuMs, ThreadLoad } from "./_thread_load.ts";

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

/** Keeps this thread busy for `ms`, letting timers run between slices of 20 ms. */
async function spin(ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const slice = performance.now() + 20;
    while (performance.now() < slice) { /* busy */ }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

Deno.test("a thread's own CPU time: a busy loop counts, a wait does not", async () => {
  const before = threadCpuMs()!;
  await sleep(300);
  const waited = threadCpuMs()! - before;
  await spin(300);
  const spun = threadCpuMs()! - before - waited;
  assert.ok(waited < 100, `waiting took ${waited} ms of CPU`);
  // Not all of 300: other processes, or the hypervisor, may take the core meanwhile.
  assert.ok(spun > 50 && spun > 3 * waited, `spinning took only ${spun} ms of CPU`);
});

Deno.test("the thread's load reads low while it waits and high while it works", async () => {
  const samples: number[] = [];
  const load = new ThreadLoad((utilization) => samples.push(utilization));
  try {
    await sleep(SAMPLE_MS * 4);
    const quiet = samples.splice(0);
    await spin(SAMPLE_MS * 4);
    const busy = samples.splice(0);
    assert.ok(quiet.length >= 2 && busy.length >= 2, JSON.stringify({ quiet, busy }));
    assert.ok(Math.max(...quiet) < BUSY_ABOVE, `quiet: ${quiet}`);
    // The first busy sample still covers part of the quiet window (two are kept).
    // Spinning reads over the busy mark, if not near 1: other processes, or the
    // hypervisor (seen: 0.3–0.6 while a test suite ran beside), take the core too.
    assert.ok(busy.slice(1).every((u) => u > BUSY_ABOVE), `busy: ${busy}`);
  } finally {
    load.stop();
  }
});

Deno.test("hashing takes a whole core while the main thread is quiet and busyShare while it works", async () => {
  const hasher = new PasswordHasher(1, { busyShare: 0.1 });
  try {
    // Until the thread has been measured, the server counts as quiet.
    assert.equal(hasher.share, 1);
    const hash = await hasher.hash("correct horse");
    await sleep(SAMPLE_MS * 4);
    assert.equal(hasher.share, 1, "quiet");
    await spin(SAMPLE_MS * 4);
    assert.equal(hasher.share, 0.1, "busy");
    await sleep(SAMPLE_MS * 4);
    assert.equal(hasher.share, 1, "quiet again");
    assert.equal(await hasher.verify("correct horse", hash), true);
  } finally {
    hasher.close();
  }
});

Deno.test("a sign-in that would wait past its bound is told to retry at once", async () => {
  // At 1 % of a core, a turn is ~100× a hash.
  const hasher = new PasswordHasher(1, { busyShare: 0.01, maxWaitMs: 1000 });
  try {
    let hashed = false;
    const first = hasher.hash("first").finally(() => hashed = true);
    while (hasher.share === 1) await spin(20); // the server turns busy
    // Behind another hash (or the rest after it).
    await assert.rejects(hasher.hash("second"), (err: unknown) => {
      assert.ok(err instanceof RateLimitedError);
      assert.ok(err.retryAfterMs >= 1000, String(err.retryAfterMs));
      return true;
    });
    // So is a sign-in as somebody unknown: its dummy hash is refused alike.
    await assert.rejects(hasher.verifyNobody("guess"), RateLimitedError);
    // Behind the rest after a hash, while the server is busy.
    while (!hashed) await spin(50);
    assert.match(await first, /^\$argon2id\$/);
    assert.ok(hasher.share < 1, "busy when the first hash ended");
    await assert.rejects(hasher.hash("third"), RateLimitedError);
    // Not once the server is quiet; and the refused dummy hash was not kept.
    while (hasher.share !== 1) await sleep(50);
    assert.equal(await hasher.verifyNobody("guess"), false);
  } finally {
    hasher.close();
  }
});

Deno.test("a rest between hashes ends early when the main thread turns quiet", async () => {
  // At 1 % of a core the rest after a hash of d ms is 99 d: seconds, or minutes on a
  // slow machine. A hash, then the thread turns busy, which makes the rest that
  // long; a second hash is queued behind it (the bound is set high enough to let
  // it); then the thread goes quiet, the share goes to 1 and the rest is cut short.
  const hasher = new PasswordHasher(1, { busyShare: 0.01, maxWaitMs: 600_000 });
  try {
    const hash = await hasher.hash("correct horse");
    const hashEnded = performance.now();
    while (hasher.share === 1) await spin(20);
    const verified = hasher.verify("correct horse", hash);
    const queuedAt = performance.now();
    const restLeft = 99 * hasher.hashMs! - (queuedAt - hashEnded);
    assert.equal(await verified, true);
    const waited = performance.now() - queuedAt;
    assert.equal(hasher.share, 1);
    assert.ok(
      waited < restLeft / 2,
      `the second hash waited ${Math.round(waited)} ms of a ${Math.round(restLeft)} ms rest`,
    );
  } finally {
    hasher.close();
  }
});

Deno.test("a queued sign-in still waiting at its deadline is told to retry then", async () => {
  const hasher = new PasswordHasher(1, { busyShare: 0.01, maxWaitMs: 1500 });
  try {
    await hasher.hash("warm up"); // the worker started, one hash measured
    while (hasher.share !== 1) await sleep(50);
    // A verification that runs long: a stored hash with 30 passes instead of 2 (old
    // hashes keep their parameters). Queued behind it while the server is quiet, a
    // hash is expected to start within the bound; then the server turns busy and
    // the rest after the long one would take ~99× as long.
    const slow = await argon2id({
      password: "correct horse",
      salt: new Uint8Array(16),
      ...ARGON2_PARAMS,
      iterations: 30,
      outputType: "encoded",
    });
    const long = hasher.verify("correct horse", slow);
    const queued = hasher.hash("queued");
    const outcome = queued.then(() => "hashed", (err) => err);
    const started = performance.now();
    let settled = false;
    void outcome.then(() => settled = true);
    while (!settled && performance.now() - started < 20_000) await spin(50);
    const err = await outcome;
    assert.ok(err instanceof RateLimitedError, `the queued hash: ${err}`);
    assert.ok(performance.now() - started >= 1000, "refused at its deadline, not at once");
    assert.equal(await long, true);
  } finally {
    hasher.close();
  }
});
