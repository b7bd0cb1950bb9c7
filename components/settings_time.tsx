/**
 * A moment in a table ("2 Dec 2026, 14:05"), in the reader's clock (see clock.ts),
 * with the full date in its tooltip and a machine-readable `dateTime`.
 */

import { type Clock, formatFull } from "./clock.ts";

const formatters = new Map<string, Intl.DateTimeFormat>();

/** "2 Dec 2026, 14:05" (with " UTC" when the zone is a guess). */
export function formatShort(at: number, clock: Clock): string {
  const key = `${clock.locale} ${clock.timeZone}`;
  let format = formatters.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(clock.locale, {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: clock.timeZone,
    });
    formatters.set(key, format);
  }
  const text = format.format(at).replace(/[\u202f\u00a0]/g, " ");
  return clock.guessed ? `${text} UTC` : text;
}

export function When({ at, clock }: { at: number; clock: Clock }) {
  return (
    <time dateTime={new Date(at).toISOString()} title={formatFull(at, clock)}>
      {formatShort(at, clock)}
    </time>
  );
}
