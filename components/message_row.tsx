/**
 * One message in a conversation: avatar, name and time for the first of a run of
 * messages by the same person (later ones show their time on hover), the message
 * it replies to, the text, "(edited)", reaction chips. A deleted message keeps its
 * place as a quiet "message deleted". Pending messages (sent, not yet stored) look
 * faded; failed ones offer a retry. Also the day and "new messages" dividers.
 *
 * Mentions: a message that mentions me has an amber band, and the `@name`s it
 * mentions are chips (lib/markup). A thread's root shows its summary ("3 replies ·
 * last reply 5 min ago" and the first repliers' avatars), a link that opens the
 * thread (`?thread=SEQ`); a reply also sent to the room says it is one.
 *
 * Everything a reader sees of a message is here, so a server-rendered page (a
 * reload, no JavaScript) shows edits, deletions, reactions and replies as the live
 * island does. The island adds what needs a browser through props: handlers, the
 * action toolbar (`actions`) and the in-place editor (`editor`).
 *
 * Times are formatted with the reader's `Clock` (see clock.ts), the same on the
 * server and in the island.
 */

import type { ComponentChildren } from "preact";
import type { FileInfo, Message, Reaction } from "../lib/protocol/types.ts";
import { Avatar } from "./avatar.tsx";
import { type Clock, dayKey, formatFull, formatTime } from "./clock.ts";
import { cx } from "./_cx.ts";
import { MessageFiles } from "./message_files.tsx";
import { MessageText } from "./message_text.tsx";
import { mentionNames, mentionsMe } from "./mentions.ts";

/** Messages by one person closer than this are grouped under one header. */
export const GROUP_WINDOW_MS = 5 * 60_000;

export type RowMessage =
  & Pick<Message, "seq" | "userId" | "username" | "text" | "createdAt">
  & Partial<
    Pick<
      Message,
      | "editedAt"
      | "deleted"
      | "reactions"
      | "replyTo"
      | "files"
      | "mentions"
      | "mentionsAll"
      | "threadRoot"
      | "thread"
    >
  >;

/** Whether `message` continues the run of `previous` (same author, close in time, same day). */
export function continuesRun(
  previous: RowMessage | undefined,
  message: RowMessage,
  clock: Clock,
): boolean {
  return !!previous && previous.userId === message.userId &&
    message.createdAt - previous.createdAt < GROUP_WINDOW_MS &&
    dayKey(previous.createdAt, clock) === dayKey(message.createdAt, clock);
}

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago". */
export function timeAgo(at: number, now = Date.now()): string {
  const minutes = Math.floor((now - at) / 60_000);
  return minutes < 1
    ? "just now"
    : minutes < 60
    ? `${minutes} min ago`
    : minutes < 1440
    ? `${Math.floor(minutes / 60)} h ago`
    : minutes < 2880
    ? "yesterday"
    : `${Math.floor(minutes / 1440)} days ago`;
}

/** "ada, bob and 3 more": who reacted, by member name; ids not among them are "someone". */
export function reactedBy(reaction: Reaction, names: Readonly<Record<string, string>>): string {
  const who = reaction.users.map((id) => names[id] ?? "someone");
  const more = reaction.count - reaction.users.length;
  if (more > 0) return `${who.join(", ")} and ${more} more`;
  return who.join(", ");
}

/** What a message row knows of its author: the member's current profile. */
export interface Person {
  username: string;
  displayName?: string;
  avatarUrl?: string;
}

/**
 * How a member is named: their current display name (the username until they
 * choose one), and whether their @username should show beside it. It does when the
 * display name is not simply the username (ignoring case). That also tells apart
 * two members who share a display name: at most one of them can have it as their
 * username, and every other one shows their @username.
 */
export function nameOf(person: Person): { name: string; handle: boolean } {
  const name = person.displayName || person.username;
  return { name, handle: name.toLowerCase() !== person.username.toLowerCase() };
}

/** userId → member, for `MessageRowProps.people`. */
export function peopleOf<T extends Person & { id: string }>(members: T[]): Record<string, T> {
  return Object.fromEntries(members.map((m) => [m.id, m]));
}

export interface MessageRowProps {
  message: RowMessage;
  clock: Clock;
  /** Continues the previous author's run: no avatar and name. */
  grouped?: boolean;
  /** My user id: my reactions show pressed. */
  me?: string;
  /** userId → username (the member list), for who reacted. */
  names?: Readonly<Record<string, string>>;
  /** userId → the members' current profiles (display name, avatar): see `nameOf`. */
  people?: Readonly<Record<string, Person>>;
  status?: "sending" | "failed";
  /** Shown next to a failed message. */
  error?: string;
  /** Island only: a retry button for failed messages. */
  onRetry?: () => void;
  /** Island only: reaction chips become toggles. */
  onReact?: (emoji: string, on: boolean) => void;
  /** Island only: the quoted message is a link that scrolls to (or loads) the original. */
  onJump?: (seq: number) => void;
  /**
   * Island only: roving focus. One message of the list is in the tab order (0), the
   * others (-1) take focus from ↑/↓ or a click; so do the controls inside them.
   */
  tabIndex?: number;
  /** Island only: a click on an image thumbnail opens the lightbox. */
  onOpenFile?: (file: FileInfo, link: HTMLElement) => void;
  /** The reader is not a member of the room: files are shown but cannot be opened. */
  filesLocked?: boolean;
  /** Briefly marked (jumped to). */
  highlighted?: boolean;
  /** Island only: opens the thread of this root (the summary's link). */
  onOpenThread?: (root: number) => void;
  /** Island only: the action toolbar and its popovers. */
  actions?: ComponentChildren;
  /** Island only: the in-place editor, shown instead of the text. */
  editor?: ComponentChildren;
}

const QUIET = "text-gray-500 dark:text-gray-400";

function ReplyQuote(
  { reply, onJump, tabIndex }: {
    reply: NonNullable<RowMessage["replyTo"]>;
    onJump?: (seq: number) => void;
    tabIndex?: number;
  },
) {
  return (
    <a
      href={`#m-${reply.seq}`}
      tabIndex={tabIndex}
      data-reply-to={reply.seq}
      onClick={onJump && ((event) => {
        event.preventDefault();
        onJump(reply.seq);
      })}
      class="mb-0.5 flex max-w-full items-baseline gap-1.5 rounded border-l-2 border-gray-300 pl-2 text-xs text-gray-600 hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-600 dark:text-gray-400 dark:hover:text-gray-100"
    >
      <span class="sr-only">In reply to</span>
      <bdi class="shrink-0 font-semibold">{reply.username}</bdi>
      <span class="sr-only">:</span>
      {reply.deleted
        ? <span class="italic">message deleted</span>
        : <span dir="auto" class="truncate">{reply.excerpt}</span>}
    </a>
  );
}

/** A link to a thread (`?thread=ROOT`): the island opens it in place. */
function ThreadLink(
  { root, onOpen, tabIndex, children, class: extra }: {
    root: number;
    onOpen?: (root: number) => void;
    tabIndex?: number;
    children: ComponentChildren;
    class: string;
  },
) {
  return (
    <a
      href={`?thread=${root}`}
      data-thread={root}
      tabIndex={tabIndex}
      onClick={onOpen && ((event) => {
        event.preventDefault();
        onOpen(root);
      })}
      class={cx(
        "rounded text-xs focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
        extra,
      )}
    >
      {children}
    </a>
  );
}

function Reactions(
  { reactions, me, names, onReact, tabIndex }: {
    reactions: Reaction[];
    me?: string;
    names: Readonly<Record<string, string>>;
    onReact?: (emoji: string, on: boolean) => void;
    tabIndex?: number;
  },
) {
  return (
    <div role="group" aria-label="Reactions" class="mt-1 flex flex-wrap gap-1">
      {reactions.map((reaction) => {
        const mine = !!me && reaction.users.includes(me);
        const chip = cx(
          "inline-flex h-6 items-center gap-1 rounded-full border px-2 text-xs",
          mine
            ? "border-indigo-400 bg-indigo-50 text-indigo-800 dark:border-indigo-400 dark:bg-indigo-900 dark:text-indigo-100"
            : "border-gray-200 bg-gray-50 text-gray-700 dark:border-gray-600 dark:bg-gray-800 dark:text-gray-200",
        );
        const content = [
          <span key="e" aria-hidden="true">{reaction.emoji}</span>,
          <span key="c" aria-hidden="true" class="font-medium tabular-nums">{reaction.count}</span>,
        ];
        const label = `${reaction.emoji} ${reaction.count}`;
        const who = reactedBy(reaction, names);
        return onReact
          ? (
            <button
              key={reaction.emoji}
              type="button"
              tabIndex={tabIndex}
              data-emoji={reaction.emoji}
              aria-pressed={mine ? "true" : "false"}
              aria-label={label}
              title={who}
              onClick={() => onReact(reaction.emoji, !mine)}
              class={cx(
                chip,
                "hover:border-indigo-400 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
              )}
            >
              {content}
            </button>
          )
          : (
            <span key={reaction.emoji} data-emoji={reaction.emoji} title={who} class={chip}>
              <span class="sr-only">{label}</span>
              {content}
            </span>
          );
      })}
    </div>
  );
}

export function MessageRow(props: MessageRowProps) {
  const { message, clock, grouped = false, status, error, onRetry, editor } = props;
  const iso = new Date(message.createdAt).toISOString();
  const full = formatFull(message.createdAt, clock);
  const time = formatTime(message.createdAt, clock);
  const deleted = !!message.deleted;
  const files = deleted ? undefined : message.files;
  // Roving focus: the controls inside a message are in the tab order only when the
  // message is (one message at a time), so Tab does not walk through every chip.
  const inner = props.tabIndex === -1 ? -1 : undefined;
  const names = props.names ?? {};
  const person = props.people?.[message.userId];
  const { name: author, handle } = nameOf(person ?? message);
  const me = props.me;
  const mine = !!me && mentionsMe(message, me);
  const thread = message.thread;
  return (
    <li
      id={message.seq > 0 ? `m-${message.seq}` : undefined}
      data-seq={message.seq > 0 ? message.seq : undefined}
      data-status={status}
      data-deleted={deleted ? "" : undefined}
      data-mentions-me={mine ? "" : undefined}
      tabIndex={props.tabIndex}
      class={cx(
        "group relative flex gap-3 px-4 focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-500",
        props.highlighted
          ? "bg-amber-50 dark:bg-gray-700"
          : mine
          ? "border-l-4 border-amber-400 bg-amber-50 pl-3 dark:border-amber-500 dark:bg-amber-900/40"
          : "hover:bg-gray-50 focus-within:bg-gray-50 dark:hover:bg-gray-800 dark:focus-within:bg-gray-800",
        grouped ? "py-0.5" : "pt-3 pb-0.5",
      )}
    >
      {props.actions}
      <div class="flex w-8 shrink-0 justify-end">
        {grouped
          ? (
            <time
              dateTime={iso}
              title={full}
              class={cx(
                "invisible whitespace-nowrap pt-0.5 text-[11px] leading-5 group-hover:visible group-focus-within:visible",
                QUIET,
              )}
            >
              {time}
            </time>
          )
          : <Avatar username={message.username} url={person?.avatarUrl} class="mt-0.5" />}
      </div>
      <div class="min-w-0 flex-1">
        {grouped ? <span class="sr-only">{author}:</span> : (
          <p class="flex items-baseline gap-2">
            <bdi
              data-author={message.username}
              class="truncate font-semibold text-gray-900 dark:text-gray-100"
            >
              {author}
            </bdi>
            {handle && (
              <span class={cx("shrink-0 truncate text-xs", QUIET)}>@{message.username}</span>
            )}
            <time dateTime={iso} title={full} class={cx("shrink-0 text-xs", QUIET)}>
              {time}
            </time>
          </p>
        )}
        {message.threadRoot && (
          <ThreadLink
            root={message.threadRoot}
            onOpen={props.onOpenThread}
            tabIndex={inner}
            class={QUIET}
          >
            Replied in a thread
          </ThreadLink>
        )}
        {message.replyTo && !deleted && (
          <ReplyQuote reply={message.replyTo} onJump={props.onJump} tabIndex={inner} />
        )}
        {editor ||
          (deleted ? <p class={cx("text-sm italic", QUIET)}>message deleted</p> : (
            (message.text || !files?.length) && (
              <div data-text="">
                <MessageText
                  text={message.text}
                  mentions={mentionNames(message, names)}
                  me={me && names[me]?.toLowerCase()}
                  class={status ? QUIET : "text-gray-800 dark:text-gray-200"}
                />
              </div>
            )
          ))}
        {message.editedAt && !deleted && !editor && (
          <span
            data-edited=""
            title={`Edited ${formatFull(message.editedAt, clock)}`}
            class={cx("text-xs", QUIET)}
          >
            (edited)
          </span>
        )}
        {files && files.length > 0 && (
          <MessageFiles
            files={files}
            locked={props.filesLocked}
            tabIndex={inner}
            onOpen={props.onOpenFile}
          />
        )}
        {!deleted && message.reactions && message.reactions.length > 0 && (
          <Reactions
            reactions={message.reactions}
            me={props.me}
            names={names}
            onReact={props.onReact}
            tabIndex={inner}
          />
        )}
        {thread && thread.count > 0 && (
          <ThreadLink
            root={message.seq}
            onOpen={props.onOpenThread}
            tabIndex={inner}
            class="mt-1 flex w-fit items-center gap-2 py-0.5 pr-2 hover:bg-white dark:hover:bg-gray-900"
          >
            <span class="flex -space-x-1">
              {thread.users.filter((id) => names[id]).slice(0, 4).map((id) => (
                <Avatar
                  key={id}
                  username={names[id]}
                  size="sm"
                  class="ring-2 ring-white dark:ring-gray-900"
                />
              ))}
            </span>
            <span class="font-semibold text-indigo-700 dark:text-indigo-300">
              {thread.count} {thread.count === 1 ? "reply" : "replies"}
            </span>
            <span class={QUIET}>· last reply {timeAgo(thread.lastAt)}</span>
          </ThreadLink>
        )}
        {status === "sending" && <p class={cx("text-xs", QUIET)}>Sending…</p>}
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
