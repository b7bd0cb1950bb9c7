/**
 * Soak: the real server under moderate, varied load for a long time (`deno task
 * soak`, 10 minutes by default; `--minutes N` or `--seconds N` to change it). It
 * reports the server's resident memory (VmRSS from /proc/<pid>/status) and open
 * descriptors (/proc/<pid>/fd) after the warm-up and at the end, under the same
 * load, and fails if either grew by more than 10 %: a leak of sockets, timers,
 * subscriptions or buffers shows up as steady growth. RSS swings with garbage
 * collection, so each figure is the floor of samples taken every 250 ms over a
 * window (30 s in long runs); descriptors are the window's median.
 * `SOAK_V8_FLAGS=--trace-gc` also prints the server's heap after each major GC.
 * tests/soak_test.ts runs a 25-second version in the normal suite.
 *
 * The load: 24 users in 8 rooms (3 rooms each), one or two sockets per user, about
 * 12 messages a second (each fanned out to ~9 sockets), typing and read markers,
 * history reads, and churn: a socket dropped and resumed every 2 s, a user
 * logging out and in again every 5 s, a room joined or left every 3 s.
 */

import { startServer } from "./_server.ts";
import { processStats } from "./_raw_ws.ts";
import { checkKv } from "./_invariants.ts";
import { ChatApi } from "../lib/client/http.ts";
import { ChatSocket } from "../lib/client/socket.ts";
import { ChatError } from "../lib/errors.ts";

const PASSWORD = "correct horse battery";

export interface SoakOptions {
  seconds: number;
  /** Defaults to a fifth of the run, between 5 s and 60 s. */
  warmupSeconds?: number;
  users?: number;
  rooms?: number;
  log?: (line: string) => void;
  /** How often a user logs out and in again (0: never). Each login costs an argon2id hash. */
  reloginEveryMs?: number;
  /** Extra environment for the server (e.g. DENO_V8_FLAGS=--trace-gc). */
  env?: Record<string, string>;
}

export interface Sample {
  rssKb: number;
  fds: number;
  sockets: number;
}

export interface SoakReport {
  seconds: number;
  warmup: Sample;
  end: Sample;
  rssGrowth: number;
  fdGrowth: number;
  sent: number;
  delivered: number;
  reconnects: number;
  relogins: number;
  membershipChanges: number;
  historyReads: number;
  p99Ms: number;
  peakRssKb: number;
  problems: string[];
}

interface SoakUser {
  name: string;
  api: ChatApi;
  sockets: ChatSocket[];
  rooms: Set<string>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const userCount = options.users ?? 24;
  const roomCount = options.rooms ?? 8;
  const warmupSeconds = options.warmupSeconds ??
    Math.min(60, Math.max(5, Math.round(options.seconds / 10)));
  // The send allowance is raised so that priming the rooms is quick; the steady
  // load stays well under the default allowance anyway (one message per 2 s each).
  const server = await startServer({
    env: {
      PRESENCE_GRACE_MS: "1000",
      SEND_RATE_BURST: "1000000",
      SEND_RATE_PER_SEC: "1000000",
      ...options.env,
    },
  });
  const pid = server.process.pid;
  const problems: string[] = [];
  let sent = 0;
  let delivered = 0;
  let reconnects = 0;
  let relogins = 0;
  let membershipChanges = 0;
  let historyReads = 0;
  const latencies: number[] = [];
  let running = true;
  let stopped = false;

  try {
    // Users, rooms (every user in 3 of them), and a socket per user subscribed to
    // its rooms; every third user has a second socket (another tab).
    const users: SoakUser[] = [];
    for (let i = 0; i < userCount; i++) {
      const api = new ChatApi(server.url);
      const name = `soak${i}_${Date.now().toString(36).slice(-4)}`;
      await api.register(name, PASSWORD);
      users.push({ name, api, sockets: [], rooms: new Set() });
    }
    const rooms: string[] = [];
    for (let r = 0; r < roomCount; r++) {
      rooms.push((await users[r % userCount].api.createRoom(`soak room ${r}`)).id);
    }
    for (let i = 0; i < userCount; i++) {
      for (let k = 0; k < 3; k++) {
        const roomId = rooms[(i + k * 3) % roomCount];
        await users[i].api.join(roomId);
        users[i].rooms.add(roomId);
      }
    }
    const openSocket = async (user: SoakUser) => {
      const socket = new ChatSocket({
        url: user.api.wsUrl,
        token: user.api.token,
        backoffInitialMs: 100,
        backoffMaxMs: 1000,
      });
      socket.on("message", (f) => {
        delivered++;
        const sentAt = Number(/^t(\d+) /.exec(f.message.text)?.[1]);
        if (sentAt && latencies.length < 200_000) latencies.push(Date.now() - sentAt);
      });
      await socket.ready();
      for (const roomId of user.rooms) await socket.subscribe(roomId);
      user.sockets.push(socket);
      return socket;
    };
    for (const [i, user] of users.entries()) {
      await openSocket(user);
      if (i % 3 === 0) await openSocket(user);
    }

    // Long runs first fill every room's in-memory feed buffer (2000 messages), so
    // that the warm-up ends with caches at their steady size, not half way.
    if (options.seconds >= 120) {
      for (const roomId of rooms) {
        const socket = users.find((u) => u.rooms.has(roomId))!.sockets[0];
        for (let n = 0; n < 2000; n += 100) {
          await Promise.all(
            Array.from({ length: 100 }, (_, i) => socket.send(roomId, `prime ${n + i}`)),
          );
        }
      }
      log(`primed ${rooms.length} rooms with 2000 messages each`);
    }

    // The steady load, until told to stop.
    const loops: Promise<void>[] = [];
    const every = (ms: number, fn: () => Promise<void>) => {
      loops.push((async () => {
        await sleep(Math.random() * ms);
        while (running) {
          const started = Date.now();
          try {
            await fn();
          } catch (err) {
            // Churn makes some requests fail by design (a send racing its user's
            // logout or a leave); anything else is a problem.
            const expected =
              err instanceof ChatError && ["unauthorized", "forbidden"].includes(err.code) ||
              /Socket closed|Connection lost|Session ended/.test(String(err));
            if (running && !expected) problems.push(`${fn.name || "task"}: ${err}`);
          }
          await sleep(Math.max(0, ms - (Date.now() - started)));
        }
      })());
    };
    for (const user of users) {
      every(2000, async function send() {
        const socket = user.sockets.find((s) => s.state === "open");
        if (!socket || user.rooms.size === 0) return;
        const roomId = pick([...user.rooms]);
        socket.typing(roomId);
        const message = await socket.send(roomId, `t${Date.now()} from ${user.name}`);
        sent++;
        socket.read(roomId, message.seq);
      });
    }
    every(2000, function reconnect() {
      const user = pick(users);
      const socket = user.sockets.find((s) => s.state === "open");
      if (!socket) return Promise.resolve();
      socket.drop(); // resumes by itself, re-subscribing with `since`
      reconnects++;
      return Promise.resolve();
    });
    if (options.reloginEveryMs !== 0) {
      every(options.reloginEveryMs ?? 5000, async function relogin() {
        const user = pick(users.slice(1));
        await user.api.logout(); // its sockets are closed with 4001
        for (const socket of user.sockets) {
          socket.close();
        }
        user.sockets = [];
        await user.api.login(user.name, PASSWORD);
        await openSocket(user);
        relogins++;
      });
    }
    every(3000, async function membership() {
      const user = pick(users.slice(roomCount)); // not a room's creator
      const roomId = pick(rooms);
      if (user.rooms.has(roomId) && user.rooms.size > 1) {
        user.rooms.delete(roomId);
        for (const socket of user.sockets) socket.unsubscribe(roomId).catch(() => {});
        await user.api.leave(roomId);
      } else if (!user.rooms.has(roomId)) {
        await user.api.join(roomId);
        user.rooms.add(roomId);
        for (const socket of user.sockets) socket.subscribe(roomId).catch(() => {});
      }
      membershipChanges++;
    });
    every(1000, async function history() {
      const user = pick(users);
      const roomId = pick([...user.rooms]);
      await user.api.messages(roomId, { limit: 50 });
      await user.api.rooms();
      historyReads++;
    });

    // RSS swings with garbage collection (the password worker's argon2id memory,
    // 19 MiB a hash, and start-up bundling are returned only at a major GC), so a
    // point sample says little: both figures are taken over a window of samples
    // every 250 ms, RSS as its floor (the level it keeps returning to) and the
    // descriptors as their median.
    const samples: { at: number; rssKb: number; fds: number }[] = [];
    const sampler = (async () => {
      while (running) {
        samples.push({ at: Date.now(), ...await processStats(pid) });
        await sleep(250);
      }
    })();
    const windowMs = Math.min(30_000, options.seconds * 200);
    const summarize = (from: number, to: number): Sample => {
      const inWindow = samples.filter((s) => s.at >= from && s.at <= to);
      const fds = inWindow.map((s) => s.fds).sort((a, b) => a - b);
      return {
        rssKb: Math.min(...inWindow.map((s) => s.rssKb)),
        fds: fds[Math.floor(fds.length / 2)],
        sockets: users.reduce((n, u) => n + u.sockets.length, 0),
      };
    };
    const started = Date.now();
    await sleep(warmupSeconds * 1000 + windowMs);
    const warmup = summarize(started + warmupSeconds * 1000, Date.now());
    log(
      `after ${warmupSeconds} s warm-up: RSS ${(warmup.rssKb / 1024).toFixed(1)} MB (floor over ` +
        `${windowMs / 1000} s), ${warmup.fds} fds, ${warmup.sockets} client sockets`,
    );
    const total = options.seconds * 1000;
    while (Date.now() - started < total) {
      await sleep(
        Math.min(options.seconds > 300 ? 30_000 : 10_000, total - (Date.now() - started)),
      );
      const now = samples.at(-1)!;
      log(
        `${Math.round((Date.now() - started) / 1000)} s: RSS ${
          (now.rssKb / 1024).toFixed(1)
        } MB, ` +
          `${now.fds} fds, ${sent} sent, ${delivered} delivered, ${reconnects} reconnects, ` +
          `${relogins} re-logins`,
      );
    }
    const end = summarize(Date.now() - windowMs, Date.now());
    const peakRssKb = Math.max(...samples.map((s) => s.rssKb));
    running = false;
    await Promise.all([...loops, sampler]);
    for (const user of users) for (const socket of user.sockets) socket.close();

    if (options.env?.DENO_V8_FLAGS?.includes("trace-gc")) {
      const gcs = server.output().split("\n").filter((line) => line.includes("Mark-Compact"));
      log(gcs.map((line) => line.replace(/^.*?(Mark-Compact)/, "$1").slice(0, 80)).join("\n"));
    }
    const errors = server.output().split("\n").filter((line) =>
      /"level":"error"|Uncaught|panicked/.test(line)
    );
    problems.push(...errors.slice(0, 10));
    await server.stop();
    stopped = true;
    const kv = await Deno.openKv(server.kvPath);
    try {
      problems.push(...(await checkKv(kv)).problems);
    } finally {
      kv.close();
    }
    const sorted = latencies.sort((a, b) => a - b);
    return {
      seconds: options.seconds,
      warmup,
      end,
      rssGrowth: end.rssKb / warmup.rssKb - 1,
      fdGrowth: end.fds / warmup.fds - 1,
      sent,
      delivered,
      reconnects,
      relogins,
      membershipChanges,
      historyReads,
      p99Ms: sorted[Math.floor(sorted.length * 0.99)] ?? NaN,
      peakRssKb,
      problems,
    };
  } finally {
    running = false;
    if (!stopped) await server.stop();
  }
}

export function describe(report: SoakReport): string {
  const mb = (kb: number) => (kb / 1024).toFixed(1);
  const pct = (x: number) => `${x >= 0 ? "+" : ""}${(x * 100).toFixed(1)} %`;
  return [
    `soak: ${report.seconds} s`,
    `  after warm-up: RSS ${mb(report.warmup.rssKb)} MB, ${report.warmup.fds} fds ` +
    `(${report.warmup.sockets} client sockets)`,
    `  at the end:    RSS ${mb(report.end.rssKb)} MB (${
      pct(report.rssGrowth)
    }), ${report.end.fds} fds ` +
    `(${pct(report.fdGrowth)}, ${report.end.sockets} client sockets)`,
    `  ${report.sent} messages sent, ${report.delivered} deliveries (p99 ${report.p99Ms} ms), ` +
    `${report.reconnects} dropped sockets resumed, ${report.relogins} re-logins, ` +
    `${report.membershipChanges} joins/leaves, ${report.historyReads} history reads`,
    `  RSS peak ${mb(report.peakRssKb)} MB (transient: released at garbage collection)`,
    `  problems: ${report.problems.length ? report.problems.join("; ") : "none"}`,
  ].join("\n");
}

if (import.meta.main) {
  const args = Deno.args;
  const value = (flag: string) => {
    const i = args.indexOf(flag);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const seconds = value("--seconds") ?? (value("--minutes") ?? 10) * 60;
  if (!Number.isFinite(seconds) || seconds < 10) {
    console.error("Usage: deno task soak [--minutes N | --seconds N]  (at least 10 s)");
    Deno.exit(2);
  }
  console.log(`Soak for ${seconds} s against a fresh server…`);
  const v8 = Deno.env.get("SOAK_V8_FLAGS");
  const report = await runSoak({
    seconds,
    log: (line) => console.log(line),
    env: v8 ? { DENO_V8_FLAGS: v8 } : undefined,
  });
  console.log(describe(report));
  const ok = report.rssGrowth <= 0.1 && report.fdGrowth <= 0.1 && report.problems.length === 0;
  console.log(ok ? "OK: memory and descriptors came back within 10 %" : "FAILED");
  Deno.exit(ok ? 0 : 1);
}
