/**
 * @module Turns the bytes a terminal in raw mode sends into keys: printable text,
 * control keys, cursor keys in their CSI and SS3 forms, Alt combinations, and
 * bracketed pastes (which can span reads). Pure, so it is tested without a tty.
 */

// deno-lint-ignore-file no-control-regex

export type KeyName =
  | "enter"
  | "backspace"
  | "delete"
  | "tab"
  | "escape"
  | "up"
  | "down"
  | "left"
  | "right"
  | "home"
  | "end"
  | "pageup"
  | "pagedown"
  | "wordleft"
  | "wordright";

export type Key =
  /** Typed text (consecutive printable characters arrive as one). */
  | { type: "text"; text: string }
  /** A bracketed paste, verbatim (it may hold newlines). */
  | { type: "paste"; text: string }
  | { type: "key"; name: KeyName }
  /** Ctrl and a letter: `ctrl` is the lowercase letter. */
  | { type: "ctrl"; key: string }
  /** Alt (or Esc) and a key. */
  | { type: "alt"; key: string };

const PASTE_START = "\x1b[200~";
const PASTE_END = "\x1b[201~";

const CSI_FINAL: Record<string, KeyName> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};

const CSI_TILDE: Record<string, KeyName> = {
  "1": "home",
  "7": "home",
  "4": "end",
  "8": "end",
  "3": "delete",
  "5": "pageup",
  "6": "pagedown",
};

// CSI: ESC [ parameters (0x30–0x3f)* intermediates (0x20–0x2f)* final (0x40–0x7e).
const CSI_RE = /^\x1b\[([\x30-\x3f]*)[\x20-\x2f]*([\x40-\x7e])/;
const CSI_PARTIAL_RE = /^\x1b(\[[\x30-\x3f\x20-\x2f]*|O)?$/;

function csiKey(params: string, final: string): Key | undefined {
  const modifier = Number(params.split(";")[1] ?? 1);
  if (final === "~") {
    const name = CSI_TILDE[params.split(";")[0]];
    return name ? { type: "key", name } : undefined;
  }
  const name = CSI_FINAL[final];
  if (!name) return undefined;
  // Ctrl (5) or Alt (3) with ←/→ moves by word.
  if ((modifier === 5 || modifier === 3) && (name === "left" || name === "right")) {
    return { type: "key", name: name === "left" ? "wordleft" : "wordright" };
  }
  return { type: "key", name };
}

function controlKey(char: string): Key {
  switch (char) {
    case "\r":
    case "\n":
      return { type: "key", name: "enter" };
    case "\t":
      return { type: "key", name: "tab" };
    case "\x7f":
    case "\b":
      return { type: "key", name: "backspace" };
    default:
      return { type: "ctrl", key: String.fromCharCode(char.charCodeAt(0) + 0x60) };
  }
}

/** Stateful: keeps an unfinished paste or escape sequence until the next read. */
export class KeyParser {
  #buffer = "";
  #paste: string | undefined;

  /** Feeds one decoded read; answers the complete keys in it. */
  feed(chunk: string): Key[] {
    const keys: Key[] = [];
    let s = this.#buffer + chunk;
    this.#buffer = "";
    while (s.length) {
      if (this.#paste !== undefined) {
        const end = s.indexOf(PASTE_END);
        if (end < 0) {
          this.#paste += s;
          break;
        }
        keys.push({ type: "paste", text: this.#paste + s.slice(0, end) });
        this.#paste = undefined;
        s = s.slice(end + PASTE_END.length);
        continue;
      }
      if (s.startsWith(PASTE_START)) {
        this.#paste = "";
        s = s.slice(PASTE_START.length);
        continue;
      }
      const char = s[0];
      if (char === "\x1b") {
        const csi = CSI_RE.exec(s);
        if (csi) {
          const key = csiKey(csi[1], csi[2]);
          if (key) keys.push(key);
          s = s.slice(csi[0].length);
          continue;
        }
        if (s.length > 1 && s[1] === "O" && s.length > 2) {
          const name = CSI_FINAL[s[2]];
          if (name) keys.push({ type: "key", name });
          s = s.slice(3);
          continue;
        }
        if (s.length > 1 && CSI_PARTIAL_RE.test(s)) {
          // The rest of the sequence is in the next read.
          this.#buffer = s;
          break;
        }
        if (s.length === 1) {
          keys.push({ type: "key", name: "escape" });
          break;
        }
        const next = s.codePointAt(1)!;
        const alt = String.fromCodePoint(next);
        if (alt === "b") keys.push({ type: "key", name: "wordleft" });
        else if (alt === "f") keys.push({ type: "key", name: "wordright" });
        else keys.push({ type: "alt", key: alt });
        s = s.slice(1 + alt.length);
        continue;
      }
      if (char < " " || char === "\x7f") {
        keys.push(controlKey(char));
        s = s.slice(1);
        continue;
      }
      const text = /^[^\x00-\x1f\x7f]+/.exec(s)![0];
      const last = keys.at(-1);
      if (last?.type === "text") last.text += text;
      else keys.push({ type: "text", text });
      s = s.slice(text.length);
    }
    return keys;
  }
}
