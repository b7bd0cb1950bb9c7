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
  idle: IdleResult[];
  reconnect: ReconnectResult[];
  logins: LoginsResult[];
  history: HistoryResult[];
  changes: ChangesResult[];
  notify?: NotifyResult[];
  deleteRoom?: DeleteRoomResult[];
  files: FilesResult[];
  search?: SearchBenchResult[];
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
  versus("Socket.IO", f("socketio"), 1);
  versus("ceiling", f("ceiling"), 0.7);
  const many = by(r.manyRooms, "ours");
  targets.push({
    name: "Many rooms p99 (ours)",
    goal: "≤ 50 ms",
    value: fmt(many?.latency.p99, " ms"),
    met: many ? many.latency.p99 <= 50 : null,
  });
  const idleOurs = by(r.idle, "ours");
  const idleCeiling = by(r.idle, "ceiling");
  targets.push({
    name: "Idle sockets RSS per socket, ours vs ceiling",
    goal: "≤ 1.5×",
    value: idleOurs && idleCeiling
      ? `${round(idleOurs.perSocketKb / idleCeiling.perSocketKb)}× (${
        fmt(idleOurs.perSocketKb)
      } vs ${fmt(idleCeiling.perSocketKb)} KiB)`
      : "–",
    met: idleOurs && idleCeiling ? idleOurs.perSocketKb <= 1.5 * idleCeiling.perSocketKb : null,
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
    goal: "≤ 300 ms",
    value: fmt(cold?.median, " ms"),
    met: cold ? cold.median <= 300 : null,
  });
  targets.push(...filesTargets(r));
  targets.push(...searchTargets(r));
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
      (r.fanout ?? []).flatMap((f) => f.steps).reduce((sum, s) => sum + (s.disorder ?? 0), 0),
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
    ...of(r.reconnect),
    ...of(r.logins).flatMap((l) => [l.baseline, l.withLogins]),
    ...of(r.changes),
    ...of(r.files).flatMap((f) => [f.fanout.baseline, f.fanout.withUploads]),
  ];
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
  row("Many rooms p50 / p99, ms", (k) => {
    const m = by(r.manyRooms, k);
    return m ? `${fmt(m.latency.p50)} / ${fmt(m.latency.p99)}` : "–";
  });
  row("Idle sockets: RSS per socket, KiB", (k) => fmt(by(r.idle, k)?.perSocketKb));
  row("Reconnect storm: all caught up, ms", (k) => fmt(by(r.reconnect, k)?.caughtUpMs));
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
      s.passed ? "yes" : "no",
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
