/**
 * The uploader and the tray, loaded when the first file is added or dragged over
 * the page (see `_attachments.ts`). Each file is posted to `/api/uploads` on its own, at most
 * three at a time, with XMLHttpRequest: `fetch` cannot report upload progress.
 *
 * - A file over the server's limit (`GET /api/config`) fails at once, without
 *   a byte sent; a message carries at most the server's number of files.
 * - A refusal shows on the file with the server's reason; Retry when trying again
 *   can help (a 5xx, a 429, a lost connection). A 429 with a short Retry-After is
 *   retried by itself, up to three times. An upload cut off by a lost connection
 *   starts again when the page's socket is back.
 * - Leaving the page while a file is uploading, or sent with a message that is
 *   not acknowledged yet, asks first (`beforeunload`): they would be lost.
 *
 * It imports nothing of the page's own code: `start()` is handed it (see `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { effect, type Signal, signal } from "@preact/signals";
import type { ServerConfig } from "../lib/protocol/types.ts";
import type { Attachment } from "./_attachments.ts";
import type { Kit } from "./_lazy.ts";

const PARALLEL = 3;
/** A 429 asking to wait longer than this is not retried by itself. */
const AUTO_RETRY_MAX_S = 30;
const PREVIEWED = ["image/png", "image/jpeg", "image/gif", "image/webp"];

const requests = new Map<string, XMLHttpRequest>();
/** The tray of the page's chat pane (there is one). */
let tray: Signal<Attachment[]>;
/** A line under the tray: files that were not added. */
const note = signal("");
const dragging = signal(false);
let kit: Kit;
let config: Promise<ServerConfig | null>;

/** Called once, when the module is loaded: the page's code it uses, and its tray. */
export function start(given: Kit, items: Signal<Attachment[]>): void {
  kit = given;
  tray = items;
  config = kit.chatApi().config().catch(() => null);
  // Back online: uploads cut off by the lost connection start again.
  effect(() => {
    if (kit.connection.value !== "open") return;
    for (const item of tray.peek()) if (item.offline) retry(item.key);
  });
  // Anything but uploaded or failed would be lost: uploading, waiting, or sent with a
  // message that is not acknowledged yet.
  addEventListener("beforeunload", (event) => {
    if (tray.peek().some((a) => a.status !== "done" && a.status !== "failed")) {
      event.preventDefault();
    }
  });
}

function update(key: string, change: Partial<Attachment>): void {
  tray.value = tray.peek().map((a) => a.key === key ? { ...a, ...change } : a);
}

/** Starts queued uploads while fewer than PARALLEL are running. */
function pump(): void {
  let running = tray.peek().filter((a) => a.status === "uploading").length;
  for (const item of tray.peek()) {
    if (running >= PARALLEL) return;
    if (item.status === "queued") {
      running++;
      upload(item);
    }
  }
}

function upload(item: Attachment): void {
  const { key, file } = item;
  update(key, { status: "uploading", loaded: 0, error: undefined, offline: undefined });
  const xhr = new XMLHttpRequest();
  requests.set(key, xhr);
  xhr.open("POST", `/api/uploads?name=${encodeURIComponent(file.name)}`);
  xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
  xhr.upload.onprogress = (event) => update(key, { loaded: event.loaded });
  xhr.onload = () => {
    requests.delete(key);
    let body;
    try {
      body = JSON.parse(xhr.responseText);
    } catch { /* not JSON: a proxy's error page */ }
    const status = xhr.status;
    if (status === 201 && body?.file) {
      update(key, { status: "done", loaded: file.size, info: body.file });
    } else {
      const wait = Number(xhr.getResponseHeader("retry-after") ?? NaN);
      const attempts = (tray.peek().find((a) => a.key === key)?.attempts ?? 0) + 1;
      update(key, {
        status: "failed",
        error: body?.error?.message ?? `Upload failed: the server answered ${status}`,
        retry: status >= 500 || status === 429 || status === 408,
        attempts,
      });
      if (status === 429 && wait <= AUTO_RETRY_MAX_S && attempts <= 3) {
        setTimeout(() => retry(key, attempts), wait * 1000);
      }
    }
    pump();
  };
  xhr.onerror = () => {
    requests.delete(key);
    update(key, {
      status: "failed",
      error: "Upload interrupted: the connection was lost",
      retry: true,
      offline: true,
    });
    pump();
  };
  xhr.send(file);
}

/** Adds files to the tray (up to the files one message may carry) and starts them. */
export async function add(files: File[]): Promise<void> {
  dragging.value = false;
  if (files.length === 0) return;
  const limits = await config;
  const most = limits?.maxFilesPerMessage ?? 10;
  const room = Math.max(0, most - tray.peek().filter((a) => a.status !== "sent").length);
  note.value = files.length > room
    ? `A message carries at most ${most} files: ${files.length - room} not added`
    : "";
  const max = limits?.maxUploadBytes ?? Infinity;
  const added = files.slice(0, room).map((file): Attachment => {
    const item: Attachment = { key: crypto.randomUUID(), file, status: "queued", loaded: 0 };
    if (PREVIEWED.includes(file.type)) item.preview = URL.createObjectURL(file);
    if (file.size > max) {
      item.status = "failed";
      item.error = `File is too large: ${kit.formatBytes(file.size)}, the limit is ${
        kit.formatBytes(max)
      }`;
    }
    return item;
  });
  tray.value = [...tray.peek(), ...added];
  pump();
}

/** Marks the uploaded files as sent (with a message) and answers them. */
export function take(): Attachment[] {
  const taken = tray.peek().filter((a) => a.status === "done");
  tray.value = tray.peek().map((a) => a.status === "done" ? { ...a, status: "sent" } : a);
  return taken;
}

let dragEnd: ReturnType<typeof setTimeout> | undefined;

/**
 * Files are dragged over the page: the overlay shows until the drop, or until
 * the drag events stop (the files left the window; `dragleave` also fires
 * between any two elements, so it says little).
 */
export function dragOver(): void {
  dragging.value = true;
  clearTimeout(dragEnd);
  dragEnd = setTimeout(() => dragging.value = false, 200);
}

/** Takes files out of the tray, cancelling their uploads. */
export function remove(keys: string[]): void {
  for (const key of keys) requests.get(key)?.abort();
  for (const item of tray.peek()) {
    if (keys.includes(item.key) && item.preview) URL.revokeObjectURL(item.preview);
  }
  tray.value = tray.peek().filter((a) => !keys.includes(a.key));
  note.value = "";
  pump();
}

/** Uploads a failed file again (`attempts`: only if it is still at that attempt). */
function retry(key: string, attempts?: number): void {
  const item = tray.peek().find((a) => a.key === key);
  if (item?.status !== "failed" || (attempts && item.attempts !== attempts)) return;
  update(key, { status: "queued", error: undefined });
  pump();
}

const BUTTON = "rounded focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";

function TrayItem({ item }: { item: Attachment }) {
  const { file, status } = item;
  const busy = status === "uploading" || status === "queued";
  const sent = `${kit.formatBytes(item.loaded)} of ${kit.formatBytes(file.size)}`;
  return (
    <li
      data-upload={status}
      class="flex w-56 shrink-0 flex-col gap-1 rounded-lg border border-gray-200 bg-gray-50 p-2 dark:border-gray-700 dark:bg-gray-800"
    >
      <div class="flex items-center gap-2">
        {item.preview
          ? <img src={item.preview} alt="" class="h-10 w-10 shrink-0 rounded object-cover" />
          : (
            <kit.Icon
              name={kit.fileIcon(file.type)}
              class="h-10 w-10 shrink-0 rounded bg-indigo-50 p-2 text-indigo-600 dark:bg-indigo-900 dark:text-indigo-200"
            />
          )}
        <p class="min-w-0 flex-1 text-xs">
          <bdi class="block truncate font-medium">{file.name}</bdi>
          <span class="text-gray-500 dark:text-gray-400">
            {status === "queued"
              ? "Waiting…"
              : status === "uploading"
              ? sent
              : kit.formatBytes(file.size)}
          </span>
        </p>
        <button
          type="button"
          aria-label={`${busy ? "Cancel upload of" : "Remove"} ${file.name}`}
          title={busy ? "Cancel upload" : "Remove"}
          onClick={() => remove([item.key])}
          class={`h-7 w-7 shrink-0 text-lg leading-none text-gray-500 hover:bg-gray-200 hover:text-gray-900 dark:text-gray-400 dark:hover:bg-gray-700 dark:hover:text-white ${BUTTON}`}
        >
          ×
        </button>
      </div>
      {status === "uploading" && (
        // A bar of our own rather than <progress>, whose look Chromium keeps to itself.
        <div
          role="progressbar"
          aria-label={`Uploading ${file.name}`}
          aria-valuemin={0}
          aria-valuemax={file.size}
          aria-valuenow={Math.min(item.loaded, file.size)}
          aria-valuetext={sent}
          class="h-1.5 w-full overflow-hidden rounded-full bg-gray-200 dark:bg-gray-700"
        >
          <div
            class="h-full rounded-full bg-indigo-600 dark:bg-indigo-400"
            style={{ width: `${Math.min(100, (item.loaded / (file.size || 1)) * 100)}%` }}
          />
        </div>
      )}
      {status === "failed" && (
        <p role="alert" class="text-xs text-red-700 dark:text-red-400">
          {item.error} {item.retry && (
            <button
              type="button"
              aria-label={`Retry ${file.name}`}
              onClick={() => retry(item.key)}
              class={`font-semibold underline ${BUTTON}`}
            >
              Retry
            </button>
          )}
        </p>
      )}
    </li>
  );
}

/** The files waiting to be sent, above the composer's field. */
export function Tray({ items }: { items: Signal<Attachment[]> }) {
  const shown = items.value.filter((a) => a.status !== "sent");
  return (
    <div>
      {dragging.value && (
        <div class="pointer-events-none fixed inset-0 z-50 flex items-center justify-center bg-indigo-50/90 p-6 dark:bg-gray-900/90">
          <p class="rounded-xl border-2 border-dashed border-indigo-500 px-10 py-8 text-lg font-semibold text-indigo-700 dark:text-indigo-300">
            Drop files to attach them
          </p>
        </div>
      )}
      {shown.length > 0 && (
        <ul aria-label="Files to send" class="mb-2 flex gap-2 overflow-x-auto pb-1">
          {shown.map((item) => <TrayItem key={item.key} item={item} />)}
        </ul>
      )}
      {note.value && (
        <p role="alert" class="mb-2 text-xs text-red-700 dark:text-red-400">{note.value}</p>
      )}
    </div>
  );
}
