/**
 * @module What the server needs to know about the island bundle without bundling:
 * where it is served, the shape of `_build/manifest.json`, the island files, and
 * the source hash that tells a stale build. Kept apart from `build.ts` so that a
 * server with a fresh `_build/` never loads esbuild (60–90 ms to import).
 */

import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** URL path prefix of the bundled files. */
export const ASSET_PREFIX = "/_islands/";

/** The project root (this file is `lib/islands/manifest.ts`). */
export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** One bundled entry: its file and the chunks it imports (to `modulepreload`). */
export interface BundleEntry {
  file: string;
  imports: string[];
}

/** An island's entry plus the class names its source may render in the browser. */
export interface IslandEntry extends BundleEntry {
  classes: string[];
}

/** The boot entry; `signals` are the chunks it loads when a page's props hold signals. */
export interface BootEntry extends BundleEntry {
  signals: string[];
}

/** Describes a build; stored as `_build/manifest.json`. */
export interface Manifest {
  version: 1;
  buildId: string;
  boot: BootEntry;
  islands: Record<string, IslandEntry>;
  /** The project files bundled (relative to the root), to detect a stale build. */
  inputs: string[];
  /** Modules only ever `import()`ed (relative to the root) → their chunk, for `deno task budget`. */
  lazy?: Record<string, string>;
  /** {@linkcode hashSources} of `inputs` at build time. */
  sourceHash: string;
}

/** A build in memory: the manifest and every file by name (no prefix). */
export interface Build {
  manifest: Manifest;
  files: Map<string, Uint8Array>;
}

/** The island files in `root/islands`, as island name → absolute path. */
export async function findIslands(root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const dir = join(root, "islands");
  try {
    for await (const entry of Deno.readDir(dir)) {
      const match = /^([a-z][a-z0-9_]*)\.(tsx|ts|jsx|js)$/.exec(entry.name);
      if (!entry.isFile || !match || match[1].endsWith("_test")) continue;
      found.set(match[1], join(dir, entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return new Map([...found].sort(([a], [b]) => a.localeCompare(b)));
}

/** Hex SHA-256 of a string (as UTF-8) or bytes. */
export async function sha256(data: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * A hash of the given project files and of deno.lock (npm versions): when it
 * differs from the manifest's, `_build/` is stale. Throws if a file is gone.
 */
export async function hashSources(root: string, inputs: string[]): Promise<string> {
  const [lock, ...texts] = await Promise.all([
    Deno.readTextFile(join(PROJECT_ROOT, "deno.lock")),
    ...inputs.map((input) => Deno.readTextFile(join(root, input))),
  ]);
  return await sha256([lock, ...inputs.flatMap((input, i) => [input, texts[i]])].join("\0"));
}
