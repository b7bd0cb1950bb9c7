/**
 * @module The cross-isolate bus on Deno KV, with BroadcastChannel as a fast path.
 *
 * Each isolate owns an outbox: events go to ["bus", isolateId, n] with n counting
 * up, and the outbox's head ["bus_head", isolateId] moves to the newest n in the
 * same commit. One writer per outbox and one commit at a time keep n in order with
 * no contention at all. Readers watch the heads (KV watch takes 10 keys per call, so
 * heads are watched in chunks) and treat a change as a doorbell: they read their
 * cursor's range of the outbox, which also covers values the watch skipped.
 *
 * Where BroadcastChannel reaches other isolates (`deno serve --parallel`), events
 * are also posted there. A posted event n is delivered when it is the next one the
 * reader expects from that outbox; otherwise the KV read catches up. Either way each
 * event is delivered once per isolate, in order per publisher.
 */

import { BatchedChannel } from "./channel_batch.ts";
import { errorFields, log } from "../log.ts";
import type { Bus, BusEvent, EventsHint } from "./events.ts";

/** How long the bus keeps an event: an isolate cut off from KV longer misses it. */
export const EVENT_TTL_MS = 5 * 60_000;
const REGISTRY_KEY = ["bus_registry"];
const WATCH_CHUNK = 9; // plus the registry key: KV's limit of 10 keys per watch

interface Posted {
  src: string;
  /** "I am here": sent at start, answered once by every isolate that hears it. */
  hello?: boolean;
  n?: number;
  event?: BusEvent;
  hint?: EventsHint;
  /** An event that may be lost (see `ephemeral`): delivered as it comes, out of sequence. */
  ephemeral?: BusEvent;
}

type Handler = (event: BusEvent | EventsHint) => void;

export class KvBus implements Bus {
  #kv: Deno.Kv;
  #id: string;
  #n = 0;
  #queue: Array<{ event: BusEvent; done: () => void; fail: (err: unknown) => void }> = [];
  #writing = false;
  #handlers = new Set<Handler>();
  #cursors = new Map<string, number>();
  #reading = new Map<string, Promise<void>>();
  #again = new Set<string>();
  #watches: AbortController[] = [];
  #channel?: BatchedChannel<Posted>;
  #closed = false;
  /** Whether any other isolate listens on the channel: hints are not posted to nobody. */
  #peers = new Set<string>();
  #refreshing?: Promise<void>;
  /** The registry version the last listing of outboxes saw. */
  #registryVersion: string | null = null;

  /** Told when another isolate registers (starts) while this one runs. */
  #onRegistrant?: (isolateId: string) => void;

  constructor(
    kv: Deno.Kv,
    isolateId: string,
    options: { fastPath: boolean; onRegistrant?: (isolateId: string) => void },
  ) {
    this.#kv = kv;
    this.#id = isolateId;
    this.#onRegistrant = options.onRegistrant;
    if (options.fastPath && typeof BroadcastChannel === "function") {
      this.#channel = new BatchedChannel("chat-bus", (posted) => this.#onPosted(posted));
    }
  }

  /** Learns the other outboxes (starting after what they already hold) and watches them. */
  async start(): Promise<void> {
    // An empty outbox is listed too, so others find it before its first event.
    await this.#kv.atomic()
      .set(["bus_head", this.#id], 0, { expireIn: 24 * 3600_000 })
      .set(REGISTRY_KEY, { id: this.#id, at: Date.now() })
      .commit();
    await this.#refresh(true);
    this.#channel?.post({ src: this.#id, hello: true });
  }

  /** Other buses heard on the fast path (hints and ephemeral events go only to them). */
  get fastPathPeers(): number {
    return this.#peers.size;
  }

  subscribe(handler: Handler): () => void {
    this.#handlers.add(handler);
    return () => this.#handlers.delete(handler);
  }

  publish(event: BusEvent): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return new Promise((done, fail) => {
      this.#queue.push({ event, done, fail });
      if (!this.#writing) void this.#write();
    });
  }

  ephemeral(event: BusEvent): void {
    if (this.#closed) return;
    if (!this.#channel) {
      void this.publish(event).catch(() => {});
      return;
    }
    this.#deliver(event);
    if (this.#peers.size) this.#post({ src: this.#id, ephemeral: event });
  }

  hint(hint: EventsHint): void {
    this.#deliver(hint);
    // One process with one isolate (deno task start) has nobody to hint: skip the
    // structured clone of every committed batch.
    if (this.#peers.size) this.#post({ src: this.#id, hint });
  }

  /** Posts on the fast path (this turn's posts go as one); shutting down drops it. */
  #post(posted: Posted): void {
    if (this.#closed && !this.#writing) return;
    this.#channel?.post(posted);
  }

  async #write(): Promise<void> {
    this.#writing = true;
    // One async function, so the flag drops in the same turn as the loop's last check:
    // a publish that comes after it starts a new write, none is left in the queue.
    try {
      while (this.#queue.length) {
        const batch = this.#queue.splice(0, 200);
        const op = this.#kv.atomic();
        let n = this.#n;
        for (const { event } of batch) {
          op.set(["bus", this.#id, ++n], event, { expireIn: EVENT_TTL_MS });
        }
        op.set(["bus_head", this.#id], n, { expireIn: 24 * 3600_000 });
        try {
          await op.commit();
        } catch (err) {
          log.error("bus_publish_failed", errorFields(err));
          for (const item of batch) item.fail(err);
          continue;
        }
        const first = this.#n + 1;
        this.#n = n;
        batch.forEach(({ event, done }, i) => {
          this.#deliver(event);
          if (this.#peers.size) this.#post({ src: this.#id, n: first + i, event });
          done();
        });
      }
    } finally {
      this.#writing = false;
    }
  }

  #deliver(event: BusEvent | EventsHint): void {
    for (const handler of this.#handlers) {
      try {
        handler(event);
      } catch (err) {
        log.error("bus_handler_failed", { kind: event.kind, ...errorFields(err) });
      }
    }
  }

  #onPosted(posted: Posted): void {
    if (this.#closed || posted.src === this.#id) return;
    if (!this.#peers.has(posted.src)) {
      this.#peers.add(posted.src);
      this.#onRegistrant?.(posted.src);
      if (posted.hello) this.#channel?.post({ src: this.#id, hello: true });
    }
    if (posted.hello) return;
    if (posted.hint || posted.ephemeral) {
      this.#deliver((posted.hint ?? posted.ephemeral)!);
      return;
    }
    const cursor = this.#cursors.get(posted.src);
    if (cursor === undefined) {
      // An outbox born after we looked: read it from its start.
      this.#cursors.set(posted.src, 0);
      void this.#refresh(false);
      this.#catchUp(posted.src, posted.n!);
    } else if (posted.n === cursor + 1) {
      this.#cursors.set(posted.src, posted.n);
      this.#deliver(posted.event!);
    } else if (posted.n! > cursor) {
      this.#catchUp(posted.src, posted.n!);
    }
  }

  /** Reads an outbox from the cursor up to `head`; one read per outbox at a time. */
  #catchUp(src: string, head: number): void {
    if ((this.#cursors.get(src) ?? 0) >= head) return;
    if (this.#reading.has(src)) {
      this.#again.add(src);
      return;
    }
    const read = (async () => {
      try {
        do {
          this.#again.delete(src);
          const from = (this.#cursors.get(src) ?? 0) + 1;
          const iter = this.#kv.list<BusEvent>({
            start: ["bus", src, from],
            end: ["bus", src, Number.MAX_SAFE_INTEGER],
          });
          for await (const entry of iter) {
            const n = entry.key[2] as number;
            if (n <= (this.#cursors.get(src) ?? 0)) continue; // the fast path got it first
            this.#cursors.set(src, n);
            this.#deliver(entry.value);
          }
        } while (this.#again.has(src));
      } catch (err) {
        log.warn("bus_read_failed", { src, ...errorFields(err) });
      } finally {
        this.#reading.delete(src);
      }
    })();
    this.#reading.set(src, read);
  }

  /** Re-reads the list of outboxes and restarts the watches over their heads. */
  #refresh(initial: boolean): Promise<void> {
    this.#refreshing ??= (async () => {
      try {
        // Read before listing: an outbox registered after this read changes the
        // version, which the watch then reports, and the listing is redone.
        this.#registryVersion = (await this.#kv.get(REGISTRY_KEY)).versionstamp;
        const heads = new Map<string, number>();
        for await (const entry of this.#kv.list<number>({ prefix: ["bus_head"] })) {
          heads.set(entry.key[1] as string, entry.value);
        }
        for (const [src, head] of heads) {
          if (src === this.#id || this.#cursors.has(src)) continue;
          this.#cursors.set(src, initial ? head : 0);
        }
        this.#watch([...this.#cursors.keys()]);
      } finally {
        this.#refreshing = undefined;
      }
    })();
    return this.#refreshing;
  }

  #watch(sources: string[]): void {
    for (const controller of this.#watches) controller.abort();
    this.#watches = [];
    if (this.#closed) return;
    for (let i = 0; i < Math.max(1, sources.length); i += WATCH_CHUNK) {
      const chunk = sources.slice(i, i + WATCH_CHUNK);
      const controller = new AbortController();
      this.#watches.push(controller);
      void this.#watchChunk(chunk, controller.signal);
    }
  }

  async #watchChunk(chunk: string[], signal: AbortSignal): Promise<void> {
    const keys = [REGISTRY_KEY, ...chunk.map((src) => ["bus_head", src])];
    try {
      const stream = this.#kv.watch(keys);
      signal.addEventListener("abort", () => stream.cancel().catch(() => {}), { once: true });
      for await (const entries of stream) {
        if (signal.aborted) return;
        const registry = entries[0] as Deno.KvEntryMaybe<{ id?: string }>;
        if (registry.versionstamp !== this.#registryVersion) {
          const id = registry.value?.id;
          if (typeof id === "string" && id !== this.#id) this.#onRegistrant?.(id);
          void this.#refresh(false);
        }
        entries.slice(1).forEach((entry, i) => {
          if (typeof entry.value === "number") this.#catchUp(chunk[i], entry.value);
        });
      }
    } catch (err) {
      if (!signal.aborted && !this.#closed) {
        log.warn("bus_watch_failed", errorFields(err));
        setTimeout(() => this.#refresh(false), 1000);
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const controller of this.#watches) controller.abort();
    // What is being written still goes out (KV, and the fast path), then the channel.
    while (this.#writing) await new Promise((resolve) => setTimeout(resolve, 5));
    this.#channel?.close();
    await Promise.allSettled([...this.#reading.values()]);
  }
}
