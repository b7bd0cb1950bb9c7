/**
 * @module Who is online, across every socket, isolate and process.
 *
 * Each open socket is a KV key naming its isolate; each isolate heartbeats its own
 * record with a deadline stored in the value. A user is online while any of their
 * sockets lives on a live isolate. When the last one closes, the user does not go
 * offline at once: a pending offline is recorded and settles after a grace period
 * unless a socket comes back first, so a page reload or a server restart announces
 * nothing. An isolate that dies without closing its sockets (kill -9, crash) misses
 * its heartbeat; any other isolate's sweeper then removes its sockets and settles
 * their users. A process that restarts on the same host sweeps the records of dead
 * pids at once, so no ghost survives a restart.
 *
 * Worst case for a silently dead isolate: heartbeat TTL + sweep interval + grace,
 * well under the contract's 60 s. A silently dead client is closed by the socket's
 * ping timeout, then follows the clean path.
 */

import type { Clock } from "../clock.ts";
import { errorFields, log } from "../log.ts";
import type { User } from "../protocol/types.ts";
import type { PresenceRecord, PresenceStore } from "../store/presence.ts";
import type { RoomStore } from "../store/rooms.ts";
import type { EventSink } from "../realtime/events.ts";

export interface PresenceOptions {
  clock: Clock;
  isolateId: string;
  /** How long a user stays "online" after their last socket closed. */
  graceMs?: number;
  heartbeatMs?: number;
  /** An isolate silent for this long is dead. */
  isolateTtlMs?: number;
  /**
   * How long a closed socket's bookkeeping waits (default: half the grace period, at
   * most 2.5 s). See {@linkcode PresenceService.disconnect}.
   */
  disconnectDelayMs?: number;
}

export interface PresenceState {
  online: boolean;
  lastSeenAt: number | null;
}

export class PresenceService {
  #store: PresenceStore;
  #rooms: RoomStore;
  #events: EventSink;
  #clock: Clock;
  readonly isolateId: string;
  readonly graceMs: number;
  readonly heartbeatMs: number;
  readonly isolateTtlMs: number;
  readonly disconnectDelayMs: number;
  /** How many sockets of a user this isolate holds (the hub's count; see setLocalSockets). */
  #localSockets: (userId: string) => number = () => 0;
  /** Delayed disconnects still waiting: stop() releases them at once. */
  #delayed = new Map<number, () => void>();
  #liveIsolates = new Set<string>();
  /** Isolates that announced themselves (see noteIsolate) and count as live until when. */
  #newcomers = new Map<string, number>();
  #onPeers?: (others: number) => void;
  #peersTold = -1;
  #timers = new Set<number>();
  #settleTimers = new Map<string, number>();
  /** Each user's latest announcement still being published (see #announce). */
  #announcing = new Map<string, Promise<void>>();
  #stopped = false;
  #startedAt: number;
  /** Disconnects under way: stop() waits for them (see there). */
  #disconnecting = new Set<Promise<void>>();

  constructor(store: PresenceStore, rooms: RoomStore, events: EventSink, options: PresenceOptions) {
    this.#store = store;
    this.#rooms = rooms;
    this.#events = events;
    this.#clock = options.clock;
    this.isolateId = options.isolateId;
    this.graceMs = options.graceMs ?? 5_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
    this.isolateTtlMs = options.isolateTtlMs ?? 20_000;
    this.disconnectDelayMs = options.disconnectDelayMs ?? Math.min(2_500, this.graceMs / 2);
    this.#startedAt = this.#clock.now();
    this.#liveIsolates.add(this.isolateId);
  }

  /**
   * Registers this isolate and starts heartbeats and sweeps, each on its own timer: a
   * sweep that takes long (a dead isolate's thousands of sockets to remove, on a
   * loaded server) must not hold up this isolate's own heartbeat, or the others
   * would sweep it in turn, and its users would flap offline and back.
   */
  async start(): Promise<void> {
    await this.#beat();
    await this.sweep({ startup: true });
    this.#every(() => this.#beat(), "presence_heartbeat_failed");
    this.#every(() => this.sweep(), "presence_sweep_failed");
  }

  /** Runs `work` every heartbeat interval (jittered), the next after it finished. */
  #every(work: () => Promise<void>, failure: string): void {
    const loop = () => {
      if (this.#stopped) return;
      const id = this.#clock.setTimeout(async () => {
        this.#timers.delete(id);
        try {
          await work();
        } catch (err) {
          log.warn(failure, errorFields(err));
        }
        loop();
      }, this.heartbeatMs * (0.8 + Math.random() * 0.4));
      this.#timers.add(id);
    };
    loop();
  }

  #beat(): Promise<void> {
    return this.#store.heartbeat({
      id: this.isolateId,
      host: hostname(),
      pid: Deno.pid,
      startedAt: this.#startedAt,
      expiresAt: this.#clock.now() + this.isolateTtlMs,
    });
  }

  /**
   * Told how many other live isolates share this KV, now and whenever that number
   * changes. While it is 0, nobody but this isolate writes messages, so room feeds
   * need not watch KV for other writers (see Feeds.setWatching).
   */
  onPeers(callback: (others: number) => void): void {
    this.#onPeers = callback;
    this.#peersTold = -1;
    this.#tellPeers();
  }

  /**
   * Another isolate just registered (the bus saw it): it counts as live at once, and
   * for one isolate TTL even if no sweep lists its heartbeat yet.
   */
  noteIsolate(id: string): void {
    if (id === this.isolateId || this.#stopped) return;
    this.#newcomers.set(id, this.#clock.now() + this.isolateTtlMs);
    this.#liveIsolates.add(id);
    this.#tellPeers();
  }

  #tellPeers(): void {
    const others = this.#liveIsolates.size - 1;
    if (others === this.#peersTold || !this.#onPeers) return;
    this.#peersTold = others;
    this.#onPeers(others);
  }

  /** Tells presence how many sockets of a user this isolate holds (the hub knows). */
  setLocalSockets(count: (userId: string) => number): void {
    this.#localSockets = count;
  }

  async connect(user: User, connId: string): Promise<void> {
    // The socket's record and the state are read and written side by side: a
    // disconnect elsewhere that misses the record and marks a pending offline is
    // undone by the settle, which looks for live sockets before going offline.
    const [, first] = await Promise.all([
      this.#store.addConn(user.id, connId, this.isolateId, this.#clock.now()),
      this.#store.state(user.id),
    ]);
    let entry = first;
    for (let attempt = 0; attempt < 10; attempt++) {
      if (attempt) entry = await this.#store.state(user.id);
      const state = entry.value;
      if (state?.online && state.pendingOfflineAt === undefined) return;
      const now = this.#clock.now();
      const next: PresenceRecord = { online: true, lastSeenAt: now };
      if (await this.#store.setState(entry, user.id, next)) {
        // Coming back within the grace period was never announced as offline.
        if (!state?.online) await this.#announce(user.id, user.username, true, now);
        return;
      }
    }
  }

  /**
   * A socket closed. Its bookkeeping waits `disconnectDelayMs` first: a socket of the
   * same user that opened meanwhile (a reload; every client of a reconnect storm)
   * leaves only the old socket's record to delete, where recording a pending offline
   * and clearing it again cost four more KV operations, in the middle of the storm.
   * The user stays online meanwhile, as the grace period would have shown them, and
   * goes offline at the same time as without the wait: the grace counts from the
   * close.
   */
  async disconnect(user: User, connId: string): Promise<void> {
    const closedAt = this.#clock.now();
    const work = (async () => {
      if (this.disconnectDelayMs > 0) await this.#delay(this.disconnectDelayMs);
      // Stopping: stop() removes this isolate's sockets and records their users itself.
      if (this.#stopped) return;
      await this.#store.removeConn(user.id, connId, this.isolateId);
      if (this.#localSockets(user.id) > 0) return;
      await this.#markPending(user.id, closedAt, closedAt + this.graceMs);
    })();
    this.#disconnecting.add(work);
    try {
      await work;
    } finally {
      this.#disconnecting.delete(work);
    }
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const id = this.#clock.setTimeout(() => {
        this.#delayed.delete(id);
        resolve();
      }, ms);
      this.#delayed.set(id, resolve);
    });
  }

  /** Records a pending offline for a user with no live socket left, and arms its settle. */
  async #markPending(userId: string, lastSeenAt: number, offlineAt?: number): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      if (await this.#hasLiveConn(userId)) return;
      const entry = await this.#store.state(userId);
      if (!entry.value?.online) return;
      const at = offlineAt ?? this.#clock.now() + this.graceMs;
      if (
        await this.#store.setState(entry, userId, {
          online: true,
          lastSeenAt,
          pendingOfflineAt: at,
        })
      ) {
        this.#armSettle(userId, Math.max(0, at - this.#clock.now()));
        return;
      }
    }
  }

  #armSettle(userId: string, ms: number): void {
    if (this.#stopped) return;
    const previous = this.#settleTimers.get(userId);
    if (previous !== undefined) this.#clock.clearTimeout(previous);
    this.#settleTimers.set(
      userId,
      this.#clock.setTimeout(() => {
        this.#settleTimers.delete(userId);
        this.settle(userId).catch((err) => log.warn("presence_settle_failed", errorFields(err)));
      }, ms),
    );
  }

  /** Turns a due pending offline into offline (announced once, by whoever commits it). */
  async settle(userId: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const entry = await this.#store.state(userId);
      const state = entry.value;
      if (!state || state.pendingOfflineAt === undefined) return;
      if (await this.#hasLiveConn(userId)) {
        if (
          await this.#store.setState(entry, userId, { online: true, lastSeenAt: state.lastSeenAt })
        ) return;
        continue;
      }
      if (state.pendingOfflineAt > this.#clock.now()) {
        this.#armSettle(userId, state.pendingOfflineAt - this.#clock.now());
        return;
      }
      const next = { online: false, lastSeenAt: state.lastSeenAt };
      // Named before the commit, so that the announcement follows it at once: a user
      // coming back meanwhile must be announced online after this offline.
      const user = await this.#usernameOf(userId);
      if (await this.#store.setState(entry, userId, next)) {
        await this.#announce(userId, user, false, state.lastSeenAt);
        return;
      }
    }
  }

  /** The isolates alive at the last sweep (this one included), not copied: read it at once. */
  get liveIsolates(): ReadonlySet<string> {
    return this.#liveIsolates;
  }

  /** The isolates alive at the last sweep (this one included). */
  aliveIsolates(): Set<string> {
    return new Set(this.#liveIsolates);
  }

  /**
   * Heartbeat bookkeeping: finds dead isolates, removes their sockets, and settles
   * users whose pending offline is due. Safe to run on every isolate at once.
   */
  async sweep(options: { startup?: boolean } = {}): Promise<void> {
    const now = this.#clock.now();
    const isolates = await this.#store.isolates();
    const live = new Set<string>([this.isolateId]);
    const dead = isolates.filter((isolate) => {
      if (isolate.id === this.isolateId) return false;
      const gone = isolate.expiresAt <= now ||
        (options.startup === true && isolate.host === hostname() && isolate.pid !== Deno.pid &&
          !pidAlive(isolate.pid));
      if (!gone) live.add(isolate.id);
      return gone;
    });
    for (const [id, until] of this.#newcomers) {
      if (until <= now || live.has(id)) this.#newcomers.delete(id);
      else live.add(id);
    }
    this.#liveIsolates = live;
    this.#tellPeers();
    for (const isolate of dead) {
      const conns = await this.#store.connsOfIsolate(isolate.id);
      for (const [userId, connId] of conns) {
        await this.#store.removeConn(userId, connId, isolate.id);
      }
      await this.#store.deleteIsolate(isolate.id);
      const lastSeen = Math.min(now, isolate.expiresAt - this.isolateTtlMs);
      for (const userId of new Set(conns.map(([userId]) => userId))) {
        await this.#markPending(userId, lastSeen);
      }
      log.info("isolate_swept", { isolate: isolate.id, sockets: conns.length });
    }
    for (const userId of await this.#store.pendingDue(now)) await this.settle(userId);
  }

  async #hasLiveConn(userId: string): Promise<boolean> {
    const conns = await this.#store.conns(userId);
    return conns.some((conn) => this.#liveIsolates.has(conn.isolateId));
  }

  /** Online state for each user; an online user's lastSeenAt is now. */
  async states(userIds: string[]): Promise<Map<string, PresenceState>> {
    const records = await this.#store.states(userIds);
    const now = this.#clock.now();
    const map = new Map<string, PresenceState>();
    userIds.forEach((id, i) => {
      const record = records[i];
      map.set(id, {
        online: record?.online ?? false,
        lastSeenAt: record ? (record.online ? now : record.lastSeenAt) : null,
      });
    });
    return map;
  }

  /**
   * Publishes a change after any earlier announcement of the same user here. Each
   * reads the user's rooms first; two reads in flight (an offline settled just as
   * the user came back) could finish out of order, and everyone would see a ghost
   * offline. Callers announce right after their commit: calls follow commits.
   */
  #announce(userId: string, username: string, online: boolean, lastSeenAt: number): Promise<void> {
    const previous = this.#announcing.get(userId);
    const publish = async () => {
      const roomIds = await this.#rooms.roomIdsOf(userId);
      await this.#events.publish({
        kind: "presence",
        userId,
        username,
        online,
        lastSeenAt,
        roomIds,
      });
    };
    const next = previous ? previous.then(publish, publish) : publish();
    this.#announcing.set(userId, next);
    const forget = () => {
      if (this.#announcing.get(userId) === next) this.#announcing.delete(userId);
    };
    next.then(forget, forget);
    return next;
  }

  #usernameResolver?: (userId: string) => Promise<string>;
  /** How to name a user in announcements made by the sweeper. */
  setUsernameResolver(resolve: (userId: string) => Promise<string>): void {
    this.#usernameResolver = resolve;
  }
  async #usernameOf(userId: string): Promise<string> {
    return this.#usernameResolver ? await this.#usernameResolver(userId) : userId;
  }

  /**
   * Graceful stop: this isolate's sockets are being closed with 1012; their users
   * get a pending offline that any surviving (or restarted) isolate settles, so a
   * quick restart announces nothing.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const id of this.#timers) this.#clock.clearTimeout(id);
    this.#timers.clear();
    for (const id of this.#settleTimers.values()) this.#clock.clearTimeout(id);
    this.#settleTimers.clear();
    for (const [id, release] of this.#delayed) {
      this.#clock.clearTimeout(id);
      release();
    }
    this.#delayed.clear();
    const conns = await this.#store.connsOfIsolate(this.isolateId);
    for (const [userId, connId] of conns) {
      await this.#store.removeConn(userId, connId, this.isolateId);
    }
    for (const userId of new Set(conns.map(([userId]) => userId))) {
      await this.#markPending(userId, this.#clock.now());
    }
    // Sockets are closing (1012) while this runs, and each close disconnects: a
    // disconnect that removed its socket before the list above was read, but had not
    // yet recorded the pending offline, must finish before KV closes. Otherwise its
    // user stays online with nothing left to settle it (no socket, no isolate, no
    // pending offline): a ghost after every graceful restart.
    while (this.#disconnecting.size) await Promise.allSettled([...this.#disconnecting]);
    await this.#store.deleteIsolate(this.isolateId);
  }
}

function hostname(): string {
  try {
    return Deno.hostname();
  } catch {
    return "unknown";
  }
}

function pidAlive(pid: number): boolean {
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (err) {
    // Without /proc (or permission to look), trust the heartbeat alone.
    return !(err instanceof Deno.errors.NotFound);
  }
}
