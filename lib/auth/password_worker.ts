/**
 * @module The worker that runs argon2id off the main thread, so a burst of logins
 * never stalls message delivery. It answers `{id, result, took}` or `{id, error}`,
 * one job at a time; `took` is the hash's wall-clock time in ms.
 *
 * Its thread runs in Linux's idle scheduling class (below), so a core wanted by
 * both goes to delivery at once. That is not enough on its own: argon2id is
 * memory-hard on purpose (19 MiB per hash, walked at random), and running flat out
 * it also slows the core next to it, through the shared caches and memory bus,
 * which no scheduling class prevents. So the hasher (passwords.ts) paces the jobs
 * it sends here by how busy the main thread is.
 */

import { setPriority } from "node:os";
import { hashPassword, verifyPassword } from "./_argon2.ts";

/** The nice value hashing threads take, which also tells IDLE_SCRIPT which they are. */
const HASH_NICE = 19;

/**
 * A shell script that moves the process's hashing threads into SCHED_IDLE: its
 * worker threads (named `worker-N` by Deno) whose nice value is HASH_NICE, which
 * only hashing threads set (below). It runs as a child process because Deno does not
 * let a program read its own `/proc` entries (so a thread cannot learn its id)
 * without `--allow-all`; the child reads them freely. `$0` is the process id.
 */
const IDLE_SCRIPT = `for t in /proc/$0/task/*; do
  read -r line < "$t/stat" || continue
  set -- $line
  case "$2" in "(worker-"*")") [ "\${19}" = ${HASH_NICE} ] && chrt --idle --pid 0 "\${t##*/}" ;; esac
done`;

/**
 * Puts this thread in Linux's idle scheduling class (SCHED_IDLE), so hashing runs
 * only on CPU time nothing else wants: a thread delivering messages that wakes up
 * takes the core from it at once. A low nice value alone is not enough (measured:
 * a nice 19 busy loop still raised the fan-out p99 7×; a SCHED_IDLE one 2×), and
 * Deno has no call for the class: so nice 19 first (per thread on Linux; it also
 * marks the thread), then util-linux's `chrt` through IDLE_SCRIPT. Where either
 * fails, what succeeded stays; outside Linux nothing changes, and the hasher's
 * pacing still bounds hashing.
 */
async function lowerPriority(): Promise<void> {
  if (Deno.build.os !== "linux") return;
  try {
    setPriority(HASH_NICE);
    await new Deno.Command("sh", {
      args: ["-c", IDLE_SCRIPT, String(Deno.pid)],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
  } catch {
    // Not permitted, or no sh/chrt here: the nice value, if set, stays.
  }
}

/** Set by the first job, so a server that never hashes never spawns `chrt`. */
let lowered: Promise<void> | undefined;

interface Job {
  id: number;
  op: "hash" | "verify";
  password: string;
  hash?: string;
}

/** One job at a time: the hasher sends the next only after this one's answer. */
self.onmessage = async (event: MessageEvent<Job>) => {
  await (lowered ??= lowerPriority());
  const { id, op, password, hash } = event.data;
  const started = performance.now();
  try {
    const result = op === "hash"
      ? await hashPassword(password)
      : await verifyPassword(password, hash!);
    self.postMessage({ id, result, took: performance.now() - started });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
