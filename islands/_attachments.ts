/**
 * The composer's tray of files, the part every room page loads: its state, and
 * the door to the uploader. Everything else (uploading with progress, cancel,
 * retry, the tray's markup, the drop overlay, the warning before leaving) is in
 * `_uploads.tsx`, fetched when the first file is added or dragged over the page,
 * so a page where nobody attaches anything does not pay for it (the room page's
 * JavaScript budget).
 *
 * A file is uploaded as soon as it is added; Send takes the uploaded ones, which
 * stay in the state, hidden, until the message is acknowledged or refused: until
 * then, leaving the page warns.
 */

import { useSignal } from "@preact/signals";
import type { FileInfo } from "../lib/protocol/types.ts";
import { KIT } from "./_lazy.ts";

export interface Attachment {
  key: string;
  file: File;
  /** sent: taken by a message that is not acknowledged yet. */
  status: "queued" | "uploading" | "done" | "failed" | "sent";
  /** Bytes sent so far. */
  loaded: number;
  /** The server's answer, once uploaded. */
  info?: FileInfo;
  error?: string;
  /** A failure worth trying again (not a file that is too large or not allowed). */
  retry?: boolean;
  /** Failed for want of a connection: uploaded again when the socket is back. */
  offline?: boolean;
  /** Automatic retries after a 429. */
  attempts?: number;
  /** A `blob:` URL of an image, for its preview. */
  preview?: string;
}

type Uploads = typeof import("./_uploads.tsx");

export function useAttachments() {
  const items = useSignal<Attachment[]>([]);
  const uploads = useSignal<Uploads | null>(null);
  const open = items.value.filter((a) => a.status !== "sent");
  return {
    items,
    /** The uploader, once loaded (it is whenever the tray holds anything). */
    uploads,
    /** Files in the tray (not sent yet). */
    count: open.length,
    /** Every file in the tray is uploaded: Send may take them. */
    ready: open.every((a) => a.status === "done"),
    /** Runs `then` with the uploader, loading it first. */
    async with(then: (uploads: Uploads) => void) {
      if (!uploads.peek()) {
        const module = await import("./_uploads.tsx");
        // Two calls may have waited for the module: the first one starts it.
        if (!uploads.peek()) {
          module.start(KIT, items);
          uploads.value = module;
        }
      }
      then(uploads.peek()!);
    },
  };
}

export type Attachments = ReturnType<typeof useAttachments>;
