/**
 * @module A KV that answers late, as a remote one does: for the bench's "Deploy"
 * runs only (`KV_SIMULATED_LATENCY`, see lib/config.ts), never in production.
 *
 * On Deno Deploy, KV lives in FoundationDB away from the isolate: every strong read
 * and every commit is a round trip to the primary region, and a watch hears of a
 * change after it committed there. Deno publishes 7 ms for both in its primary
 * region (us-east4) and 94–194 ms for strong reads from others (Frankfurt, Hong
 * Kong). This wrapper adds such delays to a local KV, so the bench can show what
 * delivery costs when every KV call waits that long, on this machine.
 *
 * Each call waits its delay and then runs, so calls overlap as remote ones do
 * (nothing is serialized that was not before); a list waits once, before its
 * first page; a watch delays each change it reports.
 */

import { withCommit } from "./kv.ts";

export interface KvLatency {
  /** Added to every get, getMany and list (ms). */
  read: number;
  /** Added to every commit: atomic, set, delete (ms). */
  commit: number;
  /** Added to every change a watch reports (ms). */
  watch: number;
}

/** `read=7,commit=7,watch=7` (any subset; missing ones are 0) → latencies. */
export function parseKvLatency(spec: string): KvLatency {
  const latency: KvLatency = { read: 0, commit: 0, watch: 0 };
  for (const part of spec.split(",").map((p) => p.trim()).filter(Boolean)) {
    const [name, value] = part.split("=");
    const ms = Number(value);
    if (!(name in latency) || !Number.isFinite(ms) || ms < 0) {
      throw new Error(
        `KV_SIMULATED_LATENCY is not valid: "${part}", expected read=MS,commit=MS,watch=MS`,
      );
    }
    latency[name as keyof KvLatency] = ms;
  }
  return latency;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

function later<A extends unknown[], R>(
  ms: number,
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return async (...args: A) => {
    await delay(ms);
    return await fn(...args);
  };
}

/** `kv`, with every read, commit and watched change `latency` late. */
export function withLatency(kv: Deno.Kv, latency: KvLatency): Deno.Kv {
  return new Proxy(kv, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target);
      if (typeof value !== "function") return value;
      const fn = value.bind(target);
      switch (prop) {
        case "get":
        case "getMany":
          return later(latency.read, fn);
        case "set":
        case "delete":
          return later(latency.commit, fn);
        case "list":
          return (...args: Parameters<Deno.Kv["list"]>) => lateList(fn(...args), latency.read);
        case "watch":
          return (...args: Parameters<Deno.Kv["watch"]>) => lateStream(fn(...args), latency.watch);
        case "atomic":
          return () => {
            const op = target.atomic();
            return withCommit(op, later(latency.commit, () => op.commit()));
          };
        default:
          return fn;
      }
    },
  });
}

/** The list's iterator, its first page `ms` late (its `cursor` still the real one's). */
function lateList<T>(iterator: Deno.KvListIterator<T>, ms: number): Deno.KvListIterator<T> {
  let waited = false;
  const next = iterator.next.bind(iterator);
  return new Proxy(iterator, {
    get(target, prop) {
      if (prop === "next") {
        return async () => {
          if (!waited) {
            waited = true;
            await delay(ms);
          }
          return await next();
        };
      }
      if (prop === Symbol.asyncIterator) {
        return function (this: unknown) {
          return this;
        };
      }
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Each chunk `ms` after it came, in order, without holding up the ones behind it. */
function lateStream<T>(stream: ReadableStream<T>, ms: number): ReadableStream<T> {
  if (ms <= 0) return stream;
  let queue = Promise.resolve();
  return stream.pipeThrough(
    new TransformStream<T, T>({
      transform(chunk, controller) {
        const due = performance.now() + ms;
        queue = queue.then(() => delay(due - performance.now())).then(() => {
          controller.enqueue(chunk);
        });
      },
      flush: () => queue,
    }),
  );
}
