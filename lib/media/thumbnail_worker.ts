/**
 * @module The worker that makes thumbnails (thumbnail.ts sends the jobs): decodes
 * an image with photon (WebAssembly, no native code; GIF and WebP: the first
 * frame), fits it in THUMB_MAX × THUMB_MAX, turns it upright by its EXIF
 * orientation, lays transparency on white and encodes a JPEG; or, for an avatar
 * (`square`), crops the middle square and makes it `square` × `square`, its JPEG
 * at most AVATAR_BYTES_MAX (the quality steps down until it fits). One job at a
 * time: `{id, bytes, orientation, square?}` in, `{id, bytes, width, height, took}` or `{id,
 * error}` out. The thread runs at the lowest priority (nice 19), so decoding a
 * photo gives way to message delivery.
 */

import { setPriority } from "node:os";
import photon from "@silvia-odwyer/photon-node";
import { AVATAR_BYTES_MAX, THUMB_MAX } from "../protocol/limits.ts";
import { fitWithin, onWhite, orient } from "./_pixels.ts";

const JPEG_QUALITY = 80;
/** The qualities an avatar is tried at, best first, until its JPEG is small enough. */
const AVATAR_QUALITIES = [85, 70, 55, 40, 25];

/**
 * Resizing straight from a photo with a smoothing filter costs ~200 ms for 12 MP
 * (Triangle), with the nearest pixel ~40 ms but jagged. So a large image is first
 * sampled down to PRESAMPLE × the target by nearest pixel, then smoothed to the
 * target: ~55 ms, and it looks like the smooth one.
 */
const PRESAMPLE = 2;

try {
  setPriority(19);
} catch {
  // Not permitted here: it runs at normal priority.
}

interface Job {
  id: number;
  bytes: Uint8Array;
  orientation: number;
  square?: number;
}

/** Frees photon images, which live in WebAssembly memory, not the JS heap. */
function free(...images: (photon.PhotonImage | undefined)[]): void {
  for (const image of new Set(images)) image?.free();
}

/** `image` resized to width×height (a new image, or `image` itself when it is that size). */
function resized(image: photon.PhotonImage, width: number, height: number): photon.PhotonImage {
  const w = image.get_width();
  const h = image.get_height();
  if (w === width && h === height) return image;
  if (w < width * PRESAMPLE * 2 || h < height * PRESAMPLE * 2) {
    return photon.resize(image, width, height, photon.SamplingFilter.Triangle);
  }
  const sampled = photon.resize(
    image,
    width * PRESAMPLE,
    height * PRESAMPLE,
    photon.SamplingFilter.Nearest,
  );
  try {
    return photon.resize(sampled, width, height, photon.SamplingFilter.Triangle);
  } finally {
    sampled.free();
  }
}

/**
 * The middle square of one image, `side` × `side` (upright; a smaller image is
 * scaled up), as a JPEG of at most AVATAR_BYTES_MAX. The crop comes before the
 * turn: the middle square of a turned image is the turned middle square.
 */
export function avatarOf(bytes: Uint8Array, orientation: number, side: number): {
  bytes: Uint8Array;
  width: number;
  height: number;
} {
  let decoded: photon.PhotonImage | undefined;
  let cropped: photon.PhotonImage | undefined;
  let small: photon.PhotonImage | undefined;
  let upright: photon.PhotonImage | undefined;
  try {
    decoded = photon.PhotonImage.new_from_byteslice(bytes);
    const w = decoded.get_width();
    const h = decoded.get_height();
    const edge = Math.min(w, h);
    const x = Math.floor((w - edge) / 2);
    const y = Math.floor((h - edge) / 2);
    cropped = edge === w && edge === h ? decoded : photon.crop(decoded, x, y, x + edge, y + edge);
    small = resized(cropped, side, side);
    const turned = orient(small.get_raw_pixels(), side, side, orientation);
    onWhite(turned.pixels);
    upright = new photon.PhotonImage(turned.pixels, side, side);
    for (const quality of AVATAR_QUALITIES) {
      const jpeg = upright.get_bytes_jpeg(quality);
      if (jpeg.byteLength <= AVATAR_BYTES_MAX) return { bytes: jpeg, width: side, height: side };
    }
    throw new Error("The avatar does not fit in its size at any quality");
  } finally {
    free(decoded, cropped, small, upright);
  }
}

/** The thumbnail of one image: within THUMB_MAX, upright, as a JPEG. */
export function thumbnailOf(bytes: Uint8Array, orientation: number): {
  bytes: Uint8Array;
  width: number;
  height: number;
} {
  let decoded: photon.PhotonImage | undefined;
  let small: photon.PhotonImage | undefined;
  let upright: photon.PhotonImage | undefined;
  try {
    decoded = photon.PhotonImage.new_from_byteslice(bytes);
    const size = fitWithin(decoded.get_width(), decoded.get_height(), THUMB_MAX);
    small = resized(decoded, size.width, size.height);
    const turned = orient(small.get_raw_pixels(), size.width, size.height, orientation);
    onWhite(turned.pixels);
    upright = new photon.PhotonImage(turned.pixels, turned.width, turned.height);
    return {
      bytes: upright.get_bytes_jpeg(JPEG_QUALITY),
      width: turned.width,
      height: turned.height,
    };
  } finally {
    free(decoded, small, upright);
  }
}

self.onmessage = (event: MessageEvent<Job>) => {
  const { id, bytes, orientation, square } = event.data;
  const started = performance.now();
  try {
    const thumb = square ? avatarOf(bytes, orientation, square) : thumbnailOf(bytes, orientation);
    const took = performance.now() - started;
    self.postMessage({ id, ...thumb, took }, { transfer: [thumb.bytes.buffer] });
  } catch (err) {
    self.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
