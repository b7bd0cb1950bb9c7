/**
 * Times as the reader reads them: in their locale and time zone, computed the same
 * way on the server and in the browser, so hydrating a page changes no time on it.
 *
 * The server cannot know the reader's zone, so the pages' islands store it (and the
 * locale) in a cookie, `chat_clock`, on every page they run on (the room list runs on
 * the home page a sign-in lands on). The room page reads it and hands the same
 * `Clock` to the chat island as a prop: the server renders with it, the island keeps
 * it for the page's lifetime and formats new messages with it. Without the cookie
 * (the very first page after signing in, if it is a room) the clock is UTC in the
 * `Accept-Language` locale, and times say "UTC": still identical before and after
 * hydration; the next page is in the reader's zone.
 *
 * ICU versions differ a little between Deno and browsers in their spaces (U+202F
 * before "PM" in newer ones), so formatted text is normalized to plain spaces.
 */

export interface Clock {
  /** A BCP 47 locale ("en-US"). */
  locale: string;
  /** An IANA time zone ("Europe/Berlin"). */
  timeZone: string;
  /** The zone was not known (no cookie yet): times are marked "UTC". */
  guessed?: boolean;
}

export const CLOCK_COOKIE = "chat_clock";
export const UTC_CLOCK: Clock = { locale: "en-GB", timeZone: "UTC", guessed: true };

const DATE: Intl.DateTimeFormatOptions = {
  weekday: "long",
  year: "numeric",
  month: "long",
  day: "numeric",
};
const FORMATS = {
  time: { hour: "numeric", minute: "2-digit" },
  full: { ...DATE, hour: "numeric", minute: "2-digit", timeZoneName: "short" },
  day: DATE,
  key: { year: "numeric", month: "2-digit", day: "2-digit" },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

// Building a formatter costs far more than using one; a page uses a handful.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(clock: Clock, kind: keyof typeof FORMATS): Intl.DateTimeFormat {
  // Day keys are ISO-like ("2025-03-14") whatever the reader's locale.
  const locale = kind === "key" ? "en-CA" : clock.locale;
  const key = `${kind} ${locale} ${clock.timeZone}`;
  let found = formatters.get(key);
  if (!found) {
    if (formatters.size > 200) formatters.clear();
    found = new Intl.DateTimeFormat(locale, { ...FORMATS[kind], timeZone: clock.timeZone });
    formatters.set(key, found);
  }
  return found;
}

function plain(text: string): string {
  return text.replace(/[\u202f\u00a0]/g, " ");
}

/** "2:41 PM" or "14:41" (with " UTC" when the zone is a guess). */
export function formatTime(at: number, clock: Clock): string {
  const text = plain(formatter(clock, "time").format(at));
  return clock.guessed ? `${text} UTC` : text;
}

/** "Friday, March 14, 2025 at 2:41 PM GMT+1": for tooltips. */
export function formatFull(at: number, clock: Clock): string {
  return plain(formatter(clock, "full").format(at));
}

/** The calendar day in the clock's zone, "2025-03-14". */
export function dayKey(at: number, clock: Clock): string {
  return formatter(clock, "key").format(at);
}

/** "Today", "Yesterday" or "Friday, March 14, 2025". */
export function formatDay(at: number, clock: Clock, now = Date.now()): string {
  const key = dayKey(at, clock);
  if (key === dayKey(now, clock)) return "Today";
  if (key === dayKey(now - 86_400_000, clock)) return "Yesterday";
  return plain(formatter(clock, "day").format(at));
}

function validLocale(value: string | undefined): string | undefined {
  if (!value || !/^[A-Za-z0-9-]{2,35}$/.test(value)) return undefined;
  try {
    return Intl.getCanonicalLocales(value)[0];
  } catch {
    return undefined;
  }
}

function validZone(value: string | undefined): string | undefined {
  if (!value || !/^[A-Za-z0-9_+\-/]{1,64}$/.test(value)) return undefined;
  try {
    return new Intl.DateTimeFormat("en", { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/**
 * The reader's clock from the `chat_clock` cookie ("LOCALE ZONE", URL-encoded),
 * else UTC in the first language of `Accept-Language`. Anything malformed is ignored.
 */
export function clockFrom(cookie: string | undefined, acceptLanguage?: string): Clock {
  let decoded = "";
  try {
    decoded = decodeURIComponent(cookie ?? "");
  } catch { /* not ours */ }
  const [locale, zone] = decoded.split(" ");
  const timeZone = validZone(zone);
  const language = validLocale(locale) ??
    validLocale(acceptLanguage?.split(",")[0]?.split(";")[0]?.trim());
  if (timeZone && language) return { locale: language, timeZone };
  return { ...UTC_CLOCK, locale: language ?? UTC_CLOCK.locale };
}

/** The browser's clock, as the cookie should say (browser only). */
export function browserClock(): Clock {
  const { locale, timeZone } = Intl.DateTimeFormat().resolvedOptions();
  return { locale, timeZone };
}

/** Stores the browser's clock in the cookie when it is missing or stale (browser only). */
export function rememberClock(): void {
  const { locale, timeZone } = browserClock();
  const value = encodeURIComponent(`${locale} ${timeZone}`);
  if (document.cookie.split("; ").includes(`${CLOCK_COOKIE}=${value}`)) return;
  const secure = location.protocol === "https:" ? "; secure" : "";
  document.cookie = `${CLOCK_COOKIE}=${value}; path=/; max-age=31536000; samesite=lax${secure}`;
}
