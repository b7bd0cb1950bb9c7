/**
 * @module Subcommands about files: `upload ROOM FILE... [--text TEXT]` (streamed
 * from disk, then one message carrying them, `--reply`/`--thread` as `send`) and `download FILE_ID|URL [-o PATH]`
 * (streamed into a temporary file, verified, then renamed). A progress bar is
 * drawn on stderr when it is a terminal, never when it is piped.
 */

import { ApiError } from "../../lib/client/http.ts";
import { FILES_PER_MESSAGE } from "../../lib/protocol/limits.ts";
import type { FileInfo, Message } from "../../lib/protocol/types.ts";
import { validateCaption } from "../../lib/protocol/validate.ts";
import { type Context, requireLogin } from "../context.ts";
import { InterruptedError, InvalidInputError, UsageError } from "../errors.ts";
import { formatSize, plural, shortFileName } from "../format.ts";
import { ProgressBar } from "../progress.ts";
import { resolveRoom } from "../resolve_room.ts";
import { sanitizeLine } from "../sanitize.ts";
import {
  checkUpload,
  type Destination,
  downloadFile,
  fileUrlFor,
  type LocalFile,
  type Saved,
  uploadFile,
} from "../transfer.ts";
import { withRetry } from "./_retry.ts";
import { sendOptionsOf } from "./messages.ts";

/**
 * Runs `fn` with a signal that Ctrl-C aborts (so temporary files are removed and
 * the exit code is 130) instead of the process dying half-way.
 */
export async function withInterrupt<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = () => controller.abort(new InterruptedError());
  Deno.addSignalListener("SIGINT", onSignal);
  try {
    return await fn(controller.signal);
  } catch (err) {
    if (controller.signal.aborted) throw new InterruptedError();
    throw err;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

function checkCaption(text: string): string {
  try {
    return validateCaption(text);
  } catch (err) {
    throw new InvalidInputError(`Option --text: ${(err as Error).message}`);
  }
}

/** A failed upload says which file; the error keeps its kind (and exit code). */
function aboutFile(err: unknown, file: LocalFile): unknown {
  if (err instanceof ApiError) {
    return new ApiError(err.code, `"${file.path}": ${err.message}`, err.status, err.retryAfterMs);
  }
  return err;
}

/** `Sent report.pdf (1.2 MB) to #room (#7)`, or `Sent 3 files (4 MB) to …`. */
function sentLine(files: FileInfo[], label: string, seq: number): string {
  const size = formatSize(files.reduce((sum, f) => sum + f.size, 0));
  const what = files.length === 1
    ? `${shortFileName(files[0].name)} (${size})`
    : `${plural(files.length, "file")} (${size})`;
  return `Sent ${what} to ${label} (#${seq})`;
}

export async function upload(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, ...paths] = ctx.positionals;
  const caption = checkCaption(ctx.flags.text ?? "");
  const options = sendOptionsOf(ctx.flags);
  const config = await ctx.api.config();
  // Every file is checked before the first byte goes out.
  const files: LocalFile[] = [];
  for (const path of paths) files.push(await checkUpload(path, config.maxUploadBytes));
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (config.uploadQuotaBytesPerDay && total > config.uploadQuotaBytesPerDay) {
    throw new InvalidInputError(
      `Files are too large together: ${formatSize(total)}, the daily upload quota is ${
        formatSize(config.uploadQuotaBytesPerDay)
      }`,
    );
  }
  const target = await resolveRoom(ctx.api, roomArg);
  const perMessage = Math.max(1, config.maxFilesPerMessage || FILES_PER_MESSAGE);
  const bar = new ProgressBar();
  let sent = 0;
  try {
    await withInterrupt(async (signal) => {
      for (let i = 0; i < files.length; i += perMessage) {
        const uploaded: FileInfo[] = [];
        for (const file of files.slice(i, i + perMessage)) {
          bar.start(file.name, file.size);
          try {
            uploaded.push(
              await uploadFile(ctx.api, file, { onProgress: (n) => bar.update(n), signal }),
            );
          } catch (err) {
            throw aboutFile(err, file);
          } finally {
            bar.clear();
          }
        }
        // The caption goes with the first message; the clientId makes a retry safe.
        const clientId = crypto.randomUUID();
        const ids = uploaded.map((f) => f.id);
        const text = i === 0 ? caption : "";
        const message: Message = await withRetry(() =>
          ctx.api.send(target.id, text, clientId, { ...options, files: ids })
        );
        sent++;
        if (ctx.flags.json) ctx.out.json(message);
        else ctx.out.line(sentLine(message.files ?? uploaded, target.label, message.seq));
      }
    });
  } catch (err) {
    if (sent) ctx.out.warn(`chat: ${plural(sent, "message")} with files went out before it`);
    throw err;
  }
}

/** Where `-o` (or its absence) sends a download. */
async function destinationOf(ctx: Context): Promise<Destination> {
  const output = ctx.flags.output;
  const exists = ctx.flags.force ? "overwrite" : "fail";
  if (output === undefined) return { dir: ".", exists };
  if (output === "-") {
    if (ctx.flags.json) throw new UsageError("Option --json does not apply to -o - (stdout)");
    if (Deno.stdout.isTerminal()) {
      throw new InvalidInputError(
        "Refused: -o - would print the file on the terminal: redirect or pipe it",
      );
    }
    return { stdout: true };
  }
  if (!output) throw new UsageError("Option -o needs a path");
  const info = await Deno.stat(output).catch(() => undefined);
  if (info?.isDirectory || output.endsWith("/")) {
    if (!info) throw new InvalidInputError(`No such directory: "${output}"`);
    return { dir: output, exists };
  }
  const parent = output.includes("/") ? output.slice(0, output.lastIndexOf("/")) || "/" : ".";
  const parentInfo = await Deno.stat(parent).catch(() => undefined);
  if (!parentInfo?.isDirectory) throw new InvalidInputError(`No such directory: "${parent}"`);
  return { path: output };
}

export async function download(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const arg = ctx.positionals[0];
  const url = fileUrlFor(ctx.server, arg);
  const dest = await destinationOf(ctx);
  const bar = new ProgressBar();
  let saved: Saved;
  try {
    saved = await withInterrupt((signal) =>
      downloadFile(ctx.api, url, dest, {
        label: arg,
        onStart: (name, total) => bar.start(name, total),
        onProgress: (done) => bar.update(done),
        signal,
      })
    );
  } finally {
    bar.clear();
  }
  if (ctx.flags.json) ctx.out.json(saved);
  else if (saved.path !== "-") {
    ctx.out.line(
      `Saved ${shortFileName(saved.name)} (${formatSize(saved.size)}) to ${
        sanitizeLine(saved.path)
      }`,
    );
  }
}
