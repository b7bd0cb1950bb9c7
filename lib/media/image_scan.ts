/**
 * @module Streaming inspection of uploaded images: their dimensions, as soon as
 * the header holding them has arrived (so an image too large to decode is refused
 * after a few dozen bytes), and the bytes to store with their metadata removed, so
 * no GPS position, camera or author is kept. An upload is fed chunk by chunk,
 * however the network split it, and is never held whole.
 *
 * ```ts
 * const scanner = new ImageScanner("image/jpeg");
 * for await (const chunk of body) {
 *   await store(scanner.push(chunk));
 *   if (scanner.facts && scanner.facts.width * scanner.facts.height > MAX_PIXELS) refuse();
 * }
 * await store(scanner.finish());
 * ```
 *
 * Each format is its own push parser (`_jpeg_scan.ts`, `_png_scan.ts`,
 * `_gif_scan.ts`, `_webp_scan.ts`) on the plumbing of `_byte_machine.ts`.
 */

import { type ByteMachine, ImageError, type ImageFacts } from "./_byte_machine.ts";
import { GifScanner } from "./_gif_scan.ts";
import { JpegScanner } from "./_jpeg_scan.ts";
import { PngScanner } from "./_png_scan.ts";
import { WebpScanner } from "./_webp_scan.ts";

export { ImageError, type ImageFacts };

/** The image types a scanner reads (those of `INLINE_TYPES` in sniff.ts). */
export type ScannedType = "image/png" | "image/jpeg" | "image/gif" | "image/webp";

export class ImageScanner {
  #machine: ByteMachine;

  /** `type`: what sniffType() found, never what the client claimed. */
  constructor(type: ScannedType) {
    switch (type) {
      case "image/png":
        this.#machine = new PngScanner();
        break;
      case "image/jpeg":
        this.#machine = new JpegScanner();
        break;
      case "image/gif":
        this.#machine = new GifScanner();
        break;
      case "image/webp":
        this.#machine = new WebpScanner();
        break;
      default:
        throw new TypeError(`Image type is not scanned: "${type}"`);
    }
  }

  /**
   * Feeds the next input bytes; answers the bytes to store (metadata removed), a
   * new array, possibly empty. Throws ImageError on malformed input, and again on
   * every later call.
   */
  push(input: Uint8Array): Uint8Array {
    return this.#machine.feed(input);
  }

  /** Dimensions etc., as soon as the header was read (undefined before). */
  get facts(): ImageFacts | undefined {
    return this.#machine.facts;
  }

  /**
   * End of input: answers any remaining output bytes; throws ImageError when the
   * image is truncated (no JPEG EOI, no PNG IEND, no GIF trailer, RIFF size not
   * met) or its dimensions were never found.
   */
  finish(): Uint8Array {
    return this.#machine.finish();
  }
}
