/**
 * @module WebSocket by hand over a raw TCP connection, for tests that need what no
 * WebSocket client allows: a peer that completes the upgrade and then never reads
 * (or reads slowly) and never answers pings, frames that break the rules (bad
 * opcodes, unmasked, fragmented, invalid UTF-8), and upgrades that never finish.
 */

const ENCODER = new TextEncoder();
const DECODER = new TextDecoder();

export const OP_CONTINUATION = 0x0;
export const OP_TEXT = 0x1;
export const OP_BINARY = 0x2;
export const OP_CLOSE = 0x8;
export const OP_PING = 0x9;
export const OP_PONG = 0xa;

export interface Frame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/** The request head of a WebSocket upgrade to `/api/ws`. */
export function upgradeHead(port: number, headers: Record<string, string> = {}): string {
  const lines = [
    "GET /api/ws HTTP/1.1",
    `Host: 127.0.0.1:${port}`,
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  return lines.join("\r\n") + "\r\n\r\n";
}

/** Encodes one frame; clients must mask (`mask: false` breaks the rule on purpose). */
export function encodeFrame(
  opcode: number,
  payload: Uint8Array | string,
  options: { fin?: boolean; mask?: boolean; rsv?: number } = {},
): Uint8Array {
  const data = typeof payload === "string" ? ENCODER.encode(payload) : payload;
  const mask = options.mask ?? true;
  const len = data.length;
  const extra = len < 126 ? 0 : len < 65536 ? 2 : 8;
  const out = new Uint8Array(2 + extra + (mask ? 4 : 0) + len);
  out[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | (opcode & 0x0f);
  out[1] = (mask ? 0x80 : 0) | (len < 126 ? len : len < 65536 ? 126 : 127);
  const view = new DataView(out.buffer);
  if (extra === 2) view.setUint16(2, len);
  if (extra === 8) view.setBigUint64(2, BigInt(len));
  let offset = 2 + extra;
  if (mask) {
    const key = crypto.getRandomValues(new Uint8Array(4));
    out.set(key, offset);
    offset += 4;
    for (let i = 0; i < len; i++) out[offset + i] = data[i] ^ key[i & 3];
  } else {
    out.set(data, offset);
  }
  return out;
}

/** Splits the server's byte stream into frames, however it arrives. */
export class FrameParser {
  #buffer = new Uint8Array(0);

  push(chunk: Uint8Array): Frame[] {
    const merged = new Uint8Array(this.#buffer.length + chunk.length);
    merged.set(this.#buffer);
    merged.set(chunk, this.#buffer.length);
    const frames: Frame[] = [];
    let offset = 0;
    while (merged.length - offset >= 2) {
      const b0 = merged[offset];
      const b1 = merged[offset + 1];
      let len = b1 & 0x7f;
      let head = 2;
      if (len === 126) {
        if (merged.length - offset < 4) break;
        len = (merged[offset + 2] << 8) | merged[offset + 3];
        head = 4;
      } else if (len === 127) {
        if (merged.length - offset < 10) break;
        len = Number(new DataView(merged.buffer, offset + 2, 8).getBigUint64(0));
        head = 10;
      }
      if (b1 & 0x80) head += 4; // servers never mask, but be exact
      if (merged.length - offset < head + len) break;
      frames.push({
        fin: (b0 & 0x80) !== 0,
        opcode: b0 & 0x0f,
        payload: merged.slice(offset + head, offset + head + len),
      });
      offset += head + len;
    }
    this.#buffer = merged.slice(offset);
    return frames;
  }
}

/** A hand-made WebSocket client: it reads only when told to. */
export class RawSocket {
  readonly conn: Deno.Conn;
  readonly parser = new FrameParser();
  /** Frames parsed so far (text frames decoded in `texts`). */
  readonly frames: Frame[] = [];
  bytesRead = 0;
  eof = false;

  constructor(conn: Deno.Conn, leftover: Uint8Array) {
    this.conn = conn;
    this.#take(leftover);
  }

  /** Upgrades over a fresh TCP connection; throws unless the answer is 101. */
  static async open(port: number, headers: Record<string, string>): Promise<RawSocket> {
    const { status, head, conn, leftover } = await rawRequest(port, upgradeHead(port, headers));
    if (status !== 101) {
      conn.close();
      throw new Error(`Upgrade answered ${status}: ${head}`);
    }
    return new RawSocket(conn, leftover);
  }

  #take(bytes: Uint8Array): void {
    this.bytesRead += bytes.length;
    this.frames.push(...this.parser.push(bytes));
  }

  /** Text frames received so far, parsed as JSON. */
  // deno-lint-ignore no-explicit-any
  json(): any[] {
    return this.frames.filter((f) => f.opcode === OP_TEXT).map((f) =>
      JSON.parse(DECODER.decode(f.payload))
    );
  }

  /** The close frame's code, if one arrived. */
  closeCode(): number | undefined {
    const close = this.frames.find((f) => f.opcode === OP_CLOSE);
    if (!close) return undefined;
    return close.payload.length >= 2 ? (close.payload[0] << 8) | close.payload[1] : 1005;
  }

  /** Reads at most `max` bytes (one read); false at end of stream. */
  async readOnce(max = 64 * 1024): Promise<boolean> {
    if (this.eof) return false;
    const buf = new Uint8Array(max);
    let n: number | null;
    try {
      n = await this.conn.read(buf);
    } catch {
      n = null;
    }
    if (n === null) {
      this.eof = true;
      return false;
    }
    this.#take(buf.subarray(0, n));
    return true;
  }

  /** Reads until `check` holds or the stream ends; throws after `timeoutMs`. */
  async readUntil(check: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (this.eof) throw new Error("Stream ended before the expected frames");
      if (Date.now() > deadline) throw new Error("Timed out reading frames");
      await this.readOnce();
    }
  }

  async write(bytes: Uint8Array): Promise<void> {
    let written = 0;
    while (written < bytes.length) written += await this.conn.write(bytes.subarray(written));
  }

  /** Sends a masked text frame (a JSON value unless it is already a string). */
  sendText(value: unknown): Promise<void> {
    return this.write(
      encodeFrame(OP_TEXT, typeof value === "string" ? value : JSON.stringify(value)),
    );
  }

  close(): void {
    try {
      this.conn.close();
    } catch {
      // already closed
    }
  }
}

/**
 * Writes a raw request and reads the answer's head: status, head text, the open
 * connection, and any bytes that came after the head.
 */
export async function rawRequest(
  port: number,
  request: string | Uint8Array,
  timeoutMs = 10_000,
): Promise<{ status: number; head: string; conn: Deno.Conn; leftover: Uint8Array }> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  const bytes = typeof request === "string" ? ENCODER.encode(request) : request;
  let written = 0;
  while (written < bytes.length) written += await conn.write(bytes.subarray(written));
  let received = new Uint8Array(0);
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    while (true) {
      const end = indexOfHeadEnd(received);
      if (end >= 0) {
        const head = DECODER.decode(received.subarray(0, end));
        const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
        return { status, head, conn, leftover: received.slice(end + 4) };
      }
      const buf = new Uint8Array(16 * 1024);
      const n = await conn.read(buf);
      if (n === null) {
        return { status: 0, head: DECODER.decode(received), conn, leftover: new Uint8Array(0) };
      }
      const merged = new Uint8Array(received.length + n);
      merged.set(received);
      merged.set(buf.subarray(0, n), received.length);
      received = merged;
    }
  } finally {
    clearTimeout(timer);
  }
}

function indexOfHeadEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** What the server process holds: open descriptors and resident memory (Linux). */
export async function processStats(pid: number): Promise<{ fds: number; rssKb: number }> {
  let fds = 0;
  for await (const _ of Deno.readDir(`/proc/${pid}/fd`)) fds++;
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return { fds, rssKb };
}

/**
 * True while the server process still holds the TCP connection whose client end is
 * `clientPort` (found through /proc/net/tcp and the process's descriptors).
 */
export async function serverHolds(
  pid: number,
  serverPort: number,
  clientPort: number,
): Promise<boolean> {
  const hex = (port: number) => port.toString(16).toUpperCase().padStart(4, "0");
  const inodes = new Set<string>();
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const text = await Deno.readTextFile(file).catch(() => "");
    for (const line of text.split("\n").slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10) continue;
      if (cols[1].endsWith(`:${hex(serverPort)}`) && cols[2].endsWith(`:${hex(clientPort)}`)) {
        inodes.add(cols[9]);
      }
    }
  }
  if (inodes.size === 0) return false;
  for await (const entry of Deno.readDir(`/proc/${pid}/fd`)) {
    const target = await Deno.readLink(`/proc/${pid}/fd/${entry.name}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}
