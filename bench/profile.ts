/**
 * @module Where the server's time goes: summarizes V8 CPU profiles (`.cpuprofile`,
 * written by `deno run --cpu-prof`) by self time per function and by total time per
 * source file.
 *
 *   deno task bench --profile --only=fanout --servers=ours   profile a scenario
 *   deno run --allow-read bench/profile.ts FILE.cpuprofile    summarize a profile
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  totalMs: number;
  /** Busy time: everything but (idle); "(program)" is native code outside JS. */
  busyMs: number;
  gcMs: number;
  selfByFunction: Array<{ name: string; ms: number; share: number }>;
  /** Inclusive time per source file (a file counted once per sample). */
  totalByFile: Array<{ file: string; ms: number; share: number }>;
}

function shortUrl(url: string): string {
  if (!url) return "(native)";
  const npm = /\/npm\/registry\.npmjs\.org\/([^/]+(?:\/[^/]+)?)\/[^/]+\/(.*)$/.exec(url);
  if (npm) return `npm:${npm[1]}/${npm[2]}`;
  const local = /\/work\/[^/]+\/(.*)$/.exec(url) ??
    /file:\/\/\/.*?\/((?:lib|routes|bench)\/.*)$/.exec(url);
  if (local) return local[1];
  return url.replace(/^.*\/ext:/, "ext:").replace(/^ext:/, "deno:");
}

export function summarize(profile: CpuProfile, top = 25): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const self = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let gc = 0;
  profile.samples.forEach((id, i) => {
    const dt = (profile.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    const node = byId.get(id)!;
    const fn = node.callFrame.functionName || "(anonymous)";
    // "(program)" is native work on the thread (Rust ops, I/O polling): busy, not idle.
    if (fn === "(idle)") {
      idle += dt;
      return;
    }
    if (fn === "(garbage collector)") gc += dt;
    const key = `${fn} ${shortUrl(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + dt);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const file = shortUrl(byId.get(at)!.callFrame.url);
      if (file === "(native)" || seen.has(file)) continue;
      seen.add(file);
      files.set(file, (files.get(file) ?? 0) + dt);
    }
  });
  const busy = total - idle;
  const rank = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]).slice(0, top);
  return {
    totalMs: total,
    busyMs: busy,
    gcMs: gc,
    selfByFunction: rank(self).map(([name, ms]) => ({ name, ms, share: ms / busy })),
    totalByFile: rank(files).map(([file, ms]) => ({ file, ms, share: ms / busy })),
  };
}

export function formatSummary(s: ProfileSummary): string {
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `profile: ${(s.totalMs / 1000).toFixed(1)} s, busy ${(s.busyMs / 1000).toFixed(1)} s (${
      pct(s.busyMs / s.totalMs).trim()
    }), GC ${pct(s.gcMs / s.busyMs).trim()} of busy`,
    "self time by function (share of busy):",
    ...s.selfByFunction.map((f) => `  ${pct(f.share)}  ${f.name}`),
    "inclusive time by file (share of busy):",
    ...s.totalByFile.map((f) => `  ${pct(f.share)}  ${f.file}`),
  ];
  return lines.join("\n");
}

export async function summarizeDir(dir: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.name.endsWith(".cpuprofile")) continue;
    const profile = JSON.parse(await Deno.readTextFile(`${dir}/${entry.name}`)) as CpuProfile;
    out.push(`${entry.name}\n${formatSummary(summarize(profile))}`);
  }
  return out;
}

if (import.meta.main) {
  for (const file of Deno.args) {
    const profile = JSON.parse(await Deno.readTextFile(file)) as CpuProfile;
    console.log(`${file}\n${formatSummary(summarize(profile))}\n`);
  }
}
