/**
 * @module The worker that makes thumbnails (thumbnail.ts sends the jobs): decodes
 * an image with photon (WebAssembly, no native code), turns it upright by its EXIF
 * orientation, fits it in THUMB_MAX × THUMB_MAX, lays transparency on white and
 * encodes a JPEG. One job at a time: `{id, bytes, orientation}` in, `{id, bytes,
 * width, height}` or `{id, error}` out. The thread runs at the lowest priority
 * (nice 19), so decoding a photo gives way to message delivery.
 */

import { setPriority } from "node:os";
import photon from "@silvia-odwyer/photon-node";
import { THUMB_MAX } from "../protocol/limits.ts";

try {
  setPriority(19);
} catch {
  // Not permitted here: it runs at normal priority.
}

interface Job {
  id: number;
  bytes: Uint8Array;
  orientation: number;
}

/** Rotates or flips RGBA pixels by an EXIF orientation (2–8) into an upright image. */
export function orient(
  pixels: Uint8Array,
  width: number,
  height: number,
  orientation: number,
): { pixels: Uint8Array; width: number; height: number } {
  if (orientation < 2 || orientation > 8) return { pixels, width, height };
  const turned = orientation >= 5;
  const w = turned ? height : width;
  const h = turned ? width : height;
  const out = new Uint8Array(pixels.length);
  const src = new Uint32Array(pixels.buffer, pixels.byteOffset, width * height);
  const dst = new Uint32Array(out.buffer);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let dx: number, dy: number;
      switch (orientation) {
        case 2:
          [dx, dy] = [width - 1 - x, y];
          break;
        case 3:
          [dx, dy] = [width - 1 - x, height - 1 - y];
          break;
        case 4:
          [dx, dy] = [x, height - 1 - y];
          break;
        case 5:
          [dx, dy] = [y, x];
          break;
        case 6:
          [dx, dy] = [height - 1 - y, x];
          break;
        case 7:
          [dx, dy] = [height - 1 - y, width - 1 - x];
          break;
        default:
          [dx, dy] = [y, width - 1 - x];
          break; // 8
      }
      dst[dy * w + dx] = src[y * width + x];
    }
  }
  return { pixels: out, width: w, height: h };
}

/** Lays RGBA pixels on white (JPEG has no alpha), in place. */
function onWhite(pixels: Uint8Array): void {
  for (let i = 0; i < pixels.length; i += 4) {
    const a = pixels[i + 3];
    if (a === 255) continue;
    const k = a / 255;
    pixels[i] = pixels[i] * k + 255 * (1 - k);
    pixels[i + 1] = pixels[i + 1] * k + 255 * (1 - k);
    pixels[i + 2] = pixels[i + 2] * k + 255 * (1 - k);
    pixels[i + 3] = 255;
  }
}

/** The thumbnail of one image: upright, within THUMB_MAX, as a JPEG. */
export function thumbnailOf(bytes: Uint8Array, orientation: number): {
  bytes: Uint8Array;
  width: number;
  height: number;
} {
  const decoded = photon.PhotonImage.new_from_byteslice(bytes);
  let width = decoded.get_width();
  let height = decoded.get_height();
  const scale = Math.min(1, THUMB_MAX / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const small = scale < 1 ? photon.resize(decoded, w, h, 1) : decoded;
  if (small !== decoded) decoded.free();
  width = small.get_width();
  height = small.get_height();
  const upright = orient(small.get_raw_pixels(), width, height, orientation);
  small.free();
  onWhite(upright.pixels);
  const image = new photon.PhotonImage(upright.pixels, upright.width, upright.height);
  const jpeg = image.get_bytes_jpeg(80);
  image.free();
  return { bytes: jpeg, width: upright.width, height: upright.height };
}

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;
if (typeof scope.postMessage === "function" && typeof scope.WorkerGlobalScope !== "undefined") {
  scope.onmessage = (event: MessageEvent<Job>) => {
    const { id, bytes, orientation } = event.data;
    try {
      const thumb = thumbnailOf(bytes, orientation);
      scope.postMessage({ id, ...thumb }, [thumb.bytes.buffer]);
    } catch (err) {
      scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
    }
  };
}
