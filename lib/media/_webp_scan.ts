/**
 * @module WebP's scanner. A WebP is a RIFF file: "RIFF", the size of what follows,
 * "WEBP", then chunks (FourCC, little-endian size, payload padded to even). The
 * RIFF size is at the front and the upload streams on, so no chunk can be removed:
 * EXIF and XMP chunks are renamed to a FourCC no reader knows and their payload is
 * zeroed, and the VP8X header's EXIF and XMP flags are cleared, so decoders skip
 * them as the unknown chunks the format lets them ignore. The dimensions come from
 * VP8X (the canvas) or, in the simple format, the `VP8 ` frame header or VP8L's.
 */

import { ascii, ByteMachine, ImageError, u16le, u24le, u32le } from "./_byte_machine.ts";

/** What EXIF and XMP chunks are renamed to: RIFF's name for filler. */
export const BLANKED_FOURCC = "JUNK";

const VP8X_EXIF = 0x08;
const VP8X_XMP = 0x04;
const VP8X_ALPHA = 0x10;
const VP8X_ANIMATION = 0x02;

const FIRST_CHUNKS = new Set(["VP8 ", "VP8L", "VP8X"]);
const encoder = new TextEncoder();

export class WebpScanner extends ByteMachine {
  /** The RIFF body's bytes not read yet. */
  #remaining = 0;
  #chunks = 0;

  constructor() {
    super("Image is truncated: shorter than its RIFF size");
    this.need(12, (head) => {
      if (ascii(head, 0, 4) !== "RIFF" || ascii(head, 8, 12) !== "WEBP") {
        throw new ImageError("Image is not a WebP: bad RIFF header");
      }
      this.#remaining = u32le(head, 4) - 4;
      if (this.#remaining < 8) throw new ImageError("WebP is malformed: no chunks");
      this.emit(head);
      this.#nextChunk();
    });
  }

  #nextChunk(): void {
    if (this.#remaining === 0) return this.end();
    if (this.#remaining < 8) throw new ImageError("WebP is malformed: a chunk overruns the file");
    this.need(8, (header) => {
      this.#remaining -= 8;
      const fourcc = ascii(header, 0, 4);
      const size = u32le(header, 4);
      // The last chunk's padding byte is sometimes left out of the RIFF size.
      const padded = Math.min(size + (size & 1), this.#remaining);
      if (size > this.#remaining) {
        throw new ImageError(`WebP is malformed: chunk "${fourcc}" overruns the file`);
      }
      this.#remaining -= padded;
      if (this.#chunks++ === 0 && !FIRST_CHUNKS.has(fourcc)) {
        throw new ImageError(`WebP is malformed: it starts with chunk "${fourcc}"`);
      }
      const next = () => this.#nextChunk();
      if (fourcc === "EXIF" || fourcc === "XMP ") {
        header.set(encoder.encode(BLANKED_FOURCC), 0);
        this.emit(header);
        return this.blank(padded, next);
      }
      this.emit(header);
      if (fourcc === "VP8X") return this.#header(padded, 10, (data) => this.#extended(data));
      if (fourcc === "VP8 ") return this.#header(padded, 10, (data) => this.#lossy(data));
      if (fourcc === "VP8L") return this.#header(padded, 5, (data) => this.#lossless(data));
      if (fourcc === "ANIM" && this.facts) this.facts.animated = true;
      if (fourcc === "ALPH" && this.facts) this.facts.hasAlpha = true;
      this.pass(padded, next);
    });
  }

  /** Reads the first `length` bytes of a chunk for `read` (which may change them), passes the rest. */
  #header(padded: number, length: number, read: (data: Uint8Array) => void): void {
    if (padded < length) throw new ImageError("WebP is malformed: a header chunk is too short");
    this.need(length, (data) => {
      read(data);
      this.emit(data);
      this.pass(padded - length, () => this.#nextChunk());
    });
  }

  #extended(data: Uint8Array): void {
    const flags = data[0];
    data[0] = flags & ~(VP8X_EXIF | VP8X_XMP);
    this.facts = {
      width: u24le(data, 4) + 1,
      height: u24le(data, 7) + 1,
      orientation: 1,
      animated: (flags & VP8X_ANIMATION) !== 0,
      hasAlpha: (flags & VP8X_ALPHA) !== 0,
    };
  }

  /** A lossy frame: a 3-byte tag, the start code 9D 01 2A, 14-bit width and height. */
  #lossy(data: Uint8Array): void {
    if (data[3] !== 0x9d || data[4] !== 0x01 || data[5] !== 0x2a) {
      throw new ImageError("WebP is malformed: bad VP8 start code");
    }
    const width = u16le(data, 6) & 0x3fff;
    const height = u16le(data, 8) & 0x3fff;
    if (width === 0 || height === 0) throw new ImageError("WebP is malformed: a 0-pixel frame");
    this.facts ??= {
      width,
      height,
      orientation: 1,
      animated: false,
      hasAlpha: false,
    };
  }

  /** A lossless image: the signature 0x2F, then 14-bit width − 1, height − 1, an alpha bit. */
  #lossless(data: Uint8Array): void {
    if (data[0] !== 0x2f) throw new ImageError("WebP is malformed: bad VP8L signature");
    const bits = u32le(data, 1);
    this.facts ??= {
      width: (bits & 0x3fff) + 1,
      height: ((bits >>> 14) & 0x3fff) + 1,
      orientation: 1,
      animated: false,
      hasAlpha: ((bits >>> 28) & 1) === 1,
    };
  }
}
