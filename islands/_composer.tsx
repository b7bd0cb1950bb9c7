/**
 * The message composer. Without JavaScript it is a plain form that posts to the
 * room page (with a clientId minted by the server, so a double submit stores
 * one message). In the browser, Enter sends, Shift+Enter starts a new line,
 * the field grows with its text, and typing is announced to the room (at most
 * every 2.5 s; the server throttles too). Replying shows the message answered
 * above the field (Escape or × cancels); ↑ in the empty field edits my last message.
 * Files: the attach button (shown once the page is live) opens the file picker;
 * the tray above the field shows them uploading (`_attachments.ts`). Send goes
 * when every file in the tray is uploaded, with the text as their caption (which
 * may then be empty). Typing `@` offers the room's members (`_mention_picker.tsx`,
 * loaded with the first `@`).
 */

import { signal, useSignal } from "@preact/signals";
import { useRef } from "preact/hooks";
import { MESSAGE_MAX } from "../lib/protocol/limits.ts";
import { validateMessageText } from "../lib/protocol/validate.ts";
import { Button } from "../components/button.tsx";
import { cx } from "../components/_cx.ts";
import { Icon } from "../components/message_files.tsx";
import type { ReplyRef } from "../lib/protocol/types.ts";
import type { Attachments } from "./_attachments.ts";
import type { Mentionable } from "./_mention_picker.tsx";

type Picker = typeof import("./_mention_picker.tsx");
/** The `@` autocomplete, once a message held an `@` (one module for every composer). */
const mentionPicker = signal<Picker | null>(null);
let loadingPicker: Promise<unknown> | undefined;

const TYPING_EVERY_MS = 2_500;
const MAX_HEIGHT_PX = 160;

export interface ComposerProps {
  roomId: string;
  /** The field's id (the page may have two composers); "composer" by default. */
  id?: string;
  /** "#general" or "bob": the field's label and placeholder. */
  target: string;
  /** For the form without JavaScript. */
  clientId: string;
  onSend(text: string): void;
  onTyping(): void;
  /** The message being answered, shown above the field. */
  replyTo?: ReplyRef;
  onCancelReply?(): void;
  /** ↑ in the empty field: answers whether there was a message of mine to edit. */
  onEditLast?(): boolean;
  /** The tray; with it (in the browser) the composer offers to attach files. */
  attachments?: Attachments;
  /** Who `@` offers; without it, nobody. */
  mentionable?: Mentionable;
}

export function Composer(props: ComposerProps) {
  const { roomId, target, clientId, onSend, onTyping, replyTo, attachments } = props;
  const id = props.id ?? "composer";
  const error = useSignal<string | null>(null);
  const Picker = mentionPicker.value;
  const field = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const files = attachments?.count ?? 0;
  const Tray = attachments?.uploads.value?.Tray;
  const lastTyping = useRef(0);

  const resize = () => {
    const el = field.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, MAX_HEIGHT_PX)}px`;
  };

  const submit = () => {
    const el = field.current!;
    const blank = el.value.trim() === "";
    if ((blank && !files) || attachments?.ready === false) return;
    let text = "";
    try {
      if (!blank) text = validateMessageText(el.value);
    } catch (err) {
      error.value = (err as Error).message;
      return;
    }
    error.value = null;
    onSend(text);
    el.value = "";
    resize();
    el.focus();
  };

  return (
    <form
      method="post"
      action={`/rooms/${roomId}/messages`}
      class="relative border-t border-gray-200 bg-white px-3 pb-3 pt-2 dark:border-gray-700 dark:bg-gray-900"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <input type="hidden" name="clientId" value={clientId} />
      {replyTo && (
        <div
          data-replying={replyTo.seq}
          class="mb-2 flex items-center gap-2 rounded-lg border-l-4 border-indigo-500 bg-gray-50 py-1 pl-3 pr-1 text-sm dark:bg-gray-800"
        >
          <p class="min-w-0 flex-1 truncate text-gray-700 dark:text-gray-300">
            Replying to <bdi class="font-semibold">{replyTo.username}</bdi>
            {replyTo.deleted ? "" : ": "}
            <span dir="auto" class="text-gray-500 dark:text-gray-400">
              {replyTo.deleted ? " (message deleted)" : replyTo.excerpt}
            </span>
          </p>
          <button
            type="button"
            aria-label="Cancel reply"
            onClick={() => {
              props.onCancelReply?.();
              field.current?.focus();
            }}
            class="h-7 w-7 shrink-0 rounded text-gray-500 hover:bg-gray-200 hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-400 dark:hover:bg-gray-700 dark:hover:text-white"
          >
            ×
          </button>
        </div>
      )}
      {Tray && <Tray items={attachments.items} />}
      {Picker && props.mentionable && (
        <Picker.MentionPicker field={field} id={id} from={props.mentionable} />
      )}
      <label for={id} class="sr-only">Message {target}</label>
      <div class="flex items-end gap-2">
        {attachments && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              tabIndex={-1}
              aria-label="Choose files to attach"
              class="sr-only"
              onChange={(event) => {
                const input = event.currentTarget;
                const files = [...(input.files ?? [])];
                void attachments.with((uploads) => uploads.add(files));
                input.value = "";
              }}
            />
            <button
              type="button"
              aria-label="Attach files"
              title="Attach files"
              onClick={() => picker.current?.click()}
              class="flex h-10 w-10 shrink-0 items-center justify-center rounded-lg text-gray-600 hover:bg-gray-100 hover:text-gray-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-300 dark:hover:bg-gray-800 dark:hover:text-white"
            >
              <Icon name="attach" class="h-5 w-5" />
            </button>
          </>
        )}
        <textarea
          id={id}
          ref={field}
          name="text"
          rows={1}
          required={files === 0}
          maxLength={MESSAGE_MAX * 2}
          placeholder={`Message ${target}`}
          enterkeyhint="send"
          aria-invalid={error.value ? "true" : undefined}
          aria-describedby={error.value ? `${id}-error` : `${id}-hint`}
          class={cx(
            "block max-h-40 min-h-[2.5rem] w-full flex-1 resize-none rounded-lg border bg-white px-3 py-2 text-base text-gray-900 placeholder-gray-500 focus:outline-none focus:ring-2 dark:bg-gray-800 dark:text-gray-100 dark:placeholder-gray-400",
            error.value
              ? "border-red-500 focus:ring-red-500"
              : "border-gray-300 focus:border-indigo-500 focus:ring-indigo-500 dark:border-gray-600",
          )}
          onKeyDown={(event) => {
            if (event.isComposing) return;
            const plain = !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey;
            if (event.key === "Enter" && !event.shiftKey) {
              event.preventDefault();
              submit();
            } else if (event.key === "Escape" && replyTo) {
              event.preventDefault();
              props.onCancelReply?.();
            } else if (
              event.key === "ArrowUp" && plain && field.current!.value === "" &&
              props.onEditLast?.()
            ) {
              event.preventDefault();
            }
          }}
          onInput={() => {
            if (props.mentionable && !loadingPicker && field.current!.value.includes("@")) {
              loadingPicker = import("./_mention_picker.tsx").then(
                (module) => mentionPicker.value = module,
                () => loadingPicker = undefined,
              );
            }
            resize();
            if (error.value) error.value = null;
            const now = Date.now();
            if (field.current!.value.trim() && now - lastTyping.current > TYPING_EVERY_MS) {
              lastTyping.current = now;
              onTyping();
            }
          }}
        />
        <Button type="submit" class="h-10 shrink-0" disabled={attachments?.ready === false}>
          Send
        </Button>
      </div>
      {error.value
        ? (
          <p id={`${id}-error`} role="alert" class="mt-1 text-xs text-red-700 dark:text-red-400">
            {error.value}
          </p>
        )
        : (
          <p
            id={`${id}-hint`}
            class="mt-1 hidden text-xs text-gray-500 sm:block dark:text-gray-400"
          >
            {attachments?.ready === false
              ? "Send waits until every file is uploaded"
              : "Enter to send, Shift+Enter for a new line"}
          </p>
        )}
    </form>
  );
}
