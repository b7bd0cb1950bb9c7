/**
 * @module The composition root: opens KV and wires stores, services, the bus and
 * the realtime layer together. Both doors (HTTP and WebSocket) get the same objects.
 */

import type { Config } from "./config.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import { newId, openKv } from "./store/kv.ts";
import { UserStore } from "./store/users.ts";
import { RoomStore } from "./store/rooms.ts";
import { headRev, RevisionLog } from "./store/revisions.ts";
import { MessageStore } from "./store/messages.ts";
import { PresenceStore } from "./store/presence.ts";
import { AuthService } from "./auth/auth.ts";
import { PasswordHasher } from "./auth/passwords.ts";
import { RoomService } from "./chat/rooms.ts";
import { MessageService } from "./chat/messages.ts";
import { UserService } from "./chat/users.ts";
import { FileService } from "./chat/files.ts";
import { BlobStore } from "./store/blobs.ts";
import { RateLimiter } from "./chat/_rate_limit.ts";
import { PresenceService } from "./presence/presence.ts";
import { KvBus } from "./realtime/kv_bus.ts";
import { Feeds } from "./realtime/feeds.ts";
import { Hub } from "./realtime/hub.ts";
import { errorFields, log } from "./log.ts";
import { ThreadStore } from "./store/threads.ts";
import { ThreadService } from "./chat/threads.ts";
import { NotifyService } from "./chat/notify.ts";
import { PushService } from "./push/service.ts";

export interface Services {
  config: Config;
  kv: Deno.Kv;
  clock: Clock;
  isolateId: string;
  auth: AuthService;
  rooms: RoomService;
  messages: MessageService;
  threads: ThreadService;
  notify: NotifyService;
  push: PushService;
  files: FileService;
  users: UserService;
  presence: PresenceService;
  bus: KvBus;
  events: KvBus;
  feeds: Feeds;
  hub: Hub;
  hasher: PasswordHasher;
}

export interface ServiceOptions {
  clock?: Clock;
  kv?: Deno.Kv;
  /** How often unposted uploads are swept and blobs reaped (tests shorten it). */
  fileSweepMs?: number;
  /** Presence timings (tests shorten them). */
  presence?: { graceMs?: number; heartbeatMs?: number; isolateTtlMs?: number };
}

/**
 * Stops what createServices started, after the sockets were told to go: waits for
 * commits in flight, hands presence over (pending offline), stops watches, the bus
 * and the hasher, and closes KV.
 */
export async function stopServices(services: Services): Promise<void> {
  await services.messages.flush();
  await services.notify.flush();
  await services.push.close();
  await services.files.stop();
  try {
    await services.presence.stop();
  } catch (err) {
    log.warn("presence_stop_failed", errorFields(err));
  }
  services.feeds.close();
  await services.bus.close();
  services.hasher.close();
  services.kv.close();
}

export async function createServices(
  config: Config,
  options: ServiceOptions = {},
): Promise<Services> {
  const clock = options.clock ?? SYSTEM_CLOCK;
  const kv = options.kv ?? await openKv(config.kvPath);
  const isolateId = newId();
  const userStore = new UserStore(kv);
  const roomStore = new RoomStore(kv);
  await roomStore.indexInvites();
  const bus = new KvBus(kv, isolateId, {
    fastPath: config.busFastPath,
    onRegistrant: (id) => presence.noteIsolate(id),
  });
  const presence = new PresenceService(new PresenceStore(kv), roomStore, bus, {
    clock,
    isolateId,
    graceMs: config.presenceGraceMs,
    ...options.presence,
  });
  const hasher = new PasswordHasher(1, { busyShare: config.hashCpuPercent / 100 });
  const auth = new AuthService(userStore, hasher, {
    clock,
    idleMs: config.sessionIdleMs,
    maxMs: config.sessionMaxMs,
    onSessionEnded: (sessionId, userId) =>
      bus.publish({ kind: "session_ended", sessionId, userId }),
  });
  const threadStore = new ThreadStore(kv);
  const rooms = new RoomService({ rooms: roomStore, users: userStore, threads: threadStore }, {
    presence,
    events: bus,
    clock,
  });
  const messageStore = new MessageStore(kv);
  const revisions = new RevisionLog(kv, {
    range: (roomId, from, to, limit) => messageStore.range(roomId, from, to, limit),
    bySeq: (roomId, seqs) => messageStore.bySeq(roomId, seqs),
  });
  const files = new FileService(kv, new BlobStore(kv, isolateId, () => clock.now()), {
    clock,
    isolateId,
    maxUploadBytes: config.maxUploadBytes,
    quotaBytes: config.uploadQuotaBytes,
    isMember: (userId, roomId) => rooms.members.isMember(roomId, userId),
    message: async (roomId, seq) => (await messageStore.bySeq(roomId, [seq])).get(seq),
    aliveIsolates: () => Promise.resolve(presence.aliveIsolates()),
    sweepMs: options.fileSweepMs,
  });
  const push = new PushService(kv, {
    allowPrivate: config.pushAllowPrivate,
    subject: config.pushSubject,
    now: () => clock.now(),
  });
  const notify = new NotifyService({
    rooms: roomStore,
    threads: threadStore,
    events: bus,
    presence,
    clock,
    push,
    roomName: async (roomId, userId) => (await rooms.view(await rooms.record(roomId), userId)).name,
    isMember: (roomId, userId) => rooms.members.isMember(roomId, userId),
  });
  const messages = new MessageService(messageStore, rooms, {
    kv,
    files,
    clock,
    revisions,
    limiter: new RateLimiter({ burst: config.sendRateBurst, perSec: config.sendRatePerSec, clock }),
    onCommitted: (roomId, events) => bus.hint({ kind: "events", roomId, events }),
    memberDirectory: (roomId) => rooms.mentionDirectory(roomId),
    onNotable: (roomId, notes) => notify.notable(roomId, notes),
  });
  const threads = new ThreadService({
    rooms,
    messages: messageStore,
    threads: threadStore,
    events: bus,
    clock,
  });
  const users = new UserService(userStore, presence);
  presence.setUsernameResolver((id) => users.usernameOf(id));
  const feeds = new Feeds(kv, {
    head: async (roomId) => {
      const head = await roomStore.head(roomId);
      return { seq: head.seq, rev: headRev(head) };
    },
    range: (roomId, from, to, limit) => revisions.events(roomId, from, to, limit),
    revOfSeq: (roomId, seq) => revisions.revOfSeq(roomId, seq),
    members: (roomId) => rooms.memberList(roomId),
  });
  const hub = new Hub(feeds, (roomId, userId) => rooms.members.forget(roomId, userId), {
    stallMs: config.idleTimeoutS * 1000,
    message: async (roomId, seq) => (await messageStore.bySeq(roomId, [seq])).get(seq),
    recent: (roomId, seq) => notify.recent(roomId, seq),
    onRoomChanged: (roomId) => {
      notify.forget(roomId);
      rooms.forgetMembers(roomId);
    },
  });
  bus.subscribe((event) => hub.route(event));
  await bus.start();
  await presence.start();
  // Room heads are watched only while another isolate shares the KV (see Feeds).
  presence.onPeers((others) => feeds.setWatching(others > 0));
  files.start();
  return {
    config,
    kv,
    clock,
    isolateId,
    auth,
    rooms,
    messages,
    threads,
    notify,
    push,
    files,
    users,
    presence,
    bus,
    events: bus,
    feeds,
    hub,
    hasher,
  };
}
