/**
 * @module PNG's scanner: checks the signature and that IHDR comes first (the
 * dimensions, known from the first 29 bytes), drops the chunks that carry metadata
 * (eXIf, tEXt, zTXt, iTXt, tIME), keeps the rest, and ends at IEND. As for JPEG,
 * an eXIf's Orientation is kept in a minimal eXIf of its own: Chromium applies it. Each chunk has
 * its own CRC, so dropping whole chunks leaves the others valid. CRCs are not
 * checked here: the decoder does that.
 */

import { ascii, ByteMachine, ImageError, u32be } from "./_byte_machine.ts";
import { pngChunk } from "./_crc32.ts";
import { orientationTiff, readOrientation } from "./_exif.ts";

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Chunks that can hold GPS, camera, author or time data. */
const DROPPED = new Set(["eXIf", "tEXt", "zTXt", "iTXt", "tIME"]);

/** Colour types with an alpha channel (grey + alpha, RGBA). */
const ALPHA_COLOUR_TYPES = new Set([4, 6]);
const COLOUR_TYPES = new Set([0, 2, 3, 4, 6]);

const MAX_CHUNK_LENGTH = 0x7fff_ffff;

/** The largest eXIf read for its orientation (a JPEG's APP1 holds at most as much). */
const MAX_EXIF_READ = 65_536;

export class PngScanner extends ByteMachine {
  #chunks = 0;
  #sawImageData = false;
  #sawExif = false;

  constructor() {
    super("Image is truncated: no PNG end chunk (IEND)");
    this.need(8, (signature) => {
      if (!SIGNATURE.every((byte, i) => signature[i] === byte)) {
        throw new ImageError("Image is not a PNG: bad signature");
      }
      this.emit(signature);
      this.#nextChunk();
    });
  }

  #nextChunk(): void {
    this.need(8, (header) => {
      const length = u32be(header, 0);
      const type = ascii(header, 4, 8);
      if (length > MAX_CHUNK_LENGTH || !/^[A-Za-z]{4}$/.test(type)) {
        throw new ImageError(`PNG is malformed: bad chunk header at chunk ${this.#chunks + 1}`);
      }
      if (this.#chunks++ === 0 && (type !== "IHDR" || length !== 13)) {
        throw new ImageError("PNG is malformed: the first chunk is not IHDR");
      }
      if (type === "eXIf" && !this.#sawExif && length <= MAX_EXIF_READ) return this.#exif(length);
      if (DROPPED.has(type)) return this.skip(length + 4, () => this.#nextChunk());
      this.emit(header);
      if (type === "IHDR") return this.need(length, (data) => this.#header(data));
      if (type === "IDAT") this.#sawImageData = true;
      if (type === "acTL" && this.facts) this.facts.animated = true;
      if (type === "tRNS" && this.facts) this.facts.hasAlpha = true;
      if (type === "IEND") return this.pass(length + 4, () => this.end());
      this.pass(length + 4, () => this.#nextChunk());
    });
  }

  #header(data: Uint8Array): void {
    const width = u32be(data, 0);
    const height = u32be(data, 4);
    const colourType = data[9];
    if (width === 0 || height === 0 || width > MAX_CHUNK_LENGTH || height > MAX_CHUNK_LENGTH) {
      throw new ImageError(`PNG is malformed: bad dimensions ${width}×${height}`);
    }
    if (!COLOUR_TYPES.has(colourType)) {
      throw new ImageError(`PNG is malformed: unknown colour type ${colourType}`);
    }
    this.facts = {
      width,
      height,
      orientation: 1,
      animated: false,
      hasAlpha: ALPHA_COLOUR_TYPES.has(colourType),
    };
    this.emit(data);
    this.pass(4, () => this.#nextChunk()); // the CRC
  }

  /**
   * eXIf: dropped, but its orientation (which browsers apply to PNGs too) is
   * written back in a minimal eXIf of its own.
   */
  #exif(length: number): void {
    this.#sawExif = true;
    this.need(length, (tiff) => {
      const orientation = readOrientation(tiff);
      if (this.facts) this.facts.orientation = orientation;
      if (orientation !== 1) this.emit(pngChunk("eXIf", orientationTiff(orientation)));
      this.skip(4, () => this.#nextChunk()); // the CRC
    });
  }

  protected override checkEnd(): void {
    if (!this.#sawImageData) throw new ImageError("PNG is malformed: no image data (IDAT)");
  }
}
