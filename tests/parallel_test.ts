/**
 * The server as several isolates (`deno serve --parallel`): a message, a presence
 * change and a logout cross isolates, once with the BroadcastChannel fast path and
 * once with it switched off, which proves the KV path (watch + outbox) alone.
 */

import assert from "node:assert/strict";
import "../lib/client/http_more.ts";
import type { ChatApi } from "../lib/client/http.ts";
import type { ServerStats } from "../lib/protocol/types.ts";
import { startServer } from "./_server.ts";
import { newUser, range, RecordingSocket, waitFor } from "./_clients.ts";

function isolateOf(socket: RecordingSocket): string {
  const ready = socket.of("ready")[0];
  assert.ok(ready?.isolate, "ready frame names the isolate");
  return ready.isolate;
}

/** Opens sockets until one lands on an isolate that `want` accepts. */
async function openOn(api: ChatApi, want: (isolate: string) => boolean): Promise<RecordingSocket> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const socket = await RecordingSocket.open(api);
    if (want(isolateOf(socket))) return socket;
    socket.close();
  }
  throw new Error("Could not land a socket on the wanted isolate");
}

/** Every isolate's counters: fresh connections until both isolates answered. */
async function statsOfEach(url: string, token: string): Promise<ServerStats[]> {
  const seen = new Map<string, ServerStats>();
  for (let attempt = 0; attempt < 60 && seen.size < 2; attempt++) {
    const client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    try {
      const res = await fetch(`${url}/api/admin/stats`, {
        client,
        headers: { authorization: `Bearer ${token}` },
      } as RequestInit);
      const stats = await res.json() as ServerStats;
      seen.set(stats.isolateId, stats);
    } finally {
      client.close();
    }
  }
  assert.equal(seen.size, 2, "both isolates answered");
  return [...seen.values()];
}

for (const fastPath of ["1", "0"]) {
  Deno.test({
    name: `isolates share messages, presence and logout (BUS_FAST_PATH=${fastPath})`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      // One of the two runs starts the server as a user does: `deno task serve`.
      const server = await startServer({
        parallel: 2,
        task: fastPath === "1",
        env: {
          BUS_FAST_PATH: fastPath,
          PRESENCE_GRACE_MS: "500",
          SEND_RATE_BURST: "1000",
          SEND_RATE_PER_SEC: "1000",
        },
      });
      try {
        const alice = await newUser(server.url, "alice");
        const bob = await newUser(server.url, "bob");
        const carol = await newUser(server.url, "carol");
        const room = await alice.createRoom("across");
        await bob.join(room.id);
        await carol.join(room.id);

        const a = await RecordingSocket.open(alice);
        const home = isolateOf(a);
        const b = await openOn(bob, (iso) => iso !== home);
        await a.socket.subscribe(room.id);
        await b.socket.subscribe(room.id);

        // Messages, both directions, interleaved, from sockets on different isolates.
        const sends = range(1, 40).map((i) => (i % 2 ? a : b).socket.send(room.id, `x${i}`));
        await Promise.all(sends);
        await waitFor(
          "both see 40",
          () => a.seqs(room.id).length === 40 && b.seqs(room.id).length === 40,
        );
        assert.deepEqual(a.seqs(room.id), range(1, 40));
        assert.deepEqual(b.seqs(room.id), range(1, 40));
        // Search: one isolate indexes the room (with the fast path, whichever the room's
        // hash picks; without, each what it committed), and every message is found.
        const found = async () => {
          const pages = await Promise.all(range(7, 12).map((i) => alice.search(`x${i}`)));
          return pages.flatMap((page) => page.results.map((r) => r.message.text));
        };
        await waitFor("all indexed", async () => (await found()).length === 6, 20_000);
        assert.deepEqual(await found(), range(7, 12).map((i) => `x${i}`));

        // Changes from both isolates, interleaved with each other: reactions and edits.
        // (Message `xK` came from a when K is odd; seqs are in commit order.)
        const textOf = new Map(a.of("message").map((f) => [f.message.seq, f.message.text]));
        const authorOf = (seq: number) => Number(textOf.get(seq)!.slice(1)) % 2 ? a : b;
        const changes = range(1, 10).flatMap((seq) => [
          authorOf(seq).socket.react(room.id, seq, "👍"),
          authorOf(seq).socket.edit(room.id, seq, `${textOf.get(seq)} edited`),
        ]);
        await Promise.all(changes);
        const updated = (s: RecordingSocket) =>
          new Set(
            s.of("update").filter((f) => f.message.text.endsWith("edited")).map((f) =>
              f.message.seq
            ),
          );
        await waitFor("both see 10 edits", () => updated(a).size === 10 && updated(b).size === 10);
        if (fastPath === "1") {
          // One isolate commits for the room: the other forwarded its 20 sends (and its
          // 10 changes, not counted as sends).
          const stats = await statsOfEach(server.url, alice.token!);
          assert.deepEqual(
            stats.map((s) => [s.messages.stored, s.messages.forwarded ?? 0]).sort(),
            [[0, 20], [40, 0]],
          );
        }

        // Presence: carol comes online on the other isolate, then leaves.
        const carolMe = await carol.me();
        const c = await openOn(carol, (iso) => iso !== home);
        await waitFor(
          "carol online",
          () => a.of("presence").some((f) => f.userId === carolMe.id && f.online),
        );
        c.close();
        await waitFor(
          "carol offline",
          () => a.of("presence").some((f) => f.userId === carolMe.id && !f.online),
        );

        // Logout: every socket of the session closes with 4001, on both isolates.
        const bobHome = await openOn(bob, (iso) => iso === home);
        await bob.logout();
        await waitFor(
          "4001 everywhere",
          () => b.closes.includes(4001) && bobHome.closes.includes(4001),
        );
        a.close();
      } finally {
        await server.stop();
      }
    },
  });
}
