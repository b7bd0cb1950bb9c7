/**
 * One message in a conversation: avatar, name and time for the first of a run of
 * messages by the same person, then the text. Pending messages (sent, not yet
 * stored) look faded; failed ones offer a retry. Also the day and "new messages"
 * dividers that sit between rows.
 *
 * Times: the server does not know the reader's time zone, so server-rendered rows
 * show UTC (and say so); once an island is mounted it re-renders them with
 * `local` set, in the browser's zone.
 */

import type { ComponentChildren } from "preact";
import { Avatar } from "./avatar.tsx";
import { cx } from "./_cx.ts";
import { MessageText } from "./message_text.tsx";

/** Messages by one person closer than this are grouped under one header. */
export const GROUP_WINDOW_MS = 5 * 60_000;

export interface RowMessage {
  seq: number;
  userId: string;
  username: string;
  text: string;
  createdAt: number;
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** "14:05" in the browser's zone when `local`, else "14:05 UTC". */
export function formatTime(at: number, local: boolean): string {
  const date = new Date(at);
  if (local) return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())} UTC`;
}

/** A calendar day key ("2025-03-14") in the browser's zone or in UTC. */
export function dayKey(at: number, local: boolean): string {
  const d = new Date(at);
  return local
    ? `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
    : d.toISOString().slice(0, 10);
}

/** "Today", "Yesterday" or "Friday, 14 March 2025". */
export function formatDay(at: number, local: boolean, now = Date.now()): string {
  const key = dayKey(at, local);
  if (key === dayKey(now, local)) return "Today";
  if (key === dayKey(now - 86_400_000, local)) return "Yesterday";
  return new Date(at).toLocaleDateString(local ? [] : "en-GB", {
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
    ...(local ? {} : { timeZone: "UTC" }),
  });
}

/** Whether `message` continues the run of `previous` (same author, close in time, same day). */
export function continuesRun(
  previous: RowMessage | undefined,
  message: RowMessage,
  local: boolean,
): boolean {
  return !!previous && previous.userId === message.userId &&
    message.createdAt - previous.createdAt < GROUP_WINDOW_MS &&
    dayKey(previous.createdAt, local) === dayKey(message.createdAt, local);
}

export interface MessageRowProps {
  message: RowMessage;
  /** Continues the previous author's run: no avatar and name. */
  grouped?: boolean;
  local?: boolean;
  status?: "sending" | "failed";
  /** Shown next to a failed message. */
  error?: string;
  /** A retry button for failed messages (inside islands only). */
  onRetry?: () => void;
}

export function MessageRow(
  { message, grouped = false, local = false, status, error, onRetry }: MessageRowProps,
) {
  const iso = new Date(message.createdAt).toISOString();
  const time = formatTime(message.createdAt, local);
  return (
    <li
      data-seq={message.seq > 0 ? message.seq : undefined}
      data-status={status}
      class={cx(
        "flex gap-3 px-4 hover:bg-gray-50 dark:hover:bg-gray-800",
        grouped ? "py-0.5" : "pt-3 pb-0.5",
      )}
    >
      <div class="w-8 shrink-0">
        {!grouped && <Avatar username={message.username} class="mt-0.5" />}
      </div>
      <div class="min-w-0 flex-1">
        {grouped
          ? <span class="sr-only">{message.username}:</span>
          : (
            <p class="flex items-baseline gap-2">
              <bdi class="truncate font-semibold text-gray-900 dark:text-gray-100">
                {message.username}
              </bdi>
              <time
                dateTime={iso}
                title={iso}
                class="shrink-0 text-xs text-gray-500 dark:text-gray-400"
              >
                {time}
              </time>
            </p>
          )}
        <MessageText
          text={message.text}
          class={status ? "text-gray-500 dark:text-gray-400" : "text-gray-800 dark:text-gray-200"}
        />
        {status === "sending" && <p class="text-xs text-gray-500 dark:text-gray-400">Sending…</p>}
        {status === "failed" && (
          <p class="flex flex-wrap items-center gap-2 text-xs text-red-700 dark:text-red-400">
            <span>Not sent{error ? `: ${error}` : ""}</span>
            {onRetry && (
              <button
                type="button"
                onClick={onRetry}
                class="rounded font-semibold underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
              >
                Retry
              </button>
            )}
          </p>
        )}
      </div>
    </li>
  );
}

/** A labelled rule across the conversation (day change, "New messages"). */
export function Divider(
  { children, tone = "day" }: { children: ComponentChildren; tone?: "day" | "new" },
) {
  const line = tone === "new" ? "bg-red-400 dark:bg-red-500" : "bg-gray-200 dark:bg-gray-700";
  return (
    <li
      role="separator"
      data-divider={tone}
      class="flex items-center gap-3 px-4 pt-4 pb-1 text-xs font-semibold"
    >
      <span class={cx("h-px flex-1", line)} />
      <span
        class={tone === "new"
          ? "text-red-600 dark:text-red-400"
          : "text-gray-500 dark:text-gray-400"}
      >
        {children}
      </span>
      <span class={cx("h-px flex-1", line)} />
    </li>
  );
}
