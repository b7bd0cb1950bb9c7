/**
 * @module My settings (`/settings`): display name and avatar, password, sessions,
 * deactivating my account. Plain forms, as everywhere in the app: a post answers
 * 303 back to its section with what happened (`?done=`, a fixed message, never
 * text from the request), or re-renders the page with the error next to its field
 * and the status of the error. The same services as the API's account routes do
 * the work (routes/api/account.ts); nothing here ships JavaScript of its own.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  BadRequestError,
  ChatError,
  InvalidCredentialsError,
  PayloadTooLargeError,
  RateLimitedError,
} from "../lib/errors.ts";
import type { AppEnv } from "../lib/http/env.ts";
import { readFormBody } from "../lib/http/request.ts";
import { AVATAR_UPLOAD_MAX } from "../lib/protocol/limits.ts";
import { validatePassword } from "../lib/protocol/validate.ts";
import { BackLink } from "../components/app_layout.tsx";
import {
  DeactivateCard,
  DeactivateForm,
  type DeactivateState,
  PasswordCard,
  type PasswordState,
  ProfileCard,
  type ProfileState,
  SessionsCard,
  type SessionsState,
} from "../components/settings_forms.tsx";
import { appShell, page, readerClock } from "./_page.tsx";
import { clearSessionCookie, sameOriginForm, signedInPage } from "./_session.ts";

export const settingsPages = new Hono<AppEnv>();
// Per route, not `use()`: middleware of a group mounted at "/" would reach every path.
const guard = [sameOriginForm(), signedInPage()] as const;

/** What a redirect back says happened, by `?done=` (and the section it is shown in). */
const DONE = {
  profile: ["profile", "Display name saved"],
  avatar: ["profile", "Avatar updated"],
  avatar_removed: ["profile", "Avatar removed: your initials show again"],
  password: ["password", "Password changed: every other session was logged out"],
  session: ["sessions", "That session was logged out"],
  sessions: ["sessions", "Every other session was logged out"],
} as const;

type Done = keyof typeof DONE;

/** Multipart overhead allowed on top of the image (boundaries, part headers). */
const MULTIPART_SLACK = 16 * 1024;

interface Forms {
  profile?: ProfileState;
  password?: PasswordState;
  sessions?: SessionsState;
}

function doneFrom(value: string | undefined): Forms {
  if (!value || !Object.hasOwn(DONE, value)) return {};
  const [section, message] = DONE[value as Done];
  return { [section]: { done: message } };
}

function back(c: Context<AppEnv>, done: Done): Response {
  return c.redirect(`/settings?done=${done}#${DONE[done][0]}`, 303);
}

async function settingsPage(c: Context<AppEnv>, forms: Forms, status = 200) {
  const auth = c.get("auth");
  const { accounts } = c.get("services");
  const sessions = await accounts.sessions(auth);
  const clock = readerClock(c);
  const me = auth.user;
  const body = (
    <>
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-3 md:px-6 dark:border-gray-700">
        <BackLink />
        <h1 class="text-lg font-semibold">Settings</h1>
      </header>
      <div class="min-h-0 flex-1 overflow-y-auto">
        <div class="mx-auto flex max-w-3xl flex-col gap-6 px-4 py-6 md:px-8">
          {me.serverAdmin && (
            <p class="text-sm text-gray-600 dark:text-gray-400">
              You are this server's admin:{" "}
              <a
                href="/admin"
                class="font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300"
              >
                manage users, rooms and invite codes
              </a>
            </p>
          )}
          <ProfileCard me={me} state={forms.profile ?? {}} />
          <PasswordCard me={me} state={forms.password ?? {}} />
          <SessionsCard sessions={sessions} clock={clock} state={forms.sessions ?? {}} />
          <DeactivateCard me={me} />
        </div>
      </div>
    </>
  );
  return page(c, await appShell(c, body), {
    title: "Settings",
    status: status as ContentfulStatusCode,
  });
}

/** Errors a form shows; anything else (a bug, the store down) goes to the error page. */
function shown(error: unknown): ChatError {
  if (!(error instanceof ChatError) || error.code === "internal") throw error;
  return error;
}

function retryAfter(c: Context<AppEnv>, error: ChatError): void {
  if (error instanceof RateLimitedError) {
    c.header("retry-after", String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
  }
}

/**
 * The file of the avatar form (`multipart/form-data`, field `avatar`), read with a
 * cap: a body past the upload limit is refused (413) as it arrives, not after.
 */
async function avatarFile(req: Request): Promise<File | null> {
  const type = req.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(type)) {
    throw new BadRequestError("Expected a form submission: multipart/form-data");
  }
  const max = AVATAR_UPLOAD_MAX + MULTIPART_SLACK;
  const tooLarge = () =>
    new PayloadTooLargeError(`An avatar may be at most ${AVATAR_UPLOAD_MAX / (1024 * 1024)} MB`);
  if (Number(req.headers.get("content-length") ?? "0") > max) throw tooLarge();
  if (!req.body) return null;
  let size = 0;
  let over = false;
  const capped = req.body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        size += chunk.byteLength;
        if (size > max) {
          over = true;
          controller.error(tooLarge());
          return;
        }
        controller.enqueue(chunk);
      },
    }),
  );
  let form: FormData;
  try {
    form = await new Response(capped, { headers: { "content-type": type } }).formData();
  } catch (error) {
    if (over) throw tooLarge();
    if (error instanceof TypeError) throw new BadRequestError("Form submission is malformed");
    throw error;
  }
  const file = form.get("avatar");
  return file instanceof File && file.size > 0 ? file : null;
}

settingsPages.get("/settings", ...guard, (c) => settingsPage(c, doneFrom(c.req.query("done"))));

settingsPages.post("/settings/profile", ...guard, async (c) => {
  const form = await readFormBody(c.req.raw);
  const displayName = (form.get("displayName") ?? "").trim();
  try {
    await c.get("services").profiles.update(c.get("auth").user, {
      displayName: displayName === "" ? null : displayName,
    });
    return back(c, "profile");
  } catch (error) {
    const { message, status } = shown(error);
    retryAfter(c, error as ChatError);
    return settingsPage(c, { profile: { displayName, nameError: message } }, status);
  }
});

settingsPages.post("/settings/avatar", ...guard, async (c) => {
  try {
    const file = await avatarFile(c.req.raw);
    if (!file) {
      return settingsPage(c, { profile: { avatarError: "Choose an image to upload" } }, 400);
    }
    await c.get("services").profiles.setAvatar(c.get("auth").user, file.stream(), file.size);
    return back(c, "avatar");
  } catch (error) {
    const { message, status } = shown(error);
    retryAfter(c, error as ChatError);
    return settingsPage(c, { profile: { avatarError: message } }, status);
  }
});

settingsPages.post("/settings/avatar/remove", ...guard, async (c) => {
  try {
    await c.get("services").profiles.removeAvatar(c.get("auth").user);
    return back(c, "avatar_removed");
  } catch (error) {
    const { message, status } = shown(error);
    retryAfter(c, error as ChatError);
    return settingsPage(c, { profile: { avatarError: message } }, status);
  }
});

settingsPages.post("/settings/password", ...guard, async (c) => {
  const form = await readFormBody(c.req.raw);
  const current = form.get("current") ?? "";
  const password = form.get("password") ?? "";
  const confirm = form.get("confirm") ?? "";
  const fail = (errors: PasswordState["errors"], status: number) =>
    settingsPage(c, { password: { errors } }, status);
  // The new password's rules first: a typo there must not count as a wrong password.
  try {
    validatePassword(password);
  } catch (error) {
    return fail({ password: shown(error).message }, 400);
  }
  if (confirm !== password) {
    return fail({ confirm: "The two new passwords are not the same" }, 400);
  }
  try {
    await c.get("services").accounts.changePassword(c.get("auth"), current, password);
    return back(c, "password");
  } catch (error) {
    const problem = shown(error);
    retryAfter(c, problem);
    if (problem instanceof InvalidCredentialsError) {
      return fail({ current: "Current password is wrong" }, problem.status);
    }
    const field = /^Password\b/.test(problem.message) ? "password" : "form";
    return fail({ [field]: problem.message }, problem.status);
  }
});

settingsPages.post("/settings/sessions/others/end", ...guard, async (c) => {
  await c.get("services").accounts.endOtherSessions(c.get("auth"));
  return back(c, "sessions");
});

settingsPages.post("/settings/sessions/:id/end", ...guard, async (c) => {
  const auth = c.get("auth");
  const id = c.req.param("id");
  try {
    await c.get("services").accounts.endSession(auth, id);
  } catch (error) {
    const { message, status } = shown(error);
    return settingsPage(c, { sessions: { error: message } }, status);
  }
  // Ending this device's session is logging out.
  if (id === auth.session.id) {
    clearSessionCookie(c);
    return c.redirect("/login", 303);
  }
  return back(c, "session");
});

/** The deactivation page: no app shell, so no live socket (see DeactivateCard). */
function deactivatePage(c: Context<AppEnv>, state: DeactivateState = {}, status = 200) {
  return page(c, <DeactivateForm me={c.get("auth").user} state={state} />, {
    title: "Deactivate your account",
    status: status as ContentfulStatusCode,
  });
}

settingsPages.get("/settings/deactivate", ...guard, (c) => deactivatePage(c));

settingsPages.post("/settings/deactivate", ...guard, async (c) => {
  const form = await readFormBody(c.req.raw);
  try {
    await c.get("services").accounts.deactivateSelf(c.get("auth"), form.get("password") ?? "");
  } catch (error) {
    const problem = shown(error);
    retryAfter(c, problem);
    const errors = problem instanceof InvalidCredentialsError
      ? { password: "Password is wrong" }
      : { form: problem.message };
    return deactivatePage(c, { errors }, problem.status);
  }
  clearSessionCookie(c);
  return c.redirect("/login?notice=deactivated", 303);
});
