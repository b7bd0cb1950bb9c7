/**
 * What the popovers of a message's actions hold: the reaction picker (my recent
 * emoji, a fixed common set, and any other emoji typed in) and the delete
 * confirmation (the popover itself is `_message_actions.tsx`'s).
 *
 * Loaded when a message's toolbar first shows (see `_message_actions.tsx`), not
 * with the page: nobody needs them before, and the room page's JavaScript budget
 * is tight. So it imports nothing of the page's own code (the design system's
 * `Button` comes in `props.kit`: see `_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
/** @jsxFrag Fragment */
import { Fragment, h } from "preact";
import type { MessageActionsProps } from "./_message_actions.tsx";

/** The picker's fixed set: the reactions people use most. */
export const COMMON_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "😢", "🙏", "👀"];

function EmojiGroup(
  { name, emoji, onPick, first }: {
    name: string;
    emoji: string[];
    onPick(emoji: string): void;
    first?: boolean;
  },
) {
  return (
    <div role="group" aria-label={name}>
      <p
        aria-hidden="true"
        class="px-1 pt-1 text-xs font-semibold text-gray-500 dark:text-gray-400"
      >
        {name}
      </p>
      <div class="flex flex-wrap">
        {emoji.map((e, i) => (
          <button
            key={e}
            type="button"
            aria-label={`React with ${e}`}
            data-autofocus={first && i === 0 ? "" : undefined}
            onClick={() => onPick(e)}
            class="flex h-9 w-9 items-center justify-center rounded text-xl hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:hover:bg-gray-700"
          >
            {e}
          </button>
        ))}
      </div>
    </div>
  );
}

/** The content of the open popover (`props.menu`). */
export function MessageMenu(props: MessageActionsProps & { onClose(): void }) {
  const { menu, onClose: close } = props;
  const { Button } = props.kit;
  const errorLine = props.error && (
    <p role="alert" class="px-1 pt-1 text-xs text-red-700 dark:text-red-400">{props.error}</p>
  );
  return (
    <>
      {menu === "picker" && (
        <>
          {props.recent.length > 0 && (
            <EmojiGroup name="Recent" emoji={props.recent} onPick={props.onReact} first />
          )}
          <EmojiGroup
            name="Common"
            emoji={COMMON_EMOJI}
            onPick={props.onReact}
            first={props.recent.length === 0}
          />
          <form
            class="flex gap-1 px-1 pt-2"
            onSubmit={(event) => {
              event.preventDefault();
              const field = event.currentTarget.elements.namedItem("emoji") as HTMLInputElement;
              const emoji = field.value.trim();
              if (emoji) props.onReact(emoji);
            }}
          >
            <input
              name="emoji"
              aria-label="Other emoji"
              placeholder="Other emoji"
              maxLength={16}
              autocomplete="off"
              class="min-w-0 flex-1 rounded border border-gray-300 bg-white px-2 py-1 text-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-gray-600 dark:bg-gray-900"
            />
            <Button type="submit" size="sm" variant="secondary">Add</Button>
          </form>
          {errorLine}
        </>
      )}
      {menu === "confirm" && (
        <>
          <p class="px-1 text-sm font-medium">Delete this message?</p>
          <p class="px-1 text-xs text-gray-500 dark:text-gray-400">
            It is removed for everyone. This cannot be undone.
          </p>
          {errorLine}
          <div class="mt-2 flex justify-end gap-2">
            <Button size="sm" variant="secondary" onClick={close} data-autofocus="">
              Cancel
            </Button>
            <Button size="sm" variant="danger" onClick={props.onDelete}>Delete</Button>
          </div>
        </>
      )}
    </>
  );
}
