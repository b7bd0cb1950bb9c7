/**
 * @module The line editor under the conversation: the text being typed, a cursor
 * that moves by grapheme and by word, input history, and a rendering that scrolls
 * horizontally so the cursor is always visible. Newlines (Alt-Enter, pastes) are
 * kept in the text and shown as `↵`. Pure state: the app feeds it keys.
 */

import { displayWidth, graphemes, graphemeWidth } from "../width.ts";

const HISTORY_MAX = 200;
const NEWLINE_MARK = "↵";

/** Control characters a paste may carry: dropped, except newlines; tabs become spaces. */
function clean(text: string): string {
  // Line and paragraph separators break lines on some terminals: new lines here.
  return text.replace(/\r\n?|[\u2028\u2029]/g, "\n").replace(/\t/g, "    ")
    // deno-lint-ignore no-control-regex
    .replace(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g, "");
}

export interface RenderedInput {
  /** What to print after the prompt, at most `width` columns. */
  text: string;
  /** Column of the cursor within `text`. */
  cursor: number;
}

export class InputLine {
  #cells: string[] = [];
  #cursor = 0;
  #scroll = 0;
  #history: string[] = [];
  /** Position while browsing history; equals the history length when not browsing. */
  #historyIndex = 0;
  /** The line being typed before browsing history started. */
  #draft = "";

  get text(): string {
    return this.#cells.join("");
  }

  /** Cursor position in graphemes. */
  get cursor(): number {
    return this.#cursor;
  }

  set(text: string, cursor?: number): void {
    this.#cells = graphemes(clean(text));
    this.#cursor = Math.min(cursor ?? this.#cells.length, this.#cells.length);
  }

  insert(text: string): void {
    const before = this.#cells.slice(0, this.#cursor).join("") + clean(text);
    const after = this.#cells.slice(this.#cursor).join("");
    // Re-segment: a combining mark joins the grapheme before it.
    this.#cells = graphemes(before + after);
    this.#cursor = graphemes(before).length;
  }

  backspace(): void {
    if (this.#cursor === 0) return;
    this.#cells.splice(this.#cursor - 1, 1);
    this.#cursor--;
  }

  deleteForward(): void {
    this.#cells.splice(this.#cursor, 1);
  }

  left(): void {
    this.#cursor = Math.max(0, this.#cursor - 1);
  }

  right(): void {
    this.#cursor = Math.min(this.#cells.length, this.#cursor + 1);
  }

  home(): void {
    this.#cursor = 0;
  }

  end(): void {
    this.#cursor = this.#cells.length;
  }

  #wordStart(): number {
    let i = this.#cursor;
    while (i > 0 && /\s/.test(this.#cells[i - 1])) i--;
    while (i > 0 && !/\s/.test(this.#cells[i - 1])) i--;
    return i;
  }

  wordLeft(): void {
    this.#cursor = this.#wordStart();
  }

  wordRight(): void {
    let i = this.#cursor;
    const n = this.#cells.length;
    while (i < n && /\s/.test(this.#cells[i])) i++;
    while (i < n && !/\s/.test(this.#cells[i])) i++;
    this.#cursor = i;
  }

  /** Ctrl-W: deletes the word before the cursor. */
  deleteWordBack(): void {
    const start = this.#wordStart();
    this.#cells.splice(start, this.#cursor - start);
    this.#cursor = start;
  }

  /** Ctrl-U. */
  deleteToStart(): void {
    this.#cells.splice(0, this.#cursor);
    this.#cursor = 0;
  }

  /** Ctrl-K. */
  deleteToEnd(): void {
    this.#cells.splice(this.#cursor);
  }

  clear(): void {
    this.#cells = [];
    this.#cursor = 0;
    this.#scroll = 0;
    this.#historyIndex = this.#history.length;
  }

  /** Enter: answers the text, remembers it in the history (unless `secret`) and clears. */
  commit(options: { secret?: boolean } = {}): string {
    const text = this.text;
    if (!options.secret && text.trim() && this.#history.at(-1) !== text) {
      this.#history.push(text);
      if (this.#history.length > HISTORY_MAX) this.#history.shift();
    }
    this.#historyIndex = this.#history.length;
    this.clear();
    return text;
  }

  historyUp(): void {
    if (this.#historyIndex === 0) return;
    if (this.#historyIndex === this.#history.length) this.#draft = this.text;
    this.#historyIndex--;
    this.set(this.#history[this.#historyIndex]);
  }

  historyDown(): void {
    if (this.#historyIndex >= this.#history.length) return;
    this.#historyIndex++;
    this.set(
      this.#historyIndex === this.#history.length ? this.#draft : this.#history[this.#historyIndex],
    );
  }

  /**
   * The visible part for `width` columns. Scrolls (keeping a few characters of
   * context on the left) so the cursor stays in view; `hidden` shows nothing at
   * all, for passwords.
   */
  render(width: number, options: { hidden?: boolean } = {}): RenderedInput {
    if (options.hidden || width <= 0) return { text: "", cursor: 0 };
    const cells = this.#cells.map((c) => c === "\n" ? NEWLINE_MARK : c);
    const widths = cells.map(graphemeWidth);
    if (this.#cursor <= this.#scroll) {
      this.#scroll = Math.max(0, this.#cursor - Math.min(8, Math.floor(width / 4)));
    }
    // The cells left of the cursor plus the cursor's own cell must fit.
    const span = () => {
      let used = widths[this.#cursor] ?? 1;
      for (let i = this.#scroll; i < this.#cursor; i++) used += widths[i];
      return used;
    };
    while (this.#scroll < this.#cursor && span() > width) this.#scroll++;
    let text = "";
    let used = 0;
    let cursor = 0;
    for (let i = this.#scroll; i < cells.length && used + widths[i] <= width; i++) {
      if (i === this.#cursor) cursor = used;
      text += cells[i];
      used += widths[i];
    }
    if (this.#cursor >= cells.length) cursor = displayWidth(text);
    return { text, cursor: Math.min(cursor, width - 1) };
  }
}
