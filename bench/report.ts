/**
 * @module The results of a run: their JSON shape, the targets they are held to, and
 * the Markdown tables (`bench/results/latest.md`) and chart written from them.
 */

import type { Params } from "./params.ts";
import type { ServerKind } from "./servers.ts";
import { round } from "./stats.ts";
import type { ChangesResult } from "./scenarios/changes.ts";
import { describeNotify, type NotifyResult } from "./scenarios/notify.ts";
import {
  DELETE_ROOM_P99_RATIO_MAX,
  type DeleteRoomResult,
  describeDeleteRoom,
} from "./scenarios/delete_room.ts";
import type { ColdStartResult } from "./scenarios/cold_start.ts";
import type { FanoutResult } from "./scenarios/fanout.ts";
import { FILES_P99_FLOOR_MS, FILES_RSS_LIMIT_MIB, type FilesResult } from "./scenarios/files.ts";
import type { HistoryResult } from "./scenarios/history.ts";
import type { IdleResult } from "./scenarios/idle.ts";
import type { LoginsResult } from "./scenarios/logins.ts";
import type { ManyRoomsResult } from "./scenarios/many_rooms.ts";
import type { BigRoomResult } from "./scenarios/big_room.ts";
import type { SoakResult } from "./scenarios/soak.ts";
import type { DeploySimResult } from "./scenarios/deploy_sim.ts";
import type { ServerWindow } from "./load/server_stats.ts";
import type { ReconnectResult } from "./scenarios/reconnect.ts";
import { SEARCH_GOALS, type SearchBenchResult } from "./scenarios/search.ts";
import { fanoutChart, type Series } from "./chart.ts";

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  deno: string;
  node: string;
  socketio: string;
}

export interface BenchResults {
  command: string;
  quick: boolean;
  startedAt: string;
  durationS: number;
  machine: Machine;
  params: Params;
  fanout: FanoutResult[];
  manyRooms: ManyRoomsResult[];
  /** Results written before the scenario existed have none. */
  bigRoom?: BigRoomResult[];
  idle: IdleResult[];
  reconnect: ReconnectResult[];
  logins: LoginsResult[];
  history: HistoryResult[];
  changes: ChangesResult[];
  notify?: NotifyResult[];
  deleteRoom?: DeleteRoomResult[];
  files: FilesResult[];
  search?: SearchBenchResult[];
  soak?: SoakResult[];
  /** Ours with a remote KV's latencies (scenarios/deploy_sim.ts). */
  deploySim?: DeploySimResult[];
  coldStart: ColdStartResult[];
  errors: Array<{ scenario: string; server: ServerKind; error: string }>;
  targets: Target[];
}

export interface Target {
  name: string;
  goal: string;
  value: string;
  /** null when a figure it needs is missing (scenario not run or failed). */
  met: boolean | null;
}

export const LABELS: Record<ServerKind, string> = {
  "ours": "ours",
  "ours-parallel": "ours, parallel",
  "socketio": "Socket.IO (Node)",
  "ceiling": "ceiling (bare Deno WS)",
  "ours-base": "ours, previous commit",
};

const COLORS: Record<ServerKind, string> = {
  "ours": "#1f6feb",
  "ours-parallel": "#8250df",
  "socketio": "#d1242f",
  "ceiling": "#2da44e",
  "ours-base": "#9a6700",
};

function by<T extends { server: ServerKind }>(list: T[], kind: ServerKind): T | undefined {
  return list.find((r) => r.server === kind);
}

function fmt(value: number | undefined, unit = ""): string {
  if (value === undefined || !Number.isFinite(value)) return "–";
  return `${round(value).toLocaleString("en-US")}${unit}`;
}

/**
 * Issue 19's goals (2-core machine), where the targets below take their numbers.
 * Many isolates: `ours, parallel` ÷ `ours` of each scenario's figure.
 */
export const GOALS = {
  fanoutVsSocketIo: 2,
  fanoutVsCeiling: 1.5,
  fanoutDeliveriesPerSec: 200_000,
  manyRoomsP99Ms: 25,
  bigRoomP99Ms: 100,
  /** WebSocket frames carrying presence per transition, × the room's size. */
  bigRoomPresenceCarriers: 0.25,
  idleVsCeiling: 1.1,
  reconnectCaughtUpMs: 1500,
  parallelRatio: 1,
  coldStartMs: 150,
} as const;

/** Holds the run to the product's targets (2-core machine). */
export function checkTargets(r: BenchResults): Target[] {
  const targets: Target[] = [];
  const f = (kind: ServerKind) => by(r.fanout, kind)?.maxMsgsPerSec;
  const ours = f("ours");
  const versus = (name: string, peer: number | undefined, factor: number) => {
    const ok = ours !== undefined && peer !== undefined && peer > 0;
    targets.push({
      name: `Fan-out max sustained, ours vs ${name}`,
      goal: `≥ ${factor}×`,
      value: ok ? `${round(ours! / peer!)}× (${fmt(ours)} vs ${fmt(peer)} msgs/s)` : "–",
      met: ok ? ours! >= factor * peer! : null,
    });
  };
  versus("Socket.IO", f("socketio"), GOALS.fanoutVsSocketIo);
  versus("ceiling", f("ceiling"), GOALS.fanoutVsCeiling);
  const fanOurs = by(r.fanout, "ours");
  const fanStep = fanOurs?.steps.filter((s) => s.passed).at(-1);
  targets.push({
    name: `Fan-out deliveries/s sustained with p99 ≤ ${r.params.fanout.p99LimitMs} ms (ours)`,
    goal: `≥ ${fmt(GOALS.fanoutDeliveriesPerSec)}/s`,
    value: fanOurs
      ? `${fmt(fanOurs.maxDeliveriesPerSec)}/s${
        fanStep ? ` (k = ${fanStep.k}, p99 ${fmt(fanStep.latency.p99)} ms)` : ""
      }`
      : "–",
    met: fanOurs ? fanOurs.maxDeliveriesPerSec >= GOALS.fanoutDeliveriesPerSec : null,
  });
  const many = by(r.manyRooms, "ours");
  targets.push({
    name: "Many rooms p99 (ours)",
    goal: `≤ ${GOALS.manyRoomsP99Ms} ms`,
    value: many
      ? `${fmt(many.latency.p99, " ms")}${
        many.counters ? ` (${fmt(many.counters.kvCommitsPerSec)} KV commits/s)` : ""
      }`
      : "–",
    met: many ? many.latency.p99 <= GOALS.manyRoomsP99Ms : null,
  });
  targets.push(...bigRoomTargets(r));
  const idleOurs = by(r.idle, "ours");
  const idleCeiling = by(r.idle, "ceiling");
  targets.push({
    name: "Idle sockets RSS per socket, ours vs ceiling",
    goal: `≤ ${GOALS.idleVsCeiling}×`,
    value: idleOurs && idleCeiling
      ? `${round(idleOurs.perSocketKb / idleCeiling.perSocketKb)}× (${
        fmt(idleOurs.perSocketKb)
      } vs ${fmt(idleCeiling.perSocketKb)} KiB)`
      : "–",
    met: idleOurs && idleCeiling
      ? idleOurs.perSocketKb <= GOALS.idleVsCeiling * idleCeiling.perSocketKb
      : null,
  });
  const soaked = by(r.soak ?? [], "ours");
  targets.push({
    name: `Soak: server RSS flat after the warm-up (ours${
      soaked ? `, ${fmt(soaked.durationS / 60)} min` : ""
    })`,
    goal: `within ±${soaked?.rss.bandPct ?? r.params.soak?.bandPct ?? 10} %`,
    value: soaked
      ? `${fmt((soaked.rss.minKb / soaked.rss.firstKb - 1) * 100)} % to +${
        fmt((soaked.rss.maxKb / soaked.rss.firstKb - 1) * 100)
      } % (${fmt(soaked.rss.firstKb / 1024)} → ${fmt(soaked.rss.lastKb / 1024)} MiB, drift ${
        fmt(soaked.rss.drift)
      }×)`
      : "–",
    met: soaked ? soaked.rss.flat : null,
  });
  const storm = by(r.reconnect, "ours");
  targets.push({
    name: "Reconnect storm: all caught up (ours)",
    goal: `≤ ${fmt(GOALS.reconnectCaughtUpMs)} ms`,
    value: fmt(storm?.caughtUpMs, " ms"),
    met: storm ? storm.caughtUpMs <= GOALS.reconnectCaughtUpMs : null,
  });
  const logins = by(r.logins, "ours");
  // A ratio over an overloaded baseline means nothing: then the target is not judged.
  const baselineOk = logins !== undefined &&
    logins.baseline.latency.p99 <= r.params.fanout.p99LimitMs;
  targets.push({
    name: "Logins under load: fan-out p99 with ÷ without (ours)",
    goal: "≤ 2×",
    value: logins
      ? `${round(logins.p99Ratio)}× (${fmt(logins.baseline.latency.p99)} → ${
        fmt(logins.withLogins.latency.p99)
      } ms)${baselineOk ? "" : "; baseline over the p99 limit: not judged"}`
      : "–",
    met: logins && baselineOk ? logins.p99Ratio <= 2 : null,
  });
  const deletion = by(r.deleteRoom ?? [], "ours");
  const deletionBaselineOk = deletion !== undefined &&
    deletion.baseline.latency.p99 <= r.params.fanout.p99LimitMs;
  targets.push({
    name: "Deleting a big room: others' p99 while deleting ÷ without (ours)",
    goal: `≤ ${DELETE_ROOM_P99_RATIO_MAX}×`,
    value: deletion
      ? `${round(deletion.p99Ratio)}× (${fmt(deletion.baseline.latency.p99)} → ${
        fmt(deletion.whileDeleting.latency.p99)
      } ms, ${fmt(deletion.messages)} messages swept in ${
        deletion.sweepS === null ? "(unfinished)" : `${round(deletion.sweepS)} s`
      })${deletionBaselineOk ? "" : "; baseline over the p99 limit: not judged"}`
      : "–",
    met: deletion && deletionBaselineOk
      ? deletion.p99Ratio <= DELETE_ROOM_P99_RATIO_MAX && deletion.sweepS !== null
      : null,
  });
  const hist = by(r.history, "ours");
  targets.push({
    name: "History page p50 (ours)",
    goal: "≤ 5 ms",
    value: fmt(hist?.newest.p50, " ms"),
    met: hist ? hist.newest.p50 <= 5 : null,
  });
  const cold = by(r.coldStart, "ours");
  targets.push({
    name: "Cold start (ours)",
    goal: `≤ ${GOALS.coldStartMs} ms`,
    value: fmt(cold?.median, " ms"),
    met: cold ? cold.median <= GOALS.coldStartMs : null,
  });
  targets.push(...filesTargets(r));
  targets.push(...searchTargets(r));
  for (const x of isolateRatios(r)) {
    targets.push({
      name: `Many isolates: ${x.figure}, parallel ÷ ours`,
      goal: `≤ ${GOALS.parallelRatio}×`,
      value: x.ours === undefined || x.parallel === undefined && !x.note
        ? "–"
        : `${Number.isFinite(x.ratio) ? `${fmt(x.ratio)}×` : "–"} (${fmt(x.ours)} → ${
          fmt(x.parallel)
        } ms${x.note ? `; ${x.note}` : ""})`,
      met: x.ours === undefined || x.parallel === undefined && !x.note
        ? null
        : Number.isFinite(x.ratio) && x.ratio <= GOALS.parallelRatio,
    });
  }
  const { lost, duplicates, disorder } = correctness(r);
  targets.push({
    name: "Lost / duplicated deliveries, every scenario and server",
    goal: "0 / 0",
    value: `${lost} / ${duplicates}`,
    met: lost === 0 && duplicates === 0,
  });
  const changes = r.changes ?? [];
  targets.push({
    name: "Changes under load: frames out of revision order, every server",
    goal: "0",
    value: changes.length ? String(disorder) : "–",
    met: changes.length ? disorder === 0 : null,
  });
  return targets;
}

/** The big room's targets, for ours: delivery p99 and the presence frames per transition. */
function bigRoomTargets(r: BenchResults): Target[] {
  const b = by(r.bigRoom ?? [], "ours");
  const size = b?.members ?? r.params.bigRoom?.members ?? 5000;
  const limit = GOALS.bigRoomPresenceCarriers * size;
  return [
    {
      name: `Big room (${fmt(size)} members, presence churning): delivery p99 (ours)`,
      goal: `≤ ${GOALS.bigRoomP99Ms} ms`,
      value: fmt(b?.latency.p99, " ms"),
      met: b ? b.latency.p99 <= GOALS.bigRoomP99Ms : null,
    },
    {
      name: "Big room: WebSocket frames carrying presence per transition (ours)",
      goal: `≤ ${GOALS.bigRoomPresenceCarriers} × room size (${fmt(limit)})`,
      value: b
        ? `${fmt(b.presence.carriersPerTransition)} (${
          fmt(b.presence.carriersPerTransition / size)
        }× the room; ${fmt(b.presence.transitions)} transitions, ${
          fmt(b.presence.framesPerTransition)
        } presence frames each)`
        : "–",
      met: b && b.presence.transitions > 0 ? b.presence.carriersPerTransition <= limit : null,
    },
  ];
}

/** One scenario's figure for ours and for ours, parallel (p99 or caught-up time, ms). */
export interface IsolateRatio {
  scenario: string;
  figure: string;
  ours?: number;
  parallel?: number;
  /** parallel ÷ ours; NaN when parallel has no figure where ours has one. */
  ratio: number;
  note?: string;
}

/**
 * Many isolates: is `ours, parallel` at least as fast as `ours` where both ran?
 * Fan-out at ours' highest sustained k (parallel's run at that same k), many rooms
 * and the big room by p99, the reconnect storm by the time until all caught up.
 */
export function isolateRatios(r: BenchResults): IsolateRatio[] {
  const out: IsolateRatio[] = [];
  const pair = (scenario: string, figure: string, ours?: number, parallel?: number) =>
    out.push({
      scenario,
      figure,
      ours,
      parallel,
      ratio: ours !== undefined && parallel !== undefined ? parallel / ours : NaN,
    });
  const fo = by(r.fanout, "ours");
  const fp = by(r.fanout, "ours-parallel");
  const step = fo?.steps.filter((s) => s.passed).at(-1);
  const same = step && fp?.steps.find((s) => s.k === step.k);
  pair(
    "fanout",
    `fan-out p99 at ours' k = ${step?.k ?? "–"}`,
    step?.latency.p99,
    same?.latency.p99,
  );
  if (step && fp && !same) {
    out[out.length - 1].note = `parallel's sweep ended at k = ${fp.steps.at(-1)?.k ?? "–"}`;
  }
  pair(
    "many-rooms",
    "many rooms p99",
    by(r.manyRooms, "ours")?.latency.p99,
    by(r.manyRooms, "ours-parallel")?.latency.p99,
  );
  pair(
    "big-room",
    "big room p99",
    by(r.bigRoom ?? [], "ours")?.latency.p99,
    by(r.bigRoom ?? [], "ours-parallel")?.latency.p99,
  );
  pair(
    "reconnect",
    "reconnect storm, all caught up",
    by(r.reconnect, "ours")?.caughtUpMs,
    by(r.reconnect, "ours-parallel")?.caughtUpMs,
  );
  return out;
}

/** The search scenario's targets, for ours: each query kind, and the reindex rate. */
function searchTargets(r: BenchResults): Target[] {
  const s = by(r.search ?? [], "ours");
  const g = SEARCH_GOALS;
  const kinds = s?.queries.map((q) => q.name) ??
    ["common word", "rare word", "two words", "prefix", "phrase", "from: + word", "CJK bigram"];
  return [
    ...kinds.map((name): Target => {
      const q = s?.queries.find((x) => x.name === name);
      const common = name === "common word";
      const p50 = common ? g.commonP50Ms : g.p50Ms;
      return {
        name: `Search: ${name}, p50 / p99 (ours)`,
        goal: common ? `≤ ${p50} ms p50` : `≤ ${p50} / ${g.p99Ms} ms`,
        value: q ? `${fmt(q.latency.p50)} / ${fmt(q.latency.p99)} ms` : "–",
        met: q ? q.latency.p50 <= p50 && (common || q.latency.p99 <= g.p99Ms) : null,
      };
    }),
    {
      name: "Search: reindex throughput (ours)",
      goal: `≥ ${fmt(g.reindexPerSec)} msgs/s`,
      value: fmt(s?.reindex.perSec, " msgs/s"),
      met: s ? s.reindex.perSec >= g.reindexPerSec : null,
    },
  ];
}

/** The files scenario's targets, for ours. */
function filesTargets(r: BenchResults): Target[] {
  const f = by(r.files ?? [], "ours");
  const mib = f ? round(f.fileBytes / 1024 / 1024) : 25;
  const parallel = f?.memory.parallel.uploads ?? 5;
  const fan = f?.fanout;
  // As for logins: a ratio over an overloaded baseline means nothing.
  const baselineOk = fan !== undefined && fan.baseline.latency.p99 <= r.params.fanout.p99LimitMs;
  return [
    {
      name: `Files: server RSS growth during one ${mib} MiB upload, not the first (ours)`,
      goal: `≤ ${FILES_RSS_LIMIT_MIB} MiB`,
      value: f
        ? `${fmt(f.memory.single.warm.growthMiB, " MiB")} (first on a fresh server: ${
          fmt(f.memory.single.fresh.growthMiB, " MiB")
        })`
        : "–",
      met: f ? f.memory.single.warm.growthMiB <= FILES_RSS_LIMIT_MIB : null,
    },
    {
      name: `Files: server RSS growth during ${parallel} parallel uploads, not the first (ours)`,
      goal: `≤ ${parallel * FILES_RSS_LIMIT_MIB} MiB`,
      value: f
        ? `${fmt(f.memory.parallel.warm.growthMiB, " MiB")} (first on a fresh server: ${
          fmt(f.memory.parallel.fresh.growthMiB, " MiB")
        })`
        : "–",
      met: f ? f.memory.parallel.warm.growthMiB <= parallel * FILES_RSS_LIMIT_MIB : null,
    },
    {
      name: `Files: fan-out p99 while ${fan?.uploads.uploaders ?? 5} users upload (ours)`,
      goal: `≤ 2× without + ${FILES_P99_FLOOR_MS} ms`,
      value: fan
        ? `${round(fan.p99Ratio)}× (${fmt(fan.baseline.latency.p99)} → ${
          fmt(fan.withUploads.latency.p99)
        } ms)${baselineOk ? "" : "; baseline over the p99 limit: not judged"}`
        : "–",
      met: fan && baselineOk
        ? fan.withUploads.latency.p99 <= 2 * fan.baseline.latency.p99 + FILES_P99_FLOOR_MS
        : null,
    },
  ];
}

/** What every delivery check counted: lost and duplicated (messages and updates), and
 * frames out of revision order (changes under load). */
export function correctness(
  r: BenchResults,
): { lost: number; duplicates: number; disorder: number } {
  const all = deliveryChecks(r);
  return {
    lost: all.reduce((sum, x) => sum + x.lost, 0),
    duplicates: all.reduce((sum, x) => sum + x.duplicates, 0),
    disorder: (r.changes ?? []).reduce((sum, x) => sum + x.disorder, 0) +
      (r.fanout ?? []).flatMap((f) => f.steps).reduce((sum, s) => sum + (s.disorder ?? 0), 0) +
      [...(r.bigRoom ?? []), ...(r.soak ?? [])].reduce((sum, x) => sum + x.disorder, 0),
  };
}

/** Every run that counted lost and duplicated deliveries, optionally of one server. */
function deliveryChecks(
  r: BenchResults,
  kind?: ServerKind,
): Array<{ lost: number; duplicates: number }> {
  const of = <T extends { server: ServerKind }>(list: T[] | undefined) =>
    (list ?? []).filter((x) => kind === undefined || x.server === kind);
  return [
    ...of(r.fanout).flatMap((f) => f.steps),
    ...of(r.manyRooms),
    ...of(r.bigRoom),
    ...of(r.soak),
    ...of(r.reconnect),
    ...of(r.logins).flatMap((l) => [l.baseline, l.withLogins]),
    ...of(r.changes),
    ...of(r.files).flatMap((f) => [f.fanout.baseline, f.fanout.withUploads]),
  ];
}

/** KV commits/s and messages per message-commit from a window's counters. */
function commitsCell(c: ServerWindow | null | undefined): string {
  if (!c) return "–";
  const isolates = c.isolates > 1 ? ` (${c.isolates} isolates)` : "";
  return `${fmt(c.kvCommitsPerSec)}; ${fmt(c.messagesPerCommit)}${isolates}`;
}

function table(head: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(head), line(head.map(() => "---")), ...rows.map(line)].join("\n");
}

/** The summary: one row per scenario figure, one column per server. */
export function summaryTable(r: BenchResults, servers: ServerKind[]): string {
  const rows: string[][] = [];
  const row = (label: string, cell: (kind: ServerKind) => string) =>
    rows.push([label, ...servers.map(cell)]);
  row("Fan-out max sustained, msgs/s in (deliveries/s out)", (k) => {
    const f = by(r.fanout, k);
    return f ? `${fmt(f.maxMsgsPerSec)} (${fmt(f.maxDeliveriesPerSec)})` : "–";
  });
  row("Fan-out p50 / p99 at that rate, ms", (k) => {
    const f = by(r.fanout, k);
    const step = f?.steps.filter((s) => s.passed).at(-1);
    return step ? `${fmt(step.latency.p50)} / ${fmt(step.latency.p99)}` : "–";
  });
  row("Fan-out server CPU per delivery at that rate, µs", (k) => {
    const step = by(r.fanout, k)?.steps.filter((s) => s.passed).at(-1);
    return fmt(step?.serverUsPerDelivery);
  });
  row("Fan-out KV commits/s; messages per message-commit, at that rate", (k) => {
    return commitsCell(by(r.fanout, k)?.steps.filter((s) => s.passed).at(-1)?.counters);
  });
  row("Many rooms p50 / p99, ms", (k) => {
    const m = by(r.manyRooms, k);
    return m ? `${fmt(m.latency.p50)} / ${fmt(m.latency.p99)}` : "–";
  });
  row("Many rooms KV commits/s (fsyncs/s); messages per message-commit", (k) => {
    return commitsCell(by(r.manyRooms, k)?.counters);
  });
  const bigSize = r.bigRoom?.[0]?.members ?? r.params.bigRoom?.members;
  row(`Big room (${fmt(bigSize)} members, presence churning): p50 / p99, ms`, (k) => {
    const b = by(r.bigRoom ?? [], k);
    return b ? `${fmt(b.latency.p50)} / ${fmt(b.latency.p99)}` : "–";
  });
  row("Big room: presence frames / WebSocket frames carrying presence, per transition", (k) => {
    const b = by(r.bigRoom ?? [], k)?.presence;
    return b ? `${fmt(b.framesPerTransition)} / ${fmt(b.carriersPerTransition)}` : "–";
  });
  row("Idle sockets: RSS per socket, KiB", (k) => fmt(by(r.idle, k)?.perSocketKb));
  row("Reconnect storm: all caught up, ms", (k) => fmt(by(r.reconnect, k)?.caughtUpMs));
  const soakRun = r.soak?.[0];
  row(
    `Soak${
      soakRun ? ` (${fmt(soakRun.durationS / 60)} min at ${soakRun.rate}/s per member)` : ""
    }: server RSS first → last, MiB (drift)`,
    (k) => {
      const x = by(r.soak ?? [], k)?.rss;
      return x
        ? `${fmt(x.firstKb / 1024)} → ${fmt(x.lastKb / 1024)} (${fmt(x.drift)}×${
          x.flat ? "" : ", not flat"
        })`
        : "–";
    },
  );
  const deploy = r.deploySim?.[0];
  for (const profile of deploy?.profiles.slice(1) ?? []) {
    row(`Deploy, simulated (${profile.name}): fan-out / many rooms p50 / p99, ms`, (k) => {
      if (k !== deploy!.server) return "–";
      return profile.loads.map((l) => `${fmt(l.latency.p50)} / ${fmt(l.latency.p99)}`).join("; ");
    });
  }
  row("Logins under load: fan-out p99 without → with, ms", (k) => {
    const l = by(r.logins, k);
    return l ? `${fmt(l.baseline.latency.p99)} → ${fmt(l.withLogins.latency.p99)}` : "–";
  });
  row("History page p50 / p99, ms", (k) => {
    const h = by(r.history, k);
    return h ? `${fmt(h.newest.p50)} / ${fmt(h.newest.p99)}` : "–";
  });
  const changes = r.changes ?? [];
  row("Changes under load: message p50 / p99, ms", (k) => {
    const c = by(changes, k);
    return c ? `${fmt(c.messages.latency.p50)} / ${fmt(c.messages.latency.p99)}` : "–";
  });
  row("Changes under load: update p50 / p99, ms", (k) => {
    const c = by(changes, k);
    return c ? `${fmt(c.updates.latency.p50)} / ${fmt(c.updates.latency.p99)}` : "–";
  });
  row("Mentions (10 %): message / notify p99, ms", (k) => {
    const n = by(r.notify ?? [], k);
    return n ? `${fmt(n.mentions.messages.p99)} / ${fmt(n.mentions.notify.p99)}` : "–";
  });
  row("Busy thread (20 replies/s): reply / notify / root update p99, ms", (k) => {
    const n = by(r.notify ?? [], k);
    return n
      ? `${fmt(n.thread.messages.p99)} / ${fmt(n.thread.notify.p99)} / ${
        fmt(n.thread.updates?.p99 ?? NaN)
      }`
      : "–";
  });
  row("Deleting a big room: others' p99 without → with, ms", (k) => {
    const d = by(r.deleteRoom ?? [], k);
    return d ? `${fmt(d.baseline.latency.p99)} → ${fmt(d.whileDeleting.latency.p99)}` : "–";
  });
  const files = r.files ?? [];
  row("Files: upload / download 25 MiB, MiB/s", (k) => {
    const f = by(files, k);
    return f ? `${fmt(f.upload.mibPerSec)} / ${fmt(f.download.mibPerSec)}` : "–";
  });
  row("Files: KV directly, write / read MiB/s (ours ÷ KV)", (k) => {
    const f = by(files, k);
    return f
      ? `${fmt(f.kvWrite.mibPerSec)} / ${fmt(f.kvRead.mibPerSec)} (${
        fmt(f.upload.mibPerSec / f.kvWrite.mibPerSec)
      }× / ${fmt(f.download.mibPerSec / f.kvRead.mibPerSec)}×)`
      : "–";
  });
  row("Files: server RSS growth, 1 / 5 uploads at once, MiB (first on a fresh server)", (k) => {
    const m = by(files, k)?.memory;
    return m
      ? `${fmt(m.single.warm.growthMiB)} / ${fmt(m.parallel.warm.growthMiB)} (${
        fmt(m.single.fresh.growthMiB)
      } / ${fmt(m.parallel.fresh.growthMiB)})`
      : "–";
  });
  row("Files: fan-out p99 without → with 5 uploading, ms", (k) => {
    const f = by(files, k)?.fanout;
    return f ? `${fmt(f.baseline.latency.p99)} → ${fmt(f.withUploads.latency.p99)}` : "–";
  });
  row("Search: common / rare / prefix p50, ms; reindex msgs/s", (k) => {
    const s = by(r.search ?? [], k);
    const p50 = (name: string) => fmt(s?.queries.find((q) => q.name === name)?.latency.p50);
    return s
      ? `${p50("common word")} / ${p50("rare word")} / ${p50("prefix")}; ${fmt(s.reindex.perSec)}`
      : "–";
  });
  row("Cold start to first response, ms", (k) => fmt(by(r.coldStart, k)?.median));
  const ratios = isolateRatios(r);
  row(
    "Many isolates, ÷ ours: fan-out p99 at ours' k / many rooms / big room / reconnect",
    (k) =>
      k === "ours-parallel" && ratios.some((x) => x.parallel !== undefined)
        ? ratios.map((x) => Number.isFinite(x.ratio) ? `${fmt(x.ratio)}×` : "–").join(" / ")
        : "–",
  );
  row("Lost / duplicated deliveries", (k) => {
    const all = deliveryChecks(r, k);
    if (all.length === 0) return "–";
    return `${all.reduce((s, x) => s + x.lost, 0)} / ${all.reduce((s, x) => s + x.duplicates, 0)}`;
  });
  return table(["", ...servers.map((k) => LABELS[k])], rows);
}

export function targetsTable(targets: Target[]): string {
  return table(
    ["Target", "Goal", "Result", "Met"],
    targets.map((
      t,
    ) => [t.name, t.goal, t.value, t.met === null ? "n/a" : t.met ? "yes" : "**no**"]),
  );
}

export function fanoutTable(f: FanoutResult): string {
  return table(
    [
      "k/member",
      "msgs/s in",
      "deliveries/s owed",
      "delivered/s",
      "p50 ms",
      "p99 ms",
      "p99 of each run, ms",
      "max ms",
      "ack p99 ms",
      "lost",
      "dup",
      "server CPU",
      "server µs/delivery",
      "generator CPU",
      "KV commits/s",
      "msgs per commit",
      "passed",
    ],
    f.steps.map((s) => [
      String(s.k),
      fmt(s.offered),
      fmt(s.offeredDeliveries),
      fmt(s.deliveredPerSec),
      fmt(s.latency.p50),
      fmt(s.latency.p99),
      (s.p99s ?? [s.latency.p99]).map((p99) => fmt(p99)).join(" / "),
      fmt(s.latency.max),
      fmt(s.ack.p99),
      String(s.lost),
      String(s.duplicates),
      fmt(s.serverCpu, "%"),
      fmt(s.serverUsPerDelivery),
      fmt(s.generatorCpu, "%"),
      fmt(s.counters?.kvCommitsPerSec),
      fmt(s.counters?.messagesPerCommit),
      s.passed ? "yes" : "no",
    ]),
  );
}

export function manyRoomsTable(list: ManyRoomsResult[]): string {
  return table(
    [
      "server",
      "sockets / rooms",
      "p50 / p99 ms",
      "delivered/s (owed)",
      "lost / dup",
      "server CPU",
      "server µs/delivery",
      "KV commits/s (fsyncs)",
      "failed checks/s",
      "messages per message-commit",
    ],
    list.map((m) => [
      LABELS[m.server],
      `${fmt(m.sockets)} / ${fmt(m.rooms)}`,
      `${fmt(m.latency.p50)} / ${fmt(m.latency.p99)}`,
      `${fmt(m.deliveredPerSec)} (${fmt(m.offeredDeliveries)})`,
      `${m.lost} / ${m.duplicates}`,
      fmt(m.serverCpu, "%"),
      fmt(m.serverUsPerDelivery),
      m.counters
        ? `${fmt(m.counters.kvCommitsPerSec)}${
          m.counters.isolates > 1 ? ` (${m.counters.isolates} isolates)` : ""
        }`
        : "–",
      fmt(m.counters?.kvFailedChecksPerSec),
      fmt(m.counters?.messagesPerCommit),
    ]),
  );
}

export function bigRoomTable(list: BigRoomResult[]): string {
  return table(
    [
      "server",
      "members",
      "msgs/s (deliveries/s owed)",
      "delivered/s",
      "p50 / p99 ms",
      "catch-up p50 / p99 ms",
      "lost / dup",
      "dropped (away ms)",
      "closed by the server",
      "resubscribed p99 ms",
      "transitions seen (caused)",
      "presence frames per transition",
      "WS frames with presence per transition (× room)",
      "server presence changes / frames",
      "server CPU",
      "generator CPU",
      "KV commits/s",
    ],
    list.map((b) => [
      LABELS[b.server],
      fmt(b.members),
      `${fmt(b.offered)} (${fmt(b.offeredDeliveries)})`,
      fmt(b.deliveredPerSec),
      `${fmt(b.latency.p50)} / ${fmt(b.latency.p99)}`,
      `${fmt(b.churn.catchUp.p50)} / ${fmt(b.churn.catchUp.p99)}`,
      `${b.lost} / ${b.duplicates}`,
      `${fmt(b.churn.dropped)} (${fmt(b.churn.awayMs)})`,
      fmt(b.churn.serverClosed),
      fmt(b.churn.resubscribe.p99),
      `${fmt(b.presence.transitions)} (${fmt(b.presence.caused)})`,
      fmt(b.presence.framesPerTransition),
      `${fmt(b.presence.carriersPerTransition)} (${
        fmt(b.presence.carriersPerTransition / b.members)
      }×)`,
      b.counters ? `${fmt(b.counters.presenceChanges)} / ${fmt(b.counters.presenceFrames)}` : "–",
      fmt(b.serverCpu, "%"),
      fmt(b.generatorCpu, "%"),
      fmt(b.counters?.kvCommitsPerSec),
    ]),
  );
}

export function soakTable(list: SoakResult[]): string {
  const mib = (kb: number) => fmt(kb / 1024);
  const summary = table(
    [
      "server",
      "minutes",
      "msgs/s in (deliveries/s)",
      "p50 / p99 ms",
      "lost / dup",
      "RSS first / min / max / last MiB",
      "drift",
      "flat",
      "server CPU",
      "KV commits/s; msgs per commit",
    ],
    list.map((x) => [
      LABELS[x.server],
      fmt(x.durationS / 60),
      `${fmt(x.offered)} (${fmt(x.offeredDeliveries)})`,
      `${fmt(x.latency.p50)} / ${fmt(x.latency.p99)}`,
      `${x.lost} / ${x.duplicates}`,
      `${mib(x.rss.firstKb)} / ${mib(x.rss.minKb)} / ${mib(x.rss.maxKb)} / ${mib(x.rss.lastKb)}`,
      `${fmt(x.rss.drift)}×`,
      x.rss.flat ? "yes" : "no",
      fmt(x.serverCpu, "%"),
      commitsCell(x.counters),
    ]),
  );
  const readings = list.map((x) =>
    `- ${LABELS[x.server]}, RSS MiB by second: ` +
    x.rss.samples.map((p) => `${fmt(p.s)} s ${mib(p.kb)}`).join(", ")
  );
  return [summary, "", ...readings].join("\n");
}

export function isolatesTable(ratios: IsolateRatio[]): string {
  return table(
    ["scenario", "figure", "ours ms", "ours, parallel ms", "parallel ÷ ours"],
    ratios.map((x) => [
      x.scenario,
      x.figure,
      fmt(x.ours),
      fmt(x.parallel),
      Number.isFinite(x.ratio) ? `${fmt(x.ratio)}×` : x.note ?? "–",
    ]),
  );
}

export function changesTable(list: ChangesResult[]): string {
  const pair = (l: { p50: number; p99: number }) => `${fmt(l.p50)} / ${fmt(l.p99)}`;
  return table(
    [
      "server",
      "members",
      "msgs / reactions / edits per s",
      "deliveries/s owed",
      "delivered/s",
      "message p50 / p99 ms",
      "update p50 / p99 ms",
      "reaction p50 / p99 ms",
      "edit p50 / p99 ms",
      "ack p99 ms (msg / reaction / edit)",
      "lost (msg / upd)",
      "dup (msg / upd)",
      "out of order",
      "errors",
      "server CPU",
      "server µs/delivery",
      "generator CPU",
      "longest pacer stall ms",
    ],
    list.map((c) => [
      LABELS[c.server],
      String(c.members),
      `${fmt(c.offered.message)} / ${fmt(c.offered.reaction)} / ${fmt(c.offered.edit)}`,
      fmt(c.offeredDeliveries),
      fmt(c.messages.deliveredPerSec + c.updates.deliveredPerSec),
      pair(c.messages.latency),
      pair(c.updates.latency),
      pair(c.reactions.latency),
      pair(c.edits.latency),
      `${fmt(c.messages.ack.p99)} / ${fmt(c.reactions.ack.p99)} / ${fmt(c.edits.ack.p99)}`,
      `${c.messages.lost} / ${c.updates.lost}`,
      `${c.messages.duplicates} / ${c.updates.duplicates}`,
      String(c.disorder),
      String(c.messages.errors + c.updates.errors),
      fmt(c.serverCpu, "%"),
      fmt(c.serverUsPerDelivery),
      fmt(c.generatorCpu, "%"),
      fmt(c.stallMs),
    ]),
  );
}

/** Files: the three parts, one row per server each. */
export function filesTables(list: FilesResult[]): string {
  const pct = (d: { deliveredPerSec: number; offeredDeliveries: number }) =>
    fmt(d.deliveredPerSec / d.offeredDeliveries * 100, " %");
  const transfers = table(
    [
      "server",
      "file MiB",
      "runs",
      "upload MiB/s",
      "download MiB/s",
      "KV write / read MiB/s",
      "ours ÷ KV (up / down)",
      "server CPU (up / down)",
      "generator CPU (up / down)",
    ],
    list.map((f) => [
      LABELS[f.server],
      fmt(f.fileBytes / 1024 / 1024),
      String(f.upload.runs.length),
      fmt(f.upload.mibPerSec),
      fmt(f.download.mibPerSec),
      `${fmt(f.kvWrite.mibPerSec)} / ${fmt(f.kvRead.mibPerSec)}`,
      `${fmt(f.upload.mibPerSec / f.kvWrite.mibPerSec)}× / ${
        fmt(f.download.mibPerSec / f.kvRead.mibPerSec)
      }×`,
      `${fmt(f.upload.serverCpu, "%")} / ${fmt(f.download.serverCpu, "%")}`,
      `${fmt(f.upload.generatorCpu, "%")} / ${fmt(f.download.generatorCpu, "%")}`,
    ]),
  );
  const memory = table(
    [
      "server",
      "uploads at once",
      "round",
      "RSS before MiB",
      "peak MiB",
      "growth MiB",
      "samples",
      "MiB/s",
    ],
    list.flatMap((f) =>
      [f.memory.single, f.memory.parallel].flatMap((m) =>
        ([["first, fresh server", m.fresh], ["again", m.warm]] as const).map(([label, x]) => [
          LABELS[f.server],
          String(m.uploads),
          label,
          fmt(x.beforeKb / 1024),
          fmt(x.peakKb / 1024),
          fmt(x.growthMiB),
          String(x.samples),
          fmt(x.mibPerSec),
        ])
      )
    ),
  );
  const fanout = table(
    [
      "server",
      "p50 / p99 without, ms",
      "p50 / p99 with uploads, ms",
      "p99 ratio",
      "delivered in window (without / with)",
      "lost",
      "dup",
      "uploads done / failed",
      "upload MiB/s together",
      "server CPU (without / with)",
      "generator CPU (without / with)",
    ],
    list.map((f) => {
      const { baseline: b, withUploads: w, uploads: u } = f.fanout;
      return [
        LABELS[f.server],
        `${fmt(b.latency.p50)} / ${fmt(b.latency.p99)}`,
        `${fmt(w.latency.p50)} / ${fmt(w.latency.p99)}`,
        `${fmt(f.fanout.p99Ratio)}×`,
        `${pct(b)} / ${pct(w)}`,
        String(b.lost + w.lost),
        String(b.duplicates + w.duplicates),
        `${u.completed} / ${u.failed}`,
        fmt(u.mibPerSec),
        `${fmt(b.serverCpu, "%")} / ${fmt(w.serverCpu, "%")}`,
        `${fmt(b.generatorCpu, "%")} / ${fmt(w.generatorCpu, "%")}`,
      ];
    }),
  );
  return [transfers, "", memory, "", fanout].join("\n");
}

export function markdown(r: BenchResults, servers: ServerKind[], chartFile: string): string {
  const m = r.machine;
  const parts = [
    `# Benchmark results${r.quick ? " (quick)" : ""}`,
    "",
    `\`${r.command}\` — ${r.startedAt}, ${round(r.durationS)} s. ` +
    `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.os}; Deno ${m.deno}, Node ${m.node}, ` +
    `Socket.IO ${m.socketio}. Servers and load generator share the machine. ` +
    "How to read this: docs/benchmarks.md.",
    "",
    summaryTable(r, servers),
    "",
    "## Targets",
    "",
    targetsTable(r.targets),
    "",
    "## Fan-out steps",
    "",
    `![latency against offered load](${chartFile})`,
    "",
  ];
  for (const f of r.fanout) {
    parts.push(`### ${LABELS[f.server]}`, "", fanoutTable(f), "");
  }
  if (r.manyRooms.length) {
    parts.push(
      "## Many rooms",
      "",
      "KV commits per second are the server's own count over the window " +
        "(`GET /api/admin/stats`): each is one `fsync` of SQLite's log. Messages per " +
        "message-commit: how many messages group commit put in each commit that stored any.",
      "",
      manyRoomsTable(r.manyRooms),
      "",
    );
  }
  if (r.bigRoom?.length) {
    parts.push(
      "## Big room",
      "",
      `One room, every member connected (lean sockets); messages from ${r.bigRoom[0].senders} ` +
        "of them, while " +
        "others drop and come back past the presence grace. Presence frames are counted at " +
        "every socket in the window, and divided by the transitions one socket that never " +
        "left saw; a WebSocket frame carrying several presence frames (a batch) counts once " +
        "in its column. Catch-up: what churned sockets got again by subscribing with `since`. " +
        "A socket the server closes (too slow to keep up) reconnects at once, from `since`, " +
        "as a client would: counted in its column, and its deliveries are still owed.",
      "",
      bigRoomTable(r.bigRoom),
      "",
    );
  }
  if (r.soak?.length) {
    parts.push(
      "## Soak",
      "",
      "The fan-out room at a fixed rate; the server's VmRSS every " +
        `${fmt((r.params.soak?.sampleMs ?? 10_000) / 1000)} s, judged from the first reading ` +
        `after the ${fmt(r.soak[0].warmupS)} s warm-up.`,
      "",
      soakTable(r.soak),
      "",
    );
  }
  if (r.deploySim?.length) {
    parts.push(
      "## Deploy, simulated",
      "",
      "Ours with every KV call (reads, commits, watched changes) made late by " +
        "`KV_SIMULATED_LATENCY`, at the latencies Deno publishes for KV on Deploy: 7 ms in " +
        "its primary region, 94 ms from another. Fan-out: one room, every member sending; " +
        "many rooms: small rooms, every member sending.",
      "",
      deploySimTable(r.deploySim),
      "",
    );
  }
  const ratios = isolateRatios(r);
  if (ratios.some((x) => x.ours !== undefined && x.parallel !== undefined || x.note)) {
    parts.push(
      "## Many isolates",
      "",
      "`ours, parallel` (one isolate per core) against `ours` where both ran: p99, or for " +
        "the reconnect storm the time until every client caught up. Target: ≤ 1× each.",
      "",
      isolatesTable(ratios),
      "",
    );
  }
  if (r.logins.length) {
    parts.push("## Logins under load", "");
    parts.push(
      table(
        [
          "server",
          "k",
          "p99 without",
          "p99 with",
          "ratio",
          "logins ok / offered",
          "answered/s",
          "login p50 / p99 ms",
          "unanswered",
        ],
        r.logins.map((l) => [
          LABELS[l.server],
          String(l.k),
          fmt(l.baseline.latency.p99),
          fmt(l.withLogins.latency.p99),
          `${fmt(l.p99Ratio)}×`,
          `${l.logins.succeeded} / ${l.logins.attempted}`,
          fmt(l.logins.answeredPerSec),
          `${fmt(l.logins.latency.p50)} / ${fmt(l.logins.latency.p99)}`,
          String(l.logins.unanswered),
        ]),
      ),
      "",
    );
  }
  if (r.changes?.length) {
    parts.push(
      "## Changes under load",
      "",
      "One room, every member subscribed; latency from the request being sent to each " +
        "socket's `message` or `update` frame. Socket.IO and the ceiling have no edits or " +
        "reactions: not run.",
      "",
      changesTable(r.changes),
      "",
    );
  }
  if (r.notify?.length) {
    parts.push(
      "## Mentions and threads under load",
      "",
      "The fan-out room (200 members, all subscribed; by default a room this size notifies " +
        "only mentions, direct messages and followed threads). Latency from the send to each " +
        "socket's `message` frame, and to the `notify` frame of each user it was meant for.",
      "",
      ...r.notify.map((n) =>
        `- ${LABELS[n.server]}: ${describeNotify(n).replaceAll("\n  ", "; ")}`
      ),
      "",
    );
  }
  if (r.deleteRoom?.length) {
    parts.push(
      "## Deleting a big room under load",
      "",
      "The fan-out room measured alone, then while the room beside it (its messages seeded " +
        "and indexed for search) is deleted by its owner: the sweep's bounded batches must " +
        `keep others' delivery p99 within ${DELETE_ROOM_P99_RATIO_MAX}× of the run without it.`,
      "",
      ...r.deleteRoom.map((d) =>
        `- ${LABELS[d.server]}: ${describeDeleteRoom(d).replaceAll("\n  ", "; ")}`
      ),
      "",
    );
  }
  if (r.files?.length) {
    const f = r.files[0];
    const mib = round(f.fileBytes / 1024 / 1024);
    parts.push(
      "## Files",
      "",
      `A ${mib} MiB random file uploaded and downloaded one at a time (median MiB/s), against ` +
        "the same bytes written to and read from a fresh KV file directly (64 KiB values, 8 per " +
        `commit); the server's VmRSS growth while ${mib} MiB uploads are streamed at ` +
        `${r.params.files.pacedChunkMiB} MiB per ${r.params.files.pacedEveryMs} ms, one and then ` +
        `${f.memory.parallel.uploads} at once, twice each on a fresh server (the first round ` +
        "includes the slack a process takes once: freed buffers wait for V8's next GC); " +
        `the fan-out room (${f.fanout.baseline.offered} ` +
        `msgs/s) without and with ${f.fanout.uploads.uploaders} users uploading in a loop.`,
      "",
      filesTables(r.files),
      "",
    );
  }
  if (r.search?.length) {
    const s = r.search[0];
    parts.push(
      "## Search",
      "",
      `${fmt(s.messages)} generated messages (several languages) in ${s.rooms} rooms, written ` +
        `to KV directly; the searching user is in ${s.userRooms} of them. Reindex: ` +
        "`reindex()` over the whole store in the bench process (what `deno task reindex` " +
        "runs). Queries: `GET /api/search` over HTTP, one at a time, first page (20).",
      "",
      table(
        ["query", "example", "p50 ms", "p99 ms", "results"],
        s.queries.map((q) => [
          q.name,
          `\`${q.q}\``,
          fmt(q.latency.p50),
          fmt(q.latency.p99),
          fmt(q.results),
        ]),
      ),
      "",
      `- Reindex: ${fmt(s.reindex.perSec)} msgs/s (${fmt(s.reindex.seconds)} s), ` +
        `${fmt(s.reindex.cpuMsPerMessage)} ms CPU per message, ${fmt(s.reindex.termsPerMessage)} ` +
        `postings per message; index ${fmt(s.reindex.bytesPerMessage)} bytes per message as ` +
        `keys and values, ${fmt(s.reindex.fileBytesPerMessage)} bytes of KV file.`,
      `- Live: ${fmt(s.live.sent)} messages at ${fmt(s.live.perSec)} msgs/s over HTTP: send ` +
        `p50 ${fmt(s.live.send.p50)} / p99 ${fmt(s.live.send.p99)} ms; acknowledged → indexed ` +
        `p50 ${fmt(s.live.indexLag.p50)} / p99 ${fmt(s.live.indexLag.p99)} ms; server CPU ` +
        `${fmt(s.live.serverCpu)}%.`,
      "",
    );
  }
  if (r.idle.length) {
    parts.push("## Idle sockets", "");
    parts.push(
      table(
        ["server", "sockets", "RSS before MiB", "RSS after MiB", "KiB per socket", "connected/s"],
        r.idle.map((i) => [
          LABELS[i.server],
          String(i.sockets),
          fmt(i.rssBeforeKb / 1024),
          fmt(i.rssAfterKb / 1024),
          fmt(i.perSocketKb),
          fmt(i.connectPerSec),
        ]),
      ),
      "",
    );
  }
  if (r.reconnect.length) {
    parts.push("## Reconnect storm", "");
    parts.push(
      table(
        [
          "server",
          "clients",
          "messages sent meanwhile",
          "all resubscribed ms",
          "all caught up ms",
          "delivered / owed",
          "lost",
          "dup",
          "server CPU",
          "generator CPU",
        ],
        r.reconnect.map((x) => [
          LABELS[x.server],
          String(x.clients),
          `${x.messagesPerRoom} × ${x.rooms} rooms`,
          fmt(x.resubscribedMs),
          fmt(x.caughtUpMs),
          `${x.delivered} / ${x.expected}`,
          String(x.lost),
          String(x.duplicates),
          fmt(x.serverCpu, "%"),
          fmt(x.generatorCpu, "%"),
        ]),
      ),
      "",
    );
  }
  if (r.errors.length) {
    parts.push("## Errors", "");
    for (const e of r.errors) parts.push(`- ${e.scenario} / ${LABELS[e.server]}: ${e.error}`);
    parts.push("");
  }
  return parts.join("\n");
}

export function chart(r: BenchResults): string {
  const series: Series[] = r.fanout.map((f) => ({
    name: LABELS[f.server],
    color: COLORS[f.server],
    p99: f.steps.map((s) => [s.offered, s.latency.p99]),
    p50: f.steps.map((s) => [s.offered, s.latency.p50]),
  }));
  return fanoutChart(series, {
    title: `Fan-out: one room, ${r.params.fanout.members} members, ~100-byte messages`,
    subtitle: `${r.machine.cpu}, ${r.machine.cores} cores — ${r.startedAt.slice(0, 10)}${
      r.quick ? " (quick run)" : ""
    }`,
    limitMs: r.params.fanout.p99LimitMs,
  });
}

/** One row per KV latency profile and load (scenarios/deploy_sim.ts). */
export function deploySimTable(list: DeploySimResult[]): string {
  const rows = list.flatMap((d) =>
    d.profiles.flatMap((profile) =>
      profile.loads.map((l) => [
        LABELS[d.server],
        profile.name,
        l.load,
        `${fmt(l.offered)} (${fmt(l.offeredDeliveries)})`,
        `${fmt(l.latency.p50)} / ${fmt(l.latency.p99)}`,
        fmt(l.ack.p99),
        `${l.lost} / ${l.duplicates}`,
        fmt(l.serverCpu, "%"),
      ])
    )
  );
  return table(
    [
      "server",
      "KV latency",
      "load",
      "msgs/s in (deliveries/s)",
      "p50 / p99 ms",
      "ack p99 ms",
      "lost / dup",
      "server CPU",
    ],
    rows,
  );
}
