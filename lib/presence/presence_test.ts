import assert from "node:assert/strict";
import { ManualClock } from "../clock.ts";
import { PresenceStore } from "../store/presence.ts";
import { RoomStore } from "../store/rooms.ts";
import type { BusEvent } from "../realtime/events.ts";
import { PresenceService } from "./presence.ts";

const ALICE = { id: "alice1", username: "alice" };
const settle = () => new Promise((resolve) => setTimeout(resolve, 60));

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const events: BusEvent[] = [];
  const sink = { publish: (e: BusEvent) => Promise.resolve(void events.push(e)) };
  const make = (isolateId: string, ownClock = clock) => {
    const service = new PresenceService(new PresenceStore(kv), new RoomStore(kv), sink, {
      clock: ownClock,
      isolateId,
      graceMs: 5_000,
      heartbeatMs: 5_000,
      isolateTtlMs: 20_000,
      disconnectDelayMs: 0,
    });
    service.setUsernameResolver(() => Promise.resolve("alice"));
    return service;
  };
  const announced = () =>
    events.filter((e) => e.kind === "presence").map((e) =>
      (e as { online: boolean }).online ? "online" : "offline"
    );
  return { kv, clock, make, announced };
}

Deno.test("a user is online while any socket is open, offline after the grace period", async () => {
  const { kv, clock, make, announced } = await setup();
  const presence = make("iso-a");
  await presence.start();
  await presence.connect(ALICE, "c1");
  await presence.connect(ALICE, "c2");
  assert.deepEqual(announced(), ["online"]);
  await presence.disconnect(ALICE, "c1");
  assert.equal((await presence.states([ALICE.id])).get(ALICE.id)?.online, true);
  await presence.disconnect(ALICE, "c2");
  // Damped: still shown online until the grace period has passed.
  assert.equal((await presence.states([ALICE.id])).get(ALICE.id)?.online, true);
  assert.deepEqual(announced(), ["online"]);
  await clock.advance(5_001);
  await settle();
  assert.deepEqual(announced(), ["online", "offline"]);
  const state = (await presence.states([ALICE.id])).get(ALICE.id)!;
  assert.equal(state.online, false);
  assert.equal(typeof state.lastSeenAt, "number");
  await presence.stop();
  kv.close();
});

Deno.test("a reload within the grace period announces neither offline nor online", async () => {
  const { kv, clock, make, announced } = await setup();
  const presence = make("iso-a");
  await presence.start();
  await presence.connect(ALICE, "c1");
  await presence.disconnect(ALICE, "c1");
  await clock.advance(1_000);
  await presence.connect(ALICE, "c2");
  await clock.advance(10_000);
  await settle();
  assert.deepEqual(announced(), ["online"]);
  assert.equal((await presence.states([ALICE.id])).get(ALICE.id)?.online, true);
  await presence.stop();
  kv.close();
});

Deno.test("sockets of an isolate that died silently are swept: offline within 60 s", async () => {
  const { kv, clock, make, announced } = await setup();
  const survivor = make("iso-a");
  await survivor.start();
  // The doomed isolate runs on a clock that never moves again: its heartbeat stops.
  const doomed = make("iso-b", new ManualClock(clock.now()));
  await doomed.start();
  await doomed.connect(ALICE, "c1");
  assert.deepEqual(announced(), ["online"]);
  let offlineAfter = -1;
  for (let t = 0; t <= 60_000; t += 1_000) {
    await clock.advance(1_000);
    await settle();
    if (announced().includes("offline")) {
      offlineAfter = t + 1_000;
      break;
    }
  }
  assert.ok(offlineAfter > 0 && offlineAfter <= 60_000, `offline after ${offlineAfter} ms`);
  assert.equal((await survivor.states([ALICE.id])).get(ALICE.id)?.online, false);
  await survivor.stop();
  kv.close();
});

Deno.test("a restarted process on the same host sweeps its dead predecessor at once", async () => {
  const { kv, clock, make } = await setup();
  const store = new PresenceStore(kv);
  // A predecessor with a pid that cannot exist, its heartbeat still fresh.
  await store.heartbeat({
    id: "iso-old",
    host: Deno.hostname(),
    pid: 2 ** 22 + 12345,
    startedAt: clock.now(),
    expiresAt: clock.now() + 20_000,
  });
  await store.addConn(ALICE.id, "ghost", "iso-old", clock.now());
  await store.setState({ key: ["presence", ALICE.id], value: null, versionstamp: null }, ALICE.id, {
    online: true,
    lastSeenAt: clock.now(),
  });
  const presence = make("iso-new");
  await presence.start();
  assert.deepEqual(await store.conns(ALICE.id), []);
  await clock.advance(5_001);
  await settle();
  assert.equal((await presence.states([ALICE.id])).get(ALICE.id)?.online, false);
  await presence.stop();
  kv.close();
});

/** Rooms whose next lookup of a user's rooms is slow, as a loaded KV can be. */
class SlowOnceRooms extends RoomStore {
  slowNextMs = 0;
  override async roomIdsOf(userId: string): Promise<string[]> {
    const ms = this.slowNextMs;
    this.slowNextMs = 0;
    if (ms) await new Promise((resolve) => setTimeout(resolve, ms));
    return super.roomIdsOf(userId);
  }
}

Deno.test("an offline settled just as the user comes back is announced before the online", async () => {
  // Each announcement reads the user's rooms before it publishes. The offline's read
  // is slow here and the online's is not: published as they finish, the online went
  // out first and everyone saw a ghost offline (found by reconnecting around the
  // grace period against a real server: 3 in 300 ended offline).
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const events: BusEvent[] = [];
  const sink = { publish: (e: BusEvent) => Promise.resolve(void events.push(e)) };
  const rooms = new SlowOnceRooms(kv);
  const presence = new PresenceService(new PresenceStore(kv), rooms, sink, {
    clock,
    isolateId: "iso-a",
    graceMs: 5_000,
    heartbeatMs: 5_000,
    isolateTtlMs: 20_000,
    disconnectDelayMs: 0,
  });
  presence.setUsernameResolver(() => Promise.resolve("alice"));
  const announced = () =>
    events.map((e) => (e as { online: boolean }).online ? "online" : "offline");
  await presence.start();
  await presence.connect(ALICE, "c1");
  await presence.disconnect(ALICE, "c1");
  rooms.slowNextMs = 200;
  await clock.advance(5_001); // the settle commits offline, then reads rooms slowly
  for (let i = 0; i < 100 && (await presence.states([ALICE.id])).get(ALICE.id)?.online; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.equal((await presence.states([ALICE.id])).get(ALICE.id)?.online, false);
  await presence.connect(ALICE, "c2");
  await new Promise((resolve) => setTimeout(resolve, 300));
  assert.deepEqual(announced(), ["online", "offline", "online"]);
  await presence.stop();
  kv.close();
});

Deno.test("a sweep that hangs does not hold up this isolate's heartbeat", async () => {
  const { kv, clock } = await setup();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => release = resolve);
  let hanging = false;
  // KV slow to answer one of the sweep's reads, as on a loaded server.
  class SlowStore extends PresenceStore {
    override async pendingDue(now: number): Promise<string[]> {
      if (hanging) await gate;
      return await super.pendingDue(now);
    }
  }
  const sink = { publish: () => Promise.resolve() };
  const presence = new PresenceService(new SlowStore(kv), new RoomStore(kv), sink, {
    clock,
    isolateId: "iso-a",
    heartbeatMs: 5_000,
    isolateTtlMs: 20_000,
  });
  await presence.start();
  const started = clock.now();
  hanging = true;
  for (let i = 0; i < 8; i++) {
    await clock.advance(5_000);
    await settle();
  }
  const record = (await new PresenceStore(kv).isolates()).find((r) => r.id === "iso-a")!;
  // Beats went on past the first sweep (which hangs from ~5 s on): the deadline of
  // the latest one is more than a TTL past the 20 s mark, where the others would
  // otherwise have swept this isolate as dead.
  assert.ok(
    record.expiresAt > started + 40_000,
    `deadline ${record.expiresAt - started} ms after start`,
  );
  release();
  await presence.stop();
  kv.close();
});

/** Presence with its close bookkeeping delayed, and this isolate's sockets counted by hand. */
async function delayed(delayMs: number) {
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const events: BusEvent[] = [];
  const sink = { publish: (e: BusEvent) => Promise.resolve(void events.push(e)) };
  const store = new PresenceStore(kv);
  const presence = new PresenceService(store, new RoomStore(kv), sink, {
    clock,
    isolateId: "iso-a",
    graceMs: 5_000,
    heartbeatMs: 60_000,
    isolateTtlMs: 120_000,
    disconnectDelayMs: delayMs,
  });
  presence.setUsernameResolver(() => Promise.resolve("alice"));
  const local = new Set<string>();
  presence.setLocalSockets(() => local.size);
  const announced = () =>
    events.filter((e) => e.kind === "presence").map((e) =>
      (e as { online: boolean }).online ? "online" : "offline"
    );
  const conns = async () => (await store.conns(ALICE.id)).length;
  await presence.start();
  return { kv, clock, store, presence, local, announced, conns };
}

Deno.test("a socket back while a closed one's bookkeeping waits: one delete, no pending offline", async () => {
  const { kv, clock, store, presence, local, announced, conns } = await delayed(1_000);
  local.add("c1");
  await presence.connect(ALICE, "c1");
  local.delete("c1");
  const closing = presence.disconnect(ALICE, "c1");
  await settle();
  assert.equal(await conns(), 1, "the closed socket's record waits");
  local.add("c2");
  await presence.connect(ALICE, "c2");
  await clock.advance(1_000);
  await closing;
  assert.equal(await conns(), 1, "only the new socket is left");
  const state = (await store.state(ALICE.id)).value!;
  assert.equal(state.online, true);
  assert.equal(state.pendingOfflineAt, undefined);
  await clock.advance(10_000);
  await settle();
  assert.deepEqual(announced(), ["online"]);
  await presence.stop();
  kv.close();
});

Deno.test("with the bookkeeping delayed, the grace period still counts from the close", async () => {
  const { kv, clock, store, presence, announced, conns } = await delayed(1_000);
  await presence.connect(ALICE, "c1");
  const closedAt = clock.now();
  const closing = presence.disconnect(ALICE, "c1");
  await clock.advance(1_000);
  await closing;
  assert.equal(await conns(), 0);
  assert.equal((await store.state(ALICE.id)).value?.pendingOfflineAt, closedAt + 5_000);
  await clock.advance(3_900);
  await settle();
  assert.deepEqual(announced(), ["online"], "not before the grace period");
  await clock.advance(101);
  await settle();
  assert.deepEqual(announced(), ["online", "offline"]);
  await presence.stop();
  kv.close();
});

Deno.test("stopping while a close's bookkeeping waits: the socket goes, its user is left pending", async () => {
  const { kv, store, presence, conns } = await delayed(1_000);
  await presence.connect(ALICE, "c1");
  const closing = presence.disconnect(ALICE, "c1");
  await settle();
  await presence.stop();
  await closing;
  assert.equal(await conns(), 0);
  const state = (await store.state(ALICE.id)).value!;
  assert.equal(state.online, true);
  assert.equal(typeof state.pendingOfflineAt, "number");
  kv.close();
});
