/**
 * @module `deno task bench`: runs every scenario against every server it applies to,
 * prints the tables, and writes `bench/results/` (JSON, Markdown, SVG chart).
 *
 *   deno task bench                 full run (about 22–30 minutes on 2 cores, 10 of
 *                                   them the soak)
 *   deno task bench --quick         reduced run, about three minutes; a smoke test
 *   --only=fanout,idle              some scenarios (fanout, many-rooms, big-room,
 *                                   idle, reconnect, logins, history, changes,
 *                                   notify, delete-room, files, search, soak,
 *                                   deploy-sim, cold-start)
 *   --servers=ours,ceiling          some servers (ours, ours-parallel, socketio, ceiling)
 *   --out=DIR                       where to write results (default bench/results)
 *   --rates=1,2,4                   fan-out: these messages/s per member instead
 *   --measure=8000                  measured window per run, ms
 *   --soak-minutes=10               how long the soak runs (default 10; --quick 20 s)
 *   --merge                         replace only what this run measured in the
 *                                   previous results (e.g. one scenario re-run)
 *   --profile                       run our servers with --cpu-prof and summarize
 *                                   where their time went (bench/profile.ts)
 *
 * Everything it measures it starts itself (temp KV files, random ports) and stops
 * again, also on Ctrl-C. Exits 1 when a delivery was lost, duplicated or out of
 * revision order, or a scenario failed (so `--quick` can gate CI); unmet targets
 * are reported only.
 */

import { FULL, type Params, QUICK } from "./params.ts";
import {
  type BenchResults,
  chart,
  checkTargets,
  correctness,
  LABELS,
  type Machine,
  markdown,
  summaryTable,
  targetsTable,
} from "./report.ts";
import {
  ALL_SERVER_KINDS,
  ensureSocketIoInstalled,
  openFileLimit,
  OUR_KINDS,
  profileServersInto,
  SERVER_KINDS,
  type ServerKind,
  stopAll,
} from "./servers.ts";
import { changesUnderLoad } from "./scenarios/changes.ts";
import { notifyUnderLoad } from "./scenarios/notify.ts";
import { deleteRoomUnderLoad } from "./scenarios/delete_room.ts";
import { searchBench } from "./scenarios/search.ts";
import { coldStart } from "./scenarios/cold_start.ts";
import { files } from "./scenarios/files.ts";
import { fanoutAll } from "./scenarios/fanout.ts";
import { history } from "./scenarios/history.ts";
import { idle } from "./scenarios/idle.ts";
import { loginsUnderLoad } from "./scenarios/logins.ts";
import { manyRooms } from "./scenarios/many_rooms.ts";
import { bigRoom } from "./scenarios/big_room.ts";
import { soak } from "./scenarios/soak.ts";
import { deploySim } from "./scenarios/deploy_sim.ts";
import { reconnectStorm } from "./scenarios/reconnect.ts";
import { summarizeDir } from "./profile.ts";

type Collect = Exclude<
  keyof BenchResults,
  "command" | "quick" | "startedAt" | "durationS" | "machine" | "params" | "errors" | "targets"
>;

interface Scenario {
  name: string;
  key: Collect;
  /** The servers it makes sense for. */
  servers: ServerKind[];
  run?(kind: ServerKind, params: Params): Promise<unknown>;
  /** Instead of `run`: every server at once (one result or error each, in order). */
  runAll?(kinds: ServerKind[], params: Params): Promise<unknown[]>;
}

const SCENARIOS: Scenario[] = [
  // Runs interleaved across the servers (median of three per step).
  { name: "fanout", key: "fanout", servers: ALL_SERVER_KINDS, runAll: fanoutAll },
  { name: "many-rooms", key: "manyRooms", servers: ALL_SERVER_KINDS, run: manyRooms },
  // 5,000 members with presence churning: ours only (the peers have no presence).
  { name: "big-room", key: "bigRoom", servers: ["ours", "ours-parallel"], run: bigRoom },
  { name: "idle", key: "idle", servers: ALL_SERVER_KINDS, run: idle },
  { name: "reconnect", key: "reconnect", servers: OUR_KINDS, run: reconnectStorm },
  { name: "logins", key: "logins", servers: OUR_KINDS, run: loginsUnderLoad },
  { name: "history", key: "history", servers: OUR_KINDS, run: history },
  // Socket.IO and the ceiling have no edits or reactions.
  { name: "changes", key: "changes", servers: OUR_KINDS, run: changesUnderLoad },
  // Mentions and threads: ours only (the peers have neither).
  { name: "notify", key: "notify", servers: OUR_KINDS, run: notifyUnderLoad },
  // Deleting a 100,000-message room beside the fan-out room: ours only.
  { name: "delete-room", key: "deleteRoom", servers: ["ours"], run: deleteRoomUnderLoad },
  // Uploads need accounts and KV: ours only.
  { name: "files", key: "files", servers: OUR_KINDS, run: files },
  // Search over 100,000 seeded messages: ours only (the peers have no search).
  { name: "search", key: "search", servers: ["ours"], run: searchBench },
  // Ten minutes of fan-out near the knee, the server's RSS sampled: ours only.
  { name: "soak", key: "soak", servers: ["ours"], run: soak },
  // Every KV call made late, at Deno Deploy's published latencies: ours only.
  { name: "deploy-sim", key: "deploySim", servers: ["ours"], run: deploySim },
  { name: "cold-start", key: "coldStart", servers: ALL_SERVER_KINDS, run: coldStart },
];

function option(args: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

function list<T extends string>(value: string | undefined, all: readonly T[], what: string): T[] {
  if (!value) return [...all];
  const picked = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const p of picked) {
    if (!all.includes(p as T)) {
      throw new Error(`Unknown ${what}: "${p}" (one of ${all.join(", ")})`);
    }
  }
  return picked as T[];
}

async function run(command: string[]): Promise<string> {
  try {
    const { stdout } = await new Deno.Command(command[0], {
      args: command.slice(1),
      stderr: "null",
    })
      .output();
    return new TextDecoder().decode(stdout).trim();
  } catch {
    return "unknown";
  }
}

async function machine(): Promise<Machine> {
  const cpuinfo = await Deno.readTextFile("/proc/cpuinfo").catch(() => "");
  const meminfo = await Deno.readTextFile("/proc/meminfo").catch(() => "");
  const socketio = await Deno.readTextFile(
    new URL("peers/socketio/node_modules/socket.io/package.json", import.meta.url),
  ).then((text) => JSON.parse(text).version as string).catch(() => "not installed");
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? "unknown CPU",
    cores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0) / 1024 / 1024),
    os: `${Deno.build.os} ${Deno.osRelease()}`,
    deno: Deno.version.deno,
    node: (await run(["node", "--version"])).replace(/^v/, ""),
    socketio,
  };
}

async function main(args: string[]): Promise<number> {
  const quick = args.includes("--quick");
  const params = structuredClone(quick ? QUICK : FULL);
  const rates = option(args, "rates");
  if (rates) params.fanout.rates = rates.split(",").map(Number);
  const soakMinutes = Number(option(args, "soak-minutes"));
  if (soakMinutes > 0) {
    params.soak.durationMs = soakMinutes * 60_000;
    // A short soak keeps a warm-up of at most half its length.
    params.soak.warmupMs = Math.min(params.soak.warmupMs, params.soak.durationMs / 2);
  }
  const measure = Number(option(args, "measure"));
  if (measure > 0) {
    const measured = [
      params.fanout,
      params.manyRooms,
      params.logins,
      params.changes,
      params.notify,
      params.deleteRoom,
      params.files,
      params.bigRoom,
    ];
    for (const scenario of measured) {
      scenario.measureMs = measure;
    }
  }
  const scenarioNames = list(option(args, "only"), SCENARIOS.map((s) => s.name), "scenario");
  const servers = option(args, "servers")
    ? list(option(args, "servers"), ALL_SERVER_KINDS, "server")
    : [...SERVER_KINDS];
  const outDir = (option(args, "out") ?? new URL("results", import.meta.url).pathname).replace(
    /\/+$/,
    "",
  );
  // The scenarios that hold thousands of sockets open in this process.
  const sockets = [
    ...(scenarioNames.includes("idle") ? [params.idle.sockets] : []),
    ...(scenarioNames.includes("big-room") ? [params.bigRoom.members] : []),
  ];
  const needFiles = Math.max(0, ...sockets) + 1000;
  const limit = openFileLimit();
  if (sockets.length && limit.soft < needFiles) {
    // Deno cannot raise its own limit: start again under a shell that did.
    if (limit.hard >= needFiles && !Deno.env.get("BENCH_ULIMIT_RAISED")) {
      return await rerunWithFileLimit(needFiles, args);
    }
    throw new Error(
      `Open-file limit is ${limit.soft} (hard ${limit.hard}), the idle and big-room ` +
        `scenarios need ${needFiles}: raise it (ulimit -n) or skip them (--only=…)`,
    );
  }
  const profiling = args.includes("--profile");
  const profDir = profiling ? await Deno.makeTempDir({ prefix: "chat-bench-prof-" }) : "";
  if (profiling) profileServersInto(profDir);
  const started = new Date();
  const t0 = performance.now();
  const results: BenchResults = {
    command: `deno task bench${args.length ? " " + args.join(" ") : ""}`,
    quick,
    startedAt: started.toISOString(),
    durationS: 0,
    machine: await machine(),
    params,
    fanout: [],
    manyRooms: [],
    bigRoom: [],
    idle: [],
    reconnect: [],
    logins: [],
    history: [],
    changes: [],
    notify: [],
    deleteRoom: [],
    files: [],
    search: [],
    soak: [],
    deploySim: [],
    coldStart: [],
    errors: [],
    targets: [],
  };
  const socketIoRuns = servers.includes("socketio") &&
    SCENARIOS.some((s) => scenarioNames.includes(s.name) && s.servers.includes("socketio"));
  if (socketIoRuns) {
    await ensureSocketIoInstalled();
    results.machine = await machine();
  }
  for (const scenario of SCENARIOS) {
    if (!scenarioNames.includes(scenario.name)) continue;
    const kinds = scenario.servers.filter((k) => servers.includes(k));
    const failed = (kind: ServerKind, err: unknown) => {
      const error = err instanceof Error ? err.message : String(err);
      console.error(`  failed (${LABELS[kind]}): ${error}`);
      results.errors.push({ scenario: scenario.name, server: kind, error: error.slice(0, 500) });
    };
    if (scenario.runAll) {
      if (!kinds.length) continue;
      console.error(`${scenario.name} · ${kinds.map((kind) => LABELS[kind]).join(", ")}`);
      const t = performance.now();
      try {
        const all = await scenario.runAll(kinds, params);
        all.forEach((result, i) => {
          if (result instanceof Error) failed(kinds[i], result);
          else (results[scenario.key] as unknown[]).push(result);
        });
        console.error(`  (${round1((performance.now() - t) / 1000)} s)`);
      } catch (err) {
        for (const kind of kinds) failed(kind, err);
        await stopAll();
      }
      continue;
    }
    for (const kind of kinds) {
      console.error(`${scenario.name} · ${LABELS[kind]}`);
      const t = performance.now();
      try {
        const result = await scenario.run!(kind, params);
        (results[scenario.key] as unknown[]).push(result);
        console.error(`  (${round1((performance.now() - t) / 1000)} s)`);
      } catch (err) {
        failed(kind, err);
        await stopAll();
      }
    }
  }
  results.durationS = (performance.now() - t0) / 1000;

  await Deno.mkdir(outDir, { recursive: true });
  const base = quick ? "quick" : "latest";
  const chartFile = quick ? "quick_fanout.svg" : "fanout.svg";
  const stamp = started.toISOString().replace(/[:.]/g, "-");
  if (!quick) await Deno.writeTextFile(`${outDir}/${stamp}.json`, JSON.stringify(results, null, 2));
  let report = results;
  if (args.includes("--merge")) {
    const previous = await Deno.readTextFile(`${outDir}/${base}.json`).then(JSON.parse).catch(
      () => undefined,
    );
    if (previous) report = merge(previous, results, SCENARIOS.map((s) => s.key));
  }
  report.targets = checkTargets(report);
  const shown = SERVER_KINDS.filter((kind) =>
    servers.includes(kind) || SCENARIOS.some((s) =>
      (report[s.key] as Array<{ server: string }>)
        .some((r) => r.server === kind)
    )
  );
  await Deno.writeTextFile(`${outDir}/${base}.json`, JSON.stringify(report, null, 2));
  await Deno.writeTextFile(`${outDir}/${base}.md`, markdown(report, shown, chartFile));
  if (report.fanout.length) await Deno.writeTextFile(`${outDir}/${chartFile}`, chart(report));

  if (profiling) {
    const summaries = await summarizeDir(profDir);
    await Deno.writeTextFile(`${outDir}/profile.txt`, summaries.join("\n\n") + "\n");
    console.log(summaries.join("\n\n"));
    console.log(`Profiles: ${profDir}`);
  }
  console.log("");
  console.log(summaryTable(report, shown));
  console.log("");
  console.log(targetsTable(report.targets));
  console.log("");
  console.log(`${round1(results.durationS)} s. Results: ${outDir}/${base}.{json,md}, ${chartFile}`);
  const { lost, duplicates, disorder } = correctness(results);
  const broken = lost > 0 || duplicates > 0 || disorder > 0 || results.errors.length > 0;
  return broken ? 1 : 0;
}

/**
 * `--merge`: the previous results with what this run measured in their place (per
 * scenario and server), e.g. to re-run one scenario after a noisy moment.
 */
function merge(previous: BenchResults, now: BenchResults, keys: Collect[]): BenchResults {
  const merged: BenchResults = {
    ...previous,
    command: `${previous.command}, then ${now.command}`,
    durationS: previous.durationS + now.durationS,
    errors: [
      ...previous.errors.filter((e) =>
        !now.errors.some((n) => n.scenario === e.scenario && n.server === e.server)
      ),
      ...now.errors,
    ],
  };
  for (const key of keys) {
    const fresh = now[key] as Array<{ server: ServerKind }>;
    // Results written before a scenario existed have no list for it.
    const kept = ((previous[key] ?? []) as Array<{ server: ServerKind }>).filter((r) =>
      !fresh.some((f) => f.server === r.server)
    );
    (merged[key] as unknown[]) = [...kept, ...fresh].sort((a, b) =>
      SERVER_KINDS.indexOf(a.server) - SERVER_KINDS.indexOf(b.server)
    );
  }
  return merged;
}

/** Runs this same command under `sh -c 'ulimit -n N; exec …'`; answers its exit code. */
async function rerunWithFileLimit(files: number, args: string[]): Promise<number> {
  const script = `ulimit -n ${files} && exec "$0" "$@"`;
  const self = new URL(import.meta.url).pathname;
  const child = new Deno.Command("sh", {
    args: ["-c", script, Deno.execPath(), "run", "--unstable-kv", "--allow-all", self, ...args],
    env: { BENCH_ULIMIT_RAISED: "1" },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

if (import.meta.main) {
  const stop = () => {
    console.error("Interrupted: stopping servers");
    stopAll().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  let code = 1;
  try {
    code = await main(Deno.args);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
  } finally {
    await stopAll();
  }
  Deno.exit(code);
}
