/**
 * @module Point reads that go together: `kv.get` calls issued close together are
 * answered by shared `getMany` calls (up to 10 keys each, KV's limit) instead of one
 * KV call each.
 *
 * Every KV call is one request handed to SQLite's thread, and a reconnect storm is
 * thousands of clients each doing a few reads one after the other (the session, the
 * user, the room and its head…): 12,000 lone reads in two seconds, each waiting
 * ~200 ms in line although neither the main thread nor SQLite's was busy all the
 * time. A getMany of ten keys costs about what two lone reads do (~18 against ~43 µs
 * a key here, both threads counted), and on a remote KV (Deno Deploy) it is one round
 * trip instead of ten.
 *
 * When few reads are out (fewer than `busyAt` KV calls), what was asked for while
 * the current task ran goes at the end of it, in microtasks: a lone read goes at
 * once, as before. When more are out, new reads wait for the next turn of the event
 * loop, so that the reads of many requests go together: under load, batches fill up
 * by themselves. Each read is still strongly consistent and issued after it was
 * asked for (it sees every write that finished before), each caller gets its own
 * entry (a key asked for twice is read twice: nobody shares an object another caller
 * may change), and a batch that fails (a bad key in it) is asked for again key by
 * key, so that one caller's error is never another's. Reads asked for with
 * `consistency: "eventual"` go on their own.
 */

/** KV's limit on the keys of one getMany. */
const GET_MANY_MAX = 10;
/** KV calls out from which new reads wait for the next turn (see the module). */
const BUSY_AT = 16;

interface Read {
  key: Deno.KvKey;
  resolve(entry: Deno.KvEntryMaybe<unknown>): void;
  reject(err: unknown): void;
}

/** `kv`, whose point reads issued close together share getMany calls. */
export function batchReads(kv: Deno.Kv, options: { busyAt?: number } = {}): Deno.Kv {
  const busyAt = options.busyAt ?? BUSY_AT;
  let queued: Read[] = [];
  let scheduled = false;
  let out = 0;

  const settled = () => out--;
  const alone = (read: Read) => kv.get(read.key).then(read.resolve, read.reject);
  const flush = () => {
    scheduled = false;
    const reads = queued;
    queued = [];
    for (let i = 0; i < reads.length; i += GET_MANY_MAX) {
      const chunk = reads.slice(i, i + GET_MANY_MAX);
      out++;
      if (chunk.length === 1) {
        alone(chunk[0]).finally(settled);
        continue;
      }
      kv.getMany(chunk.map((read) => read.key)).then(
        (entries) => chunk.forEach((read, j) => read.resolve(entries[j])),
        () => Promise.all(chunk.map(alone)),
      ).finally(settled);
    }
  };
  const get = <T>(
    key: Deno.KvKey,
    options?: { consistency?: Deno.KvConsistencyLevel },
  ): Promise<Deno.KvEntryMaybe<T>> => {
    if (options?.consistency === "eventual") return kv.get<T>(key, options);
    return new Promise<Deno.KvEntryMaybe<T>>((resolve, reject) => {
      queued.push({ key, resolve, reject } as Read);
      if (scheduled) return;
      scheduled = true;
      if (out < busyAt) queueMicrotask(flush);
      else setTimeout(flush, 0);
    });
  };

  return new Proxy(kv, {
    get(target, prop) {
      if (prop === "get") return get;
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
