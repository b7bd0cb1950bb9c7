import assert from "node:assert/strict";
import { join } from "node:path";
import { buildIslands, writeBuild } from "./build.ts";
import { findIslands } from "./manifest.ts";
import { loadIslands } from "./assets.ts";
import { isIsland } from "./registry.ts";

/** A project with two islands that share a component, preact/hooks and signals. */
async function fixture(): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "islands-build-" });
  await Deno.mkdir(join(root, "islands"));
  await Deno.mkdir(join(root, "components"));
  await Deno.writeTextFile(
    join(root, "components", "label.tsx"),
    `export function Label(p: { text: string }) { return <b class="font-bold text-sky-700">{p.text}</b>; }`,
  );
  for (const name of ["alpha", "beta"]) {
    await Deno.writeTextFile(
      join(root, "islands", `${name}.tsx`),
      `import { useState } from "preact/hooks";
       import { signal } from "@preact/signals";
       import { Label } from "../components/label.tsx";
       const shared = signal(0);
       export default function ${name}() {
         const [n, set] = useState(0);
         return <button class="${
        name === "alpha" ? "bg-rose-500" : "bg-teal-500"
      }" onClick={() => set(n + 1)}>
           <Label text="${name}" />{n}{shared}</button>;
       }`,
    );
  }
  await Deno.writeTextFile(join(root, "islands", "alpha_test.tsx"), "export {};");
  await Deno.writeTextFile(join(root, "islands", "_helper.ts"), "export {};");
  return root;
}

Deno.test("findIslands() lists island files by name, skipping tests and private files", async () => {
  const root = await fixture();
  assert.deepEqual([...(await findIslands(root)).keys()], ["alpha", "beta"]);
  assert.equal((await findIslands(join(root, "missing"))).size, 0);
  await Deno.remove(root, { recursive: true });
});

Deno.test("buildIslands() splits shared code into hashed chunks and scans each island's classes", async () => {
  const root = await fixture();
  const { manifest, files } = await buildIslands({ root });
  const { alpha, beta } = manifest.islands;
  assert.match(alpha.file, /^island_alpha-[A-Z0-9]{8}\.js$/);
  assert.match(manifest.boot.file, /^boot-[A-Z0-9]{8}\.js$/);
  // Preact, hooks, signals and the shared component live in chunks both islands import.
  const shared = alpha.imports.filter((file) => beta.imports.includes(file));
  assert.ok(shared.length >= 1);
  assert.ok(shared.every((file) => /^chunk-[A-Z0-9]{8}\.js$/.test(file)));
  assert.ok(manifest.boot.imports.some((file) => shared.includes(file)), "boot shares preact");
  for (const file of [alpha.file, beta.file]) {
    assert.ok(files.get(file)!.length < 1_000, "entry stays small");
  }
  const total = [...files.values()].reduce((sum, bytes) => sum + bytes.length, 0);
  assert.ok(total < 40_000, `whole bundle is ${total} bytes`);
  assert.ok(alpha.classes.includes("bg-rose-500") && alpha.classes.includes("text-sky-700"));
  assert.ok(!alpha.classes.includes("bg-teal-500"));
  const code = new TextDecoder().decode(files.get(alpha.file));
  assert.ok(code.trim().split("\n").length === 1 && !code.includes("useState"), "minified");

  // Editing one island changes its hash and no other entry's.
  const source = join(root, "islands", "alpha.tsx");
  await Deno.writeTextFile(source, (await Deno.readTextFile(source)).replace("n + 1", "n + 2"));
  const again = await buildIslands({ root });
  assert.notEqual(again.manifest.islands.alpha.file, alpha.file);
  assert.equal(again.manifest.islands.beta.file, beta.file);
  assert.notEqual(again.manifest.buildId, manifest.buildId);
  await Deno.remove(root, { recursive: true });
});

Deno.test("loadIslands() registers the islands and serves _build/ when it matches", async () => {
  const root = await fixture();
  const build = await buildIslands({ root });
  await writeBuild(build, join(root, "_build"));
  const assets = await loadIslands({ root });
  assert.equal(assets.source, "_build");
  assert.deepEqual(assets.manifest, build.manifest);
  assert.deepEqual([...assets.files.keys()].sort(), [...build.files.keys()].sort());
  const alpha = await import(`file://${join(root, "islands", "alpha.tsx")}`);
  assert.ok(isIsland(alpha.default));

  // An island added after the build: the stale build is ignored.
  await Deno.copyFile(join(root, "islands", "beta.tsx"), join(root, "islands", "gamma.tsx"));
  assert.ok(build.manifest.inputs.includes(join("components", "label.tsx")));
  const warn = console.warn;
  const warnings: string[] = [];
  console.warn = (message: string) => warnings.push(message);
  try {
    const fresh = await loadIslands({ root });
    assert.equal(fresh.source, "memory");
    assert.ok("gamma" in fresh.manifest.islands);
    assert.match(warnings[0], /run deno task build/);
  } finally {
    console.warn = warn;
  }
  await Deno.remove(join(root, "islands", "gamma.tsx"));
  assert.equal((await loadIslands({ root })).source, "_build", "fresh again");

  // An edit to a component an island imports makes the build stale too.
  await Deno.writeTextFile(join(root, "components", "label.tsx"), "export function Label() {}");
  console.warn = () => {};
  try {
    assert.equal((await loadIslands({ root })).source, "memory");
  } finally {
    console.warn = warn;
  }
  const dev = await loadIslands({ root, dev: true });
  assert.equal(dev.source, "memory", "dev never reads _build/");
  assert.notEqual(dev.manifest.buildId, build.manifest.buildId);
  await Deno.remove(root, { recursive: true });
});
