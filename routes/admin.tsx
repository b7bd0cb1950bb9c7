/**
 * @module The server admin page (`/admin`, the server's admin only: 403 for anyone
 * else, the login page for the signed-out): invite codes, users, rooms. Plain
 * forms. The lists are shown a page at a time with the services' cursors
 * (`?users=` and `?rooms=`, each kept while the other pages on).
 *
 * A new invite code is shown once: the post answers 303 with the code in a
 * short-lived cookie for /admin only, which the page shows and clears, so a reload
 * neither makes another code nor shows this one again. Deactivating a user asks
 * first, on a page of its own (`/admin/users/:id/deactivate`), with an "I
 * understand" box.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { ChatError, ForbiddenError, NotFoundError } from "../lib/errors.ts";
import { type AppEnv, isHttps } from "../lib/http/env.ts";
import { readFormBody } from "../lib/http/request.ts";
import type { AdminUser, UserProfile } from "../lib/protocol/types.ts";
import { BackLink } from "../components/app_layout.tsx";
import { Avatar } from "../components/avatar.tsx";
import { Button } from "../components/button.tsx";
import { Card } from "../components/card.tsx";
import {
  type InviteForm,
  InvitesCard,
  LINK,
  type NewInvite,
  Pager,
  RoomsCard,
  StatsCard,
  UsersCard,
} from "../components/admin_sections.tsx";
import { Notice } from "../components/settings_notice.tsx";
import { appShell, page, readerClock } from "./_page.tsx";
import { sameOriginForm, signedInPage } from "./_session.ts";

export const adminPages = new Hono<AppEnv>();
// Per route, not `use()`: middleware of a group mounted at "/" would reach every path.
const guard = [sameOriginForm(), signedInPage()] as const;

/** Users and rooms per page. */
export const ADMIN_PAGE_SIZE = 25;
/** The cookie that carries a new invite code to the page that shows it, once. */
const NEW_INVITE_COOKIE = "chat_new_invite";
const NEW_INVITE_MAX_AGE_S = 300;

const DONE = {
  revoked: ["invites", "Invite code revoked: it no longer works"],
  deactivated: ["users", "Account deactivated: every session of it ended"],
} as const;

interface Forms {
  invite?: InviteForm;
  invitesError?: string;
}

async function requireServerAdmin(c: Context<AppEnv>): Promise<void> {
  if (!(await c.get("services").accounts.isServerAdmin(c.get("auth").user))) {
    throw new ForbiddenError("Only the server's admin can see this page");
  }
}

/** The address of the admin page with these cursors (empty ones left out). */
function adminHref(cursors: { users?: string; rooms?: string }, section: string): string {
  const params = new URLSearchParams();
  if (cursors.users) params.set("users", cursors.users);
  if (cursors.rooms) params.set("rooms", cursors.rooms);
  return `/admin${params.size ? `?${params}` : ""}#${section}`;
}

/**
 * Display names: the admin listing may leave them out, so they are read from the
 * profiles (a page's worth, at most ADMIN_PAGE_SIZE reads).
 */
async function withNames(c: Context<AppEnv>, users: AdminUser[]): Promise<AdminUser[]> {
  const { users: people } = c.get("services");
  return await Promise.all(users.map(async (user) => {
    if (user.displayName) return user;
    const profile = await people.profile(user.username);
    return profile
      ? { ...user, displayName: profile.displayName, avatarUrl: profile.avatarUrl }
      : user;
  }));
}

function origin(c: Context<AppEnv>): string {
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  return `${isHttps(c) ? "https" : "http"}://${host}`;
}

/** The invite code the last post made, once: the cookie is cleared as it is read. */
function takeNewInvite(c: Context<AppEnv>): NewInvite | undefined {
  const code = getCookie(c, NEW_INVITE_COOKIE);
  if (code === undefined) return undefined;
  deleteCookie(c, NEW_INVITE_COOKIE, { path: "/admin" });
  if (!/^[a-z2-7]{10,64}$/.test(code)) return undefined;
  return { code, link: `${origin(c)}/register?invite=${code}` };
}

async function adminPage(c: Context<AppEnv>, forms: Forms = {}, status = 200) {
  await requireServerAdmin(c);
  const { serverAdmin } = c.get("services");
  const me = c.get("auth").user;
  const cursors = { users: c.req.query("users"), rooms: c.req.query("rooms") };
  const limit = String(ADMIN_PAGE_SIZE);
  const [invites, users, rooms, stats] = await Promise.all([
    serverAdmin.invites(me),
    serverAdmin.users(me, { limit, cursor: cursors.users }),
    serverAdmin.rooms(me, { limit, cursor: cursors.rooms }),
    serverAdmin.stats(me, c.get("services").isolateId),
  ]);
  const clock = readerClock(c);
  const doneKey = c.req.query("done");
  const done = doneKey && Object.hasOwn(DONE, doneKey)
    ? DONE[doneKey as keyof typeof DONE]
    : undefined;
  const body = (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-6 dark:border-gray-700">
        <BackLink />
        <h1 class="text-lg font-semibold">Server admin</h1>
      </header>
      <div class="min-h-0 flex-1 overflow-y-auto">
        <div class="mx-auto flex max-w-4xl flex-col gap-6 px-4 py-6 md:px-8">
          <InvitesCard
            invites={invites}
            clock={clock}
            form={forms.invite ?? {}}
            created={status === 200 ? takeNewInvite(c) : undefined}
            done={done?.[0] === "invites" ? done[1] : undefined}
            error={forms.invitesError}
          />
          <UsersCard
            users={await withNames(c, users.users)}
            clock={clock}
            done={done?.[0] === "users" ? done[1] : undefined}
            pager={
              <Pager
                label="Pages of users"
                first={cursors.users ? adminHref({ rooms: cursors.rooms }, "users") : undefined}
                next={users.nextCursor
                  ? adminHref({ ...cursors, users: users.nextCursor }, "users")
                  : undefined}
              />
            }
          />
          <RoomsCard
            rooms={rooms.rooms}
            clock={clock}
            pager={
              <Pager
                label="Pages of rooms"
                first={cursors.rooms ? adminHref({ users: cursors.users }, "rooms") : undefined}
                next={rooms.nextCursor
                  ? adminHref({ ...cursors, rooms: rooms.nextCursor }, "rooms")
                  : undefined}
              />
            }
          />
          <StatsCard stats={stats} />
        </div>
      </div>
    </>
  );
  return page(c, await appShell(c, body), {
    title: "Server admin",
    status: status as ContentfulStatusCode,
  });
}

function shown(error: unknown): ChatError {
  if (!(error instanceof ChatError) || error.code === "internal") throw error;
  return error;
}

/** A form's number: empty is the default (undefined), anything else as typed. */
function numberField(value: string | null): number | undefined {
  const text = (value ?? "").trim();
  return text === "" ? undefined : Number(text);
}

adminPages.get("/admin", ...guard, (c) => adminPage(c));

adminPages.post("/admin/invites", ...guard, async (c) => {
  const form = await readFormBody(c.req.raw);
  const uses = form.get("uses") ?? "";
  const days = form.get("expiresInDays") ?? "";
  try {
    const created = await c.get("services").serverAdmin.createInvite(c.get("auth").user, {
      uses: numberField(uses),
      expiresInDays: numberField(days),
    });
    const { config } = c.get("services");
    setCookie(c, NEW_INVITE_COOKIE, created.code, {
      path: "/admin",
      httpOnly: true,
      sameSite: "Strict",
      secure: config.secureCookies || isHttps(c),
      maxAge: NEW_INVITE_MAX_AGE_S,
    });
    return c.redirect("/admin#invites", 303);
  } catch (error) {
    const problem = shown(error);
    if (problem instanceof ForbiddenError) throw problem;
    const field = /"uses"/.test(problem.message)
      ? "uses"
      : /"expiresInDays"/.test(problem.message)
      ? "days"
      : "form";
    const message = problem.message.replace(/^Field "expiresInDays"/, "Expiry in days")
      .replace(/^Field "uses"/, "Uses");
    const invite = { uses, days, errors: { [field]: message } };
    return adminPage(c, { invite }, problem.status);
  }
});

adminPages.post("/admin/invites/:id/revoke", ...guard, async (c) => {
  try {
    await c.get("services").serverAdmin.revokeInvite(c.get("auth").user, c.req.param("id"));
  } catch (error) {
    const problem = shown(error);
    if (problem instanceof ForbiddenError) throw problem;
    return adminPage(c, { invitesError: problem.message }, problem.status);
  }
  return c.redirect("/admin?done=revoked#invites", 303);
});

/** The user a deactivation is about: by id, named in the request by username too. */
async function target(c: Context<AppEnv>, username: string | null | undefined) {
  const profile = username ? await c.get("services").users.profile(username) : null;
  if (!profile || profile.id !== c.req.param("id")) throw new NotFoundError("User not found");
  return profile;
}

function ConfirmDeactivate({ user, error }: { user: UserProfile; error?: string }) {
  const name = user.displayName ?? user.username;
  return (
    <div class="mx-auto flex w-full max-w-xl flex-col gap-6 px-4 py-6 md:px-8">
      <Card title={`Deactivate ${name}?`}>
        <div class="mb-4 flex items-center gap-3">
          <Avatar username={user.username} url={user.avatarUrl} size="lg" />
          <p>
            <bdi class="block font-medium">{name}</bdi>
            <bdi class="block text-sm text-gray-500 dark:text-gray-400">@{user.username}</bdi>
          </p>
        </div>
        {user.deactivated
          ? <Notice tone="success">This account is already deactivated.</Notice>
          : (
            <form
              method="post"
              action={`/admin/users/${user.id}/deactivate`}
              class="flex flex-col gap-4"
            >
              <Notice tone="warning" id="deactivate-warning">
                <strong class="font-semibold">This cannot be undone.</strong> Every session of{" "}
                <bdi>{user.username}</bdi>{" "}
                ends at once and they can never log in again. Their messages stay, and their
                username stays taken.
              </Notice>
              {error && <Notice tone="error">{error}</Notice>}
              <input type="hidden" name="username" value={user.username} />
              <label class="flex items-start gap-2 text-sm">
                <input
                  type="checkbox"
                  name="confirm"
                  value="yes"
                  required
                  class="mt-0.5 h-4 w-4 rounded border-gray-300 text-red-600 focus:ring-2 focus:ring-indigo-500"
                  aria-describedby="deactivate-warning"
                />
                <span>I understand: deactivate this account</span>
              </label>
              <div class="flex flex-wrap items-center gap-4">
                <Button type="submit" variant="danger">Deactivate {user.username}</Button>
                <a href="/admin#users" class={LINK}>Cancel</a>
              </div>
            </form>
          )}
      </Card>
    </div>
  );
}

async function confirmPage(c: Context<AppEnv>, user: UserProfile, error?: string, status = 200) {
  const body = (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-6 dark:border-gray-700">
        <BackLink />
        <h1 class="text-lg font-semibold">
          <a href="/admin" class="hover:underline">Server admin</a>
        </h1>
      </header>
      <div class="min-h-0 flex-1 overflow-y-auto">
        <ConfirmDeactivate user={user} error={error} />
      </div>
    </>
  );
  return page(c, await appShell(c, body), {
    title: "Deactivate an account",
    status: status as ContentfulStatusCode,
  });
}

adminPages.get("/admin/users/:id/deactivate", ...guard, async (c) => {
  await requireServerAdmin(c);
  return confirmPage(c, await target(c, c.req.query("username")));
});

adminPages.post("/admin/users/:id/deactivate", ...guard, async (c) => {
  await requireServerAdmin(c);
  const form = await readFormBody(c.req.raw);
  const user = await target(c, form.get("username"));
  if (form.get("confirm") !== "yes") {
    return confirmPage(c, user, "Tick the box to confirm first", 400);
  }
  try {
    await c.get("services").serverAdmin.deactivate(c.get("auth").user, user.id);
  } catch (error) {
    const problem = shown(error);
    return confirmPage(c, user, problem.message, problem.status);
  }
  return c.redirect("/admin?done=deactivated#users", 303);
});
