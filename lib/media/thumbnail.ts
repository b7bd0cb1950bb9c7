/**
 * @module Thumbnails, made off the main thread: one module worker
 * (thumbnail_worker.ts), started on the first job, given one job at a time, and
 * stopped after IDLE_MS without work so that the memory photon's WebAssembly took
 * for a large photo (it never shrinks) is given back. A job that takes longer
 * than JOB_MS, or an image photon cannot decode, answers null: the file is kept,
 * without a thumbnail.
 *
 * Its timers are unref'd, but a live Deno Worker keeps the process running (the
 * runtime offers no unref for web Workers), so for up to IDLE_MS after the last
 * job: shutdown and tests call closeThumbnailer(), as for the password hasher.
 *
 * Decided: on the server rather than in the browser, so every client (the
 * terminal's uploads too) gets the same thumbnails, and a client cannot send a
 * thumbnail that shows something else than its image.
 */

const IDLE_MS = 30_000;
const JOB_MS = 30_000;

export interface Thumbnail {
  bytes: Uint8Array;
  type: "image/jpeg";
  width: number;
  height: number;
}

interface Answer {
  id: number;
  bytes?: Uint8Array;
  width?: number;
  height?: number;
  error?: string;
}

interface Queued {
  id: number;
  bytes: Uint8Array;
  orientation: number;
  square?: number;
  resolve(thumb: Thumbnail | null): void;
}

let worker: Worker | undefined;
let running: (Queued & { timer: ReturnType<typeof setTimeout> }) | undefined;
const queue: Queued[] = [];
let nextId = 1;
let idleTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Makes a thumbnail fitting 400×400 (THUMB_MAX; aspect kept, never upscaled,
 * turned upright by `facts.orientation`, transparency on white) in a worker; null
 * when the image cannot be decoded or it takes over 30 s. Jobs run one at a time,
 * in order. `bytes`' buffer is handed to the worker when `bytes` spans all of it:
 * `bytes` is empty afterwards. With `square`, an avatar instead: the middle square,
 * `square` px a side, at most AVATAR_BYTES_MAX.
 */
export function makeThumbnail(
  bytes: Uint8Array,
  facts: { type: string; orientation: number; square?: number },
): Promise<Thumbnail | null> {
  return new Promise((resolve) => {
    queue.push({
      id: nextId++,
      bytes: transferable(bytes),
      orientation: facts.orientation,
      square: facts.square,
      resolve,
    });
    pump();
  });
}

/**
 * `bytes` itself when it spans the whole of its ArrayBuffer, which is then handed
 * to the worker (no copy; `bytes` is empty afterwards); otherwise a copy, so that
 * the rest of a larger buffer stays the caller's.
 */
function transferable(bytes: Uint8Array): Uint8Array {
  const whole = bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 &&
    bytes.byteLength === bytes.buffer.byteLength;
  return whole ? bytes : bytes.slice();
}

/** Stops the worker (shutdown, tests); queued jobs answer null. */
export function closeThumbnailer(): void {
  clearTimeout(idleTimer);
  stopWorker();
  for (const job of queue.splice(0)) job.resolve(null);
}

function stopWorker(): void {
  worker?.terminate();
  worker = undefined;
  if (running) {
    clearTimeout(running.timer);
    running.resolve(null);
    running = undefined;
  }
}

function pump(): void {
  if (running || !queue.length) return;
  clearTimeout(idleTimer);
  const job = queue.shift()!;
  try {
    worker ??= startWorker();
  } catch {
    job.resolve(null);
    return pump();
  }
  const timer = setTimeout(() => {
    // Stuck on one image: the worker goes, the next job gets a fresh one.
    stopWorker();
    pump();
  }, JOB_MS);
  Deno.unrefTimer(timer);
  running = { ...job, timer };
  const { id, bytes, orientation, square } = job;
  worker.postMessage({ id, bytes, orientation, square }, [bytes.buffer]);
}

function startWorker(): Worker {
  const started = new Worker(new URL("./thumbnail_worker.ts", import.meta.url), {
    type: "module",
  });
  started.onmessage = (event: MessageEvent<Answer>) => {
    const answer = event.data;
    if (!running || answer.id !== running.id) return;
    clearTimeout(running.timer);
    const job = running;
    running = undefined;
    job.resolve(
      answer.bytes && answer.width && answer.height
        ? { bytes: answer.bytes, type: "image/jpeg", width: answer.width, height: answer.height }
        : null,
    );
    // photon fails by a Rust panic, after which its WebAssembly instance may have
    // leaked what it held: the next job gets a fresh worker.
    if (answer.error !== undefined) stopWorker();
    if (queue.length) pump();
    else {
      idleTimer = setTimeout(stopWorker, IDLE_MS);
      Deno.unrefTimer(idleTimer);
    }
  };
  started.onerror = (event) => {
    event.preventDefault();
    stopWorker();
    pump();
  };
  return started;
}
