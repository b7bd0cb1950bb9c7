/**
 * Hostile input at volume: over 100,000 random and mutated-valid WebSocket frames,
 * protocol-breaking raw frames and HTTP requests (tests/_fuzz.ts, fast-check)
 * against one real server. Nothing may crash it, answer 500 or an `internal`
 * error, or leave an error in its logs; afterwards the data must still be sound:
 * every room's seq gap-free 1..lastSeq, memberships the same seen from the room
 * and from the member, every user's session count what the run explains, and no
 * orphan anywhere in KV (checked on the stopped server's KV file).
 *
 * A failing run prints its seed: FUZZ_SEED=<seed> replays it exactly.
 */

import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { checkKv } from "./_invariants.ts";
import { fuzzHttp, fuzzRawFrames, type FuzzTargets, fuzzWebSockets, newReport } from "./_fuzz.ts";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import { MAX_SESSIONS_PER_USER } from "../lib/store/users.ts";

const PASSWORD = "correct horse battery";
const WS_FRAMES = 90_000;
const RAW_CONNECTIONS = 400;
const HTTP_REQUESTS = 10_000;
const SPARE_SESSIONS = 6;

Deno.test({
  name:
    "fuzzing with 100,000+ random and mutated frames and requests: no crash, no 500, data stays sound",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const seed = Number(Deno.env.get("FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`seed ${seed} (FUZZ_SEED=${seed} replays this run)`);
    const server = await startServer({
      // Rate limits and flooding are tested elsewhere: here valid sends go through.
      env: { SEND_RATE_BURST: "1000000", SEND_RATE_PER_SEC: "1000000" },
    });
    let stopped = false;
    try {
      // Four fuzzing users in rooms of every kind, and a stranger's rooms they may
      // not enter.
      const register = async (name: string) => {
        const api = new ChatApi(server.url);
        const { user } = await api.register(`${name}${seed % 100000}`, PASSWORD);
        return Object.assign(api, { user });
      };
      // fuzz0 first: it is the server's admin (the fuzzer reaches the admin endpoints).
      const admin = await register("fuzz0_");
      const apis = [admin, ...await Promise.all([1, 2, 3].map((i) => register(`fuzz${i}_`)))];
      const stranger = await register("stranger_");
      const [u0, u1, u2, u3] = apis;
      const open = await u0.createRoom("fuzz public", { topic: "everyone" });
      for (const api of apis.slice(1)) await api.join(open.id);
      const closed = await u0.createRoom("fuzz private", { kind: "private" });
      await u0.invite(closed.id, u1.user.username);
      await u1.join(closed.id);
      const direct = await u0.dm(u2.user.username);
      const other = await u3.createRoom("fuzz other");
      const secret = await stranger.createRoom("stranger private", { kind: "private" });
      const bystander = await register("bystander_");
      const strangerDm = await stranger.dm(bystander.user.username);
      // Throwaway sessions of u3 for the fuzzer to log out.
      const spareTokens = [];
      for (let i = 0; i < SPARE_SESSIONS; i++) {
        const api = new ChatApi(server.url);
        await api.login(u3.user.username, PASSWORD);
        spareTokens.push({ userId: u3.user.id, token: api.token! });
      }
      // Rooms the fuzzer may delete, and users it may ban, remove and deactivate.
      const doomed = await Promise.all([1, 2, 3].map((i) => u0.createRoom(`fuzz doomed ${i}`)));
      const victims = await Promise.all([1, 2].map((i) => register(`victim${i}_`)));
      for (const victim of victims) await victim.join(open.id);
      const targets: FuzzTargets = {
        url: server.url,
        port: server.port,
        users: apis.map((api) => ({ ...api.user, token: api.token! })),
        rooms: [open.id, closed.id, direct.id, other.id],
        foreignRooms: [secret.id, strangerDm.id],
        password: PASSWORD,
        spareTokens,
        doomedRooms: doomed.map((r) => r.id),
        victims: victims.map((v) => v.user),
      };

      const report = newReport();
      const started = performance.now();
      await Promise.all([
        fuzzWebSockets(targets, { frames: WS_FRAMES, seed }, report),
        fuzzHttp(targets, { requests: HTTP_REQUESTS, seed: seed + 1_000_000 }, report),
      ]);
      await fuzzRawFrames(
        targets,
        { connections: RAW_CONNECTIONS, seed: seed + 2_000_000 },
        report,
      );
      const seconds = (performance.now() - started) / 1000;
      const generated = report.wsFrames + report.rawFrames + report.httpRequests;
      console.log(
        `fuzz: ${generated} inputs in ${
          seconds.toFixed(1)
        } s: ${report.wsFrames} WebSocket frames ` +
          `(+${report.wsPings} pings), ${report.rawFrames} raw protocol frames on ` +
          `${RAW_CONNECTIONS} connections, ${report.httpRequests} HTTP requests.\n` +
          `  HTTP statuses ${JSON.stringify(report.statuses)}\n` +
          `  error frames ${JSON.stringify(report.errorCodes)}\n` +
          `  closes ${JSON.stringify(report.closes)}; ${report.createdRooms.size} rooms and ` +
          `${report.registered.size} users created`,
      );
      assert.deepEqual(report.faults, [], "server faults");
      assert.ok(generated >= 100_000, `only ${generated} inputs`);

      // The server is alive, and its logs hold no error and no crash.
      const fresh = await register("after_");
      const room = await fresh.createRoom("after the storm");
      assert.equal((await fresh.send(room.id, "still fine")).seq, 1);
      const errors = server.output().split("\n").filter((line) =>
        /"level":"error"|Uncaught|panicked|unhandled|TypeError|RangeError/i.test(line)
      );
      assert.deepEqual(errors, [], "errors in the server's logs");

      // Memberships: the same whether asked from the member's side or the room's.
      const allRooms = new Set([...targets.rooms, ...targets.foreignRooms, ...report.createdRooms]);
      const lastSeqs = new Map<string, { lastSeq: number; reader: ChatApi }>();
      for (const api of apis) {
        const mine = new Set((await api.rooms()).map((r) => r.id));
        for (const id of new Set([...allRooms, ...mine])) {
          let member = false;
          try {
            const details = await api.room(id);
            member = details.members.some((m) => m.id === api.user.id);
            lastSeqs.set(id, { lastSeq: details.room.lastSeq, reader: api });
          } catch (err) {
            if (!(err instanceof ApiError) || ![403, 404].includes(err.status)) throw err;
          }
          assert.equal(mine.has(id), member, `${api.user.username} and room ${id} disagree`);
        }
      }
      // Every room's history is seq 1..lastSeq, no gap, no duplicate.
      let messages = 0;
      for (const [id, { lastSeq, reader }] of lastSeqs) {
        if (lastSeq === 0) continue;
        const seqs: number[] = [];
        while (seqs.length < lastSeq) {
          const page = await reader.messages(id, { after: seqs.at(-1) ?? 0, limit: 100 });
          seqs.push(...page.messages.map((m) => m.seq));
          if (!page.hasMore) break;
        }
        assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `room ${id} history`);
        assert.equal(seqs.length, lastSeq, `room ${id} has every message up to lastSeq`);
        messages += seqs.length;
      }

      // The store itself, read on the stopped server's file: no orphan, no gap, and
      // every session accounted for.
      await server.stop();
      stopped = true;
      const kv = await Deno.openKv(server.kvPath);
      try {
        const { problems, notes, summary } = await checkKv(kv);
        assert.deepEqual(problems, [], "KV invariants");
        for (const api of apis) {
          const expected = Math.min(
            MAX_SESSIONS_PER_USER,
            1 + (api === u3 ? SPARE_SESSIONS : 0) + (report.sessionDelta.get(api.user.id) ?? 0),
          );
          assert.equal(
            summary.sessionsByUser.get(api.user.id) ?? 0,
            expected,
            `${api.user.username} sessions`,
          );
        }
        for (const id of report.registered) assert.equal(summary.sessionsByUser.get(id), 1);
        console.log(
          `  afterwards: ${summary.users} users, ${summary.sessions} sessions, ${summary.rooms} rooms, ` +
            `${summary.memberships} memberships, ${summary.messages} messages (${messages} read back ` +
            `over HTTP), all consistent${notes.length ? `; notes: ${notes.join(", ")}` : ""}`,
        );
      } finally {
        kv.close();
      }
    } finally {
      if (!stopped) await server.stop();
    }
  },
});
