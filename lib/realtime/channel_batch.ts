/**
 * @module A BroadcastChannel that posts what one turn of the event loop sent as one
 * message. Each BroadcastChannel message costs both isolates a structured clone, a
 * timer (Deno defers every post and every delivery by one), an op each way and a
 * MessageEvent: in `deno serve --parallel`'s many rooms (commit hints, `notify`
 * for every message, forwarded sends and their answers, ~5,000 messages a second)
 * that was a fifth of each isolate's busy time. A turn's items go together, in the
 * order posted, at the end of the turn (Deno would have deferred each to then
 * anyway). A receiver also takes a lone item as it is, as an older version posts it.
 */

import { errorFields, log } from "../log.ts";

export class BatchedChannel<T> {
  #channel: BroadcastChannel;
  #pending: T[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  /** Joins the channel `name`; `onItem` hears each item other isolates posted. */
  constructor(name: string, onItem: (item: T) => void) {
    this.#channel = new BroadcastChannel(name);
    this.#channel.onmessage = (event: MessageEvent<T | T[]>) => {
      const data = event.data;
      if (!Array.isArray(data)) return onItem(data);
      for (const item of data) onItem(item);
    };
  }

  /** Sends `item` with whatever else this turn posts. */
  post(item: T): void {
    if (this.#closed) return;
    this.#pending.push(item);
    this.#timer ??= setTimeout(() => this.flush(), 0);
  }

  /** Sends what is pending now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (!this.#pending.length || this.#closed) return;
    const items = this.#pending;
    this.#pending = [];
    try {
      this.#channel.postMessage(items);
    } catch (err) {
      // What rides this channel is a hint (KV, or a timer, is the way that holds).
      log.debug("channel_post_failed", errorFields(err));
    }
  }

  /** Sends what is pending and leaves the channel. */
  close(): void {
    if (this.#closed) return;
    try {
      this.flush();
    } finally {
      this.#closed = true;
      this.#channel.close();
    }
  }
}
