/**
 * @module Mentions and threads under load, in the fan-out room (200 members, every
 * socket subscribed), open loop, two phases one after the other:
 *
 * - **mentions**: 200 messages per second spread over the members, 10 % of them
 *   naming another member (`@name`): message delivery to every socket, and `notify`
 *   delivery to the one mentioned (from the send to their `notify` frame);
 * - **thread**: 20 replies per second in one thread, from 20 repliers in turn, while
 *   the room carries 100 plain messages per second: delivery of the replies, of the
 *   root's summary `update`s, and of the followers' `notify` frames.
 *
 * The room has more than 30 members, so by default only mentions, direct messages
 * and followed threads notify (no per-message `notify` to everyone). Ours only.
 */

import type { ChatSocket } from "../../lib/client/client.ts";
import { connectAll } from "../load/clients.ts";
import { TEXT_SIZE } from "../load/ledger.ts";
import type { Params } from "../params.ts";
import { readCpuSeconds, type ServerKind } from "../servers.ts";
import { Histogram, type LatencySummary, round } from "../stats.ts";
import { membersOf, progress, seedFor, sleep, withServer } from "./_common.ts";

export interface NotifyPhase {
  /** Messages (replies too) sent per second, and those acknowledged. */
  sentPerSec: number;
  acked: number;
  errors: number;
  /** Send → every socket's `message` frame. */
  messages: LatencySummary;
  /** Send → the `notify` frame of each user it was meant for. */
  notify: LatencySummary;
  /** `notify` frames owed (mentioned users, or followers) and received. */
  notifyOwed: number;
  notifyReceived: number;
  /** Thread phase: send → the root's `update` on every socket. */
  updates?: LatencySummary;
  serverCpu: number;
  generatorCpu: number;
}

export interface NotifyResult {
  server: ServerKind;
  members: number;
  mentions: NotifyPhase;
  thread: NotifyPhase;
}

const MENTION_SHARE = 0.1;
const REPLIERS = 20;

export function describeNotify(r: NotifyResult): string {
  const phase = (name: string, p: NotifyPhase) =>
    `${name}: ${round(p.sentPerSec)} msgs/s (${p.errors} errors), message p50 ${
      round(p.messages.p50)
    } / p99 ${round(p.messages.p99)} ms, notify p50 ${round(p.notify.p50)} / p99 ${
      round(p.notify.p99)
    } ms (${p.notifyReceived}/${p.notifyOwed} received)${
      p.updates ? `, root update p99 ${round(p.updates.p99)} ms` : ""
    }; cpu server ${round(p.serverCpu)}% / generator ${round(p.generatorCpu)}%`;
  return [phase("10 % mentions", r.mentions), phase("busy thread", r.thread)].join("\n  ");
}

export async function notifyUnderLoad(kind: ServerKind, params: Params): Promise<NotifyResult> {
  const p = params.notify;
  const seeded = await seedFor(kind, { users: p.members, roomSize: p.members });
  return await withServer(kind, seeded, async (server) => {
    const room = seeded.rooms[0].id;
    const clients = await connectAll(kind, server.url, membersOf(seeded));
    const sockets: ChatSocket[] = clients.map((client) => {
      if (!client.chat) throw new Error(`Notify needs the client library: "${kind}" has none`);
      return client.chat;
    });
    const names = membersOf(seeded).map((m) => m.user.username);
    try {
      const mentions = await phase(server, sockets, {
        room,
        perSec: p.messagesPerSec,
        warmupMs: p.warmupMs,
        measureMs: p.measureMs,
        drainMs: params.drainIdleMs,
        // Every tenth message names the member after the sender.
        compose: (n, slot) => {
          if (n % Math.round(1 / MENTION_SHARE) !== 0) return { text: `n${n} ` };
          const target = (slot + 1) % sockets.length;
          return { text: `n${n} @${names[target]} `, owed: [target] };
        },
      });
      // The thread: its root, then each replier once, so that all of them follow.
      const root = await sockets[0].send(room, "the busy thread");
      for (let i = 1; i <= REPLIERS; i++) {
        await sockets[i].send(room, `joining ${i}`, { threadRoot: root.seq });
      }
      const followers = [0, ...Array.from({ length: REPLIERS }, (_, i) => i + 1)];
      const thread = await phase(server, sockets, {
        room,
        perSec: p.messagesPerSec / 2 + p.threadRepliesPerSec,
        warmupMs: p.warmupMs,
        measureMs: p.measureMs,
        drainMs: params.drainIdleMs,
        root: root.seq,
        compose: (n) => {
          // Of every (plain + replies) messages, the replies go round the repliers.
          const every = Math.round(
            (p.messagesPerSec / 2 + p.threadRepliesPerSec) /
              p.threadRepliesPerSec,
          );
          if (n % every !== 0) return { text: `t${n} ` };
          const replier = 1 + (n / every) % REPLIERS;
          return {
            text: `r${n} `,
            slot: replier,
            threadRoot: root.seq,
            owed: followers.filter((f) => f !== replier),
          };
        },
      });
      const result: NotifyResult = { server: kind, members: sockets.length, mentions, thread };
      progress(describeNotify(result));
      return result;
    } finally {
      for (const client of clients) client.close();
    }
  });
}

interface Composed {
  text: string;
  /** Who sends it (default: round the members). */
  slot?: number;
  threadRoot?: number;
  /** Slots owed a `notify` for it. */
  owed?: number[];
}

async function phase(
  server: { cpuSeconds(): number },
  sockets: ChatSocket[],
  o: {
    room: string;
    perSec: number;
    warmupMs: number;
    measureMs: number;
    drainMs: number;
    root?: number;
    compose(n: number, slot: number): Composed;
  },
): Promise<NotifyPhase> {
  const sentAt = new Map<string, number>();
  const inWindow = new Set<string>();
  const messages = new Histogram();
  const notify = new Histogram();
  const updates = new Histogram();
  let notifyOwed = 0;
  let notifyReceived = 0;
  let acked = 0;
  let errors = 0;
  let lastFrame = performance.now();
  /** The tag at the start of a text ("n12"), which names its send. */
  const tagOf = (text: string) => text.slice(0, text.indexOf(" "));
  /** Root updates owed: the time of each reply sent, until its summary arrives. */
  const replySent = new Map<number, number>();
  const offs = sockets.map((socket) =>
    socket.on("frame", (frame) => {
      const now = performance.now();
      if (frame.type === "message" && frame.roomId === o.room) {
        lastFrame = now;
        const tag = tagOf(frame.message.text);
        const at = sentAt.get(tag);
        if (at !== undefined && inWindow.has(tag)) messages.record(now - at);
        if (frame.message.threadRoot && at !== undefined) replySent.set(frame.message.seq, at);
      } else if (frame.type === "notify" && frame.roomId === o.room) {
        lastFrame = now;
        const tag = tagOf(frame.message.text);
        const at = sentAt.get(tag);
        if (at !== undefined && inWindow.has(tag)) {
          notify.record(now - at);
          notifyReceived++;
        }
      } else if (frame.type === "update" && frame.message.seq === o.root) {
        lastFrame = now;
        const at = replySent.get(frame.message.thread?.lastSeq ?? -1);
        if (at !== undefined) updates.record(now - at);
      }
    })
  );
  const start = performance.now();
  const windowStart = start + o.warmupMs;
  const windowEnd = windowStart + o.measureMs;
  let issued = 0;
  let cpuAt: { gen: number; server: number; t: number } | undefined;
  let cpu = { gen: NaN, server: NaN };
  let counted = 0;
  while (true) {
    const now = performance.now();
    if (!cpuAt && now >= windowStart) {
      cpuAt = { gen: readCpuSeconds("self"), server: server.cpuSeconds(), t: now };
    }
    const due = Math.floor((Math.min(now, windowEnd) - start) * o.perSec / 1000);
    for (; issued < due; issued++) {
      const slot = issued % sockets.length;
      const c = o.compose(issued, slot);
      const tag = tagOf(c.text);
      const at = performance.now();
      sentAt.set(tag, at);
      if (at >= windowStart) {
        inWindow.add(tag);
        counted++;
        notifyOwed += c.owed?.length ?? 0;
      }
      sockets[c.slot ?? slot]
        .send(
          o.room,
          c.text.padEnd(TEXT_SIZE, "x"),
          c.threadRoot ? { threadRoot: c.threadRoot } : {},
        )
        .then(() => acked++, () => errors++);
    }
    if (now >= windowEnd) {
      const seconds = (now - cpuAt!.t) / 1000;
      cpu = {
        gen: (readCpuSeconds("self") - cpuAt!.gen) / seconds * 100,
        server: (server.cpuSeconds() - cpuAt!.server) / seconds * 100,
      };
      break;
    }
    await sleep(1);
  }
  // Until nothing has arrived for a while.
  while (performance.now() - lastFrame < o.drainMs) await sleep(50);
  for (const off of offs) off();
  return {
    sentPerSec: counted / (o.measureMs / 1000),
    acked,
    errors,
    messages: messages.summary(),
    notify: notify.summary(),
    notifyOwed,
    notifyReceived,
    ...(o.root ? { updates: updates.summary() } : {}),
    serverCpu: cpu.server,
    generatorCpu: cpu.gen,
  };
}
