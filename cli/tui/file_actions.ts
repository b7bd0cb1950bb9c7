/**
 * @module Files in the interactive client: `/upload PATH [caption]` streams a file
 * up (its progress in the status bar) and then sends the message carrying it
 * through the outbox, so that message is never lost either; `/download SEQ [N]`
 * saves the files of message SEQ into the downloads directory under a free name
 * (`report (1).pdf` rather than overwriting), verified, and says where.
 */

import type { ChatApi } from "../../lib/client/http.ts";
import { ChatError } from "../../lib/errors.ts";
import type { FileInfo, Message, ServerConfig } from "../../lib/protocol/types.ts";
import { validateCaption } from "../../lib/protocol/validate.ts";
import { formatSize, plural, shortFileName } from "../format.ts";
import { sanitizeLine } from "../sanitize.ts";
import { checkUpload, downloadFile, uploadFile } from "../transfer.ts";
import type { Model, Transfer } from "./model.ts";

/** How often a transfer's progress redraws the screen. */
const REDRAW_MS = 100;

export interface FileActionHooks {
  /** The API with the session's token; throws when logged out. */
  api(): ChatApi;
  /** Sends a message with files through the outbox. */
  send(roomId: string, text: string, files: FileInfo[], restore: string): void;
  changed(): void;
  /** Where downloads go. */
  downloadDir(): string;
}

/** `~` and `~/…` at the start of a path, from HOME. */
export function expandHome(path: string, home: string | undefined): string {
  if (!home) return path;
  if (path === "~") return home;
  if (path.startsWith("~/")) return `${home.replace(/\/+$/, "")}${path.slice(1)}`;
  return path;
}

/**
 * The first word of `/upload`'s arguments as a path, and the rest (the caption):
 * a path with spaces is quoted (`"my file.pdf"`, `'…'`) or escaped (`my\ file.pdf`,
 * as Tab completes it).
 */
export function splitPathArg(raw: string): { path: string; rest: string } {
  const text = raw.replace(/^\s+/, "");
  let path = "";
  let i = 0;
  let quote = "";
  for (; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = "";
      else if (c === "\\" && quote === '"' && i + 1 < text.length) path += text[++i];
      else path += c;
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === "\\" && i + 1 < text.length) {
      path += text[++i];
    } else if (/\s/.test(c)) {
      break;
    } else {
      path += c;
    }
  }
  return { path, rest: text.slice(i).replace(/^[ \t]+/, "") };
}

/** A path written so that {@linkcode splitPathArg} reads it back (spaces escaped). */
export function escapePath(path: string): string {
  return path.replace(/([\\\s"'])/g, "\\$1");
}

/** How many paths Tab offers at most. */
const PATHS_MAX = 200;

/**
 * The local paths that complete `typed` (as typed after `/upload`: escaped,
 * maybe starting with `~`), escaped again, directories ending with `/`; hidden
 * entries only when a `.` is typed.
 */
export function pathCompletions(typed: string, home = Deno.env.get("HOME")): string[] {
  const raw = splitPathArg(typed).path;
  const cut = raw.lastIndexOf("/") + 1;
  const dirTyped = raw.slice(0, cut);
  const base = raw.slice(cut);
  const dir = expandHome(dirTyped, home) || ".";
  const found: string[] = [];
  try {
    for (const entry of Deno.readDirSync(dir === "~" ? `${home}/` : dir)) {
      if (!entry.name.startsWith(base) || (entry.name.startsWith(".") && !base.startsWith("."))) {
        continue;
      }
      let isDir = entry.isDirectory;
      if (entry.isSymlink) {
        try {
          isDir = Deno.statSync(`${dir}/${entry.name}`).isDirectory;
        } catch { /* a dangling link: a file */ }
      }
      found.push(escapePath(dirTyped + entry.name) + (isDir ? "/" : ""));
      if (found.length >= PATHS_MAX) break;
    }
  } catch {
    return [];
  }
  return found.sort();
}

/** `/download SEQ [N]`: the message's seq (`3` or `#3`) and which of its files (1-based). */
export function parseDownloadArgs(args: string[]): { seq: number; index?: number } {
  const usage = () => new ChatError("bad_request", "Usage: /download SEQ [N]");
  if (args.length < 1 || args.length > 2) throw usage();
  const seqText = args[0].replace(/^#/, "");
  if (!/^\d{1,15}$/.test(seqText) || Number(seqText) < 1) throw usage();
  if (args[1] !== undefined && (!/^\d{1,3}$/.test(args[1]) || Number(args[1]) < 1)) throw usage();
  return { seq: Number(seqText), index: args[1] === undefined ? undefined : Number(args[1]) };
}

/** Where the interactive mode saves files: CHAT_DOWNLOAD_DIR, else the current directory. */
export function defaultDownloadDir(env = (name: string) => Deno.env.get(name)): string {
  const dir = env("CHAT_DOWNLOAD_DIR")?.trim();
  return dir ? expandHome(dir, env("HOME")) : Deno.cwd();
}

export class FileActions {
  #model: Model;
  #hooks: FileActionHooks;
  #config?: Promise<ServerConfig>;
  #aborts = new Set<AbortController>();

  constructor(model: Model, hooks: FileActionHooks) {
    this.#model = model;
    this.#hooks = hooks;
  }

  /**
   * Uploads a local file to the room on screen and then sends it, with `caption`.
   * `line`: the command as typed, given back if the message is refused.
   */
  async upload(path: string, caption: string, line: string): Promise<void> {
    const view = this.#model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    const api = this.#hooks.api();
    let text: string;
    try {
      text = validateCaption(caption);
    } catch (err) {
      throw new ChatError("bad_request", (err as Error).message);
    }
    const config = await this.#limits(api);
    const file = await checkUpload(path, config.maxUploadBytes);
    const roomId = view.room.id;
    const info = await this.#track(
      true,
      file.name,
      file.size,
      (onProgress, signal) => uploadFile(api, file, { onProgress, signal }),
    ).catch((err) => {
      throw new ChatError(
        err instanceof ChatError ? err.code : "internal",
        `Upload of ${shortFileName(file.name)} failed: ${(err as Error).message}`,
      );
    });
    this.#hooks.send(roomId, text, [info], line);
  }

  /** Saves file `index` (1-based; all without it) of message `seq` of the room on screen. */
  async download(seq: number, index?: number): Promise<void> {
    const view = this.#model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    const api = this.#hooks.api();
    const message = view.timeline.get(seq) ?? await fetchMessage(api, view.room.id, seq);
    if (!message) throw new ChatError("bad_request", `No message #${seq} here`);
    if (message.deleted) {
      throw new ChatError("bad_request", `Message #${seq} was deleted: its files are gone`);
    }
    const files = message.files ?? [];
    if (!files.length) throw new ChatError("bad_request", `Message #${seq} has no files`);
    if (index !== undefined && index > files.length) {
      throw new ChatError(
        "bad_request",
        `Message #${seq} has ${plural(files.length, "file")}: /download ${seq} 1…${files.length}`,
      );
    }
    const chosen = index === undefined ? files : [files[index - 1]];
    const dir = this.#hooks.downloadDir();
    for (const file of chosen) {
      const saved = await this.#track(
        false,
        file.name,
        file.size,
        (onProgress, signal) =>
          downloadFile(api, file.url, { dir, exists: "rename" }, {
            label: file.name,
            fallbackName: file.name,
            onProgress,
            signal,
          }),
      ).catch((err) => {
        throw new ChatError(
          err instanceof ChatError ? err.code : "internal",
          `Download of ${shortFileName(file.name)} failed: ${(err as Error).message}`,
        );
      });
      this.#model.notice(
        `Saved ${shortFileName(saved.name)} (${formatSize(saved.size)}) to ${
          sanitizeLine(saved.path)
        }`,
      );
      this.#hooks.changed();
    }
  }

  /** Stops every transfer (quitting): partial downloads are removed. */
  abortAll(): void {
    for (const controller of this.#aborts) controller.abort();
    this.#aborts.clear();
  }

  /** The server's limits, asked once (again after a failure). */
  #limits(api: ChatApi): Promise<ServerConfig> {
    this.#config ??= api.config();
    this.#config.catch(() => this.#config = undefined);
    return this.#config;
  }

  /** Runs a transfer shown in the status bar, its progress redrawn now and then. */
  async #track<T>(
    up: boolean,
    name: string,
    total: number,
    run: (onProgress: (done: number) => void, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const transfer: Transfer = { up, name, done: 0, total, startedAt: Date.now() };
    const controller = new AbortController();
    this.#aborts.add(controller);
    this.#model.transfers.push(transfer);
    this.#hooks.changed();
    let drawnAt = 0;
    try {
      return await run((done) => {
        transfer.done = done;
        const now = Date.now();
        if (now - drawnAt >= REDRAW_MS) {
          drawnAt = now;
          this.#hooks.changed();
        }
      }, controller.signal);
    } finally {
      this.#aborts.delete(controller);
      this.#model.transfers = this.#model.transfers.filter((t) => t !== transfer);
      this.#hooks.changed();
    }
  }
}

/** A message not held (older than the transcript), from the server. */
async function fetchMessage(api: ChatApi, roomId: string, seq: number) {
  const page = await api.messages(roomId, { after: seq - 1, limit: 1 });
  return page.messages.find((m: Message) => m.seq === seq);
}
