/**
 * @module An esbuild plugin that resolves bare imports ("preact", "@preact/signals")
 * the way Deno does, straight out of Deno's global npm cache, so the project needs
 * no node_modules folder (`nodeModulesDir: "none"`).
 *
 * - An import from a project file goes through the project's import map: Deno's
 *   own `import.meta.resolve` (called from this module, which lives in the
 *   project) tells us where the package sits in the cache.
 * - An import from inside an npm package (e.g. @preact/signals importing
 *   @preact/signals-core, or its peer preact) is looked up in deno.lock, which
 *   records the exact version Deno picked for that package's dependencies. This
 *   keeps a single copy of preact in the bundle.
 *
 * Once the package folder is known, esbuild resolves the import itself as a
 * package self-reference from inside that folder, so the package's "exports" map
 * is read with browser conditions (Deno picked the "import"/"node" file).
 */

import type { ImportKind, Plugin, PluginBuild, ResolveResult } from "esbuild";
import { dirname, join, sep as SEPARATOR } from "node:path";
import { fileURLToPath } from "node:url";

const SELF = "denoSelfReference";

interface NpmPackage {
  name: string;
  version: string;
  dir: string;
  /** The folder holding `<name>/<version>/` folders (Deno's registry cache). */
  registry: string;
}

interface LockEntry {
  version: string;
  dependencies: string[];
}

/** Splits "@scope/name/sub/path" into the package name and "sub/path". */
export function splitSpecifier(specifier: string): { name: string; subpath: string } {
  const parts = specifier.split("/");
  const size = specifier.startsWith("@") ? 2 : 1;
  return { name: parts.slice(0, size).join("/"), subpath: parts.slice(size).join("/") };
}

/** "preact@11.2.0_peer@1.0.0" → ["preact", "11.2.0"]; "preact" → ["preact", ""]. */
function nameAndVersion(key: string): [string, string] {
  const at = key.indexOf("@", 1);
  return at < 0 ? [key, ""] : [key.slice(0, at), key.slice(at + 1).split("_")[0]];
}

/** Reads deno.lock (format v4/v5) into name → versions with their dependencies. */
async function readLock(lockPath: string): Promise<Map<string, LockEntry[]>> {
  const lock = JSON.parse(await Deno.readTextFile(lockPath));
  const byName = new Map<string, LockEntry[]>();
  for (const [key, value] of Object.entries(lock.npm ?? {})) {
    const [name, version] = nameAndVersion(key);
    const dependencies = (value as { dependencies?: string[] }).dependencies ?? [];
    byName.set(name, [...(byName.get(name) ?? []), { version, dependencies }]);
  }
  return byName;
}

/** The plugin; `lockPath` is the project's deno.lock. */
export function denoNpmPlugin(options: { lockPath: string }): Plugin {
  const packages = new Map<string, NpmPackage | null>();
  let lock: Promise<Map<string, LockEntry[]>> | undefined;

  /** The npm package (in Deno's cache layout `<name>/<version>/`) holding `file`. */
  async function packageOf(file: string): Promise<NpmPackage | null> {
    const visited: string[] = [];
    let found: NpmPackage | null = null;
    for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
      if (packages.has(dir)) {
        found = packages.get(dir)!;
        break;
      }
      visited.push(dir);
      const json = await Deno.readTextFile(join(dir, "package.json"))
        .then(JSON.parse, () => null) as { name?: string; version?: string } | null;
      const tail = `${SEPARATOR}${json?.name}${SEPARATOR}${json?.version}`;
      if (json?.name && json.version && dir.endsWith(tail)) {
        found = {
          name: json.name,
          version: json.version,
          dir,
          registry: dir.slice(0, -tail.length),
        };
        break;
      }
    }
    for (const dir of visited) packages.set(dir, found);
    return found;
  }

  /** The version deno.lock pins for `name` when `from` depends on it. */
  async function lockedVersion(from: NpmPackage, name: string): Promise<string> {
    lock ??= readLock(options.lockPath);
    const entries = await lock;
    const own = entries.get(from.name)?.find((entry) => entry.version === from.version);
    // An entry is "name" (the lock holds one version) or "name@version_peers".
    const dependency = own?.dependencies.find((dep) => nameAndVersion(dep)[0] === name);
    if (dependency === undefined) {
      throw new Error(
        `Cannot resolve "${name}" from ${from.name}@${from.version}: not in deno.lock`,
      );
    }
    const [, pinned] = nameAndVersion(dependency);
    if (pinned) return pinned;
    const versions = entries.get(name) ?? [];
    if (versions.length !== 1) {
      throw new Error(`Cannot resolve "${name}": deno.lock holds ${versions.length} versions`);
    }
    return versions[0].version;
  }

  /** Lets esbuild resolve `specifier` as a self-reference from inside the package. */
  async function resolveIn(
    build: PluginBuild,
    pkg: { dir: string },
    specifier: string,
    how: { kind: ImportKind; importer: string },
  ): Promise<ResolveResult> {
    const self = await build.resolve(specifier, {
      ...how,
      resolveDir: pkg.dir,
      pluginData: { [SELF]: true },
    });
    if (self.errors.length === 0) return self;
    // No "exports" map: fall back to the package folder's main fields.
    const { subpath } = splitSpecifier(specifier);
    return await build.resolve(`./${subpath}`, {
      ...how,
      resolveDir: pkg.dir,
      pluginData: { [SELF]: true },
    });
  }

  return {
    name: "deno-npm",
    setup(build) {
      build.onResolve({ filter: /^[^./]/ }, async (args) => {
        if (args.pluginData?.[SELF] || /^[a-z][a-z0-9+.-]*:/i.test(args.path)) return undefined;
        const { name } = splitSpecifier(args.path);
        const how = { kind: args.kind, importer: args.importer };
        const importer = args.importer ? await packageOf(args.importer) : null;
        if (importer?.name === name) return await resolveIn(build, importer, args.path, how);
        if (importer) {
          const version = await lockedVersion(importer, name);
          return await resolveIn(
            build,
            { dir: join(importer.registry, name, version) },
            args.path,
            how,
          );
        }
        let url: string;
        try {
          url = import.meta.resolve(args.path);
        } catch (error) {
          return {
            errors: [{ text: `Cannot resolve "${args.path}": ${(error as Error).message}` }],
          };
        }
        if (!url.startsWith("file:")) {
          return {
            errors: [{
              text: `Cannot resolve "${args.path}": ${url} is not cached, run deno install`,
            }],
          };
        }
        const file = fileURLToPath(url);
        const pkg = await packageOf(file);
        return pkg ? await resolveIn(build, pkg, args.path, how) : { path: file };
      });
    },
  };
}
