/**
 * The image viewer, loaded on the first click on a thumbnail (the thumbnail is a
 * link to the image, so without JavaScript, or with a modifier key, the browser
 * simply opens it). A modal dialog over the page: the full image, its name, size
 * and a download link; ← and → move between the images of the loaded
 * conversation, Escape (or the close button, or a click beside the image) closes
 * it and gives focus back to the thumbnail that opened it. Tab stays inside.
 *
 * It renders into a node of its own at the end of `<body>`, outside the island,
 * so opening it re-renders nothing else. It imports nothing of the page's own
 * code: `openLightbox()` is handed it (see `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h, render } from "preact";
import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { FileInfo, Message } from "../lib/protocol/types.ts";
import type { Kit } from "./_lazy.ts";

const BUTTON = "flex items-center justify-center rounded-full text-white hover:bg-white/20 " +
  "focus:outline-none focus-visible:ring-2 focus-visible:ring-white";

function Lightbox(
  { kit, images, start, onClose }: {
    kit: Kit;
    images: FileInfo[];
    start: number;
    onClose(): void;
  },
) {
  const { Icon } = kit;
  const index = useSignal(start);
  const box = useRef<HTMLDivElement>(null);
  const count = images.length;
  const file = images[index.value];
  const move = (by: number) => index.value = (index.peek() + by + count) % count;
  useLayoutEffect(() => box.current!.querySelector<HTMLElement>("[data-close]")!.focus(), []);
  const arrow = (by: number, label: string, icon: string, side: string) => (
    <button
      type="button"
      aria-label={label}
      onClick={() => move(by)}
      class={`absolute ${side} top-1/2 h-12 w-12 -translate-y-1/2 bg-black/40 ${BUTTON}`}
    >
      <Icon name={icon} class="h-6 w-6" />
    </button>
  );
  return (
    <div
      ref={box}
      role="dialog"
      aria-modal="true"
      aria-label={file.name}
      data-lightbox=""
      // A click on the image focuses the dialog itself, so its keys keep working.
      tabIndex={-1}
      class="fixed inset-0 z-50 flex flex-col bg-black/90 text-white focus:outline-none"
      onKeyDown={(event) => {
        const { key } = event;
        if (key === "Escape") onClose();
        else if (key === "ArrowLeft" || key === "ArrowRight") move(key === "ArrowLeft" ? -1 : 1);
        else if (key === "Tab") {
          // Keep focus in the dialog: wrap from the last control to the first.
          const all = [...box.current!.querySelectorAll<HTMLElement>("a[href], button")];
          const at = all.indexOf(document.activeElement as HTMLElement);
          const next = event.shiftKey
            ? (at <= 0 ? all.length - 1 : -1)
            : at === all.length - 1
            ? 0
            : -1;
          if (next < 0) return;
          all[next].focus();
        } else return;
        event.preventDefault();
        event.stopPropagation();
      }}
      onClick={(event) => {
        if ((event.target as HTMLElement).matches("[data-backdrop]")) onClose();
      }}
    >
      <div class="flex items-center gap-3 px-4 py-3">
        <p class="min-w-0 flex-1">
          <bdi class="block truncate font-medium">{file.name}</bdi>
          <span class="block text-xs text-gray-300">
            {kit.formatBytes(file.size)}
            {file.width ? ` · ${file.width}×${file.height}` : ""}
            {count > 1 ? ` · ${index.value + 1} of ${count}` : ""}
          </span>
        </p>
        <a
          href={file.url}
          download={file.name}
          class={`h-10 gap-2 px-3 text-sm font-medium ${BUTTON}`}
        >
          <Icon name="download" class="h-5 w-5" />
          Download
        </a>
        <button
          type="button"
          data-close=""
          aria-label="Close"
          onClick={onClose}
          class={`h-10 w-10 text-2xl ${BUTTON}`}
        >
          ×
        </button>
      </div>
      <div data-backdrop="" class="relative flex min-h-0 flex-1 items-center justify-center p-4">
        <img
          key={file.id}
          src={file.url}
          alt={file.name}
          width={file.width}
          height={file.height}
          class="h-auto max-h-full max-w-full object-contain"
        />
        {count > 1 && arrow(-1, "Previous image", "previous", "left-3")}
        {count > 1 && arrow(1, "Next image", "next", "right-3")}
      </div>
    </div>
  );
}

/**
 * Opens the viewer on `file`, among the images of `messages` (the loaded
 * conversation, in order); focus returns to `opener` when it closes.
 */
export function openLightbox(
  kit: Kit,
  messages: Pick<Message, "files" | "deleted">[],
  file: FileInfo,
  opener: HTMLElement,
): void {
  const images = messages.flatMap((m) => m.deleted ? [] : m.files ?? []).filter(kit.isImage);
  const index = Math.max(0, images.findIndex((f) => f.id === file.id));
  const host = document.createElement("div");
  document.body.append(host);
  const close = () => {
    render(null, host);
    host.remove();
    // The row may have been rendered again meanwhile: find the thumbnail anew.
    const target = opener.isConnected
      ? opener
      : document.querySelector<HTMLElement>(`a[data-file="${CSS.escape(file.id)}"]`);
    target?.focus();
  };
  render(<Lightbox kit={kit} images={images} start={index} onClose={close} />, host);
}
