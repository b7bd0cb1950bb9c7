/**
 * @module Errors on pages, as pages: the same typed errors the API maps to JSON
 * (lib/http/errors.ts) become a short HTML explanation with the right status.
 * A page that needs a session sends the signed-out to /login instead.
 */

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { publicError, STATUS_BY_CODE } from "../lib/errors.ts";
import type { AppEnv } from "../lib/http/env.ts";
import { errorFields, log } from "../lib/log.ts";
import { Card } from "../components/card.tsx";
import { page } from "./_page.tsx";

const TITLES: Record<number, string> = {
  400: "That did not work",
  403: "You do not have access",
  404: "Page not found",
  413: "That was too much",
  429: "Slow down",
};

/** The page for an error thrown while answering a page request. */
export function errorPage(c: Context<AppEnv>, err: unknown): Response {
  const { code, message } = publicError(err);
  const status = STATUS_BY_CODE[code] as ContentfulStatusCode;
  if (code === "unauthorized") return c.redirect("/login", 303);
  if (status >= 500) {
    log.error("page_failed", { method: c.req.method, path: c.req.path, ...errorFields(err) });
  }
  const title = TITLES[status] ?? "Something went wrong";
  return page(
    c,
    <main id="main" class="flex min-h-screen items-center justify-center px-4 py-10">
      <Card class="w-full max-w-md">
        <p class="text-sm font-semibold text-indigo-600 dark:text-indigo-400">Error {status}</p>
        <h1 class="mt-1 text-xl font-semibold">{title}</h1>
        <p class="mt-3 text-gray-700 dark:text-gray-300">
          {status >= 500 ? "The server could not answer. Please try again in a moment." : message}
        </p>
        <p class="mt-6">
          <a
            href="/"
            class="font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300"
          >
            Back to your rooms
          </a>
        </p>
      </Card>
    </main>,
    { title, status },
  );
}
