/**
 * The sections of the settings page (routes/settings.tsx), each a plain form that
 * works without JavaScript: my profile (display name, avatar), my password, my
 * sessions, deactivating my account. A section shows its outcome above its form
 * (`done`) and a problem next to the field it is about.
 */

import {
  AVATAR_UPLOAD_MAX,
  PASSWORD_MAX,
  PASSWORD_MIN,
  ROOM_NAME_MAX,
} from "../lib/protocol/limits.ts";
import type { SessionInfo, User } from "../lib/protocol/types.ts";
import { Avatar } from "./avatar.tsx";
import { Button } from "./button.tsx";
import { Card } from "./card.tsx";
import type { Clock } from "./clock.ts";
import { Input } from "./input.tsx";
import { describeDevice } from "./settings_device.ts";
import { Notice } from "./settings_notice.tsx";
import { When } from "./settings_time.tsx";

/** What the avatar input accepts (the server sniffs the bytes anyway). */
export const AVATAR_ACCEPT = "image/png,image/jpeg,image/gif,image/webp";

export interface ProfileState {
  displayName?: string;
  nameError?: string;
  avatarError?: string;
  done?: string;
}

export interface PasswordState {
  errors?: { current?: string; password?: string; confirm?: string; form?: string };
  done?: string;
}

export interface SessionsState {
  error?: string;
  done?: string;
}

export interface DeactivateState {
  errors?: { password?: string; form?: string };
}

const SECTION = "scroll-mt-4";

export function ProfileCard({ me, state }: { me: User; state: ProfileState }) {
  const megabytes = AVATAR_UPLOAD_MAX / (1024 * 1024);
  const avatarError = state.avatarError;
  return (
    <div id="profile" class={SECTION}>
      <Card title="Profile">
        {state.done && <Notice tone="success" class="mb-4">{state.done}</Notice>}
        <div class="flex flex-col gap-6">
          <div class="flex flex-wrap items-start gap-4">
            <Avatar username={me.username} url={me.avatarUrl} size="lg" />
            <div class="flex min-w-0 flex-1 flex-col gap-3">
              <form
                method="post"
                action="/settings/avatar"
                enctype="multipart/form-data"
                class="flex flex-col gap-2"
              >
                <label
                  for="avatar-file"
                  class="text-sm font-medium text-gray-700 dark:text-gray-200"
                >
                  {me.avatarUrl ? "Replace your avatar" : "Upload an avatar"}
                </label>
                <input
                  type="file"
                  id="avatar-file"
                  name="avatar"
                  accept={AVATAR_ACCEPT}
                  required
                  aria-invalid={avatarError ? "true" : undefined}
                  aria-describedby={avatarError ? "avatar-file-error" : "avatar-file-hint"}
                  autofocus={!!avatarError}
                  class="block w-full text-sm text-gray-700 file:mr-3 file:cursor-pointer file:rounded-lg file:border-0 file:bg-indigo-50 file:px-3 file:py-1.5 file:text-sm file:font-medium file:text-indigo-700 hover:file:bg-indigo-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-300 dark:file:bg-gray-700 dark:file:text-indigo-200"
                />
                {avatarError
                  ? (
                    <p
                      id="avatar-file-error"
                      role="alert"
                      class="text-sm text-red-600 dark:text-red-400"
                    >
                      {avatarError}
                    </p>
                  )
                  : (
                    <p id="avatar-file-hint" class="text-sm text-gray-500 dark:text-gray-400">
                      PNG, JPEG, GIF or WebP, up to {megabytes} MB; the middle square is kept.
                    </p>
                  )}
                <div>
                  <Button type="submit" variant="secondary" size="sm">Upload avatar</Button>
                </div>
              </form>
              {me.avatarUrl && (
                <form method="post" action="/settings/avatar/remove">
                  <Button type="submit" variant="ghost" size="sm" class="-ml-3">
                    Remove avatar
                  </Button>
                </form>
              )}
            </div>
          </div>
          <form
            method="post"
            action="/settings/profile"
            class="flex flex-col gap-4 border-t border-gray-200 pt-6 dark:border-gray-700"
          >
            <p class="text-sm text-gray-600 dark:text-gray-400">
              Username:{" "}
              <bdi class="font-medium text-gray-900 dark:text-gray-100">{me.username}</bdi>{" "}
              (it never changes)
            </p>
            <Input
              name="displayName"
              label="Display name"
              value={state.displayName ?? me.displayName ?? me.username}
              error={state.nameError}
              hint={`What people see: up to ${ROOM_NAME_MAX} characters. Leave it empty to show your username.`}
              maxLength={ROOM_NAME_MAX}
              autocomplete="nickname"
              autofocus={!!state.nameError}
            />
            <div>
              <Button type="submit">Save display name</Button>
            </div>
          </form>
        </div>
      </Card>
    </div>
  );
}

export function PasswordCard({ me, state }: { me: User; state: PasswordState }) {
  const errors = state.errors ?? {};
  return (
    <div id="password" class={SECTION}>
      <Card title="Password">
        {state.done && <Notice tone="success" class="mb-4">{state.done}</Notice>}
        <form method="post" action="/settings/password" class="flex flex-col gap-4">
          {errors.form && <Notice tone="error">{errors.form}</Notice>}
          {/* For password managers: whose password this is. */}
          <input
            type="text"
            name="username"
            value={me.username}
            autocomplete="username"
            readOnly
            hidden
          />
          <Input
            name="current"
            id="password-current"
            type="password"
            label="Current password"
            error={errors.current}
            autocomplete="current-password"
            required
            maxLength={PASSWORD_MAX}
            autofocus={!!errors.current}
          />
          <Input
            name="password"
            id="password-new"
            type="password"
            label="New password"
            error={errors.password}
            hint={`At least ${PASSWORD_MIN} characters`}
            autocomplete="new-password"
            required
            minLength={PASSWORD_MIN}
            maxLength={PASSWORD_MAX}
            autofocus={!!errors.password && !errors.current}
          />
          <Input
            name="confirm"
            id="password-confirm"
            type="password"
            label="Confirm new password"
            error={errors.confirm}
            autocomplete="new-password"
            required
            maxLength={PASSWORD_MAX}
            autofocus={!!errors.confirm && !errors.current && !errors.password}
          />
          <p class="text-sm text-gray-500 dark:text-gray-400">
            Every other session is logged out; this one stays signed in.
          </p>
          <div>
            <Button type="submit">Change password</Button>
          </div>
        </form>
      </Card>
    </div>
  );
}

function SessionRow({ session, clock }: { session: SessionInfo; clock: Clock }) {
  const device = describeDevice(session.userAgent);
  return (
    <tr data-session={session.id} data-current={session.current ? "" : undefined}>
      <th scope="row" class="py-3 pr-3 text-left font-medium">
        <span title={session.userAgent} class="block">{device}</span>
        {session.current && (
          <span class="mt-1 inline-block whitespace-nowrap rounded-full bg-indigo-100 px-2 py-0.5 text-xs font-semibold text-indigo-800 dark:bg-indigo-900 dark:text-indigo-200">
            This device
          </span>
        )}
      </th>
      <td class="whitespace-nowrap py-3 pr-3 text-gray-600 dark:text-gray-300">
        <When at={session.createdAt} clock={clock} />
      </td>
      <td class="whitespace-nowrap py-3 pr-3 text-gray-600 dark:text-gray-300">
        <When at={session.lastUsedAt} clock={clock} />
      </td>
      <td class="py-3 text-right">
        <form method="post" action={`/settings/sessions/${session.id}/end`}>
          <Button
            type="submit"
            variant="secondary"
            size="sm"
            class="whitespace-nowrap"
            aria-label={session.current ? "Log out this device" : `Log out ${device}`}
          >
            Log out
          </Button>
        </form>
      </td>
    </tr>
  );
}

export function SessionsCard(
  { sessions, clock, state }: { sessions: SessionInfo[]; clock: Clock; state: SessionsState },
) {
  const others = sessions.filter((s) => !s.current).length;
  return (
    <div id="sessions" class={SECTION}>
      <Card title="Sessions">
        {state.done && <Notice tone="success" class="mb-4">{state.done}</Notice>}
        {state.error && <Notice tone="error" class="mb-4">{state.error}</Notice>}
        <div class="overflow-x-auto">
          <table class="w-full text-sm">
            <caption class="sr-only">Devices signed in to your account</caption>
            <thead>
              <tr class="border-b border-gray-200 text-left text-xs font-semibold uppercase tracking-wide text-gray-500 dark:border-gray-700 dark:text-gray-400">
                <th scope="col" class="pb-2 pr-3">Device</th>
                <th scope="col" class="pb-2 pr-3">Signed in</th>
                <th scope="col" class="pb-2 pr-3">Last used</th>
                <th scope="col" class="pb-2 text-right">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody class="divide-y divide-gray-200 dark:divide-gray-700">
              {sessions.map((session) => (
                <SessionRow key={session.id} session={session} clock={clock} />
              ))}
            </tbody>
          </table>
        </div>
        {others > 0 && (
          <form method="post" action="/settings/sessions/others/end" class="mt-4">
            <Button type="submit" variant="secondary">Log out all other sessions</Button>
          </form>
        )}
      </Card>
    </div>
  );
}

/**
 * The settings page's section: what deactivating means, and the way to the page
 * that does it (routes/settings.tsx). That page runs no script: the app's live
 * socket, which sends a page whose session ended to the login page, would race the
 * form's own answer there.
 */
export function DeactivateCard({ me }: { me: User }) {
  return (
    <div id="deactivate" class={SECTION}>
      <Card title="Deactivate account" class="border-red-200 dark:border-red-900">
        {me.serverAdmin
          ? (
            <p class="text-sm text-gray-600 dark:text-gray-300">
              You are this server's admin: your account cannot be deactivated.
            </p>
          )
          : (
            <div class="flex flex-col items-start gap-4">
              <p class="text-sm text-gray-600 dark:text-gray-300">
                You are logged out everywhere and can never log in again. Your messages stay, and
                your username stays taken.
              </p>
              <a
                href="/settings/deactivate"
                class="inline-flex h-10 items-center justify-center rounded-lg border border-red-300 bg-white px-4 font-medium text-red-700 hover:bg-red-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2 dark:border-red-800 dark:bg-gray-800 dark:text-red-300 dark:hover:bg-gray-700 dark:focus-visible:ring-offset-gray-900"
              >
                Deactivate my account…
              </a>
            </div>
          )}
      </Card>
    </div>
  );
}

/** The page that deactivates my account: a warning, my password, a way back. */
export function DeactivateForm({ me, state }: { me: User; state: DeactivateState }) {
  const errors = state.errors ?? {};
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-10">
      <div class="w-full max-w-md">
        <h1 class="mb-6 text-center text-2xl font-bold tracking-tight">
          Deactivate <bdi>{me.username}</bdi>?
        </h1>
        <Card>
          <form method="post" action="/settings/deactivate" class="flex flex-col gap-4">
            <Notice tone="warning" id="deactivate-warning">
              <strong class="font-semibold">This cannot be undone.</strong>{" "}
              You are logged out everywhere and can never log in again. Your messages stay, and your
              username stays taken.
            </Notice>
            {errors.form && <Notice tone="error">{errors.form}</Notice>}
            <input
              type="text"
              name="username"
              value={me.username}
              autocomplete="username"
              readOnly
              hidden
            />
            <Input
              name="password"
              id="deactivate-password"
              type="password"
              label="Your password"
              error={errors.password}
              autocomplete="current-password"
              required
              maxLength={PASSWORD_MAX}
              aria-describedby={errors.password
                ? "deactivate-password-error deactivate-warning"
                : "deactivate-warning"}
              autofocus
            />
            <div class="flex flex-wrap items-center gap-4">
              <Button type="submit" variant="danger">Deactivate my account</Button>
              <a
                href="/settings"
                class="font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300"
              >
                Cancel
              </a>
            </div>
          </form>
        </Card>
      </div>
    </main>
  );
}
