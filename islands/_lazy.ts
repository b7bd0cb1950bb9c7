/**
 * What the chat pane's lazily loaded parts (the uploader, the lightbox, the message
 * tools, the thread panel, the room settings) use of the page's own code, handed to
 * them rather than imported.
 *
 * Why: esbuild puts a module that an island and a lazily loaded module both
 * import into a chunk of its own, which the room page would then load as one more
 * file, compressed apart from the rest (about 0.5 KB gzip more on the room page's
 * JavaScript budget for these). Handed over, that code stays in the island's
 * chunk. So the lazy modules import only what every island shares anyway (Preact,
 * signals) and types; they also write JSX with `h` (classic runtime) for the same
 * reason: the JSX runtime shares a chunk with the design system's components.
 */

import { Button } from "../components/button.tsx";
import { fileIcon, formatBytes, Icon, isImage } from "../components/message_files.tsx";
import { continuesRun, MessageRow } from "../components/message_row.tsx";
import { Timeline } from "../lib/client/timeline.ts";
import { validateMessageText } from "../lib/protocol/validate.ts";
import { chatApi, chatSocket, connection, markRead, noteSettings, onSettings } from "./_live.ts";
import { Composer } from "./_composer.tsx";

export const KIT = {
  Button,
  fileIcon,
  formatBytes,
  Icon,
  isImage,
  chatApi,
  chatSocket,
  connection,
  markRead,
  noteSettings,
  onSettings,
  continuesRun,
  MessageRow,
  Composer,
  Timeline,
  validateMessageText,
};

export type Kit = typeof KIT;
