/**
 * @module Logins under load: the fan-out room (200 members, k messages per second
 * each) measured twice, first alone, then while 20 password logins per second run
 * over HTTP (real argon2id verifications, open loop). The figure is the ratio of
 * the two p99s; login latency and throughput are reported alongside. Ours only.
 */

import { ChatApi } from "../../lib/client/client.ts";
import { connectAll } from "../load/clients.ts";
import type { DriveResult } from "../load/drive.ts";
import type { Params } from "../params.ts";
import { BENCH_PASSWORD, type SeededUser } from "../seed.ts";
import type { ServerKind } from "../servers.ts";
import { Histogram, type LatencySummary, round } from "../stats.ts";
import { describeStep } from "./fanout.ts";
import {
  fanoutWithAndWithout,
  membersOf,
  progress,
  seedFor,
  sleep,
  withServer,
} from "./_common.ts";

export interface LoginsResult {
  server: ServerKind;
  k: number;
  baseline: DriveResult;
  withLogins: DriveResult;
  /** p99 with logins ÷ p99 without. */
  p99Ratio: number;
  logins: {
    offeredPerSec: number;
    attempted: number;
    succeeded: number;
    failed: number;
    /** Still unanswered `graceMs` after the run (queued behind argon2id). */
    unanswered: number;
    /** Logins answered per second (any outcome), over the whole run. */
    answeredPerSec: number;
    latency: LatencySummary;
  };
}

/**
 * Starts a login every 1/rate s until `until`, never waiting for answers; then
 * waits up to `graceMs` for the stragglers and abandons the rest (unanswered).
 */
async function loginLoop(
  url: string,
  users: SeededUser[],
  options: { rate: number; until: number; graceMs: number },
) {
  const { rate, until } = options;
  const latency = new Histogram();
  const pending: Promise<void>[] = [];
  const abandon = new AbortController();
  const api = new ChatApi(url, {
    fetch: (input, init) => fetch(input, { ...init, signal: abandon.signal }),
  });
  let succeeded = 0;
  let failed = 0;
  const start = performance.now();
  let n = 0;
  while (performance.now() < until) {
    const due = Math.floor((performance.now() - start) * rate / 1000);
    for (; n < due; n++) {
      const user = users[n % users.length];
      const t = performance.now();
      pending.push(
        api.login(user.username, BENCH_PASSWORD).then(() => {
          succeeded++;
          latency.record(performance.now() - t);
        }, () => {
          if (!abandon.signal.aborted) failed++;
        }),
      );
    }
    await sleep(2);
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all(pending),
    new Promise((resolve) => timer = setTimeout(resolve, options.graceMs)),
  ]);
  clearTimeout(timer);
  const seconds = (performance.now() - start) / 1000;
  const answered = succeeded + failed;
  abandon.abort();
  await Promise.all(pending);
  return {
    offeredPerSec: rate,
    attempted: n,
    succeeded,
    failed,
    unanswered: n - answered,
    answeredPerSec: answered / seconds,
    latency: latency.summary(),
  };
}

export async function loginsUnderLoad(kind: ServerKind, params: Params): Promise<LoginsResult> {
  const p = params.logins;
  const seeded = await seedFor(kind, {
    users: p.members,
    roomSize: p.members,
    loose: p.loginUsers,
  });
  return await withServer(kind, seeded, async (server, track) => {
    const room = seeded.rooms[0];
    const clients = track(await connectAll(kind, server.url, membersOf(seeded)));
    const loginUsers = seeded.users.slice(p.members);
    const { baseline, loaded: withLogins, extra: logins } = await fanoutWithAndWithout({
      tags: ["l0", "l1"],
      roomId: room.id,
      clients,
      server,
      rate: p.rate,
      warmupMs: p.warmupMs,
      measureMs: p.measureMs,
      drainIdleMs: params.drainIdleMs,
      alongside: (until) =>
        loginLoop(server.url, loginUsers, { rate: p.loginsPerSec, until, graceMs: p.graceMs }),
      onBaseline: (baseline) => progress(describeStep("without logins", baseline)),
    });
    progress(describeStep(`with ${p.loginsPerSec} logins/s`, withLogins));
    progress(
      `logins: ${logins.succeeded}/${logins.attempted} ok, ${logins.unanswered} unanswered, ${
        round(logins.answeredPerSec)
      } answered/s, p50 ${round(logins.latency.p50)} ms, p99 ${round(logins.latency.p99)} ms`,
    );
    return {
      server: kind,
      k: p.rate,
      baseline,
      withLogins,
      p99Ratio: withLogins.latency.p99 / baseline.latency.p99,
      logins: logins,
    };
  });
}
