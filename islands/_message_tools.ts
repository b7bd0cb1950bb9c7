/**
 * What changes messages in the chat pane (the state is `_message_ops.ts`'s): the
 * reaction picker and delete confirmation opening and closing, reacting, deleting,
 * editing in place, replying, and jumping to a replied-to message (loading older
 * history until it is there). Every change goes over the page's socket and its
 * answer (the message as it is now) through the pane's `apply`, like any frame.
 *
 * Loaded with the actions toolbar (`_message_actions.tsx` re-exports it), not with
 * the page; it imports nothing of the page's own code (`options.kit`: see
 * `_lazy.ts`).
 *
 * Focus is moved synchronously, before state changes remove what had it: a
 * popover's nodes leave the document before its effects are cleaned up, and focus
 * that falls to the body would take the toolbar with it.
 */

import type { Message } from "../lib/protocol/types.ts";
import type { OpenMenu } from "./_conversation.tsx";
import type { MessageHandlers, MessageOpsOptions, MessageState } from "./_message_ops.ts";

/** A jump to a replied-to message loads at most this many pages of history. */
const JUMP_PAGES = 50;

const RECENT_KEY = "chat:recent-emoji";
const RECENT_MAX = 8;

/** My recently used emoji, newest first (browser only). */
export function recentEmoji(): string[] {
  try {
    const stored = JSON.parse(localStorage.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(stored)
      ? stored.filter((e) => typeof e === "string" && e.length <= 32).slice(0, RECENT_MAX)
      : [];
  } catch {
    return [];
  }
}

/** Puts an emoji first among the recent ones; answers the new list. */
export function rememberEmoji(emoji: string): string[] {
  const next = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(next));
  } catch { /* storage full or disabled: recent stays for this page only */ }
  return next;
}

function reasonOf(error: unknown): string {
  return (error as { code?: string }).code ? (error as Error).message : "No answer from the server";
}

function focusOn(id: string): void {
  document.getElementById(id)?.focus();
}

/** My recent emoji are read once, when the tools first load. */
let recentRead = false;

/** The handlers of the chat pane's messages, over its state. */
export function messageTools(state: MessageState, options: MessageOpsOptions) {
  const { roomId, me, timeline: tl, apply, notice, kit } = options;
  const { menu, editing, replyTo, highlight, recent } = state;
  const chatSocket = kit.chatSocket;
  if (!recentRead) {
    recentRead = true;
    // Not while the pane renders (it calls this): right after.
    queueMicrotask(() => recent.value = recentEmoji());
  }

  /**
   * Closes the open popover. When focus is in it, focus goes back to the button that
   * opened it (the pressed one in the toolbar) first.
   */
  const closeMenu = () => {
    const open = menu.peek();
    if (!open) return;
    const row = document.getElementById(`m-${open.seq}`);
    if (row?.querySelector("[data-popover]")?.contains(document.activeElement)) {
      row.querySelector<HTMLElement>('[data-actions] [aria-expanded="true"]')?.focus();
    }
    menu.value = null;
  };

  const openMenu = (seq: number, kind: OpenMenu["kind"] | null) => {
    if (!kind) return closeMenu();
    // Low on screen: open upwards, so the popover is not cut off by the scroller.
    const row = document.getElementById(`m-${seq}`)?.getBoundingClientRect();
    const box = options.scroller.current?.getBoundingClientRect();
    const above = !!row && !!box && row.top > box.top + box.height / 2;
    menu.value = { seq, kind, above };
  };

  const menuError = (seq: number, error: unknown) => {
    const open = menu.peek();
    const text = reasonOf(error);
    if (open?.seq === seq) menu.value = { ...open, error: text };
    else notice.value = { tone: "error", text };
  };

  const react = async (seq: number, emoji: string, on: boolean) => {
    try {
      apply([await chatSocket().react(roomId, seq, emoji, on)]);
      if (on) recent.value = rememberEmoji(emoji);
      if (menu.peek()?.seq === seq) closeMenu();
    } catch (error) {
      menuError(seq, error);
    }
  };

  const remove = async (seq: number) => {
    try {
      apply([await chatSocket().delete(roomId, seq)]);
      closeMenu();
      focusOn(`m-${seq}`);
    } catch (error) {
      menuError(seq, error);
    }
  };

  const startEdit = (seq: number, fromComposer = false) => {
    closeMenu();
    editing.value = { seq, fromComposer };
  };

  const finishEdit = () => {
    const edit = editing.peek();
    editing.value = null;
    if (edit) focusOn(edit.fromComposer ? "composer" : `m-${edit.seq}`);
  };

  const save = async (seq: number, text: string) => {
    const edit = editing.peek();
    if (!edit) return;
    let checked: string;
    try {
      checked = kit.validateMessageText(text);
    } catch (error) {
      editing.value = { ...edit, error: (error as Error).message };
      return;
    }
    if (tl.get(seq)?.text === checked) return finishEdit();
    editing.value = { ...edit, saving: true, error: undefined };
    try {
      apply([await chatSocket().edit(roomId, seq, checked)]);
      finishEdit();
    } catch (error) {
      if (editing.peek()) editing.value = { ...edit, saving: false, error: reasonOf(error) };
    }
  };

  /** ↑ in the empty composer: edit my newest message that is not deleted. */
  const editLast = (): boolean => {
    const list = tl.messages();
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      if (m.userId !== me.id || m.deleted) continue;
      startEdit(m.seq, true);
      document.getElementById(`m-${m.seq}`)?.scrollIntoView({ block: "nearest" });
      return true;
    }
    return false;
  };

  const reply = (message: Message) => {
    closeMenu();
    replyTo.value = message;
    focusOn("composer");
  };

  /**
   * Scrolls to a message (a reply's original, a search result), loading older
   * history until it is there; focuses it and highlights it for a moment.
   */
  const jump = async (seq: number) => {
    if (!tl.get(seq) && options.hasMore.peek()) {
      notice.value = { tone: "info", text: "Loading older messages to find the message…" };
      for (let page = 0; page < JUMP_PAGES && !tl.get(seq) && options.hasMore.peek(); page++) {
        if (!(await options.loadOlder(100))) break;
      }
      notice.value = null;
      // Let the pane render what was loaded.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    const row = document.getElementById(`m-${seq}`);
    if (!tl.get(seq) || !row) {
      notice.value = { tone: "error", text: "The message could not be loaded" };
      return;
    }
    row.scrollIntoView({ block: "center" });
    row.focus({ preventScroll: true });
    highlight.value = seq;
    setTimeout(() => {
      if (highlight.peek() === seq) highlight.value = null;
    }, 2_000);
  };

  const handlers: MessageHandlers = {
    react: (seq, emoji, on) => void react(seq, emoji, on),
    jump: (seq) => void jump(seq),
    menu: openMenu,
    reply,
    edit: (seq) => startEdit(seq),
    save: (seq, text) => void save(seq, text),
    cancelEdit: finishEdit,
    remove: (seq) => void remove(seq),
  };

  return { handlers, editLast };
}
