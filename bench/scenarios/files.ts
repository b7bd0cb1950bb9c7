/**
 * @module Files (PROTOCOL v2 "Files"): what uploads cost and whether they get in
 * the way of delivery. Our servers only, with UPLOAD_QUOTA_MB_PER_DAY raised (the
 * bench uploads GiBs). Sizes in bench/params.ts (`files`); in a full run:
 *
 * 1. Memory, on two fresh servers: the server's VmRSS (/proc/<pid>/status) read
 *    every 20 ms while one 25 MiB random file is streamed at 1 MiB per 20 ms, then
 *    while 5 users each stream one at once; each twice (after a 1 MiB warm-up
 *    upload per user). The figure is the peak over the reading before. An upload
 *    is stored as it arrives, so this should stay near the 512 KiB a commit
 *    holds, not the file's size; the first round on a fresh process also shows the
 *    slack it takes once (freed buffers wait for V8's next GC).
 * 2. Throughput, on a third server: the file uploaded (`POST /api/uploads`, the
 *    bytes as the body) and downloaded (`GET file.url`) 3 times, one at a time,
 *    each answer checked against the file's SHA-256; MiB/s, median. Alternating
 *    with those runs, the bench itself writes the same bytes to a fresh KV file as
 *    the server stores a blob (64 KiB values, 8 per commit) and reads them back:
 *    the floor of what the server can do on this disk.
 * 3. Delivery under uploads, on that server: the fan-out room (200 members, 1
 *    msg/s each, 40,000 deliveries/s) measured alone, then while 5 other users each
 *    upload the file again and again; p50 / p99 without and with, and the uploads'
 *    MiB/s meanwhile.
 */

import { connectAll } from "../load/clients.ts";
import type { DriveResult } from "../load/drive.ts";
import {
  kvFloor,
  MIB,
  mibPerSec,
  pacedBody,
  randomBytes,
  sampleMemory,
  sha256Hex,
  timedDownload,
  timedUpload,
} from "../load/uploads.ts";
import type { Params } from "../params.ts";
import type { SeededUser } from "../seed.ts";
import { readCpuSeconds, type RunningServer, type ServerKind } from "../servers.ts";
import { median, round } from "../stats.ts";
import { describeStep } from "./fanout.ts";
import {
  fanoutWithAndWithout,
  membersOf,
  progress,
  seedFor,
  sleep,
  withServer,
} from "./_common.ts";

/** The p99 with uploads may be this much over twice the p99 without (a few ms of noise). */
export const FILES_P99_FLOOR_MS = 5;
/** RSS growth allowed during one upload, MiB (the file is 25). */
export const FILES_RSS_LIMIT_MIB = 8;

const ENV = { UPLOAD_QUOTA_MB_PER_DAY: "100000" };

export interface TransferRuns {
  /** MiB/s of each run, and their median. */
  runs: number[];
  mibPerSec: number;
  /** CPU use during the transfers, percent of one core, median (no server for the KV floor: NaN). */
  serverCpu: number;
  generatorCpu: number;
}

/** One round of paced uploads: the server's VmRSS before, at its peak, after. */
export interface MemoryRound {
  beforeKb: number;
  peakKb: number;
  afterKb: number;
  /** peak − before, MiB. */
  growthMiB: number;
  samples: number;
  /** MiB/s of all uploads together (paced: at most 50 MiB/s each). */
  mibPerSec: number;
}

export interface MemoryRun {
  uploads: number;
  /** The first round on a fresh server (after a 1 MiB warm-up upload per user). */
  fresh: MemoryRound;
  /** The same uploads once more, on the same server: what each upload holds. */
  warm: MemoryRound;
}

export interface UploadLoad {
  uploaders: number;
  completed: number;
  failed: number;
  /** MiB/s stored by all uploaders together, over the run. */
  mibPerSec: number;
  /** Seconds one upload took, median. */
  medianS: number;
  errorReasons: Record<string, number>;
}

export interface FilesResult {
  server: ServerKind;
  fileBytes: number;
  upload: TransferRuns;
  download: TransferRuns;
  /** The same bytes to and from a KV file directly, in the bench process. */
  kvWrite: TransferRuns;
  kvRead: TransferRuns;
  memory: { single: MemoryRun; parallel: MemoryRun };
  fanout: {
    baseline: DriveResult;
    withUploads: DriveResult;
    /** p99 with uploads ÷ p99 without. */
    p99Ratio: number;
    uploads: UploadLoad;
  };
  /** Fan-out deliveries, for the correctness totals. */
  lost: number;
  duplicates: number;
}

/** CPU of the server and of this process over `fn`, percent of one core. */
async function withCpu<T>(
  server: RunningServer | undefined,
  fn: () => Promise<T>,
): Promise<{ value: T; ms: number; serverCpu: number; generatorCpu: number }> {
  const t = performance.now();
  const cpu0 = { server: server?.cpuSeconds() ?? NaN, gen: readCpuSeconds("self") };
  const value = await fn();
  const seconds = (performance.now() - t) / 1000;
  return {
    value,
    ms: seconds * 1000,
    serverCpu: ((server?.cpuSeconds() ?? NaN) - cpu0.server) / seconds * 100,
    generatorCpu: (readCpuSeconds("self") - cpu0.gen) / seconds * 100,
  };
}

function transferRuns(
  bytes: number,
  runs: Array<{ ms: number; serverCpu: number; generatorCpu: number }>,
): TransferRuns {
  const each = runs.map((r) => mibPerSec(bytes, r.ms));
  return {
    runs: each,
    mibPerSec: median(each),
    serverCpu: median(runs.map((r) => r.serverCpu)),
    generatorCpu: median(runs.map((r) => r.generatorCpu)),
  };
}

/** The median of a few VmRSS readings `everyMs` apart. */
async function rssNow(server: RunningServer, readings = 5, everyMs = 20): Promise<number> {
  const values: number[] = [];
  for (let i = 0; i < readings; i++) {
    if (i) await sleep(everyMs);
    values.push(server.rssKb());
  }
  return median(values);
}

/**
 * One part-2 run on a fresh server: `uploads` users each stream the file at once,
 * twice. The first round also measures the slack the process takes once (freed
 * buffers wait for V8's next GC, malloc keeps what it had), the second what an
 * upload holds when that slack is already there, as on a server that has run.
 */
async function memoryRun(
  kind: ServerKind,
  params: Params,
  bytes: Uint8Array,
  sha256: string,
  uploads: number,
): Promise<MemoryRun> {
  const p = params.files;
  const seeded = await seedFor(kind, { users: 0, roomSize: 1, loose: uploads });
  return await withServer(kind, seeded, async (server) => {
    const users = seeded.users;
    // Whatever a first upload loads or compiles is not what an upload holds.
    const first = bytes.subarray(0, MIB);
    const firstSha = await sha256Hex(first);
    await Promise.all(
      users.map((u) => timedUpload(server.url, u.token, first, { size: MIB, sha256: firstSha })),
    );
    const measure = async (label: string): Promise<MemoryRound> => {
      await sleep(p.settleMs);
      const beforeKb = await rssNow(server);
      const sampler = sampleMemory(server.rssKb, p.sampleMs);
      const t = performance.now();
      await Promise.all(users.map((u) =>
        timedUpload(
          server.url,
          u.token,
          pacedBody(bytes, { chunk: p.pacedChunkMiB * MIB, everyMs: p.pacedEveryMs }),
          { size: bytes.byteLength, sha256 },
        )
      ));
      const ms = performance.now() - t;
      const { peakKb, samples } = sampler.stop();
      const result: MemoryRound = {
        beforeKb,
        peakKb,
        afterKb: server.rssKb(),
        growthMiB: (peakKb - beforeKb) / 1024,
        samples,
        mibPerSec: mibPerSec(bytes.byteLength * uploads, ms),
      };
      progress(
        `memory, ${uploads} paced upload${uploads > 1 ? "s" : ""} at once, ${label}: RSS ${
          mib(beforeKb)
        } → peak ${mib(peakKb)} MiB (+${round(result.growthMiB)} MiB, ${samples} samples), ${
          round(result.mibPerSec)
        } MiB/s`,
      );
      return result;
    };
    const fresh = await measure("fresh server");
    const warm = await measure("again");
    return { uploads, fresh, warm };
  }, { env: ENV });
}

function mib(kb: number): number {
  return round(kb / 1024);
}

/** Each of `users` uploads the file again and again until `until`; the last one finishes. */
async function uploadLoop(
  url: string,
  users: SeededUser[],
  bytes: Uint8Array,
  sha256: string,
  until: number,
): Promise<UploadLoad> {
  const times: number[] = [];
  const errorReasons: Record<string, number> = {};
  let failed = 0;
  const start = performance.now();
  await Promise.all(users.map(async (user) => {
    while (performance.now() < until) {
      try {
        const { ms } = await timedUpload(url, user.token, bytes, {
          size: bytes.byteLength,
          sha256,
        });
        times.push(ms);
      } catch (err) {
        failed++;
        const reason = err instanceof Error ? err.message.slice(0, 120) : String(err);
        errorReasons[reason] = (errorReasons[reason] ?? 0) + 1;
        await sleep(100);
      }
    }
  }));
  const seconds = (performance.now() - start) / 1000;
  return {
    uploaders: users.length,
    completed: times.length,
    failed,
    mibPerSec: times.length * bytes.byteLength / MIB / seconds,
    medianS: median(times) / 1000,
    errorReasons,
  };
}

export async function files(kind: ServerKind, params: Params): Promise<FilesResult> {
  const p = params.files;
  const bytes = randomBytes(p.fileMiB * MIB);
  const sha256 = await sha256Hex(bytes);
  const expected = { size: bytes.byteLength, sha256 };

  const single = await memoryRun(kind, params, bytes, sha256, 1);
  const parallel = await memoryRun(kind, params, bytes, sha256, p.uploaders);

  const seeded = await seedFor(kind, {
    users: p.members,
    roomSize: p.members,
    loose: p.uploaders,
  });
  return await withServer(kind, seeded, async (server, track) => {
    const uploaders = seeded.users.slice(p.members);
    const [owner] = uploaders;
    const ups = [];
    const downs = [];
    const writes = [];
    const reads = [];
    for (let i = 0; i < p.runs; i++) {
      // The floor and the server alternate, so a slow moment of the disk hits both.
      const floor = await withCpu(undefined, () => kvFloor(bytes));
      writes.push({ ...floor, ms: floor.value.writeMs });
      reads.push({ ...floor, ms: floor.value.readMs });
      const up = await withCpu(server, () => timedUpload(server.url, owner.token, bytes, expected));
      ups.push(up);
      downs.push(
        await withCpu(server, () => timedDownload(server.url, owner.token, up.value.file)),
      );
    }
    const size = bytes.byteLength;
    const upload = transferRuns(size, ups);
    const download = transferRuns(size, downs);
    const kvWrite = transferRuns(size, writes);
    const kvRead = transferRuns(size, reads);
    progress(
      `${p.fileMiB} MiB × ${p.runs}: upload ${round(upload.mibPerSec)} MiB/s (server ${
        round(upload.serverCpu)
      }%, generator ${round(upload.generatorCpu)}%), download ${
        round(download.mibPerSec)
      } MiB/s (server ${round(download.serverCpu)}%, generator ${
        round(download.generatorCpu)
      }%); KV directly: write ${round(kvWrite.mibPerSec)}, read ${round(kvRead.mibPerSec)} MiB/s`,
    );

    const room = seeded.rooms[0];
    const clients = track(await connectAll(kind, server.url, membersOf(seeded)));
    const { baseline, loaded: withUploads, extra: uploads } = await fanoutWithAndWithout({
      tags: ["u0", "u1"],
      roomId: room.id,
      clients,
      server,
      rate: p.rate,
      warmupMs: p.warmupMs,
      measureMs: p.measureMs,
      drainIdleMs: params.drainIdleMs,
      alongside: (until) => uploadLoop(server.url, uploaders, bytes, sha256, until),
      onBaseline: (baseline) => progress(describeStep("without uploads", baseline)),
    });
    progress(describeStep(`with ${p.uploaders} uploading`, withUploads));
    progress(
      `uploads meanwhile: ${uploads.completed} done, ${uploads.failed} failed, ${
        round(uploads.mibPerSec)
      } MiB/s together, ${round(uploads.medianS)} s each (median)${
        uploads.failed ? `; errors: ${JSON.stringify(uploads.errorReasons)}` : ""
      }`,
    );
    return {
      server: kind,
      fileBytes: size,
      upload,
      download,
      kvWrite,
      kvRead,
      memory: { single, parallel },
      fanout: {
        baseline,
        withUploads,
        p99Ratio: withUploads.latency.p99 / baseline.latency.p99,
        uploads,
      },
      lost: baseline.lost + withUploads.lost,
      duplicates: baseline.duplicates + withUploads.duplicates,
    };
  }, { env: ENV });
}
