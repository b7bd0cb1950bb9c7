/**
 * @module Pixel work for thumbnails on raw RGBA (what photon hands out): turning an
 * image upright by its EXIF orientation, laying transparency on white, and the
 * size that fits a box. Pure, so it is tested on the main thread; it runs in
 * thumbnail_worker.ts.
 */

/**
 * Rotates or flips RGBA pixels by an EXIF orientation into an upright image: 2
 * mirrored, 3 turned 180°, 4 upside down mirrored, 5 transposed, 6 to be turned
 * 90° clockwise, 7 transversed, 8 to be turned 90° counter-clockwise. 1 or any
 * other value: as it is.
 */
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
  const out = new Uint8Array(width * height * 4);
  const src = new Uint32Array(pixels.buffer, pixels.byteOffset, width * height);
  const dst = new Uint32Array(out.buffer);
  // Where the source pixel (x, y) goes in the upright image.
  const place: (x: number, y: number) => number = {
    2: (x: number, y: number) => y * w + (width - 1 - x),
    3: (x: number, y: number) => (height - 1 - y) * w + (width - 1 - x),
    4: (x: number, y: number) => (height - 1 - y) * w + x,
    5: (x: number, y: number) => x * w + y,
    6: (x: number, y: number) => x * w + (height - 1 - y),
    7: (x: number, y: number) => (width - 1 - x) * w + (height - 1 - y),
    8: (x: number, y: number) => (width - 1 - x) * w + y,
  }[orientation]!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) dst[place(x, y)] = src[y * width + x];
  }
  return { pixels: out, width: w, height: h };
}

/** Lays RGBA pixels on white, in place: JPEG has no alpha (transparent would turn black). */
export function onWhite(pixels: Uint8Array): void {
  for (let i = 0; i < pixels.length; i += 4) {
    const alpha = pixels[i + 3];
    if (alpha === 255) continue;
    const white = 255 - alpha;
    pixels[i] = (pixels[i] * alpha + 255 * white) / 255;
    pixels[i + 1] = (pixels[i + 1] * alpha + 255 * white) / 255;
    pixels[i + 2] = (pixels[i + 2] * alpha + 255 * white) / 255;
    pixels[i + 3] = 255;
  }
}

/** The size of `width`×`height` scaled to fit `max`×`max`, aspect kept, never larger. */
export function fitWithin(
  width: number,
  height: number,
  max: number,
): { width: number; height: number } {
  const scale = Math.min(1, max / width, max / height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}
