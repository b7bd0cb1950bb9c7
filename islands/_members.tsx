/**
 * A room's member list with live presence. Each name is a button that starts
 * (or opens) the direct conversation with that person: a plain form post, so it
 * works with and without JavaScript.
 *
 * Online first (while our connection is down, by the members' own `online`, as
 * the room's last `subscribed` frame or the page had it), the dots saying
 * "presence unknown" meanwhile (`presenceOf`).
 *
 * In the browser it is loaded as the pane mounts, not with the page: until then
 * the server's markup stands (see chat_room.tsx). So it imports nothing of the
 * page's own code: the pane hands it over (`_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
/** @jsxFrag Fragment */
import { Fragment, h } from "preact";
import type { Member, User } from "../lib/protocol/types.ts";
import type { Kit } from "./_lazy.ts";

export interface MemberListProps {
  kit: Kit;
  me: User;
  members: Member[];
  /** On small screens the list is an overlay, shown on demand. */
  open: boolean;
  onClose(): void;
}

export function MemberList({ kit, me, members, open, onClose }: MemberListProps) {
  const { Avatar, OnlineDot, cx, nameOf, compareNames, presenceOf } = kit;
  const known = kit.presence.value;
  const lastKnown = (m: Member) => m.id === me.id || (known[m.id] ?? m.online);
  const isOnline = (m: Member) => presenceOf(m.id, m.id === me.id || m.online);
  const sorted = [...members].sort((a, b) =>
    Number(lastKnown(b)) - Number(lastKnown(a)) ||
    compareNames(a.username, b.username)
  );
  // As last known (the dots say when that is all there is).
  const count = sorted.filter(lastKnown).length;
  return (
    <aside
      id="members"
      aria-label="Members"
      class={cx(
        "min-h-0 w-64 shrink-0 flex-col border-l border-gray-200 bg-gray-50 dark:border-gray-700 dark:bg-gray-900",
        open
          ? "fixed inset-y-0 right-0 z-30 flex shadow-2xl lg:static lg:z-auto lg:shadow-none"
          : "hidden lg:flex",
      )}
    >
      <header class="flex h-14 shrink-0 items-center justify-between gap-2 border-b border-gray-200 px-4 dark:border-gray-700">
        <h2 class="text-sm font-semibold text-gray-700 dark:text-gray-200">
          Members <span class="font-normal text-gray-500 dark:text-gray-400">· {count} online</span>
        </h2>
        {open && (
          <button
            type="button"
            onClick={onClose}
            class="rounded-lg px-2 py-1 text-sm text-gray-600 hover:bg-gray-200 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 lg:hidden dark:text-gray-300 dark:hover:bg-gray-800"
          >
            Close
          </button>
        )}
      </header>
      <ul class="min-h-0 flex-1 overflow-y-auto px-2 py-2">
        {sorted.map((member) => {
          const shown = nameOf(member);
          const name = (
            <>
              <bdi>{shown.name}</bdi>
              {shown.handle && (
                <span class="ml-1 text-xs text-gray-500 dark:text-gray-400">
                  @{member.username}
                </span>
              )}
            </>
          );
          return (
            <li
              key={member.id}
              data-member={member.username}
              data-online={String(isOnline(member) ?? "unknown")}
              class="flex items-center gap-2 rounded-lg px-2 py-1"
            >
              <span class="relative inline-flex">
                <Avatar username={member.username} url={member.avatarUrl} size="sm" />
                <OnlineDot online={isOnline(member)} class="absolute -bottom-0.5 -right-0.5" />
              </span>
              {member.id === me.id
                ? (
                  <span class="min-w-0 flex-1 truncate text-sm">
                    {name} <span class="text-gray-500 dark:text-gray-400">(you)</span>
                  </span>
                )
                : (
                  <form method="post" action="/dms" class="min-w-0 flex-1">
                    <input type="hidden" name="username" value={member.username} />
                    <button
                      type="submit"
                      title={`Message ${member.username}`}
                      class={cx(
                        "block w-full truncate rounded text-left text-sm hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500",
                        isOnline(member) !== false
                          ? "text-gray-900 dark:text-gray-100"
                          : "text-gray-500 dark:text-gray-400",
                      )}
                    >
                      {name}
                      <span class="sr-only">: send a direct message</span>
                    </button>
                  </form>
                )}
              {member.role !== "member" && (
                <span data-role={member.role} class="text-xs text-gray-500 dark:text-gray-400">
                  {member.role}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
