/**
 * @module Test helpers over the client library: users, sockets and waiting.
 */

import { ApiError, ChatApi, ChatSocket } from "../lib/client/client.ts";
import type { ServerFrame, ServerFrameOf } from "../lib/protocol/frames.ts";

let counter = 0;

/** The password of every user `newUser` makes. */
export const USER_PASSWORD = "correct horse battery";

/**
 * Registers a fresh user and answers a signed-in API client. A server busy hashing
 * refuses a sign-up with rate_limited and a retryAfterMs (it bounds the wait for a
 * hash rather than queueing without end): this tries again when it says,
 * a few times.
 */
export async function newUser(baseUrl: string, prefix = "user"): Promise<ChatApi> {
  const api = new ChatApi(baseUrl);
  const name = `${prefix}${Date.now().toString(36).slice(-5)}${counter++}`;
  for (let attempt = 1;; attempt++) {
    try {
      await api.register(name, USER_PASSWORD);
      return api;
    } catch (err) {
      if (!(err instanceof ApiError && err.code === "rate_limited" && attempt < 5)) throw err;
      await sleep(err.retryAfterMs ?? 1000);
    }
  }
}

/**
 * Registers each name in turn (the first on a fresh server is its admin), with
 * this site's Origin as its own pages send it, and answers their clients by name.
 */
export async function registered(
  baseUrl: string,
  names: string[],
  password = USER_PASSWORD,
): Promise<Record<string, ChatApi>> {
  const apis: Record<string, ChatApi> = {};
  for (const name of names) {
    apis[name] = new ChatApi(baseUrl, { headers: { origin: baseUrl } });
    await apis[name].register(name, password);
  }
  return apis;
}

/** A socket that records every frame it receives, raw, before any deduplication. */
export class RecordingSocket {
  readonly socket: ChatSocket;
  readonly frames: ServerFrame[] = [];
  closes: number[] = [];

  constructor(api: ChatApi, options: { reconnect?: boolean } = {}) {
    this.socket = new ChatSocket({
      url: api.wsUrl,
      token: api.token,
      reconnect: options.reconnect ?? false,
      backoffInitialMs: 100,
      backoffMaxMs: 1000,
    });
    this.socket.on("frame", (frame) => this.frames.push(frame));
    this.socket.on("close", ({ code }) => this.closes.push(code));
  }

  static async open(api: ChatApi, options: { reconnect?: boolean } = {}) {
    const recording = new RecordingSocket(api, options);
    await recording.socket.ready();
    return recording;
  }

  of<T extends ServerFrame["type"]>(type: T): ServerFrameOf<T>[] {
    return this.frames.filter((f) => f.type === type) as ServerFrameOf<T>[];
  }

  /** Seqs of the message frames received for a room, in arrival order. */
  seqs(roomId: string): number[] {
    return this.of("message").filter((f) => f.roomId === roomId).map((f) => f.message.seq);
  }

  close(): void {
    this.socket.close();
  }
}

/** Polls until `check` is true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
