/**
 * @module Raw wire tools for the bad-input tests: a WebSocket probe that sends
 * anything at all (binary, garbage, oversized frames) and queues what comes back,
 * and HTTP/1.1 over TCP for requests and upgrades fetch would normalize or refuse.
 */

import assert from "node:assert/strict";

const ENCODER = new TextEncoder();

// deno-lint-ignore no-explicit-any
export type Frame = Record<string, any>;

/** A raw HTTP/1.1 exchange over TCP, for requests fetch would normalize or refuse. */
export async function rawHttp(
  port: number,
  head: string,
): Promise<{ status: number; text: string }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const timer = setTimeout(() => conn.close(), 5000);
  let data = new Uint8Array(0);
  try {
    await conn.write(ENCODER.encode(head));
    const buf = new Uint8Array(16384);
    while (true) {
      const n = await conn.read(buf).catch(() => null);
      if (n === null) break;
      const next = new Uint8Array(data.length + n);
      next.set(data);
      next.set(buf.subarray(0, n), data.length);
      data = next;
      const text = new TextDecoder().decode(data);
      const end = text.indexOf("\r\n\r\n");
      if (end < 0) continue;
      if (/^HTTP\/1\.1 101/.test(text)) break;
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
      if (length && data.length >= ENCODER.encode(text.slice(0, end + 4)).length + +length[1]) {
        break;
      }
    }
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the timer */ }
  }
  const text = new TextDecoder().decode(data);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
  return { status, text };
}

export function upgradeRequest(
  port: number,
  headers: Record<string, string>,
  path = "/api/ws",
): string {
  const lines = [
    `GET ${path} HTTP/1.1`,
    `Host: 127.0.0.1:${port}`,
    "Connection: Upgrade",
    "Upgrade: websocket",
    "Sec-WebSocket-Version: 13",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return lines.join("\r\n") + "\r\n\r\n";
}

/** A raw WebSocket that queues the frames it receives, for sending anything at all. */
export class Probe {
  readonly ws: WebSocket;
  readonly frames: Frame[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  opened = false;
  /** Wakes every pending `next` when a frame arrives or the socket closes. */
  #waiters = new Set<() => void>();

  constructor(url: string, headers: Record<string, string>) {
    // Deno takes handshake headers here; the "dom" lib's type does not know it.
    this.ws = new WebSocket(url, { headers } as unknown as string[]);
    this.ws.onopen = () => this.opened = true;
    this.ws.onmessage = (event) => {
      this.frames.push(JSON.parse(String(event.data)));
      this.#wake();
    };
    this.ws.onerror = () => {};
    this.closed = new Promise((resolve) => {
      this.ws.onclose = (event) => {
        this.#wake();
        resolve({ code: event.code, reason: event.reason });
      };
    });
  }

  static async connect(url: string, token: string): Promise<Probe> {
    const probe = new Probe(url, { authorization: `Bearer ${token}` });
    const ready = await probe.next((f) => f.type === "ready");
    assert.equal(typeof ready.user.id, "string");
    return probe;
  }

  /** The close, or a failure when the socket is still open after `timeoutMs`. */
  closedWithin(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Socket still open after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    return Promise.race([this.closed, timeout]).finally(() => clearTimeout(timer));
  }

  send(data: string | Frame | Uint8Array<ArrayBuffer>): void {
    this.ws.send(
      typeof data === "string" || data instanceof Uint8Array ? data : JSON.stringify(data),
    );
  }

  /** The first queued frame that matches, waiting for it if need be. */
  async next(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const index = this.frames.findIndex(match);
      if (index >= 0) return this.frames.splice(index, 1)[0];
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`No matching frame; got ${JSON.stringify(this.frames).slice(0, 500)}`);
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.#waiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, left);
        this.#waiters.add(wake);
      });
    }
  }

  #wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /** Like `next`, but answers undefined once the socket closed without such a frame. */
  async nextOrClose(match: (frame: Frame) => boolean): Promise<Frame | undefined> {
    try {
      return await this.next(match);
    } catch (err) {
      if (this.ws.readyState === WebSocket.CLOSED) return undefined;
      throw err;
    }
  }

  /** The error frame answering `ref` (or the next ref-less one). */
  error(ref?: string): Promise<Frame> {
    return this.next((f) => f.type === "error" && f.ref === ref);
  }

  /** Proves the socket still works: a ping is answered by a pong. */
  async assertAlive(): Promise<void> {
    const ref = `alive-${crypto.randomUUID()}`;
    this.send({ type: "ping", ref });
    await this.next((f) => f.type === "pong" && f.ref === ref);
    assert.equal(this.ws.readyState, WebSocket.OPEN);
  }

  close(): void {
    this.ws.close(1000);
  }
}
