/**
 * @module What an upload is, from its own bytes (never from what the client
 * claims), and the name it is shown and downloaded under. Only the four raster
 * image types are ever served inline; everything else, SVG and HTML included
 * (they can carry scripts), is served as an attachment.
 */

/** How many first bytes sniffType() wants: file-type reads at most this far. */
export const SNIFF_BYTES = 4100;

/** Types served inline (shown in the page); anything else is an attachment. */
export const INLINE_TYPES: ReadonlySet<string> = new Set([
  "image/png",
  "image/jpeg",
  "image/gif",
  "image/webp",
]);

/** Whether `type` is one of the raster images that are scanned, thumbnailed and shown. */
export function isImageType(
  type: string,
): type is "image/png" | "image/jpeg" | "image/gif" | "image/webp" {
  return INLINE_TYPES.has(type);
}

/**
 * The MIME type of a file from its first bytes: at least the first
 * {@linkcode SNIFF_BYTES}, or the whole file when it is shorter. file-type's
 * magic numbers first; then SVG, `text/plain` for UTF-8 text with no NUL and few
 * control characters (HTML included), and `application/octet-stream` for the rest
 * (an empty file too).
 */
export async function sniffType(head: Uint8Array): Promise<string> {
  // Loaded on the first upload, not at start-up: file-type's module graph (CommonJS
  // dependencies included) is about a quarter of the server's cold start.
  const { fileTypeFromBuffer } = await import("file-type");
  const found = await fileTypeFromBuffer(head);
  // file-type names any XML (an SVG with an XML declaration too) application/xml.
  if (found && found.mime !== "application/xml") return found.mime;
  const text = decodeText(head);
  if (text !== undefined && isSvg(text)) return "image/svg+xml";
  if (found) return found.mime;
  if (text !== undefined && text.length > 0 && looksLikeText(text)) return "text/plain";
  return "application/octet-stream";
}

/** `head` as UTF-8, allowing a multi-byte sequence cut at its very end; undefined when not UTF-8. */
function decodeText(head: Uint8Array): string | undefined {
  try {
    // `stream: true` holds back (instead of rejecting) an incomplete sequence at the end.
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(head, {
      stream: true,
    });
  } catch {
    return undefined;
  }
}

/**
 * Whether the text, after an optional BOM, whitespace, XML declaration,
 * processing instructions, comments and doctype, starts an `<svg` element.
 */
function isSvg(text: string): boolean {
  let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  while (true) {
    while (at < text.length && /\s/.test(text[at])) at++;
    if (text.startsWith("<?", at)) {
      const close = text.indexOf("?>", at + 2);
      if (close < 0) return false;
      at = close + 2;
    } else if (text.startsWith("<!--", at)) {
      const close = text.indexOf("-->", at + 4);
      if (close < 0) return false;
      at = close + 3;
    } else if (text.slice(at, at + 9).toUpperCase() === "<!DOCTYPE") {
      // An internal subset ([...]) may hold ">" of its own.
      const close = text.indexOf(">", at);
      const subset = text.indexOf("[", at);
      const end = subset >= 0 && subset < close ? text.indexOf("]", subset) : close;
      const closeAfter = end < 0 ? -1 : text.indexOf(">", end);
      if (closeAfter < 0) return false;
      at = closeAfter + 1;
    } else {
      return /^<svg[\s/>]/i.test(text.slice(at, at + 5));
    }
  }
}

/**
 * Whether decoded text reads as text: no NUL, and at most one control character
 * in a hundred (tab, line breaks, form feed and escape, for coloured logs, do not
 * count).
 */
function looksLikeText(text: string): boolean {
  let controls = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0) return false;
    const control = (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c &&
      c !== 0x1b) || (c >= 0x7f && c <= 0x9f);
    if (control) controls++;
  }
  return controls * 100 <= text.length;
}

/** The longest name in UTF-8 bytes (most file systems' limit). */
export const MAX_NAME_BYTES = 255;

/** An extension longer than this is part of the name, not kept whole when truncating. */
const MAX_EXTENSION_BYTES = 32;

/**
 * Control characters (`\p{Cc}`: C0, DEL, C1), bidi controls (which can make `exe.png` of
 * `\u202Egnp.exe`) and zero-width characters.
 */
const UNSAFE_CHARS =
  /[\p{Cc}\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b-\u200d\u2060\ufeff]/gu;

const encoder = new TextEncoder();

function utf8Length(text: string): number {
  return encoder.encode(text).length;
}

/**
 * A display name safe to show and to put in Content-Disposition: the last path
 * segment (`/` or `\`) of `raw`, without control, bidi or zero-width characters,
 * trimmed of whitespace and leading dots, NFC-normalized, and at most
 * {@linkcode MAX_NAME_BYTES} UTF-8 bytes (the stem is shortened, whole characters
 * at a time, so the extension stays). "file" when nothing is left.
 */
export function sanitizeFileName(raw: string): string {
  const segment = raw.split(/[/\\]/).pop() ?? "";
  const name = segment.toWellFormed().normalize("NFC").replace(UNSAFE_CHARS, "")
    .trim().replace(/^[.\s]+/, "");
  return truncateName(name) || "file";
}

/** `name` cut to MAX_NAME_BYTES, keeping its extension and whole grapheme clusters. */
function truncateName(name: string): string {
  if (utf8Length(name) <= MAX_NAME_BYTES) return name;
  const dot = name.lastIndexOf(".");
  let extension = dot > 0 ? name.slice(dot) : "";
  if (utf8Length(extension) > MAX_EXTENSION_BYTES) extension = "";
  const stem = extension ? name.slice(0, dot) : name;
  let budget = MAX_NAME_BYTES - utf8Length(extension);
  let kept = "";
  for (const { segment } of new Intl.Segmenter().segment(stem)) {
    const length = utf8Length(segment);
    if (length <= budget) {
      kept += segment;
      budget -= length;
      continue;
    }
    // A cluster too long on its own (a letter under thousands of accents) is cut
    // between code points, so that something is left of it.
    if (kept === "") {
      for (const codePoint of segment) {
        budget -= utf8Length(codePoint);
        if (budget < 0) break;
        kept += codePoint;
      }
    }
    break;
  }
  return kept.trimEnd() + extension;
}

/**
 * A Content-Disposition header value (RFC 6266) for `name` (sanitized again
 * here): `attachment; filename="ascii_fallback"; filename*=UTF-8''percent-encoded`.
 * The fallback, for clients without RFC 5987, has `_` for every non-ASCII
 * character, `"` and `\`.
 */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const safe = sanitizeFileName(name);
  const fallback = Array.from(
    safe,
    (c) => /^[\x20-\x7e]$/.test(c) && c !== '"' && c !== "\\" ? c : "_",
  )
    .join("");
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encodeRfc5987(safe)}`;
}

/** Percent-encodes all but RFC 5987's attr-chars (encodeURIComponent leaves `'()*` too). */
function encodeRfc5987(value: string): string {
  return encodeURIComponent(value).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
