/**
 * What one does to messages in the chat pane, and the state it needs: the open
 * popover (reaction picker or delete confirmation), the message being edited, the
 * message being answered, the one just jumped to, and my recent emoji.
 *
 * The state is here, with the page; what changes it (reacting, replying, editing,
 * deleting, jumping to a replied-to message) is in `_message_tools.ts`, loaded with
 * the actions toolbar (`loadToolbar()`: when the page is idle, or a message is
 * first hovered or focused). A handler called before that loads it first.
 */

import { type Signal, useSignal } from "@preact/signals";
import type { RefObject } from "preact";
import type { Timeline } from "../lib/client/timeline.ts";
import type { Message, User } from "../lib/protocol/types.ts";
import {
  type ConversationHandlers,
  type Editing,
  loadToolbar,
  type OpenMenu,
  toolbar,
} from "./_conversation.tsx";
import type { Kit } from "./_lazy.ts";

/** The refusal's reason, or a timeout or closed socket said plainly. */
export function reasonOf(error: unknown): string {
  return (error as { code?: string }).code ? (error as Error).message : "No answer from the server";
}

export interface MessageOpsOptions {
  roomId: string;
  me: User;
  timeline: Timeline;
  /** Applies message states through the timeline (and calls `reconcile`). */
  apply(messages: Message[]): void;
  /** Loads one older page of history; answers whether it did. */
  loadOlder(limit: number): Promise<boolean>;
  hasMore: Signal<boolean>;
  notice: Signal<{ tone: "info" | "error"; text: string } | null>;
  scroller: RefObject<HTMLDivElement | null>;
  /** The page's code the tools use (they import none of it: see `_lazy.ts`). */
  kit: Kit;
  /** The message the page opens at: highlighted from the first render. */
  at?: number;
}

/** The message state of the chat pane. */
export interface MessageState {
  menu: Signal<OpenMenu | null>;
  editing: Signal<Editing | null>;
  replyTo: Signal<Message | null>;
  highlight: Signal<number | null>;
  recent: Signal<string[]>;
}

export type MessageHandlers = Omit<ConversationHandlers, "retry" | "openFile" | "thread">;

export function useMessageOps(options: MessageOpsOptions) {
  const { timeline: tl } = options;
  const state: MessageState = {
    menu: useSignal<OpenMenu | null>(null),
    editing: useSignal<Editing | null>(null),
    replyTo: useSignal<Message | null>(null),
    highlight: useSignal<number | null>(options.at ?? null),
    recent: useSignal<string[]>([]),
  };
  const { editing, replyTo } = state;

  /** After messages changed: an edit of a deleted message ends, a reply follows its original. */
  const reconcile = () => {
    const edit = editing.peek();
    if (edit && tl.get(edit.seq)?.deleted) editing.value = null;
    const answering = replyTo.peek();
    if (answering && tl.get(answering.seq) !== answering) {
      replyTo.value = tl.get(answering.seq) ?? null;
    }
  };

  const tools = toolbar.value?.messageTools(state, options);
  /** Before the tools are here: load them, then do it. */
  const later =
    <K extends keyof MessageHandlers>(name: K) => (...args: Parameters<MessageHandlers[K]>) =>
      void loadToolbar().then((module) =>
        // deno-lint-ignore no-explicit-any
        (module.messageTools(state, options).handlers[name] as any)(...args)
      ).catch(() => {});
  const handlers: MessageHandlers = tools?.handlers ?? {
    react: later("react"),
    jump: later("jump"),
    menu: later("menu"),
    reply: later("reply"),
    edit: later("edit"),
    save: later("save"),
    cancelEdit: later("cancelEdit"),
    remove: later("remove"),
  };

  return {
    ...state,
    handlers,
    reconcile,
    /** ↑ in the empty composer: edits my last message (once the tools are here). */
    editLast: (): boolean => tools?.editLast() ?? false,
  };
}
