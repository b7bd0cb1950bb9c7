/**
 * `deno task serve`, started as a user starts it: it listens where `PORT` and
 * `HOSTNAME` say (as `deno task start` does), `DENO_SERVE_ADDRESS` still wins when
 * set, and a bad `PORT` stops it before any isolate starts.
 */

import assert from "node:assert/strict";
import { freePort, startServer, tempKvPath } from "./_server.ts";

const ROOT = new URL("../", import.meta.url);

async function answers(url: string): Promise<number | "refused"> {
  try {
    const res = await fetch(`${url}/api/me`);
    await res.body?.cancel();
    return res.status;
  } catch {
    return "refused";
  }
}

Deno.test({
  name: "deno task serve listens on PORT and HOSTNAME",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const server = await startServer({ parallel: 2, task: true, port });
    try {
      assert.equal(server.port, port);
      assert.match(server.output(), new RegExp(`Listening on http://127\\.0\\.0\\.1:${port}/`));
      assert.equal(await answers(`http://127.0.0.1:${port}`), 401);
      assert.equal(await answers("http://127.0.0.1:8000"), "refused", "not on the default port");
    } finally {
      await server.stop();
    }
    assert.equal(await answers(`http://127.0.0.1:${port}`), "refused", "stopped by SIGTERM");
  },
});

Deno.test({
  name: "deno task serve keeps DENO_SERVE_ADDRESS over PORT when it is set",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const port = freePort();
    const address = freePort();
    const server = await startServer({
      parallel: 2,
      task: true,
      port,
      env: { DENO_SERVE_ADDRESS: `tcp:127.0.0.1:${address}` },
    });
    try {
      assert.equal(server.port, address);
      assert.equal(await answers(`http://127.0.0.1:${address}`), 401);
      assert.equal(await answers(`http://127.0.0.1:${port}`), "refused");
    } finally {
      await server.stop();
    }
  },
});

Deno.test("deno task serve refuses a bad PORT before starting", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--quiet", "serve"],
    cwd: ROOT,
    env: { PORT: "eighty", KV_PATH: await tempKvPath(), DENO_JOBS: "2" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 2);
  assert.match(stderr, /Invalid configuration: PORT must be a non-negative integer, got "eighty"/);
  assert.doesNotMatch(stderr + new TextDecoder().decode(out.stdout), /Listening/);
});
