/**
 * @module Deleting a big room under load: the fan-out room (members all
 * subscribed, `rate` messages per second each) measured twice, first alone, then
 * while its neighbour, a room of `messages` messages (seeded into KV before the
 * server starts, and indexed for search, as a real one would be), is deleted by its
 * owner. The deletion starts as the second run's warm-up starts; its bounded
 * batches (lib/store/room_deletion.ts) must leave others' delivery p99 within 2×
 * of the run without it. Reported: both runs, the ratio of their p99s, how long the
 * `DELETE` took to answer, how long the whole sweep took (it may outlast the
 * window: then the whole window ran beside it), and messages swept per second.
 * Ours only (the peers have no rooms to delete).
 */

import { ChatApi } from "../../lib/client/client.ts";
import "../../lib/client/admin.ts";
import { openKv } from "../../lib/store/kv.ts";
import { deletingKey } from "../../lib/store/room_deletion.ts";
import { reindex } from "../../lib/search/reindex.ts";
import { connectAll } from "../load/clients.ts";
import type { DriveResult } from "../load/drive.ts";
import type { Params } from "../params.ts";
import { seed } from "../seed.ts";
import type { ServerKind } from "../servers.ts";
import { round } from "../stats.ts";
import { describeStep } from "./fanout.ts";
import { fanoutWithAndWithout, membersOf, progress, sleep, withServer } from "./_common.ts";

/** The goal: others' delivery p99 while a big room is deleted, at most this × without. */
export const DELETE_ROOM_P99_RATIO_MAX = 2;
/** Give up waiting for a sweep after this long (it is reported unfinished). */
const SWEEP_WAIT_MS = 10 * 60_000;

export interface DeleteRoomResult {
  server: ServerKind;
  members: number;
  k: number;
  /** Messages in the deleted room. */
  messages: number;
  baseline: DriveResult;
  whileDeleting: DriveResult;
  /** p99 while deleting ÷ p99 without. */
  p99Ratio: number;
  /** The `DELETE /api/rooms/:id` answer, ms. */
  deleteAckMs: number;
  /** From the request to the sweep's last commit, s (null: not finished in SWEEP_WAIT_MS). */
  sweepS: number | null;
  /** The sweep was still running when the measured window closed. */
  coveredWindow: boolean;
  messagesPerSec: number | null;
}

export function describeDeleteRoom(r: DeleteRoomResult): string {
  return [
    `${r.members} members × ${r.k}/s beside a ${r.messages}-message room being deleted`,
    `p99 ${round(r.baseline.latency.p99)} → ${round(r.whileDeleting.latency.p99)} ms (${
      round(r.p99Ratio)
    }×, goal ≤ ${DELETE_ROOM_P99_RATIO_MAX}×)`,
    `DELETE answered in ${round(r.deleteAckMs)} ms, swept in ${
      r.sweepS === null ? "(unfinished)" : `${round(r.sweepS)} s`
    } (${r.messagesPerSec === null ? "–" : round(r.messagesPerSec)} msgs/s)${
      r.coveredWindow ? ", the whole window beside it" : ", finished inside the window"
    }`,
  ].join("\n  ");
}

export async function deleteRoomUnderLoad(
  kind: ServerKind,
  params: Params,
): Promise<DeleteRoomResult> {
  const p = params.deleteRoom;
  // Room 0: the fan-out room; room 1: one owner and the history, to be deleted.
  const seeded = await seed({
    users: p.members + 1,
    roomSize: p.members,
    messages: p.messages,
    messagesIn: 1,
  });
  const doomed = seeded.rooms[1];
  const owner = seeded.users[doomed.members[0]];
  const t0 = performance.now();
  const kv = await openKv(seeded.kvPath);
  try {
    await reindex(kv, { rooms: [doomed.id] });
  } finally {
    kv.close();
  }
  progress(
    `seeded and indexed ${p.messages} messages in ${round((performance.now() - t0) / 1000)} s`,
  );
  return await withServer(kind, seeded, async (server, track) => {
    const clients = track(
      await connectAll(kind, server.url, membersOf(seeded).slice(0, p.members)),
    );
    const api = new ChatApi(server.url, { token: owner.token });
    const watch = await openKv(seeded.kvPath);
    const sweeping = async () => (await watch.get(deletingKey(doomed.id))).versionstamp !== null;
    try {
      let requestedAt = 0;
      const { baseline, loaded, extra } = await fanoutWithAndWithout({
        tags: ["d0", "d1"],
        roomId: seeded.rooms[0].id,
        clients,
        server,
        rate: p.rate,
        warmupMs: p.warmupMs,
        measureMs: p.measureMs,
        drainIdleMs: params.drainIdleMs,
        alongside: async (windowEnd) => {
          requestedAt = performance.now();
          await api.deleteRoom(doomed.id);
          const deleteAckMs = performance.now() - requestedAt;
          while (performance.now() < windowEnd && await sweeping()) await sleep(100);
          return { deleteAckMs, coveredWindow: performance.now() >= windowEnd };
        },
        onBaseline: (b) => progress(describeStep("without a deletion", b)),
      });
      progress(describeStep("while deleting", loaded));
      const giveUp = performance.now() + SWEEP_WAIT_MS;
      while (await sweeping() && performance.now() < giveUp) await sleep(200);
      const sweepS = await sweeping() ? null : (performance.now() - requestedAt) / 1000;
      const result: DeleteRoomResult = {
        server: kind,
        members: p.members,
        k: p.rate,
        messages: p.messages,
        baseline,
        whileDeleting: loaded,
        p99Ratio: loaded.latency.p99 / baseline.latency.p99,
        deleteAckMs: extra.deleteAckMs,
        sweepS,
        coveredWindow: extra.coveredWindow,
        messagesPerSec: sweepS === null ? null : p.messages / sweepS,
      };
      progress(describeDeleteRoom(result));
      return result;
    } finally {
      watch.close();
    }
  });
}
