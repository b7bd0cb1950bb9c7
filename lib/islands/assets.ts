/**
 * @module Loads the island bundle the server serves: registers every island
 * component for server rendering, then takes the ahead-of-time build in
 * `_build/` (from `deno task build`) or, when there is none (or in dev), bundles
 * in memory at start-up. Files are gzipped once (by the build, or here), not per
 * request.
 */

import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type Build, findIslands, hashSources, type Manifest, PROJECT_ROOT } from "./manifest.ts";
import { gzip } from "./_gzip.ts";
import { registerIsland } from "./registry.ts";

/** A bundled file ready to send. */
export interface AssetFile {
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
}

/** What `renderPage` and `mountIslandAssets` need; from {@linkcode loadIslands}. */
export interface IslandAssets {
  manifest: Manifest;
  /** File name (no prefix) → contents. */
  files: Map<string, AssetFile>;
  /** Dev mode: live reload endpoint and script, no `_build/`. */
  dev: boolean;
  /** Absolute path of the `static/` folder. */
  staticDir: string;
  /** Where the bundle came from, for the start-up log. */
  source: "_build" | "memory";
  /**
   * Imports and registers the island components for server rendering, once:
   * done by `loadIslands` unless it was told `deferComponents`.
   */
  register(): Promise<void>;
}

export interface LoadIslandsOptions {
  dev?: boolean;
  /** Project folder holding `islands/`, `static/` and `_build/`; defaults to this project. */
  root?: string;
  /**
   * Leave importing the island components (Preact and all) to `register()`, which
   * the first page calls: the server answers its API sooner after a start.
   */
  deferComponents?: boolean;
}

/** A build read from disk, with the files' gzip when the build wrote it. */
type ReadBuild = Build & { gzip?: Map<string, Uint8Array> };

async function readBuild(dir: string): Promise<ReadBuild | null> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await Deno.readTextFile(join(dir, "manifest.json")));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  const names: string[] = [];
  for await (const entry of Deno.readDir(join(dir, "islands"))) {
    if (entry.isFile) names.push(entry.name);
  }
  const read = (sub: string) =>
    Promise.all(names.map((name) => Deno.readFile(join(dir, sub, name))));
  const [bodies, gzipped] = await Promise.all([
    read("islands"),
    read("islands-gzip").catch(() => null),
  ]);
  const files = new Map(names.map((name, i) => [name, bodies[i]]));
  if (!gzipped) return { manifest, files };
  return { manifest, files, gzip: new Map(names.map((name, i) => [name, gzipped[i]])) };
}

/** Whether a build still matches the sources: same islands, same file contents. */
async function isFresh(
  manifest: Manifest,
  root: string,
  names: Iterable<string>,
): Promise<boolean> {
  const built = Object.keys(manifest.islands).sort().join();
  if (manifest.version !== 1 || built !== [...names].sort().join()) return false;
  const hash = await hashSources(root, manifest.inputs ?? []).catch(() => null);
  return hash === manifest.sourceHash;
}

/** `_build/` when it is there and matches the sources; null otherwise (warned when stale). */
async function readFreshBuild(
  dir: string,
  root: string,
  names: Iterable<string>,
): Promise<ReadBuild | null> {
  const build = await readBuild(dir);
  if (build && !(await isFresh(build.manifest, root, names))) {
    console.warn("_build/ is older than the islands: run deno task build; bundling in memory");
    return null;
  }
  return build;
}

/**
 * Registers the islands and loads their bundle. Call once at start-up, before
 * the first `renderPage`.
 */
export async function loadIslands(options: LoadIslandsOptions = {}): Promise<IslandAssets> {
  const root = resolve(options.root ?? PROJECT_ROOT);
  const dev = options.dev ?? false;
  const islands = await findIslands(root);
  // Start-up time: the island modules (for server rendering) and the prebuilt
  // bundle are independent, so they load at once; islands register in name order.
  let registered: Promise<void> | undefined;
  const register = () =>
    registered ??= Promise.all(
      [...islands.values()].map((path) => import(pathToFileURL(path).href)),
    ).then((modules) => {
      [...islands.keys()].forEach((name, i) => registerIsland(name, modules[i].default));
    });
  const [built] = await Promise.all([
    dev ? null : readFreshBuild(join(root, "_build"), root, islands.keys()),
    options.deferComponents ? null : register(),
  ]);
  let build: ReadBuild | null = built;
  const source = build ? "_build" : "memory";
  // The bundler (esbuild) is loaded only to bundle: a fresh `_build/` starts faster.
  build ??= await (await import("./build.ts")).buildIslands({ root, dev });
  if (dev) {
    // Each restart of the dev server is a new build: open pages reload on it
    // even when only server code changed.
    build.manifest.buildId = crypto.randomUUID();
  }
  const entries = [...build.files];
  const done = build.gzip;
  const gzipped = await Promise.all(
    entries.map(([name, body]) => done?.has(name) ? done.get(name)! : gzip(body)),
  );
  const files = new Map<string, AssetFile>(
    entries.map((
      [name, body],
      i,
    ) => [name, { body: new Uint8Array(body), gzip: new Uint8Array(gzipped[i]) }]),
  );
  return {
    manifest: build.manifest,
    files,
    dev,
    staticDir: join(root, "static"),
    source,
    register,
  };
}
