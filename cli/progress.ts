/**
 * @module Progress of an upload or a download: the one-line bar drawn on stderr
 * when it is a terminal (`report.pdf  1.2 MB / 3.4 MB  35% [====>    ]  2.1 MB/s`),
 * as a pure function of the bytes, the total, the time and the width, and the
 * writer that redraws it at most ten times a second and clears it at the end.
 */

import { formatSize, shortFileName } from "./format.ts";
import { displayWidth, truncate } from "./width.ts";

export interface ProgressState {
  /** The file's name (untrusted: sanitized here). */
  name: string;
  /** Bytes done so far. */
  done: number;
  /** Bytes in all, when known. */
  total?: number;
  /** Since the transfer started. */
  elapsedMs: number;
}

/** Throughput is shown once there is this much time to measure it on. */
const RATE_AFTER_MS = 500;
const BAR_MIN = 10;
const BAR_MAX = 30;

/** `35%`, never 100% before the end (rounding down), "" without a total. */
export function percentText(done: number, total?: number): string {
  if (!total) return "";
  return `${Math.min(100, Math.floor((done / total) * 100))}%`;
}

/** `2.1 MB/s`, or "" while there is too little time to tell. */
export function rateText(done: number, elapsedMs: number): string {
  if (elapsedMs < RATE_AFTER_MS) return "";
  return `${formatSize((done * 1000) / elapsedMs)}/s`;
}

function barText(done: number, total: number, width: number): string {
  const inner = width - 2;
  const filled = Math.min(inner, Math.floor((done / total) * inner));
  const head = filled < inner ? ">" : "";
  return `[${"=".repeat(filled)}${head}${" ".repeat(Math.max(0, inner - filled - head.length))}]`;
}

/**
 * The progress line of one transfer, at most `width` columns:
 * `name  done / total  pct [bar]  rate`. What does not fit goes, least useful
 * first: the bar, the rate, the byte counts; then the name is cut.
 */
export function renderProgress(state: ProgressState, width: number): string {
  const { done, total, elapsedMs } = state;
  const bytes = total ? `${formatSize(done)} / ${formatSize(total)}` : formatSize(done);
  const pct = percentText(done, total);
  const rate = rateText(done, elapsedMs);
  const name = shortFileName(state.name);
  // The name keeps at least 12 columns (or all of itself) before the rest is shown.
  const nameRoom = Math.min(displayWidth(name), 12);
  const join = (...parts: string[]) => parts.filter(Boolean).join("  ");
  const barWidth = Math.max(BAR_MIN, Math.min(BAR_MAX, width - 60));
  const choices = [
    total ? join(bytes, `${pct} ${barText(done, total, barWidth)}`, rate) : "",
    join(bytes, pct, rate),
    join(bytes, pct),
    pct || bytes,
  ].filter(Boolean);
  const right = choices.find((c) => width - displayWidth(c) - 2 >= nameRoom) ?? choices.at(-1)!;
  const room = width - displayWidth(right) - 2;
  if (room < 4) return truncate(right, width);
  return `${truncate(name, room)}  ${right}`;
}

/** The short form for a status bar: `↑ report.pdf 35% 2.1 MB/s`. */
export function compactProgress(state: ProgressState & { up: boolean }): string {
  const parts = [
    state.up ? "↑" : "↓",
    shortFileName(state.name, 24),
    percentText(state.done, state.total) || formatSize(state.done),
    rateText(state.done, state.elapsedMs),
  ];
  return parts.filter(Boolean).join(" ");
}

/** What a progress bar writes to. */
export interface ProgressSink {
  writeSync(p: Uint8Array): number;
}

const encoder = new TextEncoder();

/**
 * Draws one transfer's progress on a terminal line, redrawn at most every
 * `intervalMs` (and once at 100%), cleared by `clear()`. When `enabled` is false
 * (stderr is not a terminal) it draws nothing at all: scripts read no `\r`.
 */
export class ProgressBar {
  #sink: ProgressSink;
  #enabled: boolean;
  #width: () => number;
  #now: () => number;
  #intervalMs: number;
  #startedAt = 0;
  #drawnAt = -Infinity;
  #drawn = false;
  #name = "";
  #total?: number;

  constructor(options: {
    sink?: ProgressSink;
    enabled?: boolean;
    width?: () => number;
    now?: () => number;
    intervalMs?: number;
  } = {}) {
    this.#sink = options.sink ?? Deno.stderr;
    this.#enabled = options.enabled ?? Deno.stderr.isTerminal();
    this.#width = options.width ?? terminalColumns;
    this.#now = options.now ?? (() => performance.now());
    this.#intervalMs = options.intervalMs ?? 100;
  }

  /** Starts a new transfer on the same line. */
  start(name: string, total?: number): void {
    this.#name = name;
    this.#total = total;
    this.#startedAt = this.#now();
    this.#drawnAt = -Infinity;
    this.update(0);
  }

  update(done: number): void {
    if (!this.#enabled) return;
    const now = this.#now();
    const finished = this.#total !== undefined && done >= this.#total;
    if (now - this.#drawnAt < this.#intervalMs && !finished) return;
    this.#drawnAt = now;
    const state = { name: this.#name, done, total: this.#total, elapsedMs: now - this.#startedAt };
    // One column short of the edge: a full line would wrap on some terminals.
    this.#write(`\r${renderProgress(state, Math.max(20, this.#width() - 1))}\x1b[K`);
    this.#drawn = true;
  }

  /** Removes the line (the cursor back at its start). */
  clear(): void {
    if (!this.#drawn) return;
    this.#write("\r\x1b[K");
    this.#drawn = false;
  }

  #write(text: string): void {
    try {
      let bytes = encoder.encode(text);
      while (bytes.length) bytes = bytes.subarray(this.#sink.writeSync(bytes));
    } catch {
      // stderr is gone: the transfer goes on without a bar.
      this.#enabled = false;
    }
  }
}

function terminalColumns(): number {
  try {
    return Deno.consoleSize().columns;
  } catch {
    return 80;
  }
}
