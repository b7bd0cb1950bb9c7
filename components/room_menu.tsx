/**
 * The room menu's forms (the room header's `<details>`): invite someone, leave the
 * room. Plain forms that post to the room's pages, so they work without
 * JavaScript; the chat island keeps the server's HTML of them as it is (see
 * lib/islands/server_html.ts) and only adds inviting in place.
 */

import { Button } from "./button.tsx";

export function RoomMenuForms({ roomId }: { roomId: string }) {
  return (
    <>
      <form
        method="post"
        action={`/rooms/${roomId}/invites`}
        data-invite=""
        class="flex flex-col gap-2"
      >
        <label for="invite-username" class="text-sm font-medium">Invite someone</label>
        <div class="flex gap-2">
          <input
            id="invite-username"
            name="username"
            required
            minLength={3}
            maxLength={32}
            autoComplete="off"
            placeholder="username"
            class="min-w-0 flex-1 rounded-lg border border-gray-300 bg-white px-2 py-1 text-sm text-gray-900 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500 dark:border-gray-600 dark:bg-gray-900 dark:text-gray-100"
          />
          <Button type="submit" size="sm">Invite</Button>
        </div>
      </form>
      <form
        method="post"
        action={`/rooms/${roomId}/leave`}
        data-leave=""
        class="mt-4 border-t border-gray-200 pt-3 dark:border-gray-700"
      >
        <Button type="submit" variant="danger" size="sm" class="w-full">Leave room</Button>
      </form>
    </>
  );
}
