/**
 * The rows of the chat pane: day dividers, the "New messages" divider, the stored
 * messages (with their actions and editor when they have them) and my pending
 * sends. The chat island owns the state; this turns it into rows.
 *
 * Also which message shows its actions (`_message_actions.tsx`, loaded when the
 * page is idle or a message is first hovered or focused): the one under the
 * mouse, the one with focus, the one long-pressed on a touch screen; and roving focus: one message is
 * in the tab order (the last one focused, else the newest), ↑/↓ move between them.
 * The list's events are delegated to the `<ol>`, one set of listeners for all rows.
 * Thread replies show in their thread, not here, unless sent "also to the room".
 */

import { signal, useSignal } from "@preact/signals";
import type { OlHTMLAttributes } from "preact";
import { useRef } from "preact/hooks";
import type { FileInfo, Message, ReplyRef, User } from "../lib/protocol/types.ts";
import { MESSAGE_MAX } from "../lib/protocol/limits.ts";
import type { Clock } from "../components/clock.ts";
import { dayKey, formatDay } from "../components/clock.ts";
import {
  continuesRun,
  Divider,
  MessageRow,
  type Person,
  type RowMessage,
} from "../components/message_row.tsx";
import type { MenuKind } from "./_message_actions.tsx";
import { KIT } from "./_lazy.ts";

export interface Pending {
  clientId: string;
  text: string;
  createdAt: number;
  status: "sending" | "failed";
  error?: string;
  replyTo?: ReplyRef;
  files?: FileInfo[];
}

/** The open popover: which message, which one, where. */
export interface OpenMenu {
  seq: number;
  kind: MenuKind;
  above: boolean;
  error?: string;
}

export interface Editing {
  seq: number;
  error?: string;
  saving?: boolean;
  /** Started with ↑ in the composer: focus goes back there afterwards. */
  fromComposer: boolean;
}

export interface ConversationState {
  messages: Message[];
  pending: Pending[];
  /** The first seq below the "New messages" divider. */
  divider: number | null;
  me: User;
  /** I own the room: I may delete anyone's message. */
  owner: boolean;
  clock: Clock;
  names: Readonly<Record<string, string>>;
  /** userId → how each author is shown (display names, avatars). */
  people?: Readonly<Record<string, Person>>;
  /** The message whose actions show (hovered, focused, long-pressed or with a popover). */
  active: ReadonlySet<number>;
  menu: OpenMenu | null;
  editing: Editing | null;
  /** The one message in the tab order (null: the newest). */
  current: number | null;
  highlight: number | null;
  recent: string[];
}

export interface ConversationHandlers {
  retry(clientId: string): void;
  react(seq: number, emoji: string, on: boolean): void;
  jump(seq: number): void;
  menu(seq: number, kind: MenuKind | null): void;
  reply(message: Message): void;
  edit(seq: number): void;
  save(seq: number, text: string): void;
  cancelEdit(): void;
  remove(seq: number): void;
  openFile(file: FileInfo, link: HTMLElement): void;
  /** Opens the thread of this root. */
  thread(root: number): void;
}

const LONG_PRESS_MS = 500;

type Toolbar = typeof import("./_message_actions.tsx");

/** The actions toolbar, its editor and tools (`_message_tools.ts`), once loaded. */
export const toolbar = signal<Toolbar | null>(null);
let loadingToolbar: Promise<Toolbar> | undefined;

/** Loads the actions toolbar (once): when the page is idle, or a message wants it first. */
export function loadToolbar(): Promise<Toolbar> {
  return loadingToolbar ??= import("./_message_actions.tsx").then((module) => {
    toolbar.value = module;
    return module;
  }, (error) => {
    loadingToolbar = undefined;
    throw error;
  });
}

/** A thread reply that shows only in its thread (not sent "also to the room"). */
export function inThreadOnly(message: Pick<Message, "threadRoot" | "alsoInRoom">): boolean {
  return !!message.threadRoot && !message.alsoInRoom;
}

function rowOf(target: EventTarget | null): HTMLElement | null {
  const el = target as Element | null;
  return el?.closest ? el.closest<HTMLElement>("li[data-seq]") : null;
}

function seqOf(row: HTMLElement | null): number | null {
  return row ? Number(row.dataset.seq) : null;
}

/** Hover, focus and long-press tracking for the message list, as props for its `<ol>`. */
export function useRowFocus() {
  const hovered = useSignal<number | null>(null);
  const focused = useSignal<number | null>(null);
  const pressed = useSignal<number | null>(null);
  /** The message in the tab order; null: the newest. */
  const current = useSignal<number | null>(null);
  const pressTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const endPress = () => clearTimeout(pressTimer.current);
  const active = new Set<number>();
  for (const seq of [hovered.value, focused.value, pressed.value]) if (seq) active.add(seq);
  if (active.size) loadToolbar().catch(() => {});
  const listProps: OlHTMLAttributes<HTMLOListElement> = {
    onMouseOver: (event) => {
      const seq = seqOf(rowOf(event.target));
      if (hovered.peek() !== seq) hovered.value = seq;
    },
    onMouseLeave: () => hovered.value = null,
    onFocusIn: (event) => {
      const seq = seqOf(rowOf(event.target));
      focused.value = seq;
      if (seq) current.value = seq;
    },
    onFocusOut: (event) => {
      if (rowOf(event.target)?.contains(event.relatedTarget as Node | null)) return;
      // Focus may be on its way to a node that is still being rendered.
      setTimeout(() => focused.value = seqOf(rowOf(document.activeElement)), 0);
    },
    onKeyDown: (event) => {
      const row = event.target as HTMLElement;
      if (!row.matches("li[data-seq]")) return;
      if (event.key === "Tab" && !event.shiftKey && !toolbar.peek()) {
        // Tab goes to the message's actions, which may still be loading: wait for them
        // rather than let focus skip past them.
        event.preventDefault();
        loadToolbar().then(() =>
          setTimeout(() => row.querySelector<HTMLElement>("[data-actions] button")?.focus(), 0)
        ).catch(() => {});
        return;
      }
      if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
      event.preventDefault();
      const all = [...event.currentTarget.querySelectorAll<HTMLElement>("li[data-seq]")];
      all[all.indexOf(row) + (event.key === "ArrowUp" ? -1 : 1)]?.focus();
    },
    onTouchStart: (event) => {
      const seq = seqOf(rowOf(event.target));
      endPress();
      pressTimer.current = setTimeout(() => pressed.value = seq, LONG_PRESS_MS);
    },
    onTouchEnd: endPress,
    onTouchMove: endPress,
  };
  return { active, current: current.value, listProps };
}

export function conversationRows(state: ConversationState, on: ConversationHandlers) {
  const { clock, me, menu, editing } = state;
  const { MessageActions, MessageEditor } = toolbar.value ?? {};
  // The newest shown (a thread reply may not be).
  const current = state.current ?? state.messages.findLast((m) => !inThreadOnly(m))?.seq;
  const rows = [];
  let previous: RowMessage | undefined;
  for (const message of state.messages) {
    if (inThreadOnly(message)) continue;
    const { seq } = message;
    const day = dayKey(message.createdAt, clock);
    const newDay = !previous || dayKey(previous.createdAt, clock) !== day;
    if (newDay) {
      rows.push(<Divider key={`day-${day}`}>{formatDay(message.createdAt, clock)}</Divider>);
    }
    const isNew = seq === state.divider;
    if (isNew) rows.push(<Divider key="new" tone="new">New messages</Divider>);
    const mine = message.userId === me.id;
    const isEditing = editing?.seq === seq;
    const open = menu?.seq === seq ? menu : undefined;
    rows.push(
      <MessageRow
        key={seq}
        message={message}
        clock={clock}
        me={me.id}
        names={state.names}
        people={state.people}
        grouped={!newDay && !isNew && continuesRun(previous, message, clock)}
        tabIndex={seq === current ? 0 : -1}
        highlighted={seq === state.highlight}
        onReact={(emoji, add) => on.react(seq, emoji, add)}
        onJump={on.jump}
        onOpenFile={on.openFile}
        onOpenThread={on.thread}
        actions={MessageActions && !message.deleted && !isEditing &&
          (state.active.has(seq) || open) && (
          <MessageActions
            kit={KIT}
            canEdit={mine}
            canDelete={mine || state.owner}
            menu={open?.kind}
            above={open?.above}
            error={open?.error}
            recent={state.recent}
            onMenu={(kind) => on.menu(seq, kind)}
            onReact={(emoji) => on.react(seq, emoji, true)}
            onReply={() => on.reply(message)}
            onThread={() => on.thread(message.threadRoot ?? seq)}
            onEdit={() => on.edit(seq)}
            onDelete={() => on.remove(seq)}
          />
        )}
        editor={isEditing && MessageEditor && (
          <MessageEditor
            kit={KIT}
            text={message.text}
            maxLength={MESSAGE_MAX * 2}
            error={editing.error}
            saving={editing.saving}
            onSave={(text) => on.save(seq, text)}
            onCancel={on.cancelEdit}
          />
        )}
      />,
    );
    previous = message;
  }
  for (const item of state.pending) {
    const row = { seq: 0, userId: me.id, username: me.username, ...item };
    rows.push(
      <MessageRow
        key={item.clientId}
        message={row}
        clock={clock}
        status={item.status}
        error={item.error}
        onRetry={() => on.retry(item.clientId)}
        onOpenFile={on.openFile}
        grouped={continuesRun(previous, row, clock)}
      />,
    );
    previous = row;
  }
  return rows;
}
