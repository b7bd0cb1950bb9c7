/**
 * @module Makes text from the server safe to print on a terminal.
 *
 * Everything a server sends (message text, usernames, room names, topics, error
 * messages) is untrusted: an escape sequence in a message could otherwise move the
 * cursor, rewrite the screen, change the window title or the colours. Control
 * characters are shown in caret notation (`^[`), so a reader sees that something
 * odd was sent instead of having it silently vanish. Right-to-left letters are
 * printed as they are; only the explicit bidi embedding/override/isolate controls
 * are removed, because they can make a line read differently from what was sent.
 */

// deno-lint-ignore-file no-control-regex

// C0 controls, DEL and C1 controls (U+009B is a one-character CSI on some terminals).
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/g;
const BIDI_CONTROL_RE = /[\u202a-\u202e\u2066-\u2069]/g;
// Line and paragraph separators break lines on some terminals.
const SEPARATOR_RE = /[\u2028\u2029]/g;

/** Caret notation for one control character: `^[` for ESC, `^?` for DEL, `<9b>` for C1. */
function showControl(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20) return "^" + String.fromCharCode(code + 0x40);
  if (code === 0x7f) return "^?";
  return `<${code.toString(16)}>`;
}

/**
 * One line of untrusted text, printable as is: no control character of any kind
 * survives (newlines and tabs included, which become a space).
 */
export function sanitizeLine(text: string): string {
  return text
    .replace(BIDI_CONTROL_RE, "")
    .replace(SEPARATOR_RE, " ")
    .replace(CONTROL_RE, (char) => char === "\n" || char === "\t" ? " " : showControl(char));
}

/**
 * Untrusted text that may span lines (message text): split on newlines, each line
 * sanitized, tabs expanded to spaces. Carriage returns are dropped at line ends
 * (CRLF) and shown elsewhere.
 */
export function sanitizeLines(text: string): string[] {
  return text
    .replace(/\r\n/g, "\n")
    .replace(SEPARATOR_RE, "\n")
    .split("\n")
    .map((line) => sanitizeLine(line.replace(/\t/g, "    ")));
}
