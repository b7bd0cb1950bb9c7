/**
 * @module Bundles the islands for the browser with esbuild: one entry per file in
 * `islands/` plus the boot script, split into shared chunks (Preact, signals,
 * shared components), ESM, minified, with content-hashed file names. Returns the
 * files in memory with a manifest; `deno task build` writes them to `_build/`.
 */

import * as esbuild from "esbuild";
import { join, relative, resolve, sep } from "node:path";
import { denoNpmPlugin } from "./_esbuild_deno.ts";
import { gzip } from "./_gzip.ts";
import { knownClasses } from "./styles.ts";
import {
  type Build,
  findIslands,
  hashSources,
  type Manifest,
  PROJECT_ROOT,
  sha256,
} from "./manifest.ts";

export interface BuildOptions {
  /** Project folder holding `islands/`; defaults to this project. */
  root?: string;
  /** Adds inline source maps and skips minifying identifiers. */
  dev?: boolean;
}

/** Bundles the boot script and every island. */
export async function buildIslands(options: BuildOptions = {}): Promise<Build> {
  const root = resolve(options.root ?? PROJECT_ROOT);
  const islands = await findIslands(root);
  const entryPoints = [{ in: join(PROJECT_ROOT, "lib/islands/boot.ts"), out: "boot" }];
  for (const [name, path] of islands) entryPoints.push({ in: path, out: `island_${name}` });
  const outdir = join(root, "_build/islands");
  // esbuild runs as a child process; stop it afterwards so that nothing keeps the
  // process (or a test's resource sanitizer) busy. The next build restarts it.
  const result = await esbuild.build({
    entryPoints,
    outdir,
    absWorkingDir: root,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: ["es2022"],
    minify: !options.dev,
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: options.dev ? "inline" : false,
    jsx: "automatic",
    jsxImportSource: "preact",
    entryNames: "[name]-[hash]",
    chunkNames: "chunk-[hash]",
    legalComments: "none",
    // Server-only markup is left out of the bundle: see server_html.ts.
    define: { "globalThis.__ISLAND_BUNDLE__": "true" },
    metafile: true,
    write: false,
    logLevel: "silent",
    plugins: [denoNpmPlugin({ lockPath: join(PROJECT_ROOT, "deno.lock") })],
  }).finally(() => esbuild.stop());
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles) files.set(relative(outdir, file.path), file.contents);
  const manifest = await describe(result.metafile, { root, outdir, islands });
  return { manifest, files };
}

async function describe(
  metafile: esbuild.Metafile,
  context: { root: string; outdir: string; islands: Map<string, string> },
): Promise<Manifest> {
  const { root, outdir } = context;
  const outputs = metafile.outputs;
  const name = (output: string) => relative(outdir, resolve(root, output));
  /** The chunks `output` imports, transitively; only static imports unless `dynamic`. */
  function closure(output: string, dynamic: boolean, seen = new Set<string>()): Set<string> {
    for (const imported of outputs[output].imports) {
      if (imported.external || seen.has(imported.path)) continue;
      if (!dynamic && imported.kind !== "import-statement") continue;
      seen.add(imported.path);
      closure(imported.path, dynamic, seen);
    }
    return seen;
  }
  const staticImports = (output: string) => [...closure(output, false)].map(name);
  const byEntry = new Map<string, string>();
  for (const [output, meta] of Object.entries(outputs)) {
    if (meta.entryPoint) byEntry.set(resolve(root, meta.entryPoint), output);
  }
  const bootOutput = byEntry.get(join(PROJECT_ROOT, "lib/islands/boot.ts"))!;
  const manifest: Manifest = {
    version: 1,
    buildId: "",
    boot: {
      file: name(bootOutput),
      imports: staticImports(bootOutput),
      signals: [...closure(bootOutput, true)].map(name).filter((f) =>
        !staticImports(bootOutput).includes(f)
      ),
    },
    islands: {},
    inputs: [],
    sourceHash: "",
  };
  for (const [island, path] of context.islands) {
    const output = byEntry.get(path)!;
    const sources = [output, ...closure(output, true)].flatMap((o) =>
      Object.keys(outputs[o].inputs)
    )
      .map((input) => resolve(root, input))
      .filter((input) => input.startsWith(root) && !input.includes("node_modules"));
    const text = await Promise.all([...new Set(sources)].map((file) => Deno.readTextFile(file)));
    manifest.islands[island] = {
      file: name(output),
      imports: staticImports(output),
      classes: knownClasses(text.join("\n")),
    };
  }
  const entries = new Set([join(PROJECT_ROOT, "lib/islands/boot.ts"), ...context.islands.values()]);
  manifest.lazy = {};
  for (const [entry, output] of [...byEntry].sort()) {
    if (!entries.has(entry) && entry.startsWith(root + sep)) {
      manifest.lazy[relative(root, entry)] = name(output);
    }
  }
  manifest.inputs = [...new Set(Object.values(outputs).flatMap((o) => Object.keys(o.inputs)))]
    .map((input) => resolve(root, input))
    .filter((input) => input.startsWith(root + sep))
    .map((input) => relative(root, input))
    .sort();
  manifest.sourceHash = await hashSources(root, manifest.inputs);
  manifest.buildId = (await sha256(Object.keys(outputs).map(name).sort().join("\n"))).slice(0, 16);
  return manifest;
}

/**
 * Writes a build to `outDir` (`islands/*.js`, the same gzipped in `islands-gzip/`,
 * and `manifest.json`), replacing the old one.
 */
export async function writeBuild(build: Build, outDir: string): Promise<void> {
  for (const dir of ["islands", "islands-gzip"]) {
    await Deno.remove(join(outDir, dir), { recursive: true }).catch(() => {});
    await Deno.mkdir(join(outDir, dir), { recursive: true });
  }
  for (const [file, contents] of build.files) {
    await Deno.writeFile(join(outDir, "islands", file), contents);
    // Compressed once here, so that a server started from the build need not.
    await Deno.writeFile(join(outDir, "islands-gzip", file), await gzip(contents));
  }
  const manifest = JSON.stringify(build.manifest, null, 2) + "\n";
  await Deno.writeTextFile(join(outDir, "manifest.json"), manifest);
}

if (import.meta.main) {
  const build = await buildIslands();
  await writeBuild(build, join(PROJECT_ROOT, "_build"));
  for (const [file, contents] of build.files) {
    const size = (await gzip(contents)).length;
    console.log(`${file.padEnd(36)} ${String(contents.length).padStart(7)} B, gzip ${size} B`);
  }
}
