/**
 * @module GIF's scanner. A GIF is a header, a logical screen descriptor (the
 * dimensions), an optional colour table, then blocks: images (a descriptor, a
 * colour table, LZW data in sub-blocks), extensions (a label, then sub-blocks) and
 * the trailer (0x3B). Sub-blocks are a length byte and that many bytes, up to a
 * zero length. Comments (0x21 0xFE) and application extensions other than the
 * looping ones (NETSCAPE2.0, ANIMEXTS1.0) are dropped: XMP lives in one ("XMP
 * DataXMP"). A second image makes it animated.
 */

import { ascii, ByteMachine, ImageError, u16le } from "./_byte_machine.ts";

const IMAGE = 0x2c;
const EXTENSION = 0x21;
const TRAILER = 0x3b;
const COMMENT = 0xfe;
const APPLICATION = 0xff;
const GRAPHIC_CONTROL = 0xf9;

/** Application extensions kept: they say how an animation loops. */
const KEPT_APPLICATIONS = new Set(["NETSCAPE2.0", "ANIMEXTS1.0"]);

export class GifScanner extends ByteMachine {
  #images = 0;
  /** The logical screen's size, when it is not 0×0 (then the first image's size). */
  #screen: { width: number; height: number } | undefined;

  constructor() {
    super("Image is truncated: no GIF trailer");
    this.need(13, (head) => {
      const signature = ascii(head, 0, 6);
      if (signature !== "GIF87a" && signature !== "GIF89a") {
        throw new ImageError("Image is not a GIF: bad signature");
      }
      const width = u16le(head, 6);
      const height = u16le(head, 8);
      if (width > 0 && height > 0) {
        this.#screen = { width, height };
        this.facts = { width, height, orientation: 1, animated: false, hasAlpha: false };
      }
      this.emit(head);
      this.pass(colourTableSize(head[10]), () => this.#nextBlock());
    });
  }

  #nextBlock(): void {
    this.need(1, ([introducer]) => {
      if (introducer === IMAGE) return this.#image();
      if (introducer === EXTENSION) return this.#extension();
      if (introducer === TRAILER) {
        this.emit(new Uint8Array([TRAILER]));
        return this.end();
      }
      throw new ImageError(`GIF is malformed: unknown block 0x${hex(introducer)}`);
    });
  }

  #image(): void {
    this.need(9, (descriptor) => {
      if (++this.#images > 1 && this.facts) this.facts.animated = true;
      if (!this.facts) {
        const width = u16le(descriptor, 4);
        const height = u16le(descriptor, 6);
        if (width === 0 || height === 0) {
          throw new ImageError("GIF is malformed: the screen and the first image are empty");
        }
        this.facts = { width, height, orientation: 1, animated: false, hasAlpha: false };
      }
      this.emit(new Uint8Array([IMAGE]));
      this.emit(descriptor);
      this.pass(colourTableSize(descriptor[8]), () => {
        this.need(1, (minCodeSize) => {
          if (minCodeSize[0] < 1 || minCodeSize[0] > 11) {
            throw new ImageError(`GIF is malformed: LZW code size ${minCodeSize[0]}`);
          }
          this.emit(minCodeSize);
          this.#subBlocks(true, () => this.#nextBlock());
        });
      });
    });
  }

  #extension(): void {
    this.need(1, ([label]) => {
      if (label === COMMENT) return this.#subBlocks(false, () => this.#nextBlock());
      if (label === APPLICATION) return this.#application();
      this.emit(new Uint8Array([EXTENSION, label]));
      if (label === GRAPHIC_CONTROL) return this.#graphicControl();
      this.#subBlocks(true, () => this.#nextBlock());
    });
  }

  /** The first sub-block names the application; it decides whether all is kept. */
  #application(): void {
    this.need(1, ([size]) => {
      if (size === 0) return this.#nextBlock(); // an empty extension: dropped
      this.need(size, (id) => {
        const keep = size === 11 && KEPT_APPLICATIONS.has(ascii(id));
        if (keep) {
          this.emit(new Uint8Array([EXTENSION, APPLICATION, size]));
          this.emit(id);
        }
        this.#subBlocks(keep, () => this.#nextBlock());
      });
    });
  }

  /** Graphic control: kept; its first sub-block says whether a colour is transparent. */
  #graphicControl(): void {
    this.need(1, (size) => {
      this.emit(size);
      if (size[0] === 0) return this.#nextBlock();
      this.need(size[0], (data) => {
        if (data[0] & 1 && this.facts) this.facts.hasAlpha = true;
        this.emit(data);
        this.#subBlocks(true, () => this.#nextBlock());
      });
    });
  }

  /** Sub-blocks up to and with the zero-length terminator: passed or skipped. */
  #subBlocks(keep: boolean, then: () => void): void {
    this.need(1, (size) => {
      if (keep) this.emit(size);
      if (size[0] === 0) return then();
      const next = () => this.#subBlocks(keep, then);
      if (keep) this.pass(size[0], next);
      else this.skip(size[0], next);
    });
  }
}

/** The bytes of the colour table a packed field announces (0 when it has none). */
function colourTableSize(packed: number): number {
  return packed & 0x80 ? 3 * (2 << (packed & 7)) : 0;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}
