/**
 * Editing a message in place: its text in a field that takes focus (cursor at the
 * end), Enter saves, Shift+Enter breaks the line, Escape cancels (not while an IME
 * is composing). A refusal is shown under the field, which stays open.
 *
 * Loaded with the actions toolbar (`_message_actions.tsx` re-exports it), so it
 * imports nothing of the page's own code (`kit`: see `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { Kit } from "./_lazy.ts";

export interface MessageEditorProps {
  kit: Kit;
  text: string;
  /** The field's limit (the pane's, in characters). */
  maxLength: number;
  error?: string;
  saving?: boolean;
  onSave(text: string): void;
  onCancel(): void;
}

export function MessageEditor(
  { kit, text, maxLength, error, saving, onSave, onCancel }: MessageEditorProps,
) {
  const { Button } = kit;
  const field = useRef<HTMLTextAreaElement>(null);
  const fit = () => {
    const el = field.current!;
    el.style.height = "auto";
    el.style.height = `${Math.min(el.scrollHeight, 240)}px`;
  };
  // At once, not after paint: keys typed right after ↑ must land in the field.
  useLayoutEffect(() => {
    const el = field.current!;
    el.focus();
    el.setSelectionRange(el.value.length, el.value.length);
    fit();
  }, []);
  return (
    <div class="py-1">
      <textarea
        ref={field}
        aria-label="Edit message"
        aria-invalid={error ? "true" : undefined}
        aria-describedby="edit-hint"
        maxLength={maxLength}
        rows={1}
        // Uncontrolled: a re-render of the conversation must not reset what is typed.
        defaultValue={text}
        onInput={fit}
        onKeyDown={(event) => {
          if (event.isComposing) return;
          if (event.key === "Escape") {
            event.preventDefault();
            event.stopPropagation();
            onCancel();
          } else if (event.key === "Enter" && !event.shiftKey) {
            event.preventDefault();
            if (!saving) onSave(event.currentTarget.value);
          }
        }}
        class="block max-h-60 w-full resize-none rounded-lg border border-indigo-500 bg-white px-3 py-2 text-base text-gray-900 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:bg-gray-800 dark:text-gray-100"
      />
      {error && <p role="alert" class="mt-1 text-xs text-red-700 dark:text-red-400">{error}</p>}
      <p
        id="edit-hint"
        class="mt-1 flex items-center gap-2 text-xs text-gray-500 dark:text-gray-400"
      >
        <span class="flex-1">Enter to save, Escape to cancel</span>
        <Button size="sm" variant="ghost" onClick={onCancel}>Cancel</Button>
        <Button
          size="sm"
          disabled={saving}
          onClick={() => onSave(field.current!.value)}
        >
          Save
        </Button>
      </p>
    </div>
  );
}
