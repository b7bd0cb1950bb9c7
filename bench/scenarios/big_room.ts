/**
 * @module Big room: one room of 5,000 members, every one of them connected and
 * subscribed (5,000 lean sockets); 20 messages a second into it from 100 of them
 * (100,000 deliveries a second owed), while 500 other members a minute drop their
 * socket and come back 7 s later, past the server's 5 s presence grace, so that
 * each is an offline and then an online transition announced to the whole room.
 *
 * What it measures: message delivery (the ledger: every delivery to every slot,
 * lost and doubled must be 0) while presence churns; a churned member's new socket
 * subscribes with `since` (its old socket's newest seq), so it catches up on what
 * it missed, and those catch-up deliveries are timed apart from live ones. And what
 * presence costs the room: every `presence` frame the sockets receive and every
 * WebSocket frame carrying at least one, per transition. A server that sends one
 * frame per socket per transition shows about the room's size per transition; one
 * that gathers a big room's changes and sends them once per interval
 * (lib/realtime/presence_fanout.ts) shows the room's size × intervals ÷
 * transitions, under a quarter of the room's size at these rates. Transitions are
 * counted by one socket that never leaves (the observer): each `presence` frame
 * that changes what it knows of a member. Ours and ours, parallel only: the peers
 * have no presence.
 */

import type { BenchClient } from "../load/clients.ts";
import { LeanChatClient, type PresenceTally } from "../load/lean_client.ts";
import { drive, type DriveResult } from "../load/drive.ts";
import { Ledger, type RoomBook } from "../load/ledger.ts";
import { type ServerWindow, statsOverWindow } from "../load/server_stats.ts";
import type { Params } from "../params.ts";
import { pool } from "../seed.ts";
import type { ServerKind } from "../servers.ts";
import { Histogram, type LatencySummary, round } from "../stats.ts";
import { describeCounters, describeStep } from "./fanout.ts";
import { progress, seedFor, sleep, withServer } from "./_common.ts";

export interface BigRoomResult extends DriveResult {
  server: ServerKind;
  members: number;
  senders: number;
  /** Connecting and subscribing every member, ms. */
  connectMs: number;
  churn: {
    /** Members dropped (each came back `awayMs` later). */
    dropped: number;
    awayMs: number;
    graceMs: number;
    /** From a new socket opening (churned or closed by the server) until it was subscribed. */
    resubscribe: LatencySummary;
    /** Reconnect attempts that failed (each retried). */
    failedReconnects: number;
    /** Sockets the server closed (not churned; each reconnected at once), by close code. */
    serverClosed: number;
    closeCodes: Record<string, number>;
    /** Send → delivery of what churned sockets caught up on (not in `latency`). */
    catchUp: LatencySummary;
  };
  presence: {
    /** Transitions the observer socket saw in the window (its frames that changed a state). */
    transitions: number;
    /** Transitions the churn caused in the window: offline (drop + grace) and online (back). */
    caused: number;
    /** `presence` frames received by all sockets in the window. */
    frames: number;
    /** WebSocket frames carrying at least one `presence` frame, all sockets, in the window. */
    carriers: number;
    framesPerTransition: number;
    carriersPerTransition: number;
  };
  /** The server's counters over the window (its presence changes and frames too). */
  counters: ServerWindow | null;
  /** Messages whose seq did not grow on a socket (lean client's count). */
  disorder: number;
}

/** Waits until `count()` has not moved for `quietMs` (at most `maxMs`). */
async function quiet(count: () => number, quietMs: number, maxMs: number): Promise<void> {
  const start = performance.now();
  let last = count();
  let since = start;
  while (performance.now() - start < maxMs) {
    await sleep(250);
    const now = count();
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) return;
  }
}

export async function bigRoom(kind: ServerKind, params: Params): Promise<BigRoomResult> {
  const p = params.bigRoom;
  if (p.awayMs <= p.graceMs) {
    throw new Error(`Big room: awayMs must exceed graceMs: ${p.awayMs} ≤ ${p.graceMs}`);
  }
  const seeded = await seedFor(kind, { users: p.members, roomSize: p.members });
  const roomId = seeded.rooms[0].id;
  const env = { PRESENCE_GRACE_MS: String(p.graceMs) };
  return await withServer(kind, seeded, async (server, track) => {
    const tally: PresenceTally = { frames: 0, carriers: 0 };
    // The observer (slot 0) never leaves; every member is online once connected.
    const known = new Map<string, boolean>();
    let inWindow = false;
    let transitions = 0;
    const onPresence = (userId: string, online: boolean) => {
      if ((known.get(userId) ?? true) === online) return;
      known.set(userId, online);
      if (inWindow) transitions++;
    };
    const users = seeded.rooms[0].members.map((m) => seeded.users[m]);
    const clients: LeanChatClient[] = track(new Array(users.length)) as LeanChatClient[];
    const ledger = new Ledger("b");
    const book: RoomBook = ledger.room(roomId, users.length);
    /** Slots without a subscribed socket (connecting, or churned away). */
    const away = new Set(users.map((_, slot) => slot));
    const resubscribe = new Histogram();
    let dropped = 0;
    let failedReconnects = 0;
    let serverClosed = 0;
    const closeCodes: Record<string, number> = {};
    let disorderGone = 0;
    /** When transitions the churn caused happen (offline settles, members come back). */
    const causedAt: number[] = [];
    const repairs: Promise<unknown>[] = [];
    /** Once the figures are taken, a socket the server closes is left closed. */
    let finished = false;

    /**
     * Gives `slot` a new subscribed socket, from `since` when it had one before
     * (what it missed is replayed; deliveries sent before it is subscribed again
     * are timed as catch-up, not live). Answers when it was subscribed.
     */
    const connectSlot = async (slot: number, since?: number): Promise<number> => {
      for (let attempt = 1;; attempt++) {
        let liveFrom = since === undefined ? -Infinity : Infinity;
        const client: LeanChatClient = new LeanChatClient(server.url, users[slot].token, {
          tally,
          onPresence: slot === 0 ? onPresence : undefined,
          onClose: (code) => {
            if (clients[slot] === client && !away.has(slot) && !finished) {
              replaceClosed(slot, code);
            }
          },
        });
        clients[slot] = client;
        client.onMessage = (room, text) => {
          if (room !== roomId) ledger.foreign++;
          else ledger.deliver(book, slot, text, ledger.sentAtOf(text) >= liveFrom);
        };
        try {
          await client.ready();
          await client.subscribe(roomId, since);
          liveFrom = performance.now();
          away.delete(slot);
          return liveFrom;
        } catch (err) {
          failedReconnects++;
          disorderGone += client.libraryDuplicates;
          client.close();
          if (attempt === 5) throw err;
          await sleep(200 * attempt);
        }
      }
    };

    /** Takes `slot`'s socket away; answers the seq its next socket subscribes from. */
    const retire = (slot: number): number | undefined => {
      const old = clients[slot];
      const since = old.lastSeq(roomId);
      // Whatever the old socket still reads is replayed to the new one.
      old.onMessage = () => {};
      disorderGone += old.libraryDuplicates;
      away.add(slot);
      old.close();
      return since;
    };

    /** The server closed a socket (a stalled one, say): it reconnects at once, as clients do. */
    const replaceClosed = (slot: number, code: number) => {
      serverClosed++;
      closeCodes[code] = (closeCodes[code] ?? 0) + 1;
      const t = performance.now();
      const since = retire(slot);
      repairs.push(
        connectSlot(slot, since).then((at) => resubscribe.record(at - t), (err) => {
          progress(`member ${slot} did not get back: ${err instanceof Error ? err.message : err}`);
        }),
      );
    };

    const connectStart = performance.now();
    await pool(users, 200, async (_, slot) => {
      await connectSlot(slot);
    });
    const connectMs = performance.now() - connectStart;
    progress(`${clients.length} sockets connected and subscribed in ${round(connectMs)} ms`);
    // Let the connect storm's presence settle (a flush interval, or the grace).
    await quiet(() => tally.frames, 1500, 60_000);

    // Senders stay, but a socket the server closes is replaced: send through the slot.
    const senders = Array.from({ length: p.senders }, (_, i) => {
      const slot = i + 1;
      const client = {
        async send(room: string, text: string) {
          // Being replaced: the message waits for the new socket, as in a client's outbox.
          for (let waited = 0; away.has(slot) && waited < 30_000; waited += 10) await sleep(10);
          await clients[slot].send(room, text);
        },
      } as BenchClient;
      return { client, book };
    });
    const churnable = Array.from(
      { length: clients.length - 1 - p.senders },
      (_, i) => i + 1 + p.senders,
    );

    const drop = async (slot: number): Promise<void> => {
      const since = retire(slot);
      dropped++;
      causedAt.push(performance.now() + p.graceMs);
      await sleep(p.awayMs);
      const t = performance.now();
      try {
        const at = await connectSlot(slot, since);
        resubscribe.record(at - t);
        causedAt.push(at);
      } catch (err) {
        progress(`member ${slot} did not get back: ${err instanceof Error ? err.message : err}`);
      }
    };

    let tallyAtStart = { frames: 0, carriers: 0 };
    let tallyAtEnd = { frames: 0, carriers: 0 };
    let windowStart = NaN;
    let counters = null as ServerWindow | null;
    const churn = async (windowEnd: number) => {
      windowStart = windowEnd - p.measureMs;
      const everyMs = 60_000 / p.churnPerMin;
      const start = performance.now();
      const back: Promise<void>[] = [];
      for (let n = 0;;) {
        const now = performance.now();
        if (!inWindow && now >= windowStart && now < windowEnd) {
          inWindow = true;
          tallyAtStart = { ...tally };
        }
        if (now >= windowEnd) break;
        for (; start + n * everyMs <= now; n++) {
          const free = churnable.filter((slot) => !away.has(slot));
          if (!free.length) continue;
          back.push(drop(free[Math.floor(Math.random() * free.length)]));
        }
        await sleep(Math.min(20, Math.max(1, windowEnd - now)));
      }
      inWindow = false;
      tallyAtEnd = { ...tally };
      await Promise.all(back);
      await Promise.all(repairs);
    };

    const result = await drive({
      ledger,
      senders,
      rate: p.rate / p.senders,
      warmupMs: p.warmupMs,
      measureMs: p.measureMs,
      drainIdleMs: params.drainIdleMs,
      server,
      alongside: async (end) => {
        const [stats] = await Promise.all([
          statsOverWindow(server, seeded.admin, { end, measureMs: p.measureMs }),
          churn(end),
        ]);
        counters = stats;
      },
    });
    await Promise.all(repairs);
    finished = true;
    const windowEnd = windowStart + p.measureMs;
    const frames = tallyAtEnd.frames - tallyAtStart.frames;
    const carriers = tallyAtEnd.carriers - tallyAtStart.carriers;
    const out: BigRoomResult = {
      server: kind,
      members: clients.length,
      senders: p.senders,
      connectMs,
      ...result,
      churn: {
        dropped,
        awayMs: p.awayMs,
        graceMs: p.graceMs,
        resubscribe: resubscribe.summary(),
        failedReconnects,
        serverClosed,
        closeCodes,
        catchUp: ledger.catchUpLatency.summary(),
      },
      presence: {
        transitions,
        caused: causedAt.filter((t) => t >= windowStart && t < windowEnd).length,
        frames,
        carriers,
        framesPerTransition: transitions ? frames / transitions : NaN,
        carriersPerTransition: transitions ? carriers / transitions : NaN,
      },
      counters,
      disorder: disorderGone + clients.reduce((sum, c) => sum + c.libraryDuplicates, 0),
    };
    progress(describeStep(`${clients.length} sockets, ${p.rate} msgs/s`, result));
    progress(describeBigRoom(out));
    if (counters) progress(describeCounters(counters));
    return out;
  }, { env });
}

/** The churn and presence figures, one line each. */
export function describeBigRoom(r: BigRoomResult): string {
  const c = r.churn;
  const s = r.presence;
  return [
    `churn: ${c.dropped} dropped for ${c.awayMs} ms (grace ${c.graceMs} ms), resubscribed p50 ${
      round(c.resubscribe.p50)
    } / p99 ${
      round(c.resubscribe.p99)
    } ms, ${c.failedReconnects} failed attempts, ${c.serverClosed} closed by the server ${
      JSON.stringify(c.closeCodes)
    }; caught up p50 ${round(c.catchUp.p50)} / p99 ${round(c.catchUp.p99)} ms`,
    `presence: ${s.transitions} transitions seen (${s.caused} caused), ${s.frames} frames (${
      round(s.framesPerTransition)
    } per transition), ${s.carriers} WebSocket frames carrying them (${
      round(s.carriersPerTransition)
    } per transition, ${round(s.carriersPerTransition / r.members)}× the room)${
      r.counters
        ? `; server: ${r.counters.presenceChanges} changes, ${r.counters.presenceFrames} frames`
        : ""
    }`,
  ].join("\n  ");
}
