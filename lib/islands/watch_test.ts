import assert from "node:assert/strict";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DEV_CHILD_ENV, superviseDevServer } from "./watch.ts";

async function waitFor(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test("superviseDevServer() restarts the child when a watched file changes", async () => {
  const root = await Deno.makeTempDir({ prefix: "islands-watch-" });
  await Deno.mkdir(join(root, "src"));
  await Deno.mkdir(join(root, "other"));
  const log = join(root, "starts.log");
  // The child records each start and its environment flag, then idles.
  await Deno.writeTextFile(
    join(root, "entry.ts"),
    `await Deno.writeTextFile(${
      JSON.stringify(log)
    }, Deno.env.get("${DEV_CHILD_ENV}") + "\\n", { append: true });
     setInterval(() => {}, 1000);`,
  );
  const starts = async () =>
    (await Deno.readTextFile(log).catch(() => "")).split("\n").filter(Boolean);
  const controller = new AbortController();
  const done = superviseDevServer({
    entry: pathToFileURL(join(root, "entry.ts")).href,
    root,
    watch: ["src"],
    signal: controller.signal,
  });
  try {
    await waitFor(async () => (await starts()).length === 1, "the first start");
    await Deno.writeTextFile(join(root, "other", "ignored.ts"), "x");
    await Deno.writeTextFile(join(root, "src", "a_test.ts"), "x");
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal((await starts()).length, 1, "unwatched folders and tests do not restart");
    await Deno.writeTextFile(join(root, "src", "page.tsx"), "export {}");
    await waitFor(async () => (await starts()).length === 2, "the restart");
    assert.deepEqual(await starts(), ["1", "1"]);
  } finally {
    controller.abort();
    await done;
    await Deno.remove(root, { recursive: true });
  }
});
