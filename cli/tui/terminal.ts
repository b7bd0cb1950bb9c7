/**
 * @module The terminal itself: raw mode, the alternate screen, bracketed paste,
 * size and resize (SIGWINCH), reading keys and drawing frames. Drawing rewrites
 * only the rows that changed since the last frame, inside a synchronized update,
 * so the screen does not flicker. `leave()` restores everything, also on errors.
 */

import { writeAll } from "../context.ts";
import { displayWidth } from "../width.ts";
import { stripStyles } from "./colors.ts";
import { type Key, KeyParser } from "./keys.ts";
import type { Frame, Size } from "./view.ts";

const ENTER = [
  "\x1b[?1049h", // alternate screen
  "\x1b[?2004h", // bracketed paste
  "\x1b[?7l", // no autowrap: a full row must not push the cursor to the next
  "\x1b[2J",
].join("");
const LEAVE = ["\x1b[0m", "\x1b[?7h", "\x1b[?2004l", "\x1b[?25h", "\x1b[?1049l"].join("");
const SYNC_BEGIN = "\x1b[?2026h\x1b[?25l";
const SYNC_END = "\x1b[?25h\x1b[?2026l";

export class Terminal {
  #previous: string[] = [];
  #active = false;
  #resizeHandlers = new Set<() => void>();
  #onSignal = () => {
    this.#previous = [];
    for (const handler of this.#resizeHandlers) handler();
  };

  enter(): void {
    Deno.stdin.setRaw(true);
    this.#active = true;
    writeAll(Deno.stdout, ENTER);
    this.#previous = [];
    Deno.addSignalListener("SIGWINCH", this.#onSignal);
  }

  leave(): void {
    if (!this.#active) return;
    this.#active = false;
    try {
      Deno.removeSignalListener("SIGWINCH", this.#onSignal);
    } catch { /* not added */ }
    try {
      writeAll(Deno.stdout, LEAVE);
    } catch { /* the terminal is gone */ }
    try {
      Deno.stdin.setRaw(false);
    } catch { /* the terminal is gone */ }
  }

  size(): Size {
    try {
      const { columns, rows } = Deno.consoleSize();
      if (columns > 0 && rows > 0) return { columns, rows };
    } catch { /* not a terminal */ }
    return { columns: 80, rows: 24 };
  }

  onResize(handler: () => void): void {
    this.#resizeHandlers.add(handler);
  }

  /** Rings the terminal's bell (it may flash, or mark the window, as the user set it). */
  bell(): void {
    if (this.#active) writeAll(Deno.stdout, "\x07");
  }

  /** Forgets what is on screen: the next draw rewrites every row (Ctrl-L). */
  invalidate(): void {
    this.#previous = [];
  }

  draw(frame: Frame, columns: number): void {
    let out = SYNC_BEGIN;
    if (this.#previous.length !== frame.rows.length) {
      out += "\x1b[2J";
      this.#previous = [];
    }
    frame.rows.forEach((row, i) => {
      if (this.#previous[i] === row) return;
      out += `\x1b[${i + 1};1H${row}\x1b[0m`;
      // Erasing from the last column would erase the character drawn there.
      if (displayWidth(stripStyles(row)) < columns) out += "\x1b[K";
    });
    out += `\x1b[${frame.cursor.row + 1};${frame.cursor.column + 1}H${SYNC_END}`;
    this.#previous = frame.rows;
    writeAll(Deno.stdout, out);
  }

  /** The keys typed, one batch per read, until stdin ends. */
  async *keys(): AsyncGenerator<Key[]> {
    const parser = new KeyParser();
    const decoder = new TextDecoder();
    const buf = new Uint8Array(4096);
    while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null) return;
      const keys = parser.feed(decoder.decode(buf.subarray(0, n), { stream: true }));
      if (keys.length) yield keys;
    }
  }
}
