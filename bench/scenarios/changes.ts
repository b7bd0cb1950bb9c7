/**
 * @module Changes under load: the fan-out room (200 members, every socket
 * subscribed) with messages that change. 200 messages per second, plus 100
 * reactions and 20 edits per second, spread over the members, open loop: a
 * reaction goes to one of the room's newest messages, an edit to one of its
 * sender's own newest. Every new message reaches every socket as a `message` frame,
 * every change as an `update` frame. The figures: p50 / p99 of message and of
 * update delivery (from the request being sent to each socket's frame), and lost,
 * duplicated and out-of-order frames (by room revision, see load/revisions.ts),
 * which must all be 0. Ours only: Socket.IO and the ceiling have no edits or
 * reactions.
 */

import type { ChatSocket } from "../../lib/client/client.ts";
import { createdRevOf } from "../../lib/protocol/types.ts";
import { connectAll } from "../load/clients.ts";
import { TEXT_SIZE } from "../load/ledger.ts";
import {
  CHANGE_KINDS,
  type ChangeKind,
  RevisionLedger,
  type RevisionTotals,
} from "../load/revisions.ts";
import type { Params } from "../params.ts";
import { readCpuSeconds, type ServerKind } from "../servers.ts";
import { round } from "../stats.ts";
import { membersOf, progress, seedFor, sleep, withServer } from "./_common.ts";

export interface ChangesResult extends RevisionTotals {
  server: ServerKind;
  members: number;
  /** Requests offered per second, over the room. */
  offered: Record<ChangeKind, number>;
  /** Deliveries per second owed at the offered rates (messages and updates). */
  offeredDeliveries: number;
  /** Reactions and edits not sent because there was no message to change yet. */
  skipped: number;
  /** Messages and updates together, for the correctness totals. */
  lost: number;
  duplicates: number;
  /** Frames the client library itself dropped as already seen (should be 0). */
  libraryDuplicates: number;
  /** CPU use in the window, percent of one core. */
  serverCpu: number;
  generatorCpu: number;
  /** Server CPU time per delivery (message or update) in the window, µs. */
  serverUsPerDelivery: number;
  /**
   * The longest the pacer went without running in the window, ms: when it is long,
   * the generator (or the machine) and not the server held the requests back.
   */
  stallMs: number;
  drainMs: number;
}

/** Ten single-code-point emoji (no variation selectors): ≤ 20 distinct per message. */
const EMOJI = ["👍", "😂", "🎉", "🙏", "👀", "🔥", "✅", "😮", "🚀", "💯"];
/** Random picks tried before a reaction is skipped (every pick already used). */
const PICKS = 8;

/**
 * What the changes can target: the room's newest acknowledged messages and each
 * member's own. A reaction is never repeated (same member, message and emoji), so
 * that every acknowledged reaction is a change and takes a revision of its own.
 */
class Targets {
  #recent: number[] = [];
  #own: number[][];
  #reacted = new Set<string>();

  constructor(members: number, readonly recent: number, readonly ownRecent: number) {
    this.#own = Array.from({ length: members }, () => []);
  }

  /** A message `slot` sent was acknowledged with `seq`. */
  sent(slot: number, seq: number): void {
    this.#recent.push(seq);
    if (this.#recent.length > this.recent) this.#recent.shift();
    const own = this.#own[slot];
    own.push(seq);
    if (own.length > this.ownRecent) own.shift();
  }

  /** A message and an emoji `slot` has not reacted with yet; null when none was found. */
  reaction(slot: number): { seq: number; emoji: string } | null {
    if (this.#recent.length === 0) return null;
    for (let i = 0; i < PICKS; i++) {
      const seq = this.#recent[Math.floor(Math.random() * this.#recent.length)];
      const emoji = EMOJI[Math.floor(Math.random() * EMOJI.length)];
      const key = `${slot} ${seq} ${emoji}`;
      if (this.#reacted.has(key)) continue;
      this.#reacted.add(key);
      return { seq, emoji };
    }
    return null;
  }

  /**
   * One of the own newest messages of `order[n]`, or of the next member in `order`
   * who has one; null when nobody has.
   */
  edit(order: number[], n: number): { slot: number; seq: number } | null {
    for (let i = 0; i < order.length; i++) {
      const slot = order[(n + i) % order.length];
      const own = this.#own[slot];
      if (own.length) return { slot, seq: own[Math.floor(Math.random() * own.length)] };
    }
    return null;
  }
}

function shuffled(length: number): number[] {
  const items = Array.from({ length }, (_, i) => i);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}

function padded(text: string): string {
  return text.padEnd(TEXT_SIZE, "x");
}

export function describeChanges(r: ChangesResult): string {
  const kind = (name: string, t: RevisionTotals["messages"]) =>
    `${name}: sent ${round(t.sentPerSec)}/s, delivered ${round(t.deliveredPerSec)}/s, p50 ${
      round(t.latency.p50)
    } ms, p99 ${round(t.latency.p99)} ms, ack p99 ${
      round(t.ack.p99)
    } ms, lost ${t.lost}, dup ${t.duplicates}, errors ${t.errors}`;
  return [
    kind("messages", r.messages),
    kind("reactions", r.reactions),
    kind("edits", r.edits),
    `updates p50 ${round(r.updates.latency.p50)} ms, p99 ${
      round(r.updates.latency.p99)
    } ms; out of order ${r.disorder}, unchanged ${r.unchanged}, skipped ${r.skipped}, ` +
    `library dropped ${r.libraryDuplicates}; cpu server ${round(r.serverCpu)}% (${
      round(r.serverUsPerDelivery)
    } µs/delivery) / generator ${round(r.generatorCpu)}%, longest pacer stall ${
      round(r.stallMs)
    } ms${Object.keys(r.errorReasons).length ? `; errors: ${JSON.stringify(r.errorReasons)}` : ""}`,
  ].join("\n  ");
}

export async function changesUnderLoad(kind: ServerKind, params: Params): Promise<ChangesResult> {
  const p = params.changes;
  const seeded = await seedFor(kind, { users: p.members, roomSize: p.members });
  return await withServer(kind, seeded, async (server, track) => {
    const room = seeded.rooms[0].id;
    const clients = track(await connectAll(kind, server.url, membersOf(seeded)));
    const sockets: ChatSocket[] = clients.map((client) => {
      if (!client.chat) throw new Error(`Changes need the client library: "${kind}" has none`);
      return client.chat;
    });
    const ledger = new RevisionLedger(room, sockets.map((socket) => socket.lastRev(room)));
    // Frames as they arrive, before the library's own de-duplication.
    const detach = sockets.map((socket, slot) =>
      socket.on("frame", (frame) => {
        if (frame.type === "message" && frame.roomId === room) {
          ledger.receive(slot, createdRevOf(frame.message), "message");
        } else if (frame.type === "update" && frame.roomId === room) {
          ledger.receive(slot, frame.rev, "update");
        }
      })
    );
    const libraryBefore = sockets.reduce((sum, socket) => sum + socket.duplicates, 0);
    const targets = new Targets(sockets.length, p.recent, p.ownRecent);
    const rates: Record<ChangeKind, number> = {
      message: p.messagesPerSec,
      reaction: p.reactionsPerSec,
      edit: p.editsPerSec,
    };
    // Each kind goes round its own shuffled order of members: spread over everyone.
    const orders = Object.fromEntries(
      CHANGE_KINDS.map((k) => [k, shuffled(sockets.length)]),
    ) as Record<ChangeKind, number[]>;
    let skipped = 0;
    const issue = (change: ChangeKind, n: number) => {
      const order = orders[change];
      const sentAt = performance.now();
      if (change === "message") {
        const slot = order[n % order.length];
        const answer = sockets[slot].send(room, padded(`c m${n} `));
        ledger.track("message", answer, sentAt).then((message) => {
          if (message) targets.sent(slot, message.seq);
        });
      } else if (change === "reaction") {
        const slot = order[n % order.length];
        const target = targets.reaction(slot);
        if (!target) {
          skipped++;
          return;
        }
        const answer = sockets[slot].react(room, target.seq, target.emoji, true);
        ledger.track("reaction", answer, sentAt);
      } else {
        const target = targets.edit(order, n);
        if (!target) {
          skipped++;
          return;
        }
        const answer = sockets[target.slot].edit(room, target.seq, padded(`c e${n} edited `));
        ledger.track("edit", answer, sentAt);
      }
    };

    const start = performance.now();
    ledger.windowStart = start + p.warmupMs;
    ledger.windowEnd = ledger.windowStart + p.measureMs;
    const issued: Record<ChangeKind, number> = { message: 0, reaction: 0, edit: 0 };
    let cpuAt: { gen: number; server: number; t: number } | undefined;
    let cpu = { gen: NaN, server: NaN };
    let stallMs = 0;
    let previous = start;
    while (true) {
      const now = performance.now();
      if (now >= ledger.windowStart) stallMs = Math.max(stallMs, now - previous);
      previous = now;
      if (!cpuAt && now >= ledger.windowStart) {
        cpuAt = { gen: readCpuSeconds("self"), server: server.cpuSeconds(), t: now };
      }
      // Whatever fell due before the window ended is sent, however late the pacer woke.
      const until = Math.min(now, ledger.windowEnd);
      for (const change of CHANGE_KINDS) {
        const due = Math.floor((until - start) * rates[change] / 1000);
        for (; issued[change] < due; issued[change]++) issue(change, issued[change]);
      }
      if (now >= ledger.windowEnd) {
        const seconds = (now - cpuAt!.t) / 1000;
        cpu = {
          gen: (readCpuSeconds("self") - cpuAt!.gen) / seconds * 100,
          server: (server.cpuSeconds() - cpuAt!.server) / seconds * 100,
        };
        break;
      }
      await sleep(1);
    }
    const drainMs = await ledger.drain(params.drainIdleMs);
    for (const off of detach) off();
    const totals = ledger.totals();
    const delivered = (totals.messages.deliveredPerSec + totals.updates.deliveredPerSec) *
      (p.measureMs / 1000);
    const result: ChangesResult = {
      server: kind,
      members: sockets.length,
      offered: rates,
      offeredDeliveries: (rates.message + rates.reaction + rates.edit) * sockets.length,
      skipped,
      ...totals,
      lost: totals.messages.lost + totals.updates.lost,
      duplicates: totals.messages.duplicates + totals.updates.duplicates,
      libraryDuplicates: sockets.reduce((sum, socket) => sum + socket.duplicates, 0) -
        libraryBefore,
      serverCpu: cpu.server,
      generatorCpu: cpu.gen,
      serverUsPerDelivery: cpu.server / 100 * (p.measureMs / 1000) * 1e6 / Math.max(1, delivered),
      stallMs,
      drainMs,
    };
    progress(describeChanges(result));
    return result;
  });
}
