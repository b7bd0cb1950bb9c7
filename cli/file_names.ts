/**
 * @module File names that come from the server, made safe to save under: the
 * name a download announces (`Content-Disposition`, RFC 6266 with RFC 5987's
 * `filename*`), cut down to a bare name in the chosen directory (no path, no
 * hidden or parent entry, no control characters), and the numbered variants
 * (`report (1).pdf`) the interactive mode uses rather than overwriting.
 */

// deno-lint-ignore-file no-control-regex

export interface ContentDisposition {
  /** `inline` or `attachment`, lowercased ("" when missing). */
  type: string;
  /** The file name it announces, decoded; undefined when none is usable. */
  filename?: string;
}

/** The parameters of a header value: `type; a=b; c="d \" e"` → [type, {a, c}]. */
function parseParams(header: string): [string, Map<string, string>] {
  const params = new Map<string, string>();
  let i = header.indexOf(";");
  const type = (i < 0 ? header : header.slice(0, i)).trim().toLowerCase();
  if (i < 0) return [type, params];
  i++;
  while (i < header.length) {
    while (header[i] === " " || header[i] === "\t" || header[i] === ";") i++;
    const eq = header.indexOf("=", i);
    if (eq < 0) break;
    const name = header.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (header[i] === " " || header[i] === "\t") i++;
    let value = "";
    if (header[i] === '"') {
      i++;
      while (i < header.length && header[i] !== '"') {
        if (header[i] === "\\" && i + 1 < header.length) i++;
        value += header[i++];
      }
      i++;
      const semi = header.indexOf(";", i);
      i = semi < 0 ? header.length : semi;
    } else {
      const semi = header.indexOf(";", i);
      value = header.slice(i, semi < 0 ? header.length : semi).trim();
      i = semi < 0 ? header.length : semi;
    }
    // The first of a repeated parameter wins (RFC 6266 says such a header is invalid).
    if (name && !params.has(name)) params.set(name, value);
  }
  return [type, params];
}

/**
 * An RFC 5987 `ext-value` (`UTF-8'en'r%C3%A9sum%C3%A9.pdf`), decoded; undefined
 * when malformed or in a charset other than UTF-8 and ISO-8859-1.
 */
export function decodeExtValue(value: string): string | undefined {
  const match = /^([A-Za-z0-9!#$%&+^_`{}~-]+)'[A-Za-z0-9-]*'(.*)$/.exec(value);
  if (!match) return undefined;
  const charset = match[1].toLowerCase();
  const encoded = match[2];
  if (!/^(?:%[0-9A-Fa-f]{2}|[A-Za-z0-9!#$&+.^_`|~-])*$/.test(encoded)) return undefined;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === "%") {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(encoded.charCodeAt(i));
    }
  }
  if (charset === "utf-8") {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
    } catch {
      return undefined;
    }
  }
  if (charset === "iso-8859-1") return String.fromCharCode(...bytes);
  return undefined;
}

/**
 * Parses a `Content-Disposition` header: `filename*` (RFC 5987, UTF-8) when it is
 * there and decodes, else `filename`. The name is as the server sent it: pass it
 * through {@linkcode safeFileName} before using it on disk.
 */
export function parseContentDisposition(header: string | null): ContentDisposition {
  if (!header) return { type: "" };
  const [type, params] = parseParams(header);
  const extended = params.get("filename*");
  const decoded = extended === undefined ? undefined : decodeExtValue(extended);
  const filename = decoded ?? params.get("filename");
  return filename ? { type, filename } : { type };
}

const UNSAFE_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const BIDI_RE = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
const NAME_MAX_BYTES = 255;
const encoder = new TextEncoder();

/** Cuts a name to `max` UTF-8 bytes, keeping its extension when it has a short one. */
function cutToBytes(name: string, max: number): string {
  if (encoder.encode(name).length <= max) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : "";
  let stem = ext ? name.slice(0, dot) : name;
  const room = max - encoder.encode(ext).length;
  // Code points, not UTF-16 units: never split a surrogate pair.
  const chars = [...stem];
  while (chars.length && encoder.encode(chars.join("")).length > room) chars.pop();
  stem = chars.join("");
  return stem + ext;
}

/**
 * An untrusted file name as a bare name to create in a directory of my choice:
 * only what follows the last `/` or `\`, control characters as `_`, bidi
 * controls removed, no leading dots (no hidden file, no `..`) nor trailing dots
 * and spaces, at most 255 bytes. `fallback` when nothing is left.
 */
export function safeFileName(name: string, fallback = "download"): string {
  const base = name.split(/[/\\]/).pop() ?? "";
  const clean = base
    .replace(BIDI_RE, "")
    .replace(UNSAFE_RE, "_")
    .trim()
    .replace(/^[.\s]+/, "")
    .replace(/[.\s]+$/, "");
  const cut = cutToBytes(clean, NAME_MAX_BYTES);
  if (cut) return cut;
  return fallback === name ? "download" : safeFileName(fallback, "download");
}

/** The n-th free variant of a name: `report.pdf` → `report (1).pdf`, `a.tar.gz` → `a (1).tar.gz`. */
export function numberedName(name: string, n: number): string {
  if (n === 0) return name;
  const match = /^(.+?)((?:\.tar)?\.[^.\s]{1,16})?$/.exec(name);
  const stem = match?.[1] ?? name;
  const ext = match?.[2] ?? "";
  return cutToBytes(`${stem} (${n})${ext}`, NAME_MAX_BYTES);
}
