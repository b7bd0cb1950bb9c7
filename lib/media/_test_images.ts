/**
 * @module Test helpers: real image files built in the tests. photon encodes PNG,
 * JPEG and lossless WebP from raw pixels; these helpers add the metadata the
 * scanner must remove (EXIF with GPS, XMP, comments, text chunks), write GIFs by
 * hand, wrap WebP chunks in RIFF, and feed a scanner in chunks split anywhere.
 */

import photon from "@silvia-odwyer/photon-node";
import { ImageScanner, type ScannedType } from "./image_scan.ts";
import { pngChunk } from "./_crc32.ts";

export { pngChunk };

const encoder = new TextEncoder();

export function text(value: string): Uint8Array {
  return encoder.encode(value);
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Whether `needle` occurs in `haystack`. */
export function includes(haystack: Uint8Array, needle: Uint8Array | string): boolean {
  const n = typeof needle === "string" ? text(needle) : needle;
  outer: for (let i = 0; i + n.length <= haystack.length; i++) {
    for (let j = 0; j < n.length; j++) if (haystack[i + j] !== n[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * RGBA pixels in four quadrants: red top-left, green top-right, blue bottom-left,
 * white bottom-right (half transparent where `alpha`), so a rotation shows.
 */
export function quadrants(width: number, height: number, alpha = false): Uint8Array {
  const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255]];
  const pixels = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const quadrant = (y >= height / 2 ? 2 : 0) + (x >= width / 2 ? 1 : 0);
      pixels.set([...colours[quadrant], alpha && quadrant === 3 ? 128 : 255], (y * width + x) * 4);
    }
  }
  return pixels;
}

function encodeWith(
  width: number,
  height: number,
  pixels: Uint8Array,
  encode: (image: photon.PhotonImage) => Uint8Array,
): Uint8Array {
  const image = new photon.PhotonImage(pixels, width, height);
  try {
    return encode(image);
  } finally {
    image.free();
  }
}

export function encodePng(width: number, height: number, pixels: Uint8Array): Uint8Array {
  return encodeWith(width, height, pixels, (image) => image.get_bytes());
}

export function encodeJpeg(width: number, height: number, pixels: Uint8Array): Uint8Array {
  return encodeWith(width, height, pixels, (image) => image.get_bytes_jpeg(90));
}

/** A lossless (VP8L) WebP in the simple format. */
export function encodeWebp(width: number, height: number, pixels: Uint8Array): Uint8Array {
  return encodeWith(width, height, pixels, (image) => image.get_bytes_webp());
}

/** Decodes with photon: width, height and the RGBA pixels. */
export function decode(bytes: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const image = photon.PhotonImage.new_from_byteslice(bytes);
  try {
    return { width: image.get_width(), height: image.get_height(), pixels: image.get_raw_pixels() };
  } finally {
    image.free();
  }
}

// --- PNG ---

/** The chunks of a PNG, each whole (length, type, data, CRC). */
export function pngChunks(png: Uint8Array): { type: string; bytes: Uint8Array }[] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks = [];
  for (let at = 8; at < png.length;) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    chunks.push({ type, bytes: png.subarray(at, at + 12 + length) });
    at += 12 + length;
  }
  return chunks;
}

/** `png` with `extra` chunks inserted right after IHDR. */
export function withPngChunks(png: Uint8Array, extra: Uint8Array[]): Uint8Array {
  const [ihdr, ...rest] = pngChunks(png);
  return concat(png.subarray(0, 8), ihdr.bytes, ...extra, ...rest.map((chunk) => chunk.bytes));
}

// --- JPEG and EXIF ---

export function jpegSegment(code: number, data: Uint8Array): Uint8Array {
  return concat(
    new Uint8Array([0xff, code, (data.length + 2) >> 8, (data.length + 2) & 0xff]),
    data,
  );
}

/** `jpeg` with `segments` right after SOI, or after APP0 JFIF when it has one. */
export function withJpegSegments(jpeg: Uint8Array, segments: Uint8Array[]): Uint8Array {
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + ((jpeg[4] << 8) | jpeg[5]);
  return concat(jpeg.subarray(0, at), ...segments, jpeg.subarray(at));
}

/** Latitude 48° 51′ 24.23″ N, as the GPS IFD holds it. */
export const GPS_SECONDS = { numerator: 242_317, denominator: 10_000 };

interface IfdEntry {
  tag: number;
  type: 2 | 3 | 4 | 5;
  values: number[] | string;
}

/**
 * TIFF bytes (the APP1 payload after "Exif\0\0") in either byte order: IFD0 with
 * Make, Model, Orientation (when given) and a pointer to a GPS IFD holding a
 * latitude, then IFD1 with an embedded "thumbnail" of marker bytes.
 */
export function exifTiff(order: "II" | "MM", orientation?: number): Uint8Array {
  const little = order === "II";
  const buffer = new Uint8Array(1024);
  const view = new DataView(buffer.buffer);
  buffer.set(text(order), 0);
  view.setUint16(2, 42, little);
  view.setUint32(4, 8, little);
  let heap = 400; // out-of-line values go here
  const writeIfd = (at: number, entries: IfdEntry[], next: number): number => {
    view.setUint16(at, entries.length, little);
    entries.forEach(({ tag, type, values }, i) => {
      const entry = at + 2 + 12 * i;
      const bytes = typeof values === "string" ? [...text(values + "\0")] : values;
      const size = { 2: 1, 3: 2, 4: 4, 5: 8 }[type];
      const count = type === 5 ? bytes.length / 2 : bytes.length;
      view.setUint16(entry, tag, little);
      view.setUint16(entry + 2, type, little);
      view.setUint32(entry + 4, count, little);
      let to = entry + 8;
      if (count * size > 4) {
        view.setUint32(entry + 8, heap, little);
        to = heap;
        heap += count * size;
      }
      bytes.forEach((value, k) => {
        if (type === 2) buffer[to + k] = value;
        else if (type === 3) view.setUint16(to + 2 * k, value, little);
        else view.setUint32(to + 4 * k, value, little);
      });
    });
    view.setUint32(at + 2 + 12 * entries.length, next, little);
    return at + 6 + 12 * entries.length;
  };
  const ifd0: IfdEntry[] = [
    { tag: 0x010f, type: 2, values: "SecretCam" },
    { tag: 0x0110, type: 2, values: "Model X-1000" },
  ];
  if (orientation !== undefined) ifd0.push({ tag: 0x0112, type: 3, values: [orientation] });
  ifd0.push({ tag: 0x8825, type: 4, values: [200] }); // GPSInfo IFD pointer
  writeIfd(8, ifd0, 300);
  writeIfd(200, [
    { tag: 0x0000, type: 2 as const, values: [2, 3, 0, 0] }, // GPSVersionID (as bytes)
    { tag: 0x0001, type: 2, values: "N" },
    {
      tag: 0x0002,
      type: 5,
      values: [48, 1, 51, 1, GPS_SECONDS.numerator, GPS_SECONDS.denominator],
    },
  ], 0);
  writeIfd(300, [
    { tag: 0x0201, type: 4, values: [900] }, // JPEGInterchangeFormat
    { tag: 0x0202, type: 4, values: [16] },
  ], 0);
  buffer.set(text("THUMBNAIL-PIXELS"), 900);
  return buffer.slice(0, 916);
}

export function exifSegment(order: "II" | "MM", orientation?: number): Uint8Array {
  return jpegSegment(0xe1, concat(text("Exif\0\0"), exifTiff(order, orientation)));
}

export function xmpSegment(): Uint8Array {
  return jpegSegment(
    0xe1,
    text(
      'http://ns.adobe.com/xap/1.0/\0<x:xmpmeta><rdf:Description exif:GPSLatitude="48,51.4N" tiff:Make="SecretCam"/></x:xmpmeta>',
    ),
  );
}

// --- GIF ---

/**
 * A GIF of `frames` (palette indexes, `width`×`height` each) with a 4-colour
 * palette: red, blue, green, white. LZW without compression: 3-bit codes and a
 * clear code every two pixels, so the code table never grows.
 */
export function encodeGif(
  width: number,
  height: number,
  frames: Uint8Array[],
  options: { comment?: string; xmp?: string; loop?: boolean; transparent?: boolean } = {},
): Uint8Array {
  const bytes: number[] = [...text("GIF89a"), width & 255, width >> 8, height & 255, height >> 8];
  bytes.push(0x81, 0, 0, 255, 0, 0, 0, 0, 255, 0, 255, 0, 255, 255, 255);
  const subBlocks = (data: number[]) => {
    for (let i = 0; i < data.length; i += 255) {
      const block = data.slice(i, i + 255);
      bytes.push(block.length, ...block);
    }
    bytes.push(0);
  };
  if (options.loop) bytes.push(0x21, 0xff, 11, ...text("NETSCAPE2.0"), 3, 1, 0, 0, 0);
  if (options.comment) {
    bytes.push(0x21, 0xfe);
    subBlocks([...text(options.comment)]);
  }
  if (options.xmp) {
    bytes.push(0x21, 0xff, 11, ...text("XMP DataXMP"));
    // XMP's "magic trailer": the raw packet, then 0x01, 0xFF...0x00, 0x00, read as sub-blocks.
    const magic = Array.from({ length: 256 }, (_, i) => 255 - i);
    bytes.push(...text(options.xmp), 0x01, ...magic, 0x00);
  }
  for (const frame of frames) {
    bytes.push(0x21, 0xf9, 4, options.transparent ? 1 : 0, 10, 0, 3, 0);
    bytes.push(0x2c, 0, 0, 0, 0, width & 255, width >> 8, height & 255, height >> 8, 0, 2);
    const codes = [4];
    frame.forEach((index, i) => {
      codes.push(index);
      if (i % 2 === 1) codes.push(4);
    });
    codes.push(5);
    const packed: number[] = [];
    let acc = 0;
    let bits = 0;
    for (const code of codes) {
      acc |= code << bits;
      bits += 3;
      while (bits >= 8) {
        packed.push(acc & 255);
        acc >>= 8;
        bits -= 8;
      }
    }
    if (bits) packed.push(acc & 255);
    subBlocks(packed);
  }
  bytes.push(0x3b);
  return new Uint8Array(bytes);
}

/** Palette indexes of a frame: left half `left`, right half `right`. */
export function halves(width: number, height: number, left: number, right: number): Uint8Array {
  return Uint8Array.from(
    { length: width * height },
    (_, i) => i % width < width / 2 ? left : right,
  );
}

// --- WebP ---

export function riffChunk(fourcc: string, data: Uint8Array): Uint8Array {
  const header = new Uint8Array(8);
  header.set(text(fourcc), 0);
  new DataView(header.buffer).setUint32(4, data.length, true);
  return concat(header, data, data.length & 1 ? new Uint8Array(1) : new Uint8Array(0));
}

export function riff(chunks: Uint8Array[]): Uint8Array {
  const body = concat(text("WEBP"), ...chunks);
  const header = new Uint8Array(8);
  header.set(text("RIFF"), 0);
  new DataView(header.buffer).setUint32(4, body.length, true);
  return concat(header, body);
}

/** The chunks of a WebP as [FourCC, payload]. */
export function webpChunks(webp: Uint8Array): [string, Uint8Array][] {
  const view = new DataView(webp.buffer, webp.byteOffset, webp.byteLength);
  const chunks: [string, Uint8Array][] = [];
  for (let at = 12; at + 8 <= webp.length;) {
    const size = view.getUint32(at + 4, true);
    chunks.push([
      String.fromCharCode(...webp.subarray(at, at + 4)),
      webp.subarray(at + 8, at + 8 + size),
    ]);
    at += 8 + size + (size & 1);
  }
  return chunks;
}

export function vp8xChunk(flags: number, width: number, height: number): Uint8Array {
  const data = new Uint8Array(10);
  data[0] = flags;
  data.set([(width - 1) & 255, ((width - 1) >> 8) & 255, (width - 1) >> 16], 4);
  data.set([(height - 1) & 255, ((height - 1) >> 8) & 255, (height - 1) >> 16], 7);
  return riffChunk("VP8X", data);
}

/**
 * A lossy 6×4 frame (`VP8 ` payload) and its alpha (ALPH payload) as Chromium's
 * encoder wrote them (canvas.toDataURL("image/webp")), kept here as bytes: photon
 * writes only lossless WebP.
 */
export const LOSSY_VP8 = Uint8Array.from(
  atob(
    "8AIAnQEqBgAEAAFAJiWoAnS6AUAD8AK0A/gAG4X/nAAA/vqhjH72D33XJMUAv/rnOXVP4N//pcH/nOcuqfwb/+lwf/EtAqyazvCYUIDgAAA=",
  ),
  (c) => c.charCodeAt(0),
);
export const LOSSY_ALPH = Uint8Array.from(atob("AQ8w/xER4j4/Ef0PBw=="), (c) => c.charCodeAt(0));

// --- Feeding ---

/** Runs a scanner over `chunks`; answers the output and the facts. */
export function scanChunks(type: ScannedType, chunks: Uint8Array[]): {
  output: Uint8Array;
  scanner: ImageScanner;
} {
  const scanner = new ImageScanner(type);
  const parts = chunks.map((chunk) => scanner.push(chunk));
  parts.push(scanner.finish());
  return { output: concat(...parts), scanner };
}

/** `bytes` split in pieces of 1 to `max` bytes, at random (seeded). */
export function randomSplit(bytes: Uint8Array, seed: number, max = 64): Uint8Array[] {
  let state = seed >>> 0 || 1;
  const random = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const pieces = [];
  for (let at = 0; at < bytes.length;) {
    const size = 1 + Math.floor(random() * max);
    pieces.push(bytes.slice(at, at + size));
    at += size;
  }
  return pieces;
}
