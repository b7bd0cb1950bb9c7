/**
 * @module The plumbing of the image scanners' push parsers: a state machine that
 * reads a stream of chunks, split wherever the network split them, and writes the
 * bytes to keep. A format's scanner says what it wants next in a handful of words:
 * `need` n bytes gathered whole (a header), `pass` n bytes through, `skip` n bytes,
 * `blank` n bytes (written as zeros), or `scan` (the subclass reads the input
 * itself, as JPEG's entropy-coded data asks). Whatever a header straddles, the
 * scanner sees it in one piece; bulk data is never gathered, only copied through.
 */

/** Raised for malformed or truncated images: the upload is refused with a 400. */
export class ImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ImageError";
  }
}

/** What a scan has learnt of an image; see image_scan.ts. */
export interface ImageFacts {
  width: number;
  height: number;
  /** EXIF orientation, 1–8; 1 when the file has none. */
  orientation: number;
  animated: boolean;
  hasAlpha?: boolean;
}

type Step =
  | { kind: "need"; n: number; then: (bytes: Uint8Array) => void }
  | { kind: "pass" | "skip" | "blank"; n: number; then: () => void }
  | { kind: "scan" }
  | { kind: "done" }
  | { kind: "stuck" };

const STUCK: Step = { kind: "stuck" };
const EMPTY = new Uint8Array(0);

export abstract class ByteMachine {
  #step: Step;
  /** The bytes gathered so far for a `need` step. */
  #gathered = EMPTY;
  #have = 0;
  #out: Uint8Array[] = [];
  #outLength = 0;
  #failed: Error | undefined;
  #truncated: string;

  /** Set as soon as the header holding the dimensions was read. */
  facts: ImageFacts | undefined;

  /**
   * `truncated`: the message for input that stopped before the format's end
   * (`Image is truncated: no JPEG end marker`).
   */
  constructor(truncated: string) {
    this.#truncated = truncated;
    this.#step = STUCK;
  }

  /** Whether the format's end (PNG IEND, JPEG EOI, ...) was read. */
  get ended(): boolean {
    return this.#step.kind === "done";
  }

  /** Feeds the next bytes; answers the bytes to keep. */
  feed(input: Uint8Array): Uint8Array {
    if (this.#failed) throw this.#failed;
    try {
      this.#run(input);
    } catch (err) {
      this.#failed = err instanceof Error ? err : new Error(String(err));
      throw err;
    }
    return this.takeOutput();
  }

  /** End of input: answers what is left to write; throws ImageError when truncated. */
  finish(): Uint8Array {
    if (this.#failed) throw this.#failed;
    if (!this.ended) throw new ImageError(this.#truncated);
    if (!this.facts) throw new ImageError("Image is malformed: its dimensions were never found");
    this.checkEnd();
    return this.takeOutput();
  }

  /** A format's last checks at the end of input (an image with no pixel data...). */
  protected checkEnd(): void {}

  /** The bytes written since the last call, in one new array. */
  protected takeOutput(): Uint8Array {
    if (this.#outLength === 0) return EMPTY;
    const out = new Uint8Array(this.#outLength);
    let at = 0;
    for (const piece of this.#out) {
      out.set(piece, at);
      at += piece.length;
    }
    this.#out = [];
    this.#outLength = 0;
    return out;
  }

  /** Writes bytes to the output (copied before `feed` returns). */
  protected emit(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.#out.push(bytes);
    this.#outLength += bytes.length;
  }

  protected need(n: number, then: (bytes: Uint8Array) => void): void {
    this.#gathered = n === 0 ? EMPTY : new Uint8Array(n);
    this.#have = 0;
    this.#step = { kind: "need", n, then };
  }

  protected pass(n: number, then: () => void): void {
    this.#step = { kind: "pass", n, then };
  }

  protected skip(n: number, then: () => void): void {
    this.#step = { kind: "skip", n, then };
  }

  /** Consumes n bytes and writes n zeros in their place. */
  protected blank(n: number, then: () => void): void {
    this.#step = { kind: "blank", n, then };
  }

  /** Hands the input to {@linkcode scan} until it calls another step. */
  protected scanning(): void {
    this.#step = { kind: "scan" };
  }

  /** The format's end: whatever follows is dropped. */
  protected end(): void {
    this.#step = { kind: "done" };
  }

  /**
   * Reads `input` from `pos` in the `scanning` step; answers where it stopped (the
   * input's length when it used it all, or earlier after calling another step).
   */
  protected scan(_input: Uint8Array, _pos: number): number {
    throw new Error("This scanner has no scan step");
  }

  /** Runs a step's continuation, which must choose the next step. */
  #advance(then: () => void): void {
    this.#step = STUCK;
    then();
    if (this.#step === STUCK) throw new Error("Image scanner chose no next step");
  }

  #run(input: Uint8Array): void {
    let pos = 0;
    while (true) {
      const step = this.#step;
      if (step.kind === "done") return; // trailing bytes after the format's end are dropped
      if (step.kind === "stuck") throw new Error("Image scanner chose no next step");
      if (step.kind === "need") {
        if (this.#have < step.n) {
          if (pos >= input.length) return;
          const k = Math.min(step.n - this.#have, input.length - pos);
          this.#gathered.set(input.subarray(pos, pos + k), this.#have);
          this.#have += k;
          pos += k;
        }
        if (this.#have === step.n) {
          const bytes = this.#gathered;
          this.#gathered = EMPTY;
          this.#advance(() => step.then(bytes));
        }
        continue;
      }
      if (step.kind === "scan") {
        if (pos >= input.length) return;
        pos = this.scan(input, pos);
        continue;
      }
      if (step.n > 0) {
        if (pos >= input.length) return;
        const k = Math.min(step.n, input.length - pos);
        if (step.kind === "pass") this.emit(input.subarray(pos, pos + k));
        else if (step.kind === "blank") this.emit(new Uint8Array(k));
        step.n -= k;
        pos += k;
      }
      if (step.n === 0) this.#advance(step.then);
    }
  }
}

/** Big-endian u16 / u32 and little-endian u16 / u24 / u32 reads. */
export function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

export function u32be(b: Uint8Array, at: number): number {
  return ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
}

export function u16le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8);
}

export function u24le(b: Uint8Array, at: number): number {
  return b[at] | (b[at + 1] << 8) | (b[at + 2] << 16);
}

export function u32le(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

/** The bytes as Latin-1 text (FourCCs, signatures). */
export function ascii(b: Uint8Array, from = 0, to = b.length): string {
  return String.fromCharCode(...b.subarray(from, to));
}
