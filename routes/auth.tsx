/**
 * @module Register, log in and log out with plain HTML forms: they work before
 * and without JavaScript and ship none. A post answers 303 to the app (or to
 * `next`) with the session cookie, or re-renders the form with the username
 * entered and the error next to the field it concerns. The rules are the
 * contract's (lib/protocol/validate.ts), checked again by the auth service.
 *
 * Registration follows the server's mode (`REGISTRATION`, as `GET /api/config`
 * tells it): `invite` adds an "Invite code" field (filled from `?invite=CODE`, the
 * link the admin page hands out), `closed` shows that instead of the form and
 * answers a post with 403; the login page links to registering only when it is
 * possible.
 */

import { Hono } from "hono";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import {
  BadRequestError,
  ChatError,
  ConflictError,
  publicError,
  RateLimitedError,
  STATUS_BY_CODE,
  UnauthorizedError,
} from "../lib/errors.ts";
import type { AppEnv } from "../lib/http/env.ts";
import type { RegistrationMode } from "../lib/protocol/types.ts";
import { readFormBody } from "../lib/http/request.ts";
import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN } from "../lib/protocol/limits.ts";
import { validatePassword, validateUsername } from "../lib/protocol/validate.ts";
import { Button } from "../components/button.tsx";
import { Card } from "../components/card.tsx";
import { Input } from "../components/input.tsx";
import { Notice } from "../components/settings_notice.tsx";
import { APP_NAME, page } from "./_page.tsx";
import {
  clearSessionCookie,
  safeNext,
  sameOriginForm,
  sessionOf,
  setSessionCookie,
} from "./_session.ts";

export const authPages = new Hono<AppEnv>();
// Per route, not `use()`: middleware of a group mounted at "/" would reach every path.
const sameOrigin = sameOriginForm();

type Mode = "login" | "register";

interface FormState {
  username?: string;
  next?: string;
  /** The invite code entered (registering on an `invite` server). */
  invite?: string;
  /** A fixed notice by key (`?notice=`), e.g. after deactivating an account. */
  notice?: string;
  errors?: { username?: string; password?: string; invite?: string; form?: string };
}

const USERNAME_PATTERN = "[A-Za-z0-9_.\\-]+";
/** Invite codes are 26 characters; anything much longer is not one. */
const INVITE_MAX = 64;
const CLOSED = "Registration is closed on this server";

/** What `/login?notice=` says, by key (never text from the address). */
const NOTICES: Record<string, string> = {
  deactivated: "Your account is deactivated, and you were logged out everywhere",
};

const LINK = "font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 " +
  "focus-visible:ring-indigo-500 dark:text-indigo-300";

function Heading({ title }: { title: string }) {
  return (
    <div class="mb-6 text-center">
      <p class="text-sm font-semibold uppercase tracking-wide text-indigo-600 dark:text-indigo-400">
        {APP_NAME}
      </p>
      <h1 class="mt-1 text-2xl font-bold tracking-tight">{title}</h1>
    </div>
  );
}

/** The register page of a `closed` server: no form, a way to log in instead. */
function RegistrationClosed({ next }: { next: string }) {
  const login = next === "/" ? "/login" : `/login?next=${encodeURIComponent(next)}`;
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-10">
      <div class="w-full max-w-sm">
        <Heading title="Create your account" />
        <Card>
          <p role="alert" class="font-semibold text-gray-900 dark:text-gray-100">{CLOSED}</p>
          <p class="mt-2 text-sm text-gray-600 dark:text-gray-400">
            New accounts cannot be made here. If you already have one, you can log in.
          </p>
        </Card>
        <p class="mt-6 text-center text-sm text-gray-600 dark:text-gray-400">
          Already have an account? <a href={login} class={LINK}>Log in</a>
        </p>
      </div>
    </main>
  );
}

function AuthForm(
  { mode, state, registration }: { mode: Mode; state: FormState; registration: RegistrationMode },
) {
  const { errors = {}, username = "", next = "/" } = state;
  const login = mode === "login";
  const other = login ? "/register" : "/login";
  const otherHref = next === "/" ? other : `${other}?next=${encodeURIComponent(next)}`;
  const withInvite = !login && registration === "invite";
  const notice = state.notice && NOTICES[state.notice];
  return (
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-10">
      <div class="w-full max-w-sm">
        <Heading title={login ? "Log in" : "Create your account"} />
        {notice && <Notice tone="success" class="mb-4">{notice}</Notice>}
        <Card>
          <form method="post" action={login ? "/login" : "/register"} class="flex flex-col gap-4">
            {errors.form && (
              <p
                role="alert"
                class="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-900 dark:text-red-200"
              >
                {errors.form}
              </p>
            )}
            <input type="hidden" name="next" value={next} />
            <Input
              name="username"
              label="Username"
              value={username}
              error={errors.username}
              hint={login ? undefined : `${USERNAME_MIN}–${USERNAME_MAX} letters, digits, _ . or -`}
              autocomplete="username"
              autocapitalize="none"
              spellcheck={false}
              required
              minLength={USERNAME_MIN}
              maxLength={USERNAME_MAX}
              pattern={USERNAME_PATTERN}
              autofocus={!errors.password}
            />
            <Input
              name="password"
              type="password"
              label="Password"
              error={errors.password}
              hint={login ? undefined : `At least ${PASSWORD_MIN} characters`}
              autocomplete={login ? "current-password" : "new-password"}
              required
              minLength={login ? undefined : PASSWORD_MIN}
              maxLength={PASSWORD_MAX}
              autofocus={!!errors.password}
            />
            {withInvite && (
              <Input
                name="invite"
                label="Invite code"
                value={state.invite}
                error={errors.invite}
                hint="Registration here is by invitation: ask the server's admin for a code"
                autocomplete="off"
                autocapitalize="none"
                spellcheck={false}
                required
                maxLength={INVITE_MAX}
                autofocus={!!errors.invite && !errors.username && !errors.password}
              />
            )}
            <Button type="submit" class="mt-2 w-full">{login ? "Log in" : "Create account"}</Button>
          </form>
        </Card>
        {(!login || registration !== "closed") && (
          <p class="mt-6 text-center text-sm text-gray-600 dark:text-gray-400">
            {login ? "New here? " : "Already have an account? "}
            <a href={otherHref} class={LINK}>
              {login ? "Create an account" : "Log in"}
            </a>
          </p>
        )}
      </div>
    </main>
  );
}

function formPage(c: Context<AppEnv>, mode: Mode, state: FormState, status = 200) {
  const registration = c.get("services").auth.registration;
  const body = mode === "register" && registration === "closed"
    ? <RegistrationClosed next={state.next ?? "/"} />
    : <AuthForm mode={mode} state={state} registration={registration} />;
  return page(c, body, {
    title: mode === "login" ? "Log in" : "Create an account",
    status: status as ContentfulStatusCode,
  });
}

/** GET /login and /register: the signed-in go straight to the app. */
function showForm(mode: Mode) {
  return async (c: Context<AppEnv>) => {
    const next = safeNext(c.req.query("next"));
    if (await sessionOf(c)) return c.redirect(next, 303);
    const invite = mode === "register" ? c.req.query("invite")?.trim().slice(0, INVITE_MAX) : "";
    const notice = mode === "login" ? c.req.query("notice") : undefined;
    return formPage(c, mode, { next, invite, notice });
  };
}

/** The message of a broken rule, or undefined when `check` passes. */
function problem(check: () => unknown): string | undefined {
  try {
    check();
  } catch (error) {
    if (error instanceof BadRequestError) return error.message;
    throw error;
  }
}

/** Which field an error from the services is about. */
function fieldOf(error: ChatError): "username" | "password" | "invite" | "form" {
  if (error instanceof ConflictError || /^Username\b/.test(error.message)) return "username";
  if (/^Password\b/.test(error.message)) return "password";
  if (/\binvit/i.test(error.message)) return "invite";
  return "form";
}

authPages.get("/login", showForm("login"));
authPages.get("/register", showForm("register"));

authPages.post("/register", sameOrigin, async (c) => {
  const form = await readFormBody(c.req.raw);
  const username = form.get("username") ?? "";
  const password = form.get("password") ?? "";
  const next = safeNext(form.get("next"));
  const invite = (form.get("invite") ?? "").trim();
  const { auth } = c.get("services");
  // Closed: there is no form to correct, so the service decides (it lets in the
  // server's very first account) and whatever it refuses is the closed page, 403.
  const closed = auth.registration === "closed";
  const errors = {
    username: problem(() => validateUsername(username)),
    password: problem(() => validatePassword(password)),
  };
  if (!closed && (errors.username || errors.password)) {
    return formPage(c, "register", { username, next, invite, errors }, 400);
  }
  try {
    const result = await auth.register(username, password, {
      invite: invite || undefined,
      userAgent: c.req.header("user-agent"),
    });
    setSessionCookie(c, result.token);
    return c.redirect(next, 303);
  } catch (error) {
    if (!(error instanceof ChatError) || error.code === "internal") throw error;
    if (closed) return formPage(c, "register", { next }, 403);
    if (error instanceof RateLimitedError) {
      c.header("retry-after", String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    }
    const state = { username, next, invite, errors: { [fieldOf(error)]: error.message } };
    return formPage(c, "register", state, error.status);
  }
});

authPages.post("/login", sameOrigin, async (c) => {
  const form = await readFormBody(c.req.raw);
  const username = form.get("username") ?? "";
  const password = form.get("password") ?? "";
  const next = safeNext(form.get("next"));
  try {
    const result = await c.get("services").auth.login(username, password);
    setSessionCookie(c, result.token);
    return c.redirect(next, 303);
  } catch (error) {
    if (!(error instanceof ChatError) || error.code === "internal") throw error;
    const { code, message } = publicError(error);
    if (error instanceof RateLimitedError) {
      c.header("retry-after", String(Math.max(1, Math.ceil(error.retryAfterMs / 1000))));
    }
    return formPage(
      c,
      "login",
      { username, next, errors: { form: message } },
      STATUS_BY_CODE[code],
    );
  }
});

authPages.post("/logout", sameOrigin, async (c) => {
  const auth = await sessionOf(c);
  // Already ended (another tab logged out first): the outcome the user asked for.
  if (auth) {
    await c.get("services").auth.logout(auth).catch((err) => {
      if (!(err instanceof UnauthorizedError)) throw err;
    });
  }
  clearSessionCookie(c);
  return c.redirect("/login", 303);
});
