/**
 * @module The size of every scenario, full and `--quick`. The quick run keeps every
 * scenario and every check (lost and duplicated deliveries must be zero) at a
 * fraction of the size, so it doubles as a smoke test.
 */

export interface Params {
  quick: boolean;
  fanout: {
    members: number;
    /** Messages per second per member, tried in order until p99 exceeds the limit. */
    rates: number[];
    warmupMs: number;
    measureMs: number;
    p99LimitMs: number;
    /**
     * Runs per step, interleaved across servers (A, B, A, B, …); the median run by
     * p99 is the step's figure. One machine's noise moves a single run's knee.
     */
    runsPerStep: number;
  };
  manyRooms: { rooms: number; roomSize: number; rate: number; warmupMs: number; measureMs: number };
  /** RSS is the median of `samples` readings a second apart, after `settleMs`. */
  idle: { sockets: number; roomSize: number; settleMs: number; samples: number };
  reconnect: { clients: number; roomSize: number; messagesPerRoom: number };
  logins: {
    members: number;
    rate: number;
    loginsPerSec: number;
    loginUsers: number;
    /** How long to wait for logins still queued after the run before abandoning them. */
    graceMs: number;
    warmupMs: number;
    measureMs: number;
  };
  history: { messages: number; requests: number };
  /** Changes under load: rates per second over the whole room. */
  /** Deleting a big room beside the fan-out room (scenarios/delete_room.ts). */
  deleteRoom: {
    members: number;
    rate: number;
    messages: number;
    warmupMs: number;
    measureMs: number;
  };
  /** Mentions and a busy thread (scenarios/notify.ts). */
  notify: {
    members: number;
    messagesPerSec: number;
    threadRepliesPerSec: number;
    warmupMs: number;
    measureMs: number;
  };
  changes: {
    members: number;
    messagesPerSec: number;
    reactionsPerSec: number;
    editsPerSec: number;
    /** A reaction goes to one of the room's newest `recent` acknowledged messages. */
    recent: number;
    /** An edit goes to one of its sender's own newest `ownRecent` acknowledged messages. */
    ownRecent: number;
    warmupMs: number;
    measureMs: number;
  };
  /**
   * Files: a `fileMiB` upload and download timed `runs` times; memory while one,
   * then `uploaders`, stream it at `pacedChunkMiB` every `pacedEveryMs`, VmRSS read
   * every `sampleMs` (after `settleMs`); the fan-out room of `members` at `rate`
   * msgs/s each, alone and while `uploaders` users upload it in a loop.
   */
  files: {
    fileMiB: number;
    runs: number;
    pacedChunkMiB: number;
    pacedEveryMs: number;
    sampleMs: number;
    settleMs: number;
    uploaders: number;
    members: number;
    rate: number;
    warmupMs: number;
    measureMs: number;
  };
  /**
   * Search (scenarios/search.ts): `messages` over `rooms` of `roomSize`, the user in
   * `userRooms` of them; each query kind `runs` times; then `liveMessages` sent at
   * `livePerSec`.
   */
  search: {
    messages: number;
    rooms: number;
    roomSize: number;
    userRooms: number;
    runs: number;
    liveMessages: number;
    livePerSec: number;
  };
  coldStart: { runs: number };
  /**
   * The big room (scenarios/big_room.ts): `members` sockets in one room; `rate`
   * msgs/s into it in all, from `senders` of them; meanwhile `churnPerMin` others a
   * minute drop and come back `awayMs` later, longer than the server's presence
   * grace (`graceMs`, set as PRESENCE_GRACE_MS), so each is an offline and an
   * online transition.
   */
  bigRoom: {
    members: number;
    senders: number;
    rate: number;
    churnPerMin: number;
    awayMs: number;
    graceMs: number;
    warmupMs: number;
    measureMs: number;
  };
  /**
   * Soak (scenarios/soak.ts): the fan-out room of `members` at `rate` msgs/s each
   * for `durationMs` (`--soak-minutes`), the server's RSS read every `sampleMs`;
   * drift is judged from the first reading after `warmupMs`, within ±`bandPct` %.
   */
  soak: {
    members: number;
    rate: number;
    durationMs: number;
    warmupMs: number;
    sampleMs: number;
    bandPct: number;
  };
  /**
   * Deploy, simulated (scenarios/deploy_sim.ts): each KV latency profile runs one
   * room of `members` at `rate` msgs/s each, then `rooms` rooms of `roomSize` at
   * `manyRoomsRate` msgs/s per member.
   */
  deploySim: {
    members: number;
    rate: number;
    rooms: number;
    roomSize: number;
    manyRoomsRate: number;
    warmupMs: number;
    measureMs: number;
  };
  /** Stop draining after this long without a single new delivery. */
  drainIdleMs: number;
}

export const FULL: Params = {
  quick: false,
  fanout: {
    members: 200,
    rates: [0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40],
    warmupMs: 2000,
    measureMs: 8000,
    p99LimitMs: 100,
    runsPerStep: 3,
  },
  manyRooms: { rooms: 200, roomSize: 10, rate: 1, warmupMs: 3000, measureMs: 15000 },
  idle: { sockets: 10_000, roomSize: 10, settleMs: 5000, samples: 3 },
  reconnect: { clients: 2000, roomSize: 100, messagesPerRoom: 50 },
  logins: {
    members: 200,
    rate: 1,
    loginsPerSec: 20,
    loginUsers: 100,
    graceMs: 30_000,
    warmupMs: 2000,
    measureMs: 10000,
  },
  history: { messages: 100_000, requests: 500 },
  changes: {
    members: 200,
    messagesPerSec: 200,
    reactionsPerSec: 100,
    editsPerSec: 20,
    recent: 100,
    ownRecent: 3,
    warmupMs: 2000,
    measureMs: 10000,
  },
  deleteRoom: { members: 200, rate: 1, messages: 100_000, warmupMs: 2000, measureMs: 10000 },
  notify: {
    members: 200,
    messagesPerSec: 200,
    threadRepliesPerSec: 20,
    warmupMs: 2000,
    measureMs: 10000,
  },
  files: {
    fileMiB: 25,
    runs: 3,
    pacedChunkMiB: 1,
    pacedEveryMs: 20,
    sampleMs: 20,
    settleMs: 1000,
    uploaders: 5,
    members: 200,
    rate: 1,
    warmupMs: 2000,
    measureMs: 10000,
  },
  search: {
    messages: 100_000,
    rooms: 200,
    roomSize: 5,
    userRooms: 50,
    runs: 200,
    liveMessages: 2000,
    livePerSec: 200,
  },
  coldStart: { runs: 5 },
  bigRoom: {
    members: 5000,
    senders: 100,
    rate: 20,
    churnPerMin: 500,
    awayMs: 7000,
    graceMs: 5000,
    warmupMs: 10_000,
    measureMs: 30_000,
  },
  soak: {
    members: 200,
    rate: 4,
    durationMs: 600_000,
    warmupMs: 60_000,
    sampleMs: 10_000,
    bandPct: 10,
  },
  deploySim: {
    members: 200,
    rate: 1,
    rooms: 200,
    roomSize: 10,
    manyRoomsRate: 1,
    warmupMs: 3000,
    measureMs: 10_000,
  },
  drainIdleMs: 5000,
};

export const QUICK: Params = {
  quick: true,
  fanout: {
    members: 200,
    rates: [1, 4],
    warmupMs: 500,
    measureMs: 2000,
    p99LimitMs: 100,
    runsPerStep: 1,
  },
  manyRooms: { rooms: 50, roomSize: 10, rate: 1, warmupMs: 500, measureMs: 2500 },
  idle: { sockets: 1000, roomSize: 10, settleMs: 500, samples: 1 },
  reconnect: { clients: 200, roomSize: 100, messagesPerRoom: 50 },
  logins: {
    members: 200,
    rate: 1,
    loginsPerSec: 20,
    loginUsers: 20,
    graceMs: 2000,
    warmupMs: 500,
    measureMs: 2000,
  },
  history: { messages: 10_000, requests: 200 },
  changes: {
    members: 200,
    messagesPerSec: 200,
    reactionsPerSec: 100,
    editsPerSec: 20,
    recent: 100,
    ownRecent: 3,
    warmupMs: 500,
    measureMs: 2500,
  },
  deleteRoom: { members: 200, rate: 1, messages: 10_000, warmupMs: 500, measureMs: 2500 },
  notify: {
    members: 200,
    messagesPerSec: 200,
    threadRepliesPerSec: 20,
    warmupMs: 500,
    measureMs: 2500,
  },
  // 8 MiB files: five of 25 MiB at once alone would take most of the time budget.
  files: {
    fileMiB: 8,
    runs: 1,
    pacedChunkMiB: 1,
    pacedEveryMs: 20,
    sampleMs: 20,
    settleMs: 300,
    uploaders: 5,
    members: 200,
    rate: 1,
    warmupMs: 300,
    measureMs: 1500,
  },
  search: {
    messages: 10_000,
    rooms: 50,
    roomSize: 5,
    userRooms: 20,
    runs: 30,
    liveMessages: 300,
    livePerSec: 100,
  },
  coldStart: { runs: 1 },
  bigRoom: {
    members: 1000,
    senders: 50,
    rate: 20,
    churnPerMin: 300,
    awayMs: 3000,
    graceMs: 1000,
    warmupMs: 3000,
    measureMs: 8000,
  },
  soak: {
    members: 200,
    rate: 4,
    durationMs: 20_000,
    warmupMs: 5000,
    sampleMs: 2000,
    bandPct: 10,
  },
  deploySim: {
    members: 50,
    rate: 1,
    rooms: 20,
    roomSize: 5,
    manyRoomsRate: 1,
    warmupMs: 1000,
    measureMs: 3000,
  },
  drainIdleMs: 3000,
};
