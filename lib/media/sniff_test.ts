import assert from "node:assert/strict";
import {
  contentDisposition,
  INLINE_TYPES,
  isImageType,
  MAX_NAME_BYTES,
  sanitizeFileName,
  SNIFF_BYTES,
  sniffType,
} from "./sniff.ts";
import { crc32 } from "./_crc32.ts";
import {
  concat,
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

/** A real zip archive with one stored (uncompressed) file. */
function zip(name: string, content: string): Uint8Array {
  const data = text(content);
  const fileName = text(name);
  const local = new Uint8Array(30);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 10, true);
  lv.setUint32(14, crc32(data), true);
  lv.setUint32(18, data.length, true);
  lv.setUint32(22, data.length, true);
  lv.setUint16(26, fileName.length, true);
  const central = new Uint8Array(46);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 20, true);
  cv.setUint16(6, 10, true);
  cv.setUint32(16, crc32(data), true);
  cv.setUint32(20, data.length, true);
  cv.setUint32(24, data.length, true);
  cv.setUint16(28, fileName.length, true);
  const centralAt = local.length + fileName.length + data.length;
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length + fileName.length, true);
  ev.setUint32(16, centralAt, true);
  return concat(local, fileName, data, central, fileName, end);
}

/** The first SNIFF_BYTES of `bytes`, as the upload pipeline passes them. */
function head(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(0, SNIFF_BYTES);
}

Deno.test("sniffType() names images, PDF and zip by their bytes", async () => {
  const cases: [Uint8Array, string][] = [
    [encodePng(4, 4, quadrants(4, 4)), "image/png"],
    [encodeJpeg(4, 4, quadrants(4, 4)), "image/jpeg"],
    [encodeGif(4, 2, [halves(4, 2, 0, 1)]), "image/gif"],
    [encodeWebp(4, 4, quadrants(4, 4)), "image/webp"],
    [riff([riffChunk("VP8 ", LOSSY_VP8)]), "image/webp"],
    [
      text("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"),
      "application/pdf",
    ],
    [zip("notes.txt", "hello"), "application/zip"],
  ];
  for (const [bytes, type] of cases) assert.equal(await sniffType(head(bytes)), type);
});

Deno.test("sniffType() finds SVG, scripts and all, whatever precedes the <svg> element", async () => {
  const svgs = [
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>',
    '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
    '<?xml version="1.0"?>\n<!-- made by hand -->\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" ' +
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n  <svg width="10"><script>x()</script></svg>',
    '<!DOCTYPE svg [ <!ENTITY e "<b>"> ]><svg>&e;</svg>',
    '<?xml-stylesheet href="a.css"?><SVG viewBox="0 0 1 1"></SVG>',
  ];
  for (const svg of svgs) {
    const type = await sniffType(text(svg));
    assert.equal(type, "image/svg+xml", svg);
    assert.ok(!INLINE_TYPES.has(type) && !isImageType(type), "never shown inline");
  }
  // Not an <svg> element, only a mention of one.
  assert.equal(await sniffType(text("<svgfoo/> is not svg")), "text/plain");
  assert.equal(
    await sniffType(text('<?xml version="1.0"?><root><svg/></root>')),
    "application/xml",
  );
});

Deno.test("sniffType() reports HTML as text, never as something shown inline", async () => {
  for (
    const html of [
      "<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
      "<html><head><title>x</title></head></html>",
      "<script>fetch('/api/session')</script>",
    ]
  ) {
    const type = await sniffType(text(html));
    assert.ok(type === "text/plain" || type === "text/html", `${html}: ${type}`);
    assert.ok(!INLINE_TYPES.has(type));
  }
});

Deno.test("sniffType() tells UTF-8 text from binary", async () => {
  assert.equal(await sniffType(text("hello world\n")), "text/plain");
  assert.equal(
    await sniffType(text("日本語のテキスト, ελληνικά, emoji 🎉\r\n\tand tabs")),
    "text/plain",
  );
  assert.equal(await sniffType(text("\x1b[31mred\x1b[0m log line\n")), "text/plain");
  // A multi-byte character cut by the end of the head is still text.
  const long = text("漢".repeat(2000)); // 3 bytes each: 4100 falls inside one
  assert.equal(SNIFF_BYTES % 3 === 0, false);
  assert.equal(await sniffType(head(long)), "text/plain");
  // NUL, many control characters, invalid UTF-8, random bytes, nothing at all.
  assert.equal(await sniffType(text("text\0with a NUL")), "application/octet-stream");
  assert.equal(
    await sniffType(text("\x01\x02\x03 mostly controls \x04\x05")),
    "application/octet-stream",
  );
  assert.equal(
    await sniffType(new Uint8Array([0x61, 0xc3, 0x28, 0x62])),
    "application/octet-stream",
  );
  const random = new Uint8Array(SNIFF_BYTES);
  crypto.getRandomValues(random);
  random[0] = 0x01; // not a magic number by chance
  assert.equal(await sniffType(random), "application/octet-stream");
  assert.equal(await sniffType(new Uint8Array(0)), "application/octet-stream");
});

Deno.test("sniffType() trusts bytes, not names: a PNG is a PNG, text named .png is text", async () => {
  assert.equal(await sniffType(text("I am totally a PNG")), "text/plain");
  assert.equal(await sniffType(head(encodePng(2, 2, quadrants(2, 2)))), "image/png");
});

Deno.test("isImageType() and INLINE_TYPES hold the four raster types only", () => {
  for (const type of ["image/png", "image/jpeg", "image/gif", "image/webp"]) {
    assert.ok(isImageType(type) && INLINE_TYPES.has(type));
  }
  for (const type of ["image/svg+xml", "text/html", "image/bmp", "application/pdf"]) {
    assert.ok(!isImageType(type) && !INLINE_TYPES.has(type));
  }
});

const utf8Length = (value: string) => new TextEncoder().encode(value).length;

Deno.test("sanitizeFileName() keeps the last path segment and drops what hides or breaks", () => {
  const cases: [string, string][] = [
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\me\\Desktop\\report.pdf", "report.pdf"],
    ["a\u202Egnp.exe", "agnp.exe"],
    ["in\u2066vis\u2069ible\u200e\u200f\u061c.txt", "invisible.txt"],
    ["zero\u200bwidth\u200c\u200d\u2060\ufeff.txt", "zerowidth.txt"],
    ["evil\r\nSet-Cookie: x=1.txt", "evilSet-Cookie: x=1.txt"],
    ["nul\0and\x7fdel\x85c1.txt", "nulanddelc1.txt"],
    ["  spaced out.txt  ", "spaced out.txt"],
    [".htaccess", "htaccess"],
    ["... . .hidden", "hidden"],
    ["..", "file"],
    ["", "file"],
    ["dir/", "file"],
    ["\u202e\u200b", "file"],
    ["e\u0301te\u0301.txt", "\u00e9t\u00e9.txt"], // NFD in, NFC out
    ["🎉 party 🎂.png", "🎉 party 🎂.png"],
    ["報告書 2024年.pdf", "報告書 2024年.pdf"],
    ["bad\ud800surrogate.txt", "bad\ufffdsurrogate.txt"],
  ];
  for (const [raw, expected] of cases) assert.equal(sanitizeFileName(raw), expected, raw);
});

Deno.test("sanitizeFileName() truncates to 255 UTF-8 bytes, keeping the extension", () => {
  const ascii = sanitizeFileName("a".repeat(10_000) + ".txt");
  assert.ok(utf8Length(ascii) <= MAX_NAME_BYTES);
  assert.equal(ascii, "a".repeat(251) + ".txt");
  const cjk = sanitizeFileName("漢".repeat(3_000) + ".jpeg");
  assert.ok(utf8Length(cjk) <= MAX_NAME_BYTES);
  assert.ok(cjk.endsWith(".jpeg") && /^漢+\.jpeg$/.test(cjk));
  const emoji = sanitizeFileName("🎉".repeat(1_000));
  assert.ok(utf8Length(emoji) <= MAX_NAME_BYTES && /^(🎉)+$/u.test(emoji), "no half emoji");
  // A giant "extension" is not kept whole: the name is simply cut.
  const dotted = sanitizeFileName("x." + "y".repeat(1_000));
  assert.equal(utf8Length(dotted), MAX_NAME_BYTES);
  // One letter under thousands of combining marks: cut between code points.
  const zalgo = sanitizeFileName("a" + "\u0334".repeat(5_000) + ".txt");
  assert.ok(utf8Length(zalgo) <= MAX_NAME_BYTES && zalgo.startsWith("a\u0334\u0334"));
  assert.equal(sanitizeFileName(ascii), ascii, "idempotent");
});

Deno.test("contentDisposition() gives an ASCII fallback and the RFC 5987 UTF-8 name", () => {
  assert.equal(
    contentDisposition("attachment", "report.pdf"),
    `attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`,
  );
  assert.equal(
    contentDisposition("inline", "résumé 2024.png"),
    `inline; filename="r_sum_ 2024.png"; filename*=UTF-8''r%C3%A9sum%C3%A9%202024.png`,
  );
  assert.equal(
    contentDisposition("attachment", `say "hi" it's (1)*.txt`),
    `attachment; filename="say _hi_ it's (1)*.txt"; ` +
      `filename*=UTF-8''say%20%22hi%22%20it%27s%20%281%29%2A.txt`,
  );
  assert.equal(
    contentDisposition("attachment", "🎉.png"),
    `attachment; filename="_.png"; filename*=UTF-8''%F0%9F%8E%89.png`,
  );
  // Sanitized on the way: no header injection, no path.
  const value = contentDisposition("attachment", "../x\r\nSet-Cookie: a=b\\\u202Eevil.txt");
  assert.ok(!/[\r\n]/.test(value));
  assert.equal(value, `attachment; filename="evil.txt"; filename*=UTF-8''evil.txt`);
});
