/**
 * @module Real image files for the file tests: PNGs written by hand (any header,
 * any extra chunk: a decompression bomb is 40 bytes), and JPEGs encoded by photon
 * with an EXIF segment that carries an orientation and a GPS position.
 */

import { deflateSync } from "node:zlib";
import photon from "@silvia-odwyer/photon-node";
import { pngChunk } from "../lib/media/_crc32.ts";
import { concat, includes } from "../lib/media/_test_images.ts";

function u32(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

const PNG_SIGNATURE = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);

function ihdr(width: number, height: number): Uint8Array {
  return pngChunk("IHDR", concat(u32(width), u32(height), new Uint8Array([8, 2, 0, 0, 0])));
}

/** An RGB PNG of `width`×`height` (a gradient), with extra chunks before IDAT. */
export function makePng(
  width: number,
  height: number,
  options: { text?: string } = {},
): Uint8Array {
  const rows = new Uint8Array(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    for (let x = 0; x < width; x++) {
      rows[row + 1 + x * 3] = (x * 255) / Math.max(1, width - 1);
      rows[row + 2 + x * 3] = (y * 255) / Math.max(1, height - 1);
      rows[row + 3 + x * 3] = 128;
    }
  }
  const extra = options.text
    ? [pngChunk("tEXt", new TextEncoder().encode(`Comment\0${options.text}`))]
    : [];
  return concat(
    PNG_SIGNATURE,
    ihdr(width, height),
    ...extra,
    pngChunk("IDAT", new Uint8Array(deflateSync(rows))),
    pngChunk("IEND", new Uint8Array()),
  );
}

/** A PNG whose header claims `width`×`height` with a few bytes of data: a decompression bomb. */
export function bombPng(width: number, height: number): Uint8Array {
  return concat(
    PNG_SIGNATURE,
    ihdr(width, height),
    pngChunk("IDAT", new Uint8Array(deflateSync(new Uint8Array(1000)))),
    pngChunk("IEND", new Uint8Array()),
  );
}

/**
 * A JPEG of `width`×`height` with an EXIF APP1 holding `orientation`, an image
 * description `secret` and a GPS IFD (latitude 48°N): all of which a stored copy
 * must not keep, the orientation aside.
 */
export function makeJpeg(
  width: number,
  height: number,
  options: { orientation?: number; secret?: string } = {},
): Uint8Array {
  const raw = new Uint8Array(width * height * 4);
  for (let i = 0; i < raw.length; i += 4) {
    raw[i] = (i / 4) % 256;
    raw[i + 1] = 90;
    raw[i + 2] = 200;
    raw[i + 3] = 255;
  }
  const image = new photon.PhotonImage(raw, width, height);
  const jpeg = image.get_bytes_jpeg(85);
  image.free();
  if (!options.orientation && !options.secret) return jpeg;
  const app1 = exifSegment(options.orientation ?? 1, options.secret ?? "no secret");
  return concat(jpeg.subarray(0, 2), app1, jpeg.subarray(2));
}

/** APP1 "Exif": IFD0 with Orientation, ImageDescription and a GPS pointer; a GPS IFD. */
function exifSegment(orientation: number, secret: string): Uint8Array {
  const text = new TextEncoder().encode(secret + "\0");
  // TIFF (big-endian): header 8, IFD0 at 8 with 3 entries (2 + 36 + 4 = 42 bytes),
  // GPS IFD at 50 with 2 entries (2 + 24 + 4 = 30), latitude rationals at 80 (24),
  // the description at 104.
  const tiff = new Uint8Array(104 + text.byteLength);
  const view = new DataView(tiff.buffer);
  tiff.set([0x4d, 0x4d, 0, 42, 0, 0, 0, 8]);
  const entry = (at: number, tag: number, type: number, count: number, value: number) => {
    view.setUint16(at, tag);
    view.setUint16(at + 2, type);
    view.setUint32(at + 4, count);
    if (type === 3 && count === 1) view.setUint16(at + 8, value);
    else view.setUint32(at + 8, value);
  };
  view.setUint16(8, 3);
  entry(10, 0x010e, 2, text.byteLength, 104); // ImageDescription
  entry(22, 0x0112, 3, 1, orientation); // Orientation
  entry(34, 0x8825, 4, 1, 50); // GPS IFD pointer
  view.setUint32(46, 0);
  view.setUint16(50, 2);
  entry(52, 0x0001, 2, 2, 0x4e000000); // GPSLatitudeRef "N"
  entry(64, 0x0002, 5, 3, 80); // GPSLatitude
  view.setUint32(76, 0);
  [48, 1, 51, 1, 29, 1].forEach((n, i) => view.setUint32(80 + i * 4, n));
  tiff.set(text, 104);
  const payload = concat(new TextEncoder().encode("Exif\0\0"), tiff);
  const length = payload.byteLength + 2;
  return concat(new Uint8Array([0xff, 0xe1, length >> 8, length & 255]), payload);
}

/** Whether `needle` occurs in `bytes`. */
export const contains = includes;
