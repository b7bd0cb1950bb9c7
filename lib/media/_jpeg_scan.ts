/**
 * @module JPEG's scanner. Before the first scan a JPEG is marker segments: 0xFF, a
 * code, a big-endian length counting itself, and a payload. It keeps the segments
 * a decoder needs and APP0 JFIF (without its thumbnail), APP2 ICC_PROFILE (colour
 * profiles) and APP14 Adobe (colour transforms); it drops APP1 (Exif and XMP), the
 * other APPn and COM, and writes back a minimal APP1 with the EXIF Orientation
 * alone when that is not 1. The dimensions come from the SOFn frame header.
 *
 * After SOS comes entropy-coded data with no length: it is passed through while
 * looking for the next marker, an 0xFF followed by neither 0x00 (a stuffed 0xFF)
 * nor an RST code. A progressive JPEG has many scans with DHT and other segments
 * between them; the image ends at EOI, and whatever follows (MPF's extra images, a
 * zip of a polyglot) is dropped.
 */

import { ascii, ByteMachine, ImageError, u16be } from "./_byte_machine.ts";
import { orientationSegment, readOrientation } from "./_exif.ts";

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const COM = 0xfe;
/** The C0–CF codes that are not frame headers: DHT, JPG, DAC. */
const NOT_SOF = new Set([0xc4, 0xc8, 0xcc]);
const FF = new Uint8Array([0xff]);

/** How much of an APPn payload tells whether it is kept. */
const APP_SIGNATURE_LENGTH: Record<number, number> = {
  [APP0]: 14,
  [APP1]: 6,
  [APP2]: 12,
  [APP14]: 5,
};

function isRst(code: number): boolean {
  return code >= 0xd0 && code <= 0xd7;
}

function isSof(code: number): boolean {
  return code >= 0xc0 && code <= 0xcf && !NOT_SOF.has(code);
}

export class JpegScanner extends ByteMachine {
  #orientation = 1;
  #sawExif = false;
  #scans = 0;
  /** The entropy-coded data's last byte was 0xFF: what it starts is in the next chunk. */
  #pendingFF = false;

  constructor() {
    super("Image is truncated: no JPEG end marker (EOI)");
    this.need(2, (soi) => {
      if (soi[0] !== 0xff || soi[1] !== SOI) throw new ImageError("Image is not a JPEG: no SOI");
      this.emit(soi);
      this.#marker();
    });
  }

  #marker(): void {
    this.need(1, ([byte]) => {
      if (byte !== 0xff) {
        throw new ImageError(`JPEG is malformed: a marker was expected, got 0x${hex(byte)}`);
      }
      this.#code();
    });
  }

  #code(): void {
    this.need(1, ([code]) => code === 0xff ? this.#code() : this.#segment(code));
  }

  #segment(code: number): void {
    if (code === EOI) {
      this.emit(new Uint8Array([0xff, EOI]));
      return this.end();
    }
    if (isRst(code) || code === 0x01) {
      this.emit(new Uint8Array([0xff, code]));
      return this.#marker();
    }
    if (code === SOI || code === 0x00) {
      throw new ImageError(`JPEG is malformed: unexpected marker 0x${hex(code)}`);
    }
    this.need(2, (lengthBytes) => {
      const length = u16be(lengthBytes, 0);
      if (length < 2) {
        throw new ImageError(`JPEG is malformed: segment 0x${hex(code)} is too short`);
      }
      const body = length - 2;
      const next = () => this.#marker();
      if (code >= APP0 && code <= 0xef) return this.#app(code, body);
      if (code === COM) return this.skip(body, next);
      const marker = new Uint8Array([0xff, code, length >> 8, length & 0xff]);
      if (isSof(code)) {
        return this.need(body, (frame) => {
          this.#frame(frame);
          this.emit(marker);
          this.emit(frame);
          next();
        });
      }
      if (code === SOS) {
        return this.need(body, (header) => {
          this.#scans++;
          this.emit(marker);
          this.emit(header);
          this.scanning();
        });
      }
      this.emit(marker);
      this.pass(body, next);
    });
  }

  /** APPn: kept when its signature says JFIF, ICC profile or Adobe; EXIF yields its orientation. */
  #app(code: number, body: number): void {
    const next = () => this.#marker();
    const peekLength = Math.min(body, APP_SIGNATURE_LENGTH[code] ?? 0);
    this.need(peekLength, (peek) => {
      const signature = ascii(peek);
      const rest = body - peekLength;
      if (code === APP0 && signature.startsWith("JFIF\0") && peekLength === 14) {
        peek[12] = peek[13] = 0; // no thumbnail: its pixels are skipped below
        this.emit(new Uint8Array([0xff, APP0, 0, 16]));
        this.emit(peek);
        return this.skip(rest, next);
      }
      if (code === APP1 && signature.startsWith("Exif\0") && !this.#sawExif) {
        this.#sawExif = true;
        return this.need(rest, (tiff) => {
          this.#orientation = readOrientation(tiff);
          if (this.facts) this.facts.orientation = this.#orientation;
          if (this.#orientation !== 1) this.emit(orientationSegment(this.#orientation));
          next();
        });
      }
      const kept = (code === APP2 && signature === "ICC_PROFILE\0") ||
        (code === APP14 && signature === "Adobe");
      if (!kept) return this.skip(rest, next);
      this.emit(new Uint8Array([0xff, code, (body + 2) >> 8, (body + 2) & 0xff]));
      this.emit(peek);
      this.pass(rest, next);
    });
  }

  #frame(frame: Uint8Array): void {
    if (frame.length < 6) throw new ImageError("JPEG is malformed: the frame header is too short");
    if (this.facts) return; // a hierarchical JPEG's later frames
    const height = u16be(frame, 1);
    const width = u16be(frame, 3);
    if (width === 0 || height === 0) {
      throw new ImageError(`JPEG has unsupported dimensions: ${width}×${height}`);
    }
    this.facts = {
      width,
      height,
      orientation: this.#orientation,
      animated: false,
      hasAlpha: false,
    };
  }

  /** Entropy-coded data: through to the output up to the next marker. */
  protected override scan(input: Uint8Array, pos: number): number {
    let start = pos;
    let at = pos;
    if (this.#pendingFF) {
      const byte = input[at];
      if (byte === 0x00 || isRst(byte)) {
        this.#pendingFF = false;
        this.emit(FF);
        at++; // `start` stays: the byte is written with the run below
      } else if (byte === 0xff) {
        this.#pendingFF = false; // the held one was a fill byte; this one may start the marker
      } else {
        this.#pendingFF = false;
        this.#segment(byte);
        return at + 1;
      }
    }
    while (true) {
      const ff = input.indexOf(0xff, at);
      if (ff < 0) {
        this.emit(input.subarray(start));
        return input.length;
      }
      if (ff + 1 === input.length) {
        this.emit(input.subarray(start, ff));
        this.#pendingFF = true;
        return input.length;
      }
      const code = input[ff + 1];
      if (code === 0x00 || isRst(code)) {
        at = ff + 2;
        continue;
      }
      this.emit(input.subarray(start, ff));
      if (code === 0xff) {
        start = at = ff + 1; // a fill byte: the marker follows it
        continue;
      }
      this.#segment(code);
      return ff + 2;
    }
  }

  protected override checkEnd(): void {
    if (this.#scans === 0) throw new ImageError("JPEG is malformed: it has no scan");
  }
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
