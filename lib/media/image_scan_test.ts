import assert from "node:assert/strict";
import { ImageError, ImageScanner, type ScannedType } from "./image_scan.ts";
import { readOrientation } from "./_exif.ts";
import { BLANKED_FOURCC } from "./_webp_scan.ts";
import {
  concat,
  decode,
  encodeGif,
  encodeJpeg,
  encodePng,
  encodeWebp,
  exifSegment,
  exifTiff,
  GPS_SECONDS,
  halves,
  includes,
  jpegSegment,
  LOSSY_ALPH,
  LOSSY_VP8,
  pngChunk,
  pngChunks,
  quadrants,
  randomSplit,
  riff,
  riffChunk,
  scanChunks,
  text,
  vp8xChunk,
  webpChunks,
  withJpegSegments,
  withPngChunks,
  xmpSegment,
} from "./_test_images.ts";

/** A 24×16 progressive JPEG (10 scans, a restart marker every MCU row) from libjpeg-turbo's cjpeg. */
const PROGRESSIVE_JPEG = Uint8Array.from(
  atob(
    "/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAYEBQYFBAYGBQYHBwYIChAKCgkJChQODwwQFxQYGBcUFhYaHSUfGhsjHBYWICwgIyYnKSopGR8tMC0oMCUoKSj/2wBDAQcHBwoIChMKChMoGhYaKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCj/wgARCAAQABgDASIAAhEBAxEB/8QAGAAAAwEBAAAAAAAAAAAAAAAAAAYHBAX/xAAVAQEBAAAAAAAAAAAAAAAAAAAEBf/dAAQAAf/aAAwDAQACEAMQAAABXOyj0tj/AP/Q3FGI8D//xAAWEAEBAQAAAAAAAAAAAAAAAAAABQb/2gAIAQEAAQUCf//Qnv/Rf//Sf//Txj//1H//xAAhEQAABQIHAAAAAAAAAAAAAAAABAUREgEVAiExUWKh4f/aAAgBAwEBPwFTVrkVxFYRk2bvpV9h/9Cyc+vR/8QAHhEAAAUFAQAAAAAAAAAAAAAAAAIEE6EGFWFiceH/2gAIAQIBAT8BX0yynMd2M9H/0LTvHo//xAAZEAEAAgMAAAAAAAAAAAAAAAAAAwSBgsH/2gAIAQEABj8Cf//Qkw//0X//0n//07mnX//Uf//EABYQAQEBAAAAAAAAAAAAAAAAAACB8P/aAAgBAQABPyF//9DSv//Rf//Sf//TD//Uf//aAAwDAQACAAMAAAAQk//Q9//EABgRAQADAQAAAAAAAAAAAAAAABEAATGh/9oACAEDAQE/EOVgAwFDa1n/0Jn/xAAYEQACAwAAAAAAAAAAAAAAAAAAAREhMf/aAAgBAgEBPxDcURVdRH//0AP/xAAUEAEAAAAAAAAAAAAAAAAAAAAA/9oACAEBAAE/EH//0Ef/0X//0n//00//1H//2Q==",
  ),
  (c) => c.charCodeAt(0),
);

function scan(type: ScannedType, bytes: Uint8Array) {
  return scanChunks(type, [bytes]);
}

/** Asserts that every way of cutting `bytes` gives the same output and facts as one piece. */
function assertSplitsAgree(type: ScannedType, bytes: Uint8Array): void {
  const whole = scan(type, bytes);
  const check = (chunks: Uint8Array[], how: string) => {
    const { output, scanner } = scanChunks(type, chunks);
    assert.deepEqual(output, whole.output, `${type} output differs when split ${how}`);
    assert.deepEqual(scanner.facts, whole.scanner.facts, `${type} facts differ when split ${how}`);
  };
  for (let at = 0; at <= bytes.length; at++) {
    check([bytes.subarray(0, at), bytes.subarray(at)], `at ${at}`);
  }
  check(Array.from(bytes, (byte) => new Uint8Array([byte])), "into single bytes");
  for (let seed = 1; seed <= 40; seed++) {
    check(randomSplit(bytes, seed), `at random (seed ${seed})`);
  }
}

/** A u32 in both byte orders, to look for it in output. */
function u32Both(value: number): Uint8Array[] {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value);
  return [bytes, bytes.slice().reverse()];
}

function assertNoMetadata(output: Uint8Array): void {
  for (const secret of ["SecretCam", "Model X-1000", "GPSLatitude", "THUMBNAIL-PIXELS", "secret"]) {
    assert.ok(!includes(output, secret), `output still holds "${secret}"`);
  }
  for (const bytes of u32Both(GPS_SECONDS.numerator)) {
    assert.ok(!includes(output, bytes), "output still holds the GPS latitude");
  }
}

// --- JPEG ---

/** Where the first 0xFF `code` marker after `from` is. */
function markerAt(jpeg: Uint8Array, code: number, from = 0): number {
  return jpeg.findIndex((byte, i) => i > from && byte === 0xff && jpeg[i + 1] === code);
}

const JPEG_PIXELS = quadrants(32, 16);
const PLAIN_JPEG = encodeJpeg(32, 16, JPEG_PIXELS);

function jpegWithMetadata(order: "II" | "MM", orientation?: number): Uint8Array {
  return withJpegSegments(PLAIN_JPEG, [
    exifSegment(order, orientation),
    xmpSegment(),
    jpegSegment(0xfe, text("secret comment")),
    jpegSegment(0xed, text("Photoshop 3.0\x008BIM secret caption")),
    jpegSegment(0xe2, text("ICC_PROFILE\0\x01\x01fake-profile")),
    jpegSegment(0xe2, text("MPF\0secret pictures")),
    jpegSegment(0xee, text("Adobe\0\x64\0\0\0\0\x01")),
  ]);
}

for (const order of ["II", "MM"] as const) {
  Deno.test(`JPEG (${order}): EXIF with GPS, XMP and comments are dropped, orientation is kept`, () => {
    const input = jpegWithMetadata(order, 6);
    assert.ok(includes(input, "SecretCam"));
    const { output, scanner } = scan("image/jpeg", input);
    assertNoMetadata(output);
    assert.ok(!includes(output, "http://ns.adobe.com/xap"));
    assert.ok(!includes(output, "MPF\0"));
    assert.ok(includes(output, "ICC_PROFILE\0"), "the colour profile is kept");
    assert.ok(includes(output, "Adobe\0"), "APP14 Adobe is kept");
    assert.ok(includes(output, "JFIF\0"), "APP0 JFIF is kept");
    assert.deepEqual(scanner.facts, {
      width: 32,
      height: 16,
      orientation: 6,
      animated: false,
      hasAlpha: false,
    });
    // The minimal APP1: right where the EXIF was, Orientation alone.
    const app1 = output.indexOf(0xe1, 2);
    assert.equal(output[app1 - 1], 0xff);
    const length = (output[app1 + 1] << 8) | output[app1 + 2];
    assert.equal(length, 34);
    assert.deepEqual(output.subarray(app1 + 3, app1 + 9), text("Exif\0\0"));
    assert.equal(readOrientation(output.subarray(app1 + 9, app1 + 1 + length)), 6);
    // Same pixels, same size: only metadata went.
    const decoded = decode(output);
    assert.equal(decoded.width, 32);
    assert.equal(decoded.height, 16);
    assert.deepEqual(decoded.pixels, decode(PLAIN_JPEG).pixels);
  });
}

Deno.test("JPEG: orientation 1 or no EXIF leaves no APP1 at all", () => {
  for (const input of [jpegWithMetadata("II", 1), jpegWithMetadata("MM"), PLAIN_JPEG]) {
    const { output, scanner } = scan("image/jpeg", input);
    assert.equal(scanner.facts?.orientation, 1);
    assert.ok(!includes(output, "Exif"));
    assertNoMetadata(output);
  }
});

Deno.test("JPEG: the dimensions are known once the frame header arrived, before the scan", () => {
  const input = jpegWithMetadata("II", 8);
  const scanner = new ImageScanner("image/jpeg");
  scanner.push(input.subarray(0, markerAt(input, 0xda)));
  assert.deepEqual(scanner.facts, {
    width: 32,
    height: 16,
    orientation: 8,
    animated: false,
    hasAlpha: false,
  });
});

Deno.test("JPEG: a progressive JPEG with restart markers passes through unchanged", () => {
  const { output, scanner } = scan("image/jpeg", PROGRESSIVE_JPEG);
  assert.deepEqual(output, PROGRESSIVE_JPEG);
  assert.equal(scanner.facts?.width, 24);
  assert.equal(scanner.facts?.height, 16);
  assert.equal(decode(output).width, 24);
});

Deno.test("JPEG: COM and APPn between progressive scans are dropped too", () => {
  // After the first scan's data, before the next DHT.
  const second = markerAt(PROGRESSIVE_JPEG, 0xc4, markerAt(PROGRESSIVE_JPEG, 0xda));
  const input = concat(
    PROGRESSIVE_JPEG.subarray(0, second),
    jpegSegment(0xfe, text("secret between scans")),
    exifSegment("II", 3),
    PROGRESSIVE_JPEG.subarray(second),
  );
  const { output } = scan("image/jpeg", input);
  assert.ok(!includes(output, "secret"));
  assertNoMetadata(output);
  assert.equal(decode(output).height, 16);
});

/** `jpeg` with fill bytes (extra 0xFF) before its first marker and before EOI. */
function withFillBytes(jpeg: Uint8Array): Uint8Array {
  const eoi = jpeg.length - 2;
  return concat(
    jpeg.subarray(0, 2),
    new Uint8Array([0xff, 0xff]),
    jpeg.subarray(2, eoi),
    new Uint8Array([0xff, 0xff, 0xff]),
    jpeg.subarray(eoi),
  );
}

Deno.test("JPEG: fill bytes before markers are accepted and bytes after EOI are dropped", () => {
  const input = concat(withFillBytes(PLAIN_JPEG), text("PK\x03\x04 a polyglot's zip"));
  const { output } = scan("image/jpeg", input);
  assert.deepEqual(output.subarray(-2), new Uint8Array([0xff, 0xd9]));
  assert.ok(!includes(output, "PK"));
  assert.deepEqual(decode(output).pixels, decode(PLAIN_JPEG).pixels);
});

Deno.test("JPEG: APP0 JFIF is kept without its thumbnail; other APP0s go", () => {
  assert.equal(PLAIN_JPEG[3], 0xe0);
  const afterApp0 = 4 + ((PLAIN_JPEG[4] << 8) | PLAIN_JPEG[5]);
  const jfif = concat(text("JFIF\0\x01\x02\0\0\x01\0\x01\x02\x01"), text("secret")); // a 2×1 thumbnail
  const input = concat(
    PLAIN_JPEG.subarray(0, 2),
    jpegSegment(0xe0, jfif),
    jpegSegment(0xe0, text("JFXX\0\x13secret thumbnail")),
    PLAIN_JPEG.subarray(afterApp0),
  );
  const { output } = scan("image/jpeg", input);
  assertNoMetadata(output);
  assert.deepEqual(
    output.subarray(0, 20),
    concat(
      PLAIN_JPEG.subarray(0, 2),
      new Uint8Array([0xff, 0xe0, 0, 16]),
      jfif.subarray(0, 12),
      new Uint8Array([0, 0]),
    ),
  );
  assert.ok(!includes(output, "JFXX"));
  assert.deepEqual(decode(output).pixels, decode(PLAIN_JPEG).pixels);
});

Deno.test("JPEG: any split of the input gives the same output", () => {
  assertSplitsAgree("image/jpeg", jpegWithMetadata("MM", 6));
  assertSplitsAgree("image/jpeg", withFillBytes(PROGRESSIVE_JPEG));
  assertSplitsAgree("image/jpeg", PROGRESSIVE_JPEG);
});

Deno.test("JPEG: truncated or malformed input is an ImageError", () => {
  const input = jpegWithMetadata("II", 6);
  for (const cut of [1, 2, 3, 30, 200, input.length - 300, input.length - 1]) {
    const scanner = new ImageScanner("image/jpeg");
    scanner.push(input.subarray(0, cut));
    assert.throws(() => scanner.finish(), ImageError, `cut at ${cut}`);
  }
  const scanner = new ImageScanner("image/jpeg");
  assert.throws(() => scanner.push(text("not a jpeg at all")), ImageError);
  assert.throws(() => scanner.push(PLAIN_JPEG), ImageError, "an error sticks");
  // A segment that is not a marker where one is due.
  assert.throws(
    () => scan("image/jpeg", concat(PLAIN_JPEG.subarray(0, 2), text("xx"))),
    ImageError,
  );
  // SOI and EOI alone: no dimensions.
  assert.throws(() => scan("image/jpeg", new Uint8Array([0xff, 0xd8, 0xff, 0xd9])), /dimensions/);
});

// --- PNG ---

const PNG_PIXELS = quadrants(20, 10, true);
const PLAIN_PNG = encodePng(20, 10, PNG_PIXELS);

function pngWithMetadata(): Uint8Array {
  return withPngChunks(PLAIN_PNG, [
    pngChunk("tEXt", text("Author\0secret author")),
    pngChunk("zTXt", text("Comment\0\0secret")),
    pngChunk(
      "iTXt",
      text("XML:com.adobe.xmp\0\0\0\0\0<x:xmpmeta>SecretCam GPSLatitude</x:xmpmeta>"),
    ),
    pngChunk("eXIf", exifTiff("MM", 6)),
    pngChunk("tIME", new Uint8Array([7, 233, 1, 2, 3, 4, 5])),
    pngChunk("gAMA", new Uint8Array([0, 0, 0xb1, 0x8f])),
  ]);
}

Deno.test("PNG: tEXt, zTXt, iTXt, eXIf and tIME are dropped, other chunks kept", () => {
  const { output, scanner } = scan("image/png", pngWithMetadata());
  assertNoMetadata(output);
  const chunks = pngChunks(output);
  assert.deepEqual(
    chunks.map((chunk) => chunk.type),
    pngChunks(PLAIN_PNG).map((chunk) => chunk.type).toSpliced(1, 0, "eXIf", "gAMA"),
  );
  // Chromium applies a PNG's EXIF orientation: it is kept, alone, in an eXIf of its own.
  const exif = chunks[1].bytes;
  assert.equal(exif.length, 12 + 26);
  assert.equal(readOrientation(exif.subarray(8, -4)), 6);
  assert.deepEqual(exif, pngChunk("eXIf", exif.subarray(8, -4)), "its CRC is right");
  assert.deepEqual(scanner.facts, {
    width: 20,
    height: 10,
    orientation: 6,
    animated: false,
    hasAlpha: true,
  });
  assert.deepEqual(decode(output).pixels, PNG_PIXELS);
});

Deno.test("PNG: an eXIf with orientation 1 leaves no eXIf", () => {
  const input = withPngChunks(PLAIN_PNG, [pngChunk("eXIf", exifTiff("II", 1))]);
  const { output, scanner } = scan("image/png", input);
  assert.deepEqual(output, PLAIN_PNG);
  assert.equal(scanner.facts?.orientation, 1);
});

Deno.test("PNG: a 100000×100000 header is reported from the first 33 bytes", () => {
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, 100_000);
  new DataView(ihdr.buffer).setUint32(4, 100_000);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const head = concat(PLAIN_PNG.subarray(0, 8), pngChunk("IHDR", ihdr));
  assert.equal(head.length, 33);
  const scanner = new ImageScanner("image/png");
  assert.equal(scanner.facts?.width, undefined);
  scanner.push(head.subarray(0, 20));
  assert.equal(scanner.facts?.width, undefined);
  scanner.push(head.subarray(20));
  assert.equal(scanner.facts?.width, 100_000);
  assert.equal(scanner.facts?.height, 100_000);
  assert.equal(scanner.facts?.hasAlpha, false);
});

Deno.test("PNG: acTL marks it animated, tRNS gives it alpha", () => {
  const rgb = concat(PLAIN_PNG.subarray(0, 25), new Uint8Array([2]), PLAIN_PNG.subarray(26));
  const input = withPngChunks(rgb, [
    pngChunk("acTL", new Uint8Array(8)),
    pngChunk("tRNS", new Uint8Array(6)),
  ]);
  const { scanner } = scanChunks("image/png", [input.subarray(0, 33)].concat(input.subarray(33)));
  assert.equal(scanner.facts?.animated, true);
  assert.equal(scanner.facts?.hasAlpha, true);
});

Deno.test("PNG: any split of the input gives the same output", () => {
  assertSplitsAgree("image/png", pngWithMetadata());
});

Deno.test("PNG: truncated or malformed input is an ImageError", () => {
  const input = pngWithMetadata();
  for (const cut of [0, 7, 8, 20, 33, 100, input.length - 12, input.length - 1]) {
    const scanner = new ImageScanner("image/png");
    scanner.push(input.subarray(0, cut));
    assert.throws(() => scanner.finish(), ImageError, `cut at ${cut}`);
  }
  assert.throws(() => scan("image/png", PLAIN_JPEG), /not a PNG/);
  const chunks = pngChunks(PLAIN_PNG);
  const gamaFirst = concat(
    PLAIN_PNG.subarray(0, 8),
    pngChunk("gAMA", new Uint8Array(4)),
    chunks[0].bytes,
  );
  assert.throws(() => scan("image/png", gamaFirst), /first chunk is not IHDR/);
  const noData = concat(PLAIN_PNG.subarray(0, 8), chunks[0].bytes, chunks.at(-1)!.bytes);
  assert.throws(() => scan("image/png", noData), /no image data/);
});

// --- GIF ---

const FRAME_A = halves(8, 6, 0, 1);
const FRAME_B = halves(8, 6, 1, 2);

Deno.test("GIF: comments and XMP are dropped, looping is kept, two frames are animated", () => {
  const input = encodeGif(8, 6, [FRAME_A, FRAME_B], {
    loop: true,
    comment: "secret comment ".repeat(40),
    xmp: "<x:xmpmeta>SecretCam GPSLatitude</x:xmpmeta>",
  });
  const { output, scanner } = scan("image/gif", input);
  assertNoMetadata(output);
  assert.ok(!includes(output, "XMP DataXMP"));
  assert.ok(includes(output, "NETSCAPE2.0"));
  assert.deepEqual(scanner.facts, {
    width: 8,
    height: 6,
    orientation: 1,
    animated: true,
    hasAlpha: false,
  });
  assert.deepEqual(output, encodeGif(8, 6, [FRAME_A, FRAME_B], { loop: true }));
  const decoded = decode(output);
  assert.equal(decoded.width, 8);
  assert.deepEqual(decoded.pixels.subarray(0, 4), new Uint8Array([255, 0, 0, 255]));
});

Deno.test("GIF: one frame is not animated; a transparent colour gives it alpha", () => {
  const { scanner } = scan("image/gif", encodeGif(8, 6, [FRAME_A], { transparent: true }));
  assert.equal(scanner.facts?.animated, false);
  assert.equal(scanner.facts?.hasAlpha, true);
});

Deno.test("GIF: any split of the input gives the same output", () => {
  assertSplitsAgree(
    "image/gif",
    encodeGif(8, 6, [FRAME_A, FRAME_B], { loop: true, comment: "secret", xmp: "<x>SecretCam</x>" }),
  );
});

Deno.test("GIF: truncated or malformed input is an ImageError", () => {
  const input = encodeGif(8, 6, [FRAME_A], { comment: "secret" });
  for (const cut of [0, 5, 13, 20, 30, input.length - 2, input.length - 1]) {
    const scanner = new ImageScanner("image/gif");
    scanner.push(input.subarray(0, cut));
    assert.throws(() => scanner.finish(), ImageError, `cut at ${cut}`);
  }
  assert.throws(() => scan("image/gif", text("GIF89a")), ImageError);
  assert.throws(() => scan("image/gif", text("GIF90a\x08\0\x06\0\0\0\0;")), /not a GIF/);
  const badBlock = concat(input.subarray(0, 25), new Uint8Array([0x99]));
  assert.throws(() => scan("image/gif", badBlock), /unknown block 0x99/);
});

// --- WebP ---

const EXIF_FLAG = 0x08;
const XMP_FLAG = 0x04;
const ALPHA_FLAG = 0x10;

function webpWithMetadata(): Uint8Array {
  return riff([
    vp8xChunk(ALPHA_FLAG | EXIF_FLAG | XMP_FLAG, 6, 4),
    riffChunk("ALPH", LOSSY_ALPH),
    riffChunk("VP8 ", LOSSY_VP8),
    riffChunk("EXIF", exifTiff("II", 6).subarray(0, 915)), // odd: a padding byte follows
    riffChunk("XMP ", text("<x:xmpmeta>SecretCam GPSLatitude</x:xmpmeta>")),
  ]);
}

Deno.test("WebP: EXIF and XMP chunks are blanked and renamed, their flags cleared", () => {
  const input = webpWithMetadata();
  const { output, scanner } = scan("image/webp", input);
  assert.equal(output.length, input.length, "the RIFF size still holds");
  assertNoMetadata(output);
  const chunks = webpChunks(output);
  assert.deepEqual(chunks.map(([fourcc]) => fourcc), [
    "VP8X",
    "ALPH",
    "VP8 ",
    BLANKED_FOURCC,
    BLANKED_FOURCC,
  ]);
  assert.equal(chunks[0][1][0], ALPHA_FLAG);
  for (const [, payload] of chunks.slice(3)) assert.ok(payload.every((byte) => byte === 0));
  assert.deepEqual(scanner.facts, {
    width: 6,
    height: 4,
    orientation: 1,
    animated: false,
    hasAlpha: true,
  });
  const decoded = decode(output);
  assert.equal(decoded.width, 6);
  assert.equal(decoded.height, 4);
  assert.deepEqual(decoded.pixels, decode(input).pixels);
});

Deno.test("WebP: the dimensions come from VP8X, VP8 or VP8L, within the first 30 bytes", () => {
  const lossless = encodeWebp(9, 7, quadrants(9, 7, true));
  const cases: [Uint8Array, number, number][] = [
    [webpWithMetadata(), 6, 4],
    [riff([riffChunk("VP8 ", LOSSY_VP8)]), 6, 4],
    [lossless, 9, 7],
  ];
  for (const [input, width, height] of cases) {
    const scanner = new ImageScanner("image/webp");
    scanner.push(input.subarray(0, 30));
    assert.equal(scanner.facts?.width, width);
    assert.equal(scanner.facts?.height, height);
  }
  const { output, scanner } = scan("image/webp", lossless);
  assert.deepEqual(output, lossless);
  assert.equal(scanner.facts?.hasAlpha, true);
});

Deno.test("WebP: an ANIM chunk marks it animated", () => {
  const input = riff([
    vp8xChunk(0x02, 6, 4),
    riffChunk("ANIM", new Uint8Array(6)),
    riffChunk("ANMF", concat(new Uint8Array(16), riffChunk("VP8 ", LOSSY_VP8))),
  ]);
  assert.equal(scan("image/webp", input).scanner.facts?.animated, true);
});

Deno.test("WebP: any split of the input gives the same output", () => {
  assertSplitsAgree("image/webp", webpWithMetadata());
});

Deno.test("WebP: truncated or malformed input is an ImageError", () => {
  const input = webpWithMetadata();
  for (const cut of [0, 11, 12, 25, 30, 100, input.length - 1]) {
    const scanner = new ImageScanner("image/webp");
    scanner.push(input.subarray(0, cut));
    assert.throws(() => scanner.finish(), ImageError, `cut at ${cut}`);
  }
  assert.throws(() => scan("image/webp", text("RIFF\x04\0\0\0WAVE")), /not a WebP/);
  const overrun = riff([riffChunk("VP8 ", LOSSY_VP8)]);
  overrun[16] = 0xff; // the chunk claims more than the RIFF holds
  assert.throws(() => scan("image/webp", overrun), /overruns/);
  assert.throws(
    () => scan("image/webp", riff([riffChunk("EXIF", new Uint8Array(4))])),
    /starts with/,
  );
});

Deno.test("ImageScanner refuses a type it does not scan", () => {
  assert.throws(() => new ImageScanner("image/svg+xml" as ScannedType), TypeError);
});

Deno.test("damaged images fail with ImageError only, whatever the damage", () => {
  const samples: [ScannedType, Uint8Array][] = [
    ["image/jpeg", jpegWithMetadata("II", 6)],
    ["image/jpeg", PROGRESSIVE_JPEG],
    ["image/png", pngWithMetadata()],
    ["image/gif", encodeGif(8, 6, [FRAME_A, FRAME_B], { loop: true, comment: "c", xmp: "<x/>" })],
    ["image/webp", webpWithMetadata()],
  ];
  let state = 12345;
  const random = (n: number) => {
    state = (state * 1103515245 + 12345) >>> 0;
    return state % n;
  };
  let refused = 0;
  for (const [type, original] of samples) {
    for (let round = 0; round < 400; round++) {
      const input = original.slice(0, original.length - random(3) * random(original.length));
      for (let flips = 1 + random(4); flips > 0; flips--) {
        input[random(input.length)] = random(4) === 0 ? 0xff : random(256);
      }
      try {
        scanChunks(type, randomSplit(input, round + 1, 300));
      } catch (err) {
        if (!(err instanceof ImageError)) throw err;
        refused++;
      }
    }
  }
  assert.ok(refused > 0);
});
