/**
 * Faults the server must survive without help: clients that go silent (a raw TCP
 * peer that never reads nor answers pings, a client process frozen with SIGSTOP),
 * a reader too slow for its room, and a store whose writes fail. In each case the
 * user ends up offline within the contract's 60 s, the server lets go of what it
 * held, other clients are not slowed, and nothing half-written stays in KV.
 *
 * Timings are shortened with IDLE_TIMEOUT_S=2 (default 20 s: see docs/reliability.md).
 */

import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { newUser, RecordingSocket, sleep, waitFor } from "./_clients.ts";
import { encodeFrame, OP_CLOSE, processStats, RawSocket, serverHolds } from "./_raw_ws.ts";
import { checkKv } from "./_invariants.ts";
import { ChatApi } from "../lib/client/http.ts";
import { ChatSocket } from "../lib/client/socket.ts";
import { loadConfig } from "../lib/config.ts";
import { createChatServer } from "../lib/server.ts";
import type { Message } from "../lib/protocol/types.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const FAST = { IDLE_TIMEOUT_S: "2", PRESENCE_GRACE_MS: "300" };
const UNLIMITED = { SEND_RATE_BURST: "1000000", SEND_RATE_PER_SEC: "1000000" };

async function nameOf(api: ChatApi): Promise<string> {
  return (await api.me()).username;
}

async function isOnline(viewer: ChatApi, username: string): Promise<boolean> {
  return (await viewer.user(username)).online;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

Deno.test({
  name:
    "a client that goes silent (never reads, never pongs) goes offline and its socket is closed",
  ...opts,
  async fn() {
    const server = await startServer({ env: FAST });
    try {
      const watcher = await newUser(server.url, "watch");
      const silent = await newUser(server.url, "silent");
      const room = await watcher.createRoom("quiet room");
      await silent.join(room.id);
      const silentName = await nameOf(silent);

      const raw = await RawSocket.open(server.port, { authorization: `Bearer ${silent.token}` });
      await raw.readUntil(() => raw.json().some((f) => f.type === "ready"));
      await waitFor("silent user online", () => isOnline(watcher, silentName));
      const clientPort = (raw.conn.localAddr as Deno.NetAddr).port;
      assert.ok(await serverHolds(server.process.pid, server.port, clientPort));

      // From here on the peer neither reads nor answers the server's pings.
      const silentAt = Date.now();
      await waitFor(
        "silent user offline",
        async () => !(await isOnline(watcher, silentName)),
        60_000,
      );
      const offlineAfterMs = Date.now() - silentAt;
      // Ping after 1 s of silence, close after 2 s, then the 0.3 s presence grace.
      assert.ok(offlineAfterMs < 10_000, `offline only after ${offlineAfterMs} ms`);
      await waitFor(
        "the server to release the TCP connection",
        async () => !(await serverHolds(server.process.pid, server.port, clientPort)),
        10_000,
      );
      console.log(`silent client: offline after ${offlineAfterMs} ms (IDLE_TIMEOUT_S=2)`);
      raw.close();
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a client that stops reading in a busy room is dropped, and the hub lets go of it",
  ...opts,
  async fn() {
    // One socket per user: once dropped, the hub must have let go of it, or the
    // same user could not connect again (429).
    const server = await startServer({ env: { ...FAST, ...UNLIMITED, MAX_SOCKETS_PER_USER: "1" } });
    try {
      const sender = await newUser(server.url, "busy");
      const stuck = await newUser(server.url, "stuck");
      const room = await sender.createRoom("busy room");
      await stuck.join(room.id);
      const stuckName = await nameOf(stuck);

      const raw = await RawSocket.open(server.port, { authorization: `Bearer ${stuck.token}` });
      await raw.sendText({ type: "subscribe", roomId: room.id, ref: "s" });
      await raw.readUntil(() => raw.json().some((f) => f.type === "subscribed"));
      await waitFor("stuck user online", () => isOnline(sender, stuckName));
      const before = await processStats(server.process.pid);

      // The room gets busy (4 KB messages, 8 in flight) and the peer never reads again:
      // kernel buffers fill, then Deno's send queue, and the server's ping queues
      // behind the data, so only the server's own pulse check can notice.
      const socket = new ChatSocket({ url: sender.wsUrl, token: sender.token, reconnect: false });
      await socket.ready();
      const text = "x".repeat(4000);
      let stop = false;
      let sent = 0;
      const loops = Array.from({ length: 8 }, async () => {
        while (!stop) {
          await socket.send(room.id, text);
          sent++;
        }
      });
      const busyAt = Date.now();
      let peakRssKb = 0;
      await waitFor("stuck user offline", async () => {
        peakRssKb = Math.max(peakRssKb, (await processStats(server.process.pid)).rssKb);
        return !(await isOnline(sender, stuckName));
      }, 60_000);
      const offlineAfterMs = Date.now() - busyAt;
      // The room stays busy a while longer (1.5 s, and until 8 MB have gone by, which
      // a slow machine takes longer over): nothing more is queued for the dead peer.
      await sleep(1500);
      const busyUntil = Date.now() + 30_000;
      while (sent * 4000 <= 8_000_000 && Date.now() < busyUntil) await sleep(100);
      stop = true;
      await Promise.all(loops);
      const after = await processStats(server.process.pid);
      peakRssKb = Math.max(peakRssKb, after.rssKb);
      socket.close();

      assert.ok(offlineAfterMs < 20_000, `offline only after ${offlineAfterMs} ms`);
      assert.ok(sent * 4000 > 8_000_000, `the room was not busy enough: ${sent} messages`);
      // RSS is only reported: it swings by ~100 MB with garbage collection. What is
      // held for the dead peer is bounded by the 4 MB cap (lib/realtime/connection_test.ts).
      const growthMb = (peakRssKb - before.rssKb) / 1024;
      // The hub forgot the socket: the same user may connect again (cap of 1).
      const again = await RecordingSocket.open(stuck);
      again.close();
      // Deno still holds the TCP connection (and at most ~4 MB of unsent data) while
      // the peer lives without reading; it goes as soon as the peer does.
      const clientPort = (raw.conn.localAddr as Deno.NetAddr).port;
      raw.close();
      await waitFor(
        "the server to release the TCP connection",
        async () => !(await serverHolds(server.process.pid, server.port, clientPort)),
        10_000,
      );
      console.log(
        `stalled reader: offline after ${offlineAfterMs} ms while ${sent} messages ` +
          `(${(sent * 4 / 1000).toFixed(0)} MB) went by; server RSS +${growthMb.toFixed(0)} MB`,
      );
    } finally {
      await server.stop();
    }
  },
});

Deno.test({
  name: "a client process frozen with SIGSTOP goes offline within the idle timeout",
  ...opts,
  async fn() {
    const server = await startServer({ env: FAST });
    let child: Deno.ChildProcess | undefined;
    try {
      const watcher = await newUser(server.url, "watch");
      const frozen = await newUser(server.url, "frozen");
      const room = await watcher.createRoom("freezer");
      await frozen.join(room.id);
      const frozenName = await nameOf(frozen);
      const code = `
        import { ChatSocket } from ${
        JSON.stringify(new URL("../lib/client/socket.ts", import.meta.url).href)
      };
        const socket = new ChatSocket({ url: Deno.args[0], token: Deno.args[1], reconnect: false });
        await socket.ready();
        await socket.subscribe(Deno.args[2]);
        console.log("subscribed");
        await new Promise(() => {});
      `;
      child = new Deno.Command(Deno.execPath(), {
        args: ["eval", "--ext=ts", code, frozen.wsUrl, frozen.token!, room.id],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let out = "";
      while (!out.includes("subscribed")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`client exited: ${out}`);
        out += value;
      }
      await waitFor("frozen user online", () => isOnline(watcher, frozenName));

      Deno.kill(child.pid, "SIGSTOP");
      const frozenAt = Date.now();
      // Some traffic while it is frozen: the kernel still acknowledges, nobody reads.
      for (let i = 0; i < 5; i++) await watcher.send(room.id, `while frozen ${i}`);
      await waitFor(
        "frozen user offline",
        async () => !(await isOnline(watcher, frozenName)),
        60_000,
      );
      const offlineAfterMs = Date.now() - frozenAt;
      assert.ok(offlineAfterMs < 10_000, `offline only after ${offlineAfterMs} ms`);
      console.log(`SIGSTOPped client: offline after ${offlineAfterMs} ms (IDLE_TIMEOUT_S=2)`);
      reader.releaseLock();
    } finally {
      if (child) {
        Deno.kill(child.pid, "SIGKILL");
        await child.status;
        await child.stdout.cancel().catch(() => {});
      }
      await server.stop();
    }
  },
});

Deno.test({
  name:
    "a reader too slow for its room loses typing first, then is closed (1008), without slowing others",
  ...opts,
  async fn() {
    const server = await startServer({ env: { ...UNLIMITED, PRESENCE_GRACE_MS: "300" } });
    try {
      const sender = await newUser(server.url, "poster");
      const fastUser = await newUser(server.url, "fast");
      const slowUser = await newUser(server.url, "slow");
      const typists = await Promise.all([1, 2, 3, 4].map(() => newUser(server.url, "typist")));
      const room = await sender.createRoom("firehose");
      for (const api of [fastUser, slowUser, ...typists]) await api.join(room.id);

      // The fast reader times every message: the send time is in its text.
      const fast = await RecordingSocket.open(fastUser);
      await fast.socket.subscribe(room.id);
      const latencies: number[] = [];
      let fastTyping = 0;
      fast.socket.on(
        "message",
        (f) => latencies.push(Date.now() - Number(f.message.text.split(";")[0])),
      );
      fast.socket.on("typing", () => fastTyping++);

      // The slow reader: a raw socket that reads 4 KB every 50 ms (~80 KB/s).
      const slow = await RawSocket.open(server.port, { authorization: `Bearer ${slowUser.token}` });
      await slow.sendText({ type: "subscribe", roomId: room.id, ref: "s" });
      await slow.readUntil(() => slow.json().some((f) => f.type === "subscribed"));
      const slowName = await nameOf(slowUser);
      let slowPace = true;
      const slowLoop = (async () => {
        while (!slow.eof && slow.closeCode() === undefined) {
          await slow.readOnce(slowPace ? 4096 : 256 * 1024);
          if (slowPace) await sleep(50);
        }
        // Answer the close as any client would; the server then ends the connection.
        await slow.write(encodeFrame(OP_CLOSE, new Uint8Array([0x03, 0xe8]))).catch(() => {});
        while (await slow.readOnce()) { /* until the server hangs up */ }
      })();

      const typingSockets = await Promise.all(typists.map((api) => RecordingSocket.open(api)));
      let stop = false;
      // Each typist types every 2.1 s (the server passes one per 2 s per socket).
      const typing = typingSockets.map(async (s, i) => {
        await sleep(i * 500);
        while (!stop) {
          s.socket.typing(room.id);
          await sleep(2100);
        }
      });
      const socket = new ChatSocket({ url: sender.wsUrl, token: sender.token, reconnect: false });
      await socket.ready();
      const padding = "y".repeat(4000 - 20);
      let sent = 0;
      const loops = Array.from({ length: 24 }, async () => {
        while (!stop) {
          await socket.send(room.id, `${Date.now()};${padding}`);
          sent++;
        }
      });
      // The server drops the slow reader once its backlog passes 4 MB: its close
      // frame waits behind that backlog, so watch presence (its only socket) instead.
      const startedAt = Date.now();
      await waitFor(
        "the slow reader dropped",
        async () => !(await isOnline(sender, slowName)),
        50_000,
      );
      const droppedAfterMs = Date.now() - startedAt;
      slowPace = false;
      await slowLoop;
      stop = true;
      await Promise.all([...loops, ...typing]);
      socket.close();

      const frames = slow.json();
      assert.equal(slow.closeCode(), 1008, "the slow reader was closed as too slow");
      const seqs = frames.filter((f) => f.type === "message").map((f) => f.message.seq);
      assert.ok(seqs.length > 100, `the slow reader got ${seqs.length} messages`);
      assert.deepEqual(seqs, seqs.map((_, i) => seqs[0] + i), "what it got has no gap");
      // Typing frames reached the fast reader all along; the slow one stopped getting
      // them once its backlog passed 256 KB, while messages still flowed for megabytes.
      const lastTyping = frames.findLastIndex((f) => f.type === "typing");
      const messageBytesAfter = frames.slice(lastTyping + 1).filter((f) => f.type === "message")
        .length * 4000;
      assert.ok(fastTyping >= 4, `the fast reader saw ${fastTyping} typing frames`);
      assert.ok(
        messageBytesAfter > 2_000_000,
        `only ${messageBytesAfter} bytes of messages after the slow reader's last typing frame`,
      );
      const p50 = percentile(latencies, 0.5);
      const p99 = percentile(latencies, 0.99);
      assert.ok(latencies.length > 1000, `the fast reader timed ${latencies.length} messages`);
      // Held back by the slow reader, the fast one would get messages at the slow
      // one's pace (~20 a second with 24 sends in flight: over a second each). A
      // stalling host (seen in CI) shows in the p99 of a 10 s run, not in the p50.
      assert.ok(p50 < 200, `the fast reader's p50 latency was ${p50} ms`);
      assert.ok(p99 < 1000, `the fast reader's p99 latency was ${p99} ms`);
      console.log(
        `slow reader closed with 1008 after ${(droppedAfterMs / 1000).toFixed(1)} s ` +
          `(${seqs.length} messages delivered, typing stopped ${
            (messageBytesAfter / 1e6).toFixed(1)
          } MB ` +
          `before the end); fast reader: ${latencies.length} messages, p50 ${p50} ms, p99 ${p99} ms, ` +
          `${fastTyping} typing frames`,
      );
      fast.close();
      for (const s of typingSockets) s.close();
      slow.close();
    } finally {
      await server.stop();
    }
  },
});

/** Which commits fail, and how. */
interface Fault {
  /** Fails commits that write a key this matches. */
  when(key: Deno.KvKey): boolean;
  /** before: nothing written; after: written, then an error; conflict: check fails. */
  mode: "before" | "after" | "conflict";
  remaining: number;
}

/**
 * Deno.Kv with failures injected at the store boundary: atomic commits and plain
 * writes that match the armed fault throw (or report a failed check) as a broken
 * disk or a lost connection to remote KV would.
 */
function faultyKv(
  real: Deno.Kv,
): {
  kv: Deno.Kv;
  arm(fault: Omit<Fault, "remaining"> & { times?: number }): void;
  injected(): number;
} {
  let fault: Fault | undefined;
  let injected = 0;
  const trip = (keys: Deno.KvKey[]): Fault["mode"] | undefined => {
    if (!fault || fault.remaining <= 0 || !keys.some((key) => fault!.when(key))) return undefined;
    fault.remaining--;
    injected++;
    return fault.mode;
  };
  const failure = () => new Error("disk I/O error (injected)");
  const kv = new Proxy(real, {
    get(target, prop) {
      if (prop === "atomic") {
        return () => {
          const op = target.atomic();
          const keys: Deno.KvKey[] = [];
          const proxy: Deno.AtomicOperation = new Proxy(op, {
            get(opTarget, opProp) {
              if (opProp === "commit") {
                return async () => {
                  const mode = trip(keys);
                  if (mode === "before") throw failure();
                  if (mode === "conflict") return { ok: false };
                  const result = await opTarget.commit();
                  if (mode === "after") throw failure();
                  return result;
                };
              }
              const value = Reflect.get(opTarget, opProp, opTarget);
              if (typeof value !== "function") return value;
              return (...args: unknown[]) => {
                if (opProp === "set" || opProp === "delete" || opProp === "sum") {
                  keys.push(args[0] as Deno.KvKey);
                }
                const result = value.apply(opTarget, args);
                return result === opTarget ? proxy : result;
              };
            },
          });
          return proxy;
        };
      }
      const value = Reflect.get(target, prop, target);
      if (prop === "set" || prop === "delete") {
        return async (key: Deno.KvKey, ...rest: unknown[]) => {
          const mode = trip([key]);
          if (mode === "before" || mode === "conflict") throw failure();
          // deno-lint-ignore no-explicit-any
          const result = await (value as any).call(target, key, ...rest);
          if (mode === "after") throw failure();
          return result;
        };
      }
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    kv,
    arm(f) {
      fault = { ...f, remaining: f.times ?? 1 };
    },
    injected: () => injected,
  };
}

Deno.test({
  name: "KV write failures: the sender gets an error, never an ack, and nothing half-written stays",
  ...opts,
  async fn() {
    const real = await Deno.openKv(":memory:");
    const faults = faultyKv(real);
    const config = loadConfig({
      KV_PATH: ":memory:",
      LOG_LEVEL: "error",
      PRESENCE_GRACE_MS: "100",
      ...UNLIMITED,
    });
    // The server says what failed on stderr: keep it, and keep it out of the test output.
    const logged: string[] = [];
    const consoleError = console.error;
    console.error = (...args: unknown[]) => logged.push(args.map(String).join(" "));
    const chat = await createChatServer(config, { kv: faults.kv });
    const http = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, chat.fetch);
    const url = `http://127.0.0.1:${http.addr.port}`;
    try {
      const owner = await newUser(url, "owner");
      const reader = await newUser(url, "reader");
      const room = await owner.createRoom("fragile");
      await reader.join(room.id);
      const watching = await RecordingSocket.open(reader);
      await watching.socket.subscribe(room.id);
      const sending = await RecordingSocket.open(owner);
      await sending.socket.subscribe(room.id);
      await sending.socket.send(room.id, "before any fault");
      const isMessageKey = (key: Deno.KvKey) => key[0] === "msg";

      // 1. The commit fails before writing: WebSocket and HTTP senders get `internal`.
      faults.arm({ when: isMessageKey, mode: "before", times: 2 });
      sending.socket.sendRaw({ type: "send", roomId: room.id, text: "lost 1", ref: "f1" });
      await waitFor("error frame", () => sending.of("error").some((f) => f.ref === "f1"));
      const error = sending.of("error").find((f) => f.ref === "f1")!;
      assert.equal(error.code, "internal");
      assert.equal(error.message, "Internal server error");
      const res = await fetch(`${url}/api/rooms/${room.id}/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${owner.token}`, "content-type": "application/json" },
        body: JSON.stringify({ text: "lost 2" }),
      });
      assert.equal(res.status, 500);
      assert.deepEqual(await res.json(), {
        error: { code: "internal", message: "Internal server error" },
      });

      // 2. The commit is applied but reported failed (ambiguous): the client retries
      // with the same clientId and gets the stored message, not a second one.
      faults.arm({ when: isMessageKey, mode: "after" });
      sending.socket.sendRaw({
        type: "send",
        roomId: room.id,
        text: "stored, reported failed",
        clientId: "ambiguous-1",
        ref: "f2",
      });
      await waitFor("error frame", () => sending.of("error").some((f) => f.ref === "f2"));
      const retried = await sending.socket.send(room.id, "stored, reported failed", {
        clientId: "ambiguous-1",
      });
      const ack = sending.of("ack").find((f) => f.message.id === retried.id)!;
      assert.equal(ack.duplicate, true, "the retry found the stored message");

      // 3. Every commit conflicts (endless contention): bounded retries, then `internal`.
      faults.arm({ when: isMessageKey, mode: "conflict", times: 1000 });
      sending.socket.sendRaw({ type: "send", roomId: room.id, text: "never", ref: "f3" });
      await waitFor("error frame", () => sending.of("error").some((f) => f.ref === "f3"), 15_000);
      faults.arm({ when: isMessageKey, mode: "conflict", times: 0 });

      // None of the failed sends was ever acknowledged, even later.
      await sending.socket.send(room.id, "after the faults");
      await sleep(300);
      const ackedTexts = sending.of("ack").map((f) => f.message.text);
      for (const text of ["lost 1", "never"]) assert.ok(!ackedTexts.includes(text), text);

      // 4. Rooms, memberships and accounts: a failed commit leaves no orphan index.
      const isRoomKey = (key: Deno.KvKey) => key[0] === "room";
      faults.arm({ when: isRoomKey, mode: "before" });
      await assert.rejects(owner.createRoom("never created"), { code: "internal" });
      const other = await owner.createRoom("joinable");
      faults.arm({ when: (key) => key[0] === "room_member", mode: "before" });
      await assert.rejects(reader.join(other.id), { code: "internal" });
      faults.arm({ when: (key) => key[0] === "user_by_name", mode: "before" });
      await assert.rejects(new ChatApi(url).register("never_registered", "correct horse"), {
        code: "internal",
      });
      faults.arm({ when: (key) => key[0] === "session", mode: "before" });
      await assert.rejects(
        new ChatApi(url).login((await reader.me()).username, "correct horse battery"),
        {
          code: "internal",
        },
      );
      assert.equal(
        await (async () => {
          try {
            await new ChatApi(url).register("never_registered", "correct horse");
            return "registered";
          } catch (err) {
            return String(err);
          }
        })(),
        "registered",
        "the name was not left taken by the failed attempt",
      );

      // What the clients saw and what is stored agree, seq gap-free.
      const stored: Message[] = (await owner.messages(room.id, { after: 0, limit: 100 })).messages;
      assert.deepEqual(stored.map((m) => m.seq), [1, 2, 3]);
      assert.deepEqual(stored.map((m) => m.text), [
        "before any fault",
        "stored, reported failed",
        "after the faults",
      ]);
      await waitFor("the reader caught up", () => watching.seqs(room.id).length === 3);
      assert.deepEqual(watching.seqs(room.id), [1, 2, 3], "subscribers got each message once");
      const { problems } = await checkKv(real);
      assert.deepEqual(problems, []);
      assert.ok(faults.injected() >= 25, `${faults.injected()} faults injected`);
      assert.ok(
        logged.some((line) => line.includes("message_commit_failed")),
        "failures are logged",
      );
      assert.ok(!logged.some((line) => /\n\s+at /.test(line)), "no stack traces at this log level");
      watching.close();
      sending.close();
    } finally {
      console.error = consoleError;
      await http.shutdown();
      await chat.shutdown();
    }
  },
});
