/**
 * A room's member list with live presence. Each name is a button that starts
 * (or opens) the direct conversation with that person: a plain form post, so it
 * works with and without JavaScript.
 */

import type { Member, User } from "../lib/protocol/types.ts";
import { Avatar } from "../components/avatar.tsx";
import { OnlineDot } from "../components/online_dot.tsx";
import { cx } from "../components/_cx.ts";
import { nameOf } from "../components/message_row.tsx";

export interface MemberListProps {
  me: User;
  members: Member[];
  /** Live presence (userId → online), over the members' own `online`. */
  online: Readonly<Record<string, boolean>>;
  /** On small screens the list is an overlay, shown on demand. */
  open: boolean;
  onClose(): void;
}

export function MemberList({ me, members, online, open, onClose }: MemberListProps) {
  const isOnline = (m: Member) => m.id === me.id || (online[m.id] ?? m.online);
  const sorted = [...members].sort((a, b) =>
    Number(isOnline(b)) - Number(isOnline(a)) ||
    a.username.localeCompare(b.username, undefined, { sensitivity: "base" })
  );
  const count = sorted.filter(isOnline).length;
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
              data-online={String(isOnline(member))}
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
                        isOnline(member)
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
