/**
 * What the chat pane's lazily loaded parts (the uploader, the lightbox, the message
 * tools, the thread panel, the room settings, the member list, the room header) use of the
 * page's own code, handed to
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

import type { ComponentType } from "preact";
import { Avatar } from "../components/avatar.tsx";
import { formatFull } from "../components/clock.ts";
import { BackLink } from "../components/app_layout.tsx";
import { kindLabel, RoomIcon } from "../components/room_icon.tsx";
import { SERVER_HTML } from "../lib/islands/server_html.ts";
import type { MemberListProps } from "./_members.tsx";
import type { RoomHeaderProps } from "./_room_header.tsx";
import { mentionsElsewhere } from "./room_list.tsx";
import { Button } from "../components/button.tsx";
import { cx } from "../components/_cx.ts";
import { OnlineDot } from "../components/online_dot.tsx";
import { compareNames } from "../components/room_order.ts";
import { fileIcon, formatBytes, Icon, isImage } from "../components/message_files.tsx";
import { continuesRun, MessageRow, nameOf } from "../components/message_row.tsx";
import { Timeline } from "../lib/client/timeline.ts";
import { validateMessageText } from "../lib/protocol/validate.ts";
import {
  chatApi,
  chatSocket,
  connection,
  markRead,
  noteSettings,
  onSettings,
  presence,
  presenceOf,
} from "./_live.ts";
import { Composer } from "./_composer.tsx";

/**
 * On the server, the parts the browser loads lazily (the member list, the room
 * header) and the server-only markup they hold, handed over by routes/room.tsx:
 * imported by page code, esbuild would put them in the page's bundle.
 */
export const serverParts: {
  MemberList?: ComponentType<MemberListProps>;
  RoomHeader?: ComponentType<RoomHeaderProps>;
  RoomMenuForms?: ComponentType<{ roomId: string }>;
} = {};

export const KIT = {
  Avatar,
  BackLink,
  formatFull,
  kindLabel,
  mentionsElsewhere,
  RoomIcon,
  SERVER_HTML,
  serverParts,
  Button,
  compareNames,
  cx,
  nameOf,
  OnlineDot,
  presence,
  presenceOf,
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
