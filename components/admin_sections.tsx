/**
 * The sections of the server admin page (routes/admin.tsx): invite codes (make one,
 * see them, revoke one), every user (with a way to deactivate one), every room with
 * its member count, and the server's activity counters. Plain HTML: forms and links,
 * a page of each list at a time.
 */

import type { ComponentChildren } from "preact";
import type { AdminRoom, AdminUser, ServerInvite, ServerStats } from "../lib/protocol/types.ts";
import { statsRows } from "../lib/client/stats_rows.ts";
import { Avatar } from "./avatar.tsx";
import { Button } from "./button.tsx";
import { Card } from "./card.tsx";
import type { Clock } from "./clock.ts";
import { Input } from "./input.tsx";
import { Notice } from "./settings_notice.tsx";
import { formatShort, When } from "./settings_time.tsx";

export const LINK = "font-medium text-indigo-700 underline focus:outline-none " +
  "focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300";

const TH = "pb-2 pr-3 text-left text-xs font-semibold uppercase tracking-wide text-gray-500 " +
  "dark:text-gray-400";
const TD = "py-3 pr-3 align-middle text-gray-600 dark:text-gray-300";
const CHIP = "inline-block rounded-full px-2 py-0.5 text-xs font-semibold";
const CHIP_TONES = {
  good: "bg-green-100 text-green-800 dark:bg-green-900 dark:text-green-100",
  muted: "bg-gray-100 text-gray-700 dark:bg-gray-700 dark:text-gray-200",
  info: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200",
  bad: "bg-red-100 text-red-800 dark:bg-red-900 dark:text-red-200",
};

function Chip({ tone, children }: { tone: keyof typeof CHIP_TONES; children: ComponentChildren }) {
  return <span class={`${CHIP} ${CHIP_TONES[tone]}`}>{children}</span>;
}

/** A table with a caption for screen readers, scrolling sideways on a phone. */
function Table(
  { caption, head, children }: { caption: string; head: string[]; children: ComponentChildren },
) {
  return (
    <div class="overflow-x-auto">
      <table class="w-full text-sm">
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr class="border-b border-gray-200 dark:border-gray-700">
            {head.map((title) => (
              <th key={title} scope="col" class={TH}>
                {title || <span class="sr-only">Actions</span>}
              </th>
            ))}
          </tr>
        </thead>
        <tbody class="divide-y divide-gray-200 dark:divide-gray-700">{children}</tbody>
      </table>
    </div>
  );
}

/** "Next page" (and "First page" once past it) of one list, keeping the other's place. */
export function Pager(
  { label, first, next }: { label: string; first?: string; next?: string },
) {
  if (!first && !next) return null;
  return (
    <nav aria-label={label} class="mt-4 flex gap-4 text-sm">
      {first && <a href={first} class={LINK}>First page</a>}
      {next && <a href={next} rel="next" class={LINK}>Next page</a>}
    </nav>
  );
}

export interface InviteForm {
  uses?: string;
  days?: string;
  errors?: { uses?: string; days?: string; form?: string };
}

export interface NewInvite {
  code: string;
  link: string;
}

function NewInviteBox({ invite }: { invite: NewInvite }) {
  return (
    <div class="mb-6 flex flex-col gap-3 rounded-lg border border-green-200 bg-green-50 p-4 dark:border-green-800 dark:bg-green-900">
      <p role="status" class="text-sm font-medium text-green-800 dark:text-green-100">
        Invite code created. It is shown only this once: copy it, or the link, now.
      </p>
      <Input
        name="new-invite-code"
        label="Invite code"
        value={invite.code}
        readOnly
        spellcheck={false}
        autofocus
      />
      <Input
        name="new-invite-link"
        label="Registration link"
        value={invite.link}
        readOnly
        spellcheck={false}
        hint="Whoever opens it finds the code filled in"
      />
    </div>
  );
}

export function InvitesCard(
  { invites, clock, form, created, done, error }: {
    invites: ServerInvite[];
    clock: Clock;
    form: InviteForm;
    created?: NewInvite;
    done?: string;
    error?: string;
  },
) {
  const errors = form.errors ?? {};
  return (
    <div id="invites" class="scroll-mt-4">
      <Card title="Invite codes">
        {created && <NewInviteBox invite={created} />}
        {done && <Notice tone="success" class="mb-4">{done}</Notice>}
        {error && <Notice tone="error" class="mb-4">{error}</Notice>}
        <form method="post" action="/admin/invites" class="mb-6 flex flex-wrap items-start gap-4">
          {errors.form && <Notice tone="error" class="w-full">{errors.form}</Notice>}
          <Input
            name="uses"
            id="invite-uses"
            type="number"
            label="Uses"
            value={form.uses ?? "1"}
            min={1}
            max={1000}
            required
            error={errors.uses}
            hint="1–1000 registrations"
            class="w-40"
          />
          <Input
            name="expiresInDays"
            id="invite-days"
            type="number"
            label="Expires in (days)"
            value={form.days ?? "7"}
            min={1}
            max={365}
            required
            error={errors.days}
            hint="1–365 days"
            class="w-40"
          />
          <Button type="submit" class="mt-6">Create invite</Button>
        </form>
        {invites.length === 0
          ? <p class="text-sm text-gray-500 dark:text-gray-400">No invite codes yet.</p>
          : (
            <Table
              caption="Invite codes, newest first"
              head={["Created", "By", "Used", "Expires", "Status", ""]}
            >
              {invites.map((invite) => (
                <tr key={invite.id} data-invite={invite.id}>
                  <td class={TD}>
                    <When at={invite.createdAt} clock={clock} />
                  </td>
                  <td class={TD}>
                    <bdi>{invite.createdBy.username}</bdi>
                  </td>
                  <td class={TD}>{invite.used} of {invite.uses}</td>
                  <td class={TD}>
                    <When at={invite.expiresAt} clock={clock} />
                  </td>
                  <td class={TD}>
                    {invite.spent
                      ? <Chip tone="muted">Spent</Chip>
                      : <Chip tone="good">Active</Chip>}
                  </td>
                  <td class="py-3 text-right">
                    {!invite.spent && (
                      <form method="post" action={`/admin/invites/${invite.id}/revoke`}>
                        <Button
                          type="submit"
                          variant="secondary"
                          size="sm"
                          aria-label={`Revoke the invite made ${
                            formatShort(invite.createdAt, clock)
                          }`}
                        >
                          Revoke
                        </Button>
                      </form>
                    )}
                  </td>
                </tr>
              ))}
            </Table>
          )}
      </Card>
    </div>
  );
}

function LastSeen({ user, clock }: { user: AdminUser; clock: Clock }) {
  if (user.online) return <Chip tone="good">Online</Chip>;
  if (user.lastSeenAt === null) return <span>Never</span>;
  return <When at={user.lastSeenAt} clock={clock} />;
}

export function UsersCard(
  { users, clock, pager, done }: {
    users: AdminUser[];
    clock: Clock;
    pager: ComponentChildren;
    done?: string;
  },
) {
  return (
    <div id="users" class="scroll-mt-4">
      <Card title="Users">
        {done && <Notice tone="success" class="mb-4">{done}</Notice>}
        <Table caption="Users" head={["User", "Joined", "Last seen", "Status", ""]}>
          {users.map((user) => {
            const name = user.displayName ?? user.username;
            return (
              <tr key={user.id} data-user={user.username}>
                <th scope="row" class="py-3 pr-3 text-left font-normal">
                  <span class="flex items-center gap-3">
                    <Avatar username={user.username} url={user.avatarUrl} />
                    <span class="min-w-0">
                      <bdi class="block truncate font-medium text-gray-900 dark:text-gray-100">
                        {name}
                      </bdi>
                      <bdi class="block truncate text-xs text-gray-500 dark:text-gray-400">
                        @{user.username}
                      </bdi>
                    </span>
                  </span>
                </th>
                <td class={`${TD} whitespace-nowrap`}>
                  <When at={user.createdAt} clock={clock} />
                </td>
                <td class={`${TD} whitespace-nowrap`}>
                  <LastSeen user={user} clock={clock} />
                </td>
                <td class={TD}>
                  {user.deactivatedAt
                    ? <Chip tone="bad">Deactivated</Chip>
                    : user.serverAdmin
                    ? <Chip tone="info">Server admin</Chip>
                    : <Chip tone="muted">Active</Chip>}
                </td>
                <td class="py-3 text-right">
                  {!user.deactivatedAt && !user.serverAdmin && (
                    <a
                      href={`/admin/users/${user.id}/deactivate?username=${
                        encodeURIComponent(user.username)
                      }`}
                      aria-label={`Deactivate ${user.username}`}
                      class="inline-flex h-8 items-center rounded-lg border border-gray-300 bg-white px-3 text-sm font-medium text-red-700 hover:bg-red-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-600 dark:bg-gray-800 dark:text-red-300 dark:hover:bg-gray-700"
                    >
                      Deactivate…
                    </a>
                  )}
                </td>
              </tr>
            );
          })}
        </Table>
        {pager}
      </Card>
    </div>
  );
}

const KINDS = { public: "Public", private: "Private", direct: "Direct" } as const;

export function RoomsCard(
  { rooms, clock, pager }: { rooms: AdminRoom[]; clock: Clock; pager: ComponentChildren },
) {
  return (
    <div id="rooms" class="scroll-mt-4">
      <Card title="Rooms">
        {rooms.length === 0
          ? <p class="text-sm text-gray-500 dark:text-gray-400">No rooms yet.</p>
          : (
            <Table caption="Rooms" head={["Room", "Kind", "Members", "Last activity"]}>
              {rooms.map((room) => (
                <tr key={room.id} data-room={room.id}>
                  <th
                    scope="row"
                    class="max-w-xs truncate py-3 pr-3 text-left font-medium text-gray-900 dark:text-gray-100"
                  >
                    <bdi>{room.kind === "direct" ? room.name : `#${room.name}`}</bdi>
                  </th>
                  <td class={TD}>{KINDS[room.kind] ?? room.kind}</td>
                  <td class={TD} data-member-count>{room.memberCount}</td>
                  <td class={`${TD} whitespace-nowrap`}>
                    <When at={room.lastActivityAt} clock={clock} />
                  </td>
                </tr>
              ))}
            </Table>
          )}
        {pager}
      </Card>
    </div>
  );
}

/**
 * The counters of the isolate that rendered the page, since it started (the same
 * rows as `chat admin stats`): a reload reads them again.
 */
export function StatsCard({ stats }: { stats: ServerStats }) {
  return (
    <div id="activity" class="scroll-mt-4">
      <Card title="Server activity">
        <dl class="flex flex-col gap-2 text-sm">
          {statsRows(stats).map(([label, value]) => (
            <div key={label} class="flex flex-col sm:flex-row sm:gap-4" data-stat={label}>
              <dt class="shrink-0 font-medium text-gray-900 sm:w-40 dark:text-gray-100">{label}</dt>
              <dd class="text-gray-600 dark:text-gray-300">{value}</dd>
            </div>
          ))}
        </dl>
        <p class="mt-3 text-xs text-gray-500 dark:text-gray-400">
          Since this isolate started; on many isolates each counts its own. Every KV commit is a
          write to disk on a self-hosted server.
        </p>
      </Card>
    </div>
  );
}
