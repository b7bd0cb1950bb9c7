/**
 * @module The composition root: opens KV and wires stores, services, the bus and
 * the realtime layer together. Both doors (HTTP and WebSocket) get the same objects.
 */

import type { Config } from "./config.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import { isLocalPath, newId, openKv } from "./store/kv.ts";
import { withLatency } from "./store/kv_latency.ts";
import { batchReads } from "./store/read_batch.ts";
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
import type { PresenceFanoutOptions } from "./realtime/presence_fanout.ts";
import { errorFields, log } from "./log.ts";
import { ThreadStore } from "./store/threads.ts";
import { ThreadService } from "./chat/threads.ts";
import { NotifyService } from "./chat/notify.ts";
import { PushService } from "./push/service.ts";
import { IndexStore } from "./search/index_store.ts";
import { IndexWriter } from "./search/index_writer.ts";
import { type IndexerOptions, indexesRoom, SearchIndexer } from "./search/indexer.ts";
import { SearchService } from "./search/service.ts";
import { RoomRouter } from "./chat/_room_router.ts";
import { RoomAdminStore } from "./store/room_admin.ts";
import { RoomDeletion } from "./store/room_deletion.ts";
import { RoomAdminService } from "./chat/room_admin.ts";
import { ServerInviteStore } from "./store/server_invites.ts";
import { AccountService } from "./auth/account.ts";
import { ServerAdminService } from "./chat/server_admin.ts";
import { ProfileService } from "./chat/profiles.ts";
import type { Budget } from "./search/engine.ts";

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
  search: SearchService;
  /** Keeps the search index up to every room's revision, in the background. */
  indexer: SearchIndexer;
  /** Which isolate of this process commits for a room, when there are several. */
  router?: RoomRouter;
  files: FileService;
  users: UserService;
  presence: PresenceService;
  bus: KvBus;
  events: KvBus;
  feeds: Feeds;
  hub: Hub;
  hasher: PasswordHasher;
  /** Room administration: rename, roles, remove, ban, delete (lib/chat/room_admin.ts). */
  roomAdmin: RoomAdminService;
  /** My password, sessions and deactivation (lib/auth/account.ts). */
  accounts: AccountService;
  /** The server's admin: invites, users, rooms (lib/chat/server_admin.ts). */
  serverAdmin: ServerAdminService;
  /** Display names (lib/chat/profiles.ts). */
  profiles: ProfileService;
  /** How often an open socket re-checks its session (default 30 s; tests shorten it). */
  sessionCheckMs?: number;
}

export interface ServiceOptions {
  clock?: Clock;
  kv?: Deno.Kv;
  /** How often unposted uploads are swept and blobs reaped (tests shorten it). */
  fileSweepMs?: number;
  /** Presence timings (tests shorten them). */
  presence?: { graceMs?: number; heartbeatMs?: number; isolateTtlMs?: number };
  /** Search indexing and query budget (tests and the bench change them). */
  search?: IndexerOptions & { budget?: Budget };
  /** When a room's presence counts as big and how often it is sent (lib/realtime/presence_fanout.ts). */
  presenceFanout?: PresenceFanoutOptions;
  /** How often an open socket re-checks its session (tests shorten it). */
  sessionCheckMs?: number;
}

/**
 * Stops what createServices started, after the sockets were told to go: waits for
 * commits in flight, hands presence over (pending offline), stops watches, the bus
 * and the hasher, and closes KV.
 */
export async function stopServices(services: Services): Promise<void> {
  await services.messages.flush();
  services.router?.close();
  await services.indexer.stop();
  await services.notify.flush();
  await services.push.close();
  services.roomAdmin.stop();
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
  const opened = options.kv ?? await openKv(config.kvPath);
  const kv = batchReads(config.kvLatency ? withLatency(opened, config.kvLatency) : opened);
  const isolateId = newId();
  const userStore = new UserStore(kv);
  const roomStore = new RoomStore(kv);
  // A store from before server admins existed: its oldest account becomes the admin.
  const adopted = await userStore.adoptServerAdmin();
  if (adopted) log.info("server_admin_adopted", { user: adopted });
  await roomStore.indexInvites();
  // Public room names became unique ignoring case: older duplicates get a suffix, once.
  for (const renamed of await roomStore.indexNames()) log.info("room_renamed", renamed);
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
    registration: config.registration,
    invites: new ServerInviteStore(kv),
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
  // Search: indexed after each commit, off the delivery path (lib/search/indexer.ts).
  const indexer = new SearchIndexer(kv, new IndexWriter(kv, revisions), options.search);
  const search = new SearchService({
    kv,
    index: new IndexStore(kv),
    rooms,
    records: (ids) => roomStore.getMany(ids),
    heads: (ids) => roomStore.heads(ids),
    userId: async (name) => (await userStore.byName(name))?.id ?? null,
    bySeq: (roomId, seqs) => messageStore.bySeq(roomId, seqs),
    budget: options.search?.budget,
  });
  // Isolates of one process (`deno serve --parallel`) on a store file: one commits
  // for each room (lib/chat/_room_router.ts). Over BroadcastChannel, so not without
  // the bus's fast path, and not on Deploy, whose channel spans isolates that may be
  // evicted at any time.
  const router =
    config.roomWriteRouting && config.busFastPath && !options.kv && !config.kvLatency &&
      isLocalPath(config.kvPath) && !Deno.env.get("DENO_DEPLOYMENT_ID")
      ? new RoomRouter(isolateId, config.kvPath)
      : undefined;
  const messages = new MessageService(messageStore, rooms, {
    kv,
    files,
    router,
    clock,
    revisions,
    limiter: new RateLimiter({ burst: config.sendRateBurst, perSec: config.sendRatePerSec, clock }),
    onCommitted: (roomId, events) => {
      bus.hint({ kind: "events", roomId, events });
      // Without the fast path, other isolates' commits reach nobody's indexer but the
      // sweep: then each isolate indexes what it committed (see indexesRoom).
      if (!config.busFastPath) indexer.touch(roomId, events);
    },
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
    onRoomDeleted: (roomId) => rooms.members.forgetRoom(roomId),
    onUserChanged: (userId) => rooms.forgetUser(userId),
    presenceFanout: {
      bigRoom: config.presenceBigRoom,
      flushMs: config.presenceFlushMs,
      ...options.presenceFanout,
    },
    onRoomChanged: (roomId) => {
      notify.forget(roomId);
      rooms.forgetMembers(roomId);
    },
  });
  presence.setLocalSockets((userId) => hub.socketsOf(userId));
  bus.subscribe((event) => {
    // Commits, this isolate's and (over the fast path) the others': each room's are
    // indexed by one isolate.
    if (
      event.kind === "events" && config.busFastPath &&
      indexesRoom(event.roomId, isolateId, presence.liveIsolates)
    ) indexer.touch(event.roomId, event.events);
    hub.route(event);
  });
  await bus.start();
  await presence.start();
  // Room heads are watched only while another isolate shares the KV (see Feeds).
  presence.onPeers((others) => feeds.setWatching(others > 0));
  files.start();
  const roomAdmin = new RoomAdminService({
    store: new RoomAdminStore(kv),
    deletion: new RoomDeletion(kv, { isolateId, now: () => clock.now() }),
    users: userStore,
    rooms,
    events: bus,
    clock,
    onFilesUnpublished: () => void files.sweepSoon(),
  });
  roomAdmin.start();
  const accounts = new AccountService(
    {
      auth,
      users: userStore,
      events: bus,
      clock,
      onDeactivated: (userId) => rooms.handOnOwnership(userId),
    },
    (sessionId, userId) => bus.publish({ kind: "session_ended", sessionId, userId }),
  );
  const profiles = new ProfileService({
    kv,
    clock,
    users: userStore,
    events: bus,
    // A profile change reaches every room of mine: a handful a minute at most.
    limiter: new RateLimiter({ burst: 10, perSec: 0.2, clock }),
  }, (userId) => roomStore.roomIdsOf(userId));
  const serverAdmin = new ServerAdminService({
    invites: new ServerInviteStore(kv),
    users: userStore,
    rooms: roomStore,
    roomService: rooms,
    presence,
    accounts,
    clock,
  });
  indexer.start();
  router?.start((roomId, job) => messages.commitHere(roomId, job));
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
    search,
    indexer,
    router,
    files,
    users,
    presence,
    bus,
    events: bus,
    feeds,
    hub,
    hasher,
    roomAdmin,
    accounts,
    serverAdmin,
    profiles,
    sessionCheckMs: options.sessionCheckMs,
  };
}
