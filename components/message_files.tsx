/**
 * The files of a message. Images (PNG, JPEG, GIF, WebP with a thumbnail) show as
 * thumbnails that link to the full image; the `width` and `height` attributes give
 * the browser their aspect ratio before a byte arrives, so nothing moves when they
 * load. Everything else (SVG included: it is served as an attachment, never shown)
 * is a card with an icon for its kind, its name, its size and a download link.
 *
 * Server-rendered like the rest of a message, so it works without JavaScript; the
 * island adds `onOpen`, which opens the lightbox instead of following the link.
 * Names are text (Preact escapes them), never HTML.
 */

import type { FileInfo } from "../lib/protocol/types.ts";
import { Icon } from "./icon.tsx";

export { Icon, ICONS_URL } from "./icon.tsx";

/** Whether a file shows as a thumbnail (else a card): PNG, JPEG, GIF, WebP with one. */
export function isImage(file: FileInfo): boolean {
  return !!file.thumbUrl && !!file.thumbWidth && /^image\/(png|jpeg|gif|webp)$/.test(file.type);
}

/** "512 B", "340 KB", "1.2 MB": binary units, one decimal below 10. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    unit++;
  }
  const shown = unit && value < 10 ? value.toFixed(1).replace(/\.0$/, "") : Math.round(value);
  return `${shown} ${["B", "KB", "MB", "GB"][unit]}`;
}

/** The icon of a file's kind: a symbol of the sprite. */
export function fileIcon(type: string): string {
  const kind = type.split("/")[0];
  if (kind === "image" || kind === "audio" || kind === "video") return kind;
  return /zip|tar|gzip|7z|rar|compressed/.test(type) ? "archive" : "file";
}

const FOCUS = "focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";

/** A file that is not shown: one download link, with its icon, name and size. */
export function FileCard({ file, tabIndex }: { file: FileInfo; tabIndex?: number }) {
  return (
    <a
      href={file.url}
      download={file.name}
      data-file={file.id}
      tabIndex={tabIndex}
      title={`Download ${file.name}`}
      class={`flex w-72 max-w-full items-center gap-3 rounded-lg border border-gray-200 bg-white p-2 text-sm hover:bg-gray-50 dark:border-gray-700 dark:bg-gray-800 dark:hover:bg-gray-700 ${FOCUS}`}
    >
      <Icon
        name={fileIcon(file.type)}
        class="h-9 w-9 shrink-0 rounded bg-indigo-50 p-1.5 text-indigo-600 dark:bg-indigo-900 dark:text-indigo-200"
      />
      <span class="min-w-0 flex-1">
        <bdi class="block truncate font-medium">{file.name}</bdi>
        <span class="block text-xs text-gray-500 dark:text-gray-400">
          {formatBytes(file.size)}
        </span>
      </span>
      <Icon name="download" class="h-5 w-5 shrink-0 text-gray-500 dark:text-gray-400" />
    </a>
  );
}

/**
 * A file the reader may not open (they are not a member of the room: the server
 * answers 404 to them): its kind, name and size, no link and no thumbnail.
 */
export function LockedFile({ file }: { file: FileInfo }) {
  return (
    <div
      data-file={file.id}
      data-locked=""
      title="Join the room to open it"
      class="flex w-72 max-w-full items-center gap-3 rounded-lg border border-dashed border-gray-300 p-2 text-sm text-gray-600 dark:border-gray-600 dark:text-gray-300"
    >
      <Icon
        name={fileIcon(file.type)}
        class="h-9 w-9 shrink-0 rounded bg-gray-100 p-1.5 text-gray-500 dark:bg-gray-800"
      />
      <span class="min-w-0 flex-1">
        <bdi class="block truncate font-medium">{file.name}</bdi>
        <span class="block text-xs text-gray-500 dark:text-gray-400">
          {formatBytes(file.size)} · join to open
        </span>
      </span>
    </div>
  );
}

export interface MessageFilesProps {
  files: FileInfo[];
  /** The reader is not a member: files are named, not linked (see LockedFile). */
  locked?: boolean;
  /** Roving focus: the links follow their message's tab order. */
  tabIndex?: number;
  /** Island only: a plain click on a thumbnail opens the lightbox. */
  onOpen?: (file: FileInfo, link: HTMLElement) => void;
}

export function MessageFiles({ files, locked, tabIndex, onOpen }: MessageFilesProps) {
  return (
    <div class="my-1 flex flex-wrap gap-1.5">
      {files.map((file) =>
        locked ? <LockedFile key={file.id} file={file} /> : isImage(file)
          ? (
            <a
              key={file.id}
              href={file.url}
              data-file={file.id}
              data-image=""
              tabIndex={tabIndex}
              onClick={onOpen && ((event) => {
                if (event.button || event.metaKey || event.ctrlKey || event.shiftKey) return;
                event.preventDefault();
                onOpen(file, event.currentTarget);
              })}
              class={`block max-w-full overflow-hidden rounded-lg border border-gray-200 dark:border-gray-700 ${FOCUS}`}
            >
              <img
                src={file.thumbUrl}
                width={file.thumbWidth}
                height={file.thumbHeight}
                loading="lazy"
                alt={file.name}
                class="block h-auto max-w-full bg-gray-100 dark:bg-gray-800"
              />
            </a>
          )
          : <FileCard key={file.id} file={file} tabIndex={tabIndex} />
      )}
    </div>
  );
}
