import assert from "node:assert/strict";
import {
  decodeExtValue,
  numberedName,
  parseContentDisposition,
  safeFileName,
} from "./file_names.ts";

Deno.test("parseContentDisposition() prefers filename* (RFC 5987, UTF-8) over filename", () => {
  assert.deepEqual(
    parseContentDisposition(
      `attachment; filename="r_sum_.pdf"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%F0%9F%93%84.pdf`,
    ),
    { type: "attachment", filename: "résumé 📄.pdf" },
  );
  // Order does not matter; the language tag is skipped; the charset is case-insensitive.
  assert.deepEqual(
    parseContentDisposition(`inline; filename*=utf-8'en'na%C3%AFve.txt; filename="naive.txt"`),
    { type: "inline", filename: "naïve.txt" },
  );
});

Deno.test("parseContentDisposition() falls back to filename, quoted or not", () => {
  assert.deepEqual(
    parseContentDisposition(`attachment; filename="a \\"quoted\\" name; really.txt"`),
    { type: "attachment", filename: `a "quoted" name; really.txt` },
  );
  assert.deepEqual(parseContentDisposition("attachment; filename=plain.bin"), {
    type: "attachment",
    filename: "plain.bin",
  });
  // A filename* that does not decode (bad UTF-8, unknown charset) leaves filename.
  assert.deepEqual(
    parseContentDisposition(`attachment; filename*=UTF-8''%FF%FE.txt; filename="ok.txt"`),
    { type: "attachment", filename: "ok.txt" },
  );
  assert.deepEqual(
    parseContentDisposition(`attachment; filename*=KOI8-R''%C1.txt; filename="ok.txt"`),
    { type: "attachment", filename: "ok.txt" },
  );
  assert.deepEqual(parseContentDisposition("attachment"), { type: "attachment" });
  assert.deepEqual(parseContentDisposition(null), { type: "" });
});

Deno.test("decodeExtValue() decodes ISO-8859-1 and refuses malformed values", () => {
  assert.equal(decodeExtValue("iso-8859-1'de'%E4rger.txt"), "ärger.txt");
  assert.equal(decodeExtValue("UTF-8''%zz"), undefined);
  assert.equal(decodeExtValue("no-quotes"), undefined);
  assert.equal(decodeExtValue("UTF-8''has space"), undefined);
});

Deno.test("safeFileName() keeps only a bare, visible name of a hostile one", () => {
  assert.equal(safeFileName("../../etc/passwd"), "passwd");
  assert.equal(safeFileName("..\\..\\windows\\system.ini"), "system.ini");
  assert.equal(safeFileName("/absolute/path.txt"), "path.txt");
  assert.equal(safeFileName(".."), "download");
  assert.equal(safeFileName("../"), "download");
  assert.equal(safeFileName(".bashrc"), "bashrc");
  assert.equal(safeFileName("  trailing dots...  "), "trailing dots");
  assert.equal(safeFileName("\x1b[2J\x1b]0;pwned\x07.txt"), "_[2J_]0;pwned_.txt");
  assert.equal(safeFileName("evil\u202etxt.exe"), "eviltxt.exe");
  assert.equal(safeFileName("line\nbreak.txt"), "line_break.txt");
  assert.equal(safeFileName("", "f123"), "f123");
  assert.equal(safeFileName("...", "../x"), "x");
  assert.equal(safeFileName("résumé 📄.pdf"), "résumé 📄.pdf");
});

Deno.test("safeFileName() cuts a long name to 255 bytes, keeping the extension", () => {
  const name = safeFileName("é".repeat(300) + ".pdf");
  assert.ok(new TextEncoder().encode(name).length <= 255);
  assert.ok(name.endsWith("é.pdf"));
  const emoji = safeFileName("📄".repeat(100));
  assert.ok(new TextEncoder().encode(emoji).length <= 255);
  assert.ok(!emoji.includes("\ufffd"));
});

Deno.test("numberedName() counts before the extension", () => {
  assert.equal(numberedName("report.pdf", 0), "report.pdf");
  assert.equal(numberedName("report.pdf", 1), "report (1).pdf");
  assert.equal(numberedName("archive.tar.gz", 2), "archive (2).tar.gz");
  assert.equal(numberedName("README", 3), "README (3)");
  assert.equal(numberedName("my.notes.txt", 1), "my.notes (1).txt");
});
