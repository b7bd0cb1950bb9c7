import assert from "node:assert/strict";
import { closeThumbnailer, makeThumbnail } from "./thumbnail.ts";
import { fitWithin, onWhite, orient } from "./_pixels.ts";
import {
  decode,
  encodeGif,
  encodeJpeg,
  encodePng,
  encodeWebp,
  halves,
  LOSSY_VP8,
  quadrants,
  riff,
  riffChunk,
  text,
} from "./_test_images.ts";

/** The colour name of an RGBA pixel of a decoded thumbnail (JPEG shifts colours a little). */
function colourAt(image: { width: number; pixels: Uint8Array }, x: number, y: number): string {
  const at = (y * image.width + x) * 4;
  const [r, g, b] = image.pixels.subarray(at, at + 3);
  const high = (v: number) => v > 160;
  const low = (v: number) => v < 96;
  if (high(r) && low(g) && low(b)) return "red";
  if (low(r) && high(g) && low(b)) return "green";
  if (low(r) && low(g) && high(b)) return "blue";
  if (high(r) && high(g) && high(b)) return "white";
  return `rgb(${r}, ${g}, ${b})`;
}

/** The colours at the four corners: top-left, top-right, bottom-left, bottom-right. */
function corners(bytes: Uint8Array): string[] {
  const image = decode(bytes);
  const [w, h] = [image.width - 2, image.height - 2];
  return [[1, 1], [w, 1], [1, h], [w, h]].map(([x, y]) => colourAt(image, x, y));
}

function isJpeg(bytes: Uint8Array): boolean {
  return bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
}

Deno.test("makeThumbnail() fits PNG, JPEG, WebP and GIF within 400×400 as JPEG", async () => {
  try {
    const cases: [string, Uint8Array, number, number][] = [
      ["image/png", encodePng(1000, 500, quadrants(1000, 500)), 400, 200],
      ["image/jpeg", encodeJpeg(600, 900, quadrants(600, 900)), 267, 400],
      ["image/webp", encodeWebp(800, 800, quadrants(800, 800)), 400, 400],
      ["image/gif", encodeGif(500, 440, [halves(500, 440, 0, 1)]), 400, 352],
    ];
    for (const [type, bytes, width, height] of cases) {
      const thumb = await makeThumbnail(bytes, { type, orientation: 1 });
      assert.ok(thumb, `${type}: a thumbnail`);
      assert.equal(thumb.type, "image/jpeg");
      assert.ok(isJpeg(thumb.bytes), `${type}: JPEG magic bytes`);
      assert.deepEqual([thumb.width, thumb.height], [width, height], type);
      const decoded = decode(thumb.bytes);
      assert.deepEqual([decoded.width, decoded.height], [width, height], `${type}: as decoded`);
    }
    const quarters = await makeThumbnail(encodePng(1000, 500, quadrants(1000, 500)), {
      type: "image/png",
      orientation: 1,
    });
    assert.deepEqual(corners(quarters!.bytes), ["red", "green", "blue", "white"]);
  } finally {
    closeThumbnailer();
  }
});

Deno.test("makeThumbnail() never upscales, and lays transparency on white", async () => {
  try {
    const pixels = quadrants(40, 20, true);
    for (let i = 3; i < pixels.length; i += 4) pixels[i] = 0; // all transparent
    const thumb = await makeThumbnail(encodePng(40, 20, pixels), {
      type: "image/png",
      orientation: 1,
    });
    assert.deepEqual([thumb?.width, thumb?.height], [40, 20]);
    assert.deepEqual(corners(thumb!.bytes), ["white", "white", "white", "white"]);
  } finally {
    closeThumbnailer();
  }
});

Deno.test("makeThumbnail() turns a photo upright by its EXIF orientation", async () => {
  try {
    const jpeg = encodeJpeg(800, 400, quadrants(800, 400));
    const expected: Record<number, string[]> = {
      1: ["red", "green", "blue", "white"],
      2: ["green", "red", "white", "blue"],
      3: ["white", "blue", "green", "red"],
      4: ["blue", "white", "red", "green"],
      5: ["red", "blue", "green", "white"],
      6: ["blue", "red", "white", "green"],
      7: ["white", "green", "blue", "red"],
      8: ["green", "white", "red", "blue"],
    };
    for (const [orientation, colours] of Object.entries(expected)) {
      const thumb = await makeThumbnail(jpeg.slice(), {
        type: "image/jpeg",
        orientation: Number(orientation),
      });
      const turned = Number(orientation) >= 5;
      assert.deepEqual(
        [thumb?.width, thumb?.height],
        turned ? [200, 400] : [400, 200],
        `orientation ${orientation}`,
      );
      assert.deepEqual(corners(thumb!.bytes), colours, `orientation ${orientation}`);
    }
  } finally {
    closeThumbnailer();
  }
});

Deno.test("makeThumbnail() answers null for what it cannot decode, then goes on", async () => {
  try {
    const garbage = await makeThumbnail(text("not an image at all ".repeat(100)), {
      type: "image/png",
      orientation: 1,
    });
    assert.equal(garbage, null);
    const truncated = encodeJpeg(500, 500, quadrants(500, 500));
    assert.equal(
      await makeThumbnail(truncated.subarray(0, 200), { type: "image/jpeg", orientation: 1 }),
      null,
    );
    // A lossy WebP in the simple format still works after those failures.
    const webp = await makeThumbnail(riff([riffChunk("VP8 ", LOSSY_VP8)]), {
      type: "image/webp",
      orientation: 1,
    });
    assert.deepEqual([webp?.width, webp?.height], [6, 4]);
  } finally {
    closeThumbnailer();
  }
});

Deno.test("makeThumbnail() runs queued jobs one after the other, in order", async () => {
  try {
    const sizes = [300, 500, 700, 900];
    const thumbs = await Promise.all(
      sizes.map((size) =>
        makeThumbnail(encodePng(size, 100, quadrants(size, 100)), {
          type: "image/png",
          orientation: 1,
        })
      ),
    );
    assert.deepEqual(thumbs.map((thumb) => thumb?.width), [300, 400, 400, 400]);
    assert.deepEqual(thumbs.map((thumb) => thumb?.height), [100, 80, 57, 44]);
  } finally {
    closeThumbnailer();
  }
});

Deno.test("makeThumbnail() leaves a larger buffer its bytes are part of alone", async () => {
  try {
    const png = encodePng(500, 100, quadrants(500, 100));
    const buffer = new Uint8Array(png.length + 10);
    buffer.set(png, 5);
    const view = buffer.subarray(5, 5 + png.length);
    const thumb = await makeThumbnail(view, { type: "image/png", orientation: 1 });
    assert.equal(thumb?.width, 400);
    assert.equal(buffer.length, png.length + 10, "not detached");
    assert.deepEqual(view, png);
  } finally {
    closeThumbnailer();
  }
});

Deno.test("closeThumbnailer() answers queued jobs with null", async () => {
  const jobs = [1, 2, 3].map(() =>
    makeThumbnail(encodePng(900, 900, quadrants(900, 900)), { type: "image/png", orientation: 1 })
  );
  closeThumbnailer();
  assert.deepEqual(await Promise.all(jobs), [null, null, null]);
});

Deno.test("orient() maps each EXIF orientation onto the upright image", () => {
  // 3×2, pixels numbered 0 1 2 / 3 4 5 (one byte each of RGBA: the red channel).
  const pixels = Uint8Array.from({ length: 24 }, (_, i) => i % 4 === 0 ? i / 4 : 255);
  const red = (out: { pixels: Uint8Array }) => Array.from(out.pixels.filter((_, i) => i % 4 === 0));
  const expected: Record<number, [number, number, number[]]> = {
    1: [3, 2, [0, 1, 2, 3, 4, 5]],
    2: [3, 2, [2, 1, 0, 5, 4, 3]],
    3: [3, 2, [5, 4, 3, 2, 1, 0]],
    4: [3, 2, [3, 4, 5, 0, 1, 2]],
    5: [2, 3, [0, 3, 1, 4, 2, 5]],
    6: [2, 3, [3, 0, 4, 1, 5, 2]],
    7: [2, 3, [5, 2, 4, 1, 3, 0]],
    8: [2, 3, [2, 5, 1, 4, 0, 3]],
  };
  for (const [orientation, [width, height, order]] of Object.entries(expected)) {
    const out = orient(pixels, 3, 2, Number(orientation));
    assert.deepEqual([out.width, out.height, red(out)], [width, height, order], orientation);
  }
});

Deno.test("onWhite() blends alpha onto white; fitWithin() keeps the aspect", () => {
  const pixels = new Uint8Array([0, 0, 0, 0, 0, 0, 0, 255, 255, 0, 0, 128]);
  onWhite(pixels);
  assert.deepEqual(Array.from(pixels), [255, 255, 255, 255, 0, 0, 0, 255, 255, 127, 127, 255]);
  assert.deepEqual(fitWithin(4000, 3000, 400), { width: 400, height: 300 });
  assert.deepEqual(fitWithin(100, 50, 400), { width: 100, height: 50 });
  assert.deepEqual(fitWithin(10000, 10, 400), { width: 400, height: 1 });
});
