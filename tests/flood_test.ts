/**
 * Floods and connection abuse against the real server: a user flooding a room is
 * rate limited then closed (4029) while other rooms keep their latency; the socket
 * cap per user; a storm of unauthenticated upgrades; connections that never send a
 * request or never finish one (slowloris), which Deno.serve does not time out; and
 * running out of file descriptors, which the server survives and recovers from.
 */

import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { newUser, RecordingSocket, sleep, waitFor } from "./_clients.ts";
import { processStats, rawRequest, upgradeHead } from "./_raw_ws.ts";
import { ChatApi } from "../lib/client/http.ts";
import { ChatSocket } from "../lib/client/socket.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const ENCODER = new TextEncoder();

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** Opens `n` TCP connections to the server, writing `first` (if any) on each. */
async function openConns(port: number, n: number, first?: string): Promise<Deno.Conn[]> {
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < n; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    if (first) await conn.write(ENCODER.encode(first));
    conns.push(conn);
  }
  return conns;
}

function closeAll(conns: Deno.Conn[]): void {
  for (const conn of conns) {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}

/** CPU seconds the process has used so far (user + system), from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in ticks
}

/**
 * Background chat: in each of `rooms` rooms one user sends 5 messages a second and
 * another receives them; every delivery's latency (send → receipt) is recorded.
 */
async function backgroundChat(url: string, rooms: number) {
  const latencies: number[] = [];
  const pairs = await Promise.all(Array.from({ length: rooms }, async (_, i) => {
    const a = await newUser(url, "bgsend");
    const b = await newUser(url, "bgrecv");
    const room = await a.createRoom(`background ${i}`);
    await b.join(room.id);
    const sender = new ChatSocket({ url: a.wsUrl, token: a.token, reconnect: false });
    const receiver = await RecordingSocket.open(b);
    await receiver.socket.subscribe(room.id);
    await sender.ready();
    receiver.socket.on("message", (f) => {
      if (measuring) latencies.push(Date.now() - Number(f.message.text.split(" ")[0]));
    });
    return { room, sender, receiver, acked: 0 };
  }));
  let measuring = false;
  let running = true;
  let sent = 0;
  // A send that fails stops the chat and is thrown by stop(): never left unhandled,
  // where it would take the whole file down and hide the test's own failure.
  let failure: unknown;
  const loops = pairs.map(async (pair, i) => {
    await sleep(i * 25); // spread the rooms over the 200 ms period
    try {
      while (running) {
        const started = Date.now();
        pair.acked = (await pair.sender.send(pair.room.id, `${started} background`)).seq;
        sent++;
        await sleep(Math.max(0, 200 - (Date.now() - started)));
      }
    } catch (err) {
      failure ??= err;
      running = false;
    }
  });
  const closeSockets = () => {
    for (const { sender, receiver } of pairs) {
      sender.close();
      receiver.close();
    }
  };
  return {
    latencies,
    measure(on: boolean) {
      measuring = on;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      if (failure) throw failure;
      // Every background message reached its receiver, in order, once.
      for (const { room, receiver, acked } of pairs) {
        await waitFor("background delivered", () => receiver.seqs(room.id).length >= acked);
        const seqs = receiver.seqs(room.id);
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1), "background messages in order");
      }
      closeSockets();
      return sent;
    },
    /** Ends the chat without checking it, when the test failed before stop(). */
    abandon() {
      running = false;
      closeSockets();
    },
  };
}

/** The flooding client, run in a child process: prints a JSON report at the end. */
const FLOODER = `
  import { ChatSocket } from ${
  JSON.stringify(new URL("../lib/client/socket.ts", import.meta.url).href)
};
  const [wsUrl, token, roomId, ms] = Deno.args;
  const until = Date.now() + Number(ms);
  const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  let frames = 0, limited = 0, badRetryAfter = 0, retryAfter = null;
  const closes = [], httpAnswers = [];
  const floods = [1, 2, 3, 4].map(async () => {
    while (Date.now() < until) {
      const socket = new ChatSocket({ url: wsUrl, token, reconnect: false });
      socket.on("error", (f) => {
        if (f.code !== "rate_limited") return;
        limited++;
        if (!(f.retryAfterMs > 0 && f.retryAfterMs <= 1000)) badRetryAfter++;
      });
      const closed = new Promise((resolve) => socket.on("close", (c) => resolve(c.code)));
      try {
        await socket.ready();
      } catch {
        await sleep(50);
        continue;
      }
      while (socket.state === "open" && Date.now() < until) {
        for (let i = 0; i < 20; i++) socket.sendRaw({ type: "send", roomId, text: "flood " + frames++ });
        await sleep(5);
      }
      if (socket.state === "open") socket.close();
      else closes.push(await closed);
    }
  });
  const httpFlood = (async () => {
    const url = wsUrl.replace(/^ws/, "http").replace(/\\/api\\/ws$/, "") + "/api/rooms/" + roomId + "/messages";
    while (Date.now() < until) {
      const res = await fetch(url, {
        method: "POST",
        headers: { authorization: "Bearer " + token, "content-type": "application/json" },
        body: JSON.stringify({ text: "http flood" }),
      });
      httpAnswers.push(res.status);
      if (res.status === 429) retryAfter ??= res.headers.get("retry-after");
      await res.body?.cancel();
    }
  })();
  await Promise.all([...floods, httpFlood]);
  console.log(JSON.stringify({ frames, limited, badRetryAfter, closes, httpAnswers, retryAfter }));
`;

interface FloodRound {
  frames: number;
  limited: number;
  badRetryAfter: number;
  closes: number[];
  httpAnswers: number[];
  retryAfter: string | null;
  /** Flood messages the server stored. */
  stored: number;
  /** The other rooms' delivery latencies (ms) during the flood. */
  during: number[];
  /** The other rooms' p99 just before and just after the flood. */
  baselineP99: number;
  afterP99: number;
}

const FLOOD_MS = 6000;

/**
 * The flooder runs in Linux's idle scheduling class where util-linux's `chrt` is
 * there (`.ci/run` installs it). On a 2-core machine a flooder at normal priority
 * takes a core from the server and the measuring clients: that slowness would be
 * the load generator's, not the server's, and a real attacker's CPU is elsewhere.
 * In the idle class it still has what the server leaves of the cores (tens of
 * thousands of frames in a flood, printed below).
 */
const IDLE_CLASS = Deno.build.os === "linux" &&
  (await new Deno.Command("sh", { args: ["-c", "command -v chrt"], stdout: "null" }).output())
    .success;

/**
 * One flood by a new user in a new room, with the background rooms measured just
 * before, during and just after it. The flood runs in its own process, so the
 * clients measuring the other rooms here do not share an event loop with it. Four
 * sockets send as fast as they can (20 frames every 5 ms each); a closed one
 * reconnects at once. The same user also posts over HTTP, one request after another.
 */
async function floodRound(
  url: string,
  background: Awaited<ReturnType<typeof backgroundChat>>,
): Promise<FloodRound> {
  const flooder = await newUser(url, "flooder");
  const floodRoom = await flooder.createRoom("flooded");
  await sleep(300);
  background.measure(true);
  await sleep(FLOOD_MS); // windows as long as the flood's: as likely to meet a stall
  background.measure(false);
  const baselineP99 = percentile(background.latencies.splice(0), 0.99);
  background.measure(true);
  const args = [
    "eval",
    "--ext=ts",
    FLOODER,
    flooder.wsUrl,
    flooder.token!,
    floodRoom.id,
    String(FLOOD_MS),
  ];
  const child = new Deno.Command(IDLE_CLASS ? "chrt" : Deno.execPath(), {
    args: IDLE_CLASS ? ["--idle", "0", Deno.execPath(), ...args] : args,
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const { stdout } = await child.output();
  const report = JSON.parse(new TextDecoder().decode(stdout).trim().split("\n").at(-1)!);
  background.measure(false);
  const during = background.latencies.splice(0);
  // And once more after it: a host that slowed down meanwhile shows here too.
  background.measure(true);
  await sleep(FLOOD_MS);
  background.measure(false);
  const afterP99 = percentile(background.latencies.splice(0), 0.99);
  const stored = (await flooder.room(floodRoom.id)).room.lastSeq;
  return { ...report, stored, during, baselineP99, afterP99 };
}

Deno.test({
  name: "a user flooding a room is rate limited, then closed with 4029, and other rooms stay fast",
  ...opts,
  async fn() {
    const server = await startServer(); // default limits: burst 30, 10 messages/s
    let background: Awaited<ReturnType<typeof backgroundChat>> | undefined;
    try {
      background = await backgroundChat(server.url, 8);
      // The latency bound is checked over up to three floods: a host that stalls
      // for a moment inside one flood's window (seen in CI: the other rooms' p99 at
      // 16 ms before a flood and 252 ms after it) says nothing about the flood,
      // while a flood that does slow the others (no rate limit) does so every time.
      const rounds: FloodRound[] = [];
      let fast = false;
      for (let round = 1; round <= 3 && !fast; round++) {
        const r = await floodRound(server.url, background);
        rounds.push(r);
        const { frames, limited, closes, httpAnswers, stored, during, baselineP99, afterP99 } = r;
        const p99 = percentile(during, 0.99);
        // The target is 100 ms. On a machine already loaded by other work (the
        // baselines show it) the bound follows the slower baseline: the flood must
        // not be what slows the others.
        fast = p99 < Math.max(100, 2 * Math.max(baselineP99, afterP99) + 50);
        console.log(
          `flood ${round}: ${frames} send frames on ${closes.length + 4} sockets + ` +
            `${httpAnswers.length} HTTP posts in ${FLOOD_MS / 1000} s; ${limited} rate_limited, ` +
            `${closes.length} sockets closed by the server ` +
            `(${closes.filter((code) => code === 4029).length} saw the 4029 frame), ` +
            `${stored} messages stored. Other rooms: baseline p99 ${baselineP99} ms before, ` +
            `${afterP99} ms after; during the flood ${during.length} deliveries, ` +
            `p50 ${percentile(during, 0.5)} ms, p99 ${p99} ms, max ${Math.max(...during)} ms` +
            (fast ? "" : " (over the bound)"),
        );
      }
      const backgroundSent = await background.stop();
      console.log(`background: ${backgroundSent} messages sent, each delivered once in order`);

      // Every flood, fast or not, was refused the same way.
      for (const r of rounds) {
        assert.ok(r.limited > 100, `${r.limited} rate_limited answers`);
        assert.equal(r.badRetryAfter, 0, "every rate_limited carries retryAfterMs in (0, 1000]");
        // The server closes a flooding socket with 4029. A client still flooding may
        // see a reset instead of the close frame: Deno drops a closing socket as soon
        // as another data frame arrives, with the flood's frames unread (TCP: RST).
        assert.ok(r.closes.length >= 4, `the server closed ${r.closes.length} flooding sockets`);
        assert.ok(
          r.closes.every((code) => [4029, 1006, 0].includes(code)),
          `close codes: ${r.closes}`,
        );
        assert.ok(
          r.httpAnswers.includes(429) && Number(r.retryAfter) >= 1,
          "HTTP answered 429 + Retry-After",
        );
        // What got through is what the token bucket allows: 30 at once, then 10 a second.
        const allowance = 30 + 10 * (FLOOD_MS / 1000 + 1);
        assert.ok(
          r.stored <= allowance,
          `${r.stored} flood messages stored, allowance ${allowance}`,
        );
        assert.ok(r.during.length > 150, "background traffic was measured");
      }
      const last = rounds.at(-1)!;
      assert.ok(
        fast,
        `other rooms' p99 delivery latency over the bound in ${rounds.length} floods, the last ` +
          `${
            percentile(last.during, 0.99)
          } ms (baselines ${last.baselineP99} and ${last.afterP99} ms)`,
      );
    } finally {
      background?.abandon();
      await server.stop();
    }
  },
});

Deno.test({
  name: "open sockets per user are capped (429 + Retry-After); other users are not affected",
  ...opts,
  async fn() {
    const server = await startServer({ env: { MAX_SOCKETS_PER_USER: "5" } });
    try {
      const greedy = await newUser(server.url, "greedy");
      const other = await newUser(server.url, "other");
      const sockets = await Promise.all([1, 2, 3, 4, 5].map(() => RecordingSocket.open(greedy)));
      const auth = { authorization: `Bearer ${greedy.token}` };
      // A burst of 50 more upgrades at once: every one refused, no socket opened.
      const answers = await Promise.all(
        Array.from({ length: 50 }, () => rawRequest(server.port, upgradeHead(server.port, auth))),
      );
      for (const { status, head, conn } of answers) {
        assert.equal(status, 429, head);
        assert.match(head, /retry-after: \d+/i);
        conn.close();
      }
      const fresh = await RecordingSocket.open(other);
      fresh.close();
      // Closing one frees a slot.
      sockets[0].close();
      await waitFor("a free slot", async () => {
        const { status, conn } = await rawRequest(server.port, upgradeHead(server.port, auth));
        conn.close();
        return status === 101;
      });
      for (const s of sockets) s.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a storm of unauthenticated upgrades gets 401s, opens no socket and leaks nothing",
  ...opts,
  async fn() {
    const server = await startServer();
    try {
      const pid = server.process.pid;
      const api = await newUser(server.url, "steady");
      const baseline = (await processStats(pid)).fds;
      const credentials: Record<string, string>[] = [
        {},
        { authorization: "Bearer forged-token" },
        { authorization: `Bearer ${"x".repeat(4000)}` },
        { cookie: "chat_session=nope", origin: server.url },
      ];
      let refused = 0;
      for (let round = 0; round < 5; round++) {
        const answers = await Promise.all(
          Array.from(
            { length: 100 },
            (_, i) =>
              rawRequest(
                server.port,
                upgradeHead(server.port, credentials[i % credentials.length]),
              ),
          ),
        );
        for (const { status, head, conn } of answers) {
          assert.equal(status, 401, head);
          assert.doesNotMatch(head, /sec-websocket-accept/i);
          conn.close();
          refused++;
        }
      }
      // Normal users are still served, and the server holds no more than before.
      const socket = await RecordingSocket.open(api);
      socket.close();
      await waitFor(
        "descriptors back to baseline",
        async () => (await processStats(pid)).fds <= baseline + 2,
        10_000,
      );
      console.log(`${refused} unauthenticated upgrades refused with 401`);
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "slowloris: connections that never finish a request cost one descriptor each and block nobody",
  ...opts,
  async fn() {
    const server = await startServer({
      env: { SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" },
    });
    const held: Deno.Conn[] = [];
    try {
      const pid = server.process.pid;
      const api = await newUser(server.url, "patient");
      const room = await api.createRoom("still works");
      const before = await processStats(pid);

      // 1000 connections: silent ones, ones stuck in their headers, ones that drip a
      // header line every second, and WebSocket upgrades that never end their head.
      const port = server.port;
      held.push(...await openConns(port, 250));
      held.push(...await openConns(port, 250, "GET /api/me HTTP/1.1\r\nHost: x\r\n"));
      const drips = await openConns(port, 250, "GET /api/me HTTP/1.1\r\n");
      held.push(...drips);
      held.push(...await openConns(port, 250, upgradeHead(port, {}).slice(0, -2)));
      let dripping = true;
      const drip = (async () => {
        for (let i = 0; dripping; i++) {
          await Promise.all(
            drips.map((c) => c.write(ENCODER.encode(`X-Drip-${i}: y\r\n`)).catch(() => 0)),
          );
          await sleep(1000);
        }
      })();
      await sleep(500);
      const during = await processStats(pid);
      const cpuBefore = await cpuSeconds(pid);

      // Everyone else is served as usual meanwhile.
      const timings: number[] = [];
      const socket = await RecordingSocket.open(api);
      await socket.socket.subscribe(room.id);
      for (let i = 0; i < 50; i++) {
        const started = performance.now();
        await api.me();
        await socket.socket.send(room.id, `still here ${i}`);
        timings.push(performance.now() - started);
      }
      const idleStart = await cpuSeconds(pid);
      await sleep(3000); // the held connections alone, for 3 s
      const idleCpu = (await cpuSeconds(pid)) - idleStart;
      socket.close();
      // None of them was closed by the server (Deno.serve has no header timeout).
      const stillOpen = await Promise.all(
        held.slice(0, 20).map((c) =>
          Promise.race([
            c.read(new Uint8Array(16)).then(() => false, () => false),
            sleep(100).then(() => true),
          ])
        ),
      );
      const extraFds = during.fds - before.fds;
      const rssPerConnKb = (during.rssKb - before.rssKb) / held.length;

      dripping = false;
      await drip;
      closeAll(held);
      held.length = 0;
      await waitFor(
        "descriptors back",
        async () => (await processStats(pid)).fds <= before.fds + 5,
        10_000,
      );

      const p99 = percentile(timings, 0.99);
      console.log(
        `slowloris: 1000 held connections = +${extraFds} fds, ~${rssPerConnKb.toFixed(1)} KB RSS ` +
          `each, ${(idleCpu / 3 * 100).toFixed(1)}% CPU while held; others' request+send p99 ` +
          `${p99.toFixed(0)} ms; after 3.5 s none was closed by the server` +
          ` (${cpuBefore.toFixed(1)} CPU s before)`,
      );
      assert.ok(extraFds >= 990, `the server held only ${extraFds} of them`);
      assert.ok(stillOpen.every(Boolean), "Deno.serve closed a pending connection");
      // Blocked by the held connections, a request would wait for ever. Of 50 timed
      // rounds the p99 is the slowest, which one stall of the host decides: p90.
      const p90 = percentile(timings, 0.9);
      assert.ok(p90 < 500, `requests' p90 was ${p90} ms meanwhile (slowest ${p99} ms)`);
      assert.ok(idleCpu / 3 < 0.2, `held connections used ${idleCpu} CPU s in 3 s`);
    } finally {
      closeAll(held);
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "running out of file descriptors does not kill the server: it listens again once they free up",
  ...opts,
  async fn() {
    const server = await startServer({ env: { LOG_LEVEL: "info" } });
    const held: Deno.Conn[] = [];
    try {
      const pid = server.process.pid;
      const api = await newUser(server.url, "survivor");
      const room = await api.createRoom("survives");
      const socket = await RecordingSocket.open(api);
      await socket.socket.subscribe(room.id);
      // Lower the server's descriptor limit, then fill it with idle connections.
      const limit = (await processStats(pid)).fds + 100;
      const prlimit = await new Deno.Command("prlimit", {
        args: [`--pid=${pid}`, `--nofile=${limit}:${limit}`],
      }).output();
      assert.ok(prlimit.success, new TextDecoder().decode(prlimit.stderr));
      for (let i = 0; i < 400; i++) {
        try {
          held.push(await Deno.connect({ hostname: "127.0.0.1", port: server.port }));
        } catch {
          break; // the listener is gone: the server is out of descriptors
        }
      }
      await waitFor("the accept loop to fail", () => server.output().includes("listener_failed"));
      // The open socket still works while no new connection can be taken.
      const sent = await socket.socket.send(room.id, "during exhaustion");
      await waitFor("delivered", () => socket.seqs(room.id).includes(sent.seq));

      closeAll(held);
      held.length = 0;
      await waitFor(
        "listening again",
        () => server.output().includes("listener_restarted"),
        10_000,
      );
      const fresh = new ChatApi(server.url, { token: api.token });
      assert.equal((await fresh.me()).id, (await api.me()).id);
      const again = await RecordingSocket.open(api);
      again.close();
      socket.close();
      assert.doesNotMatch(server.output(), /Uncaught|panicked/);
      console.log(`fd exhaustion: limit ${limit}, the server failed over and listened again`);
    } finally {
      closeAll(held);
      await server.stop();
    }
  },
});
