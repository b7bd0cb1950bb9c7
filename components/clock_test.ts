import assert from "node:assert/strict";
import { clockFrom, dayKey, formatDay, formatFull, formatTime, UTC_CLOCK } from "./clock.ts";

const at = Date.UTC(2025, 2, 14, 20, 41);
const kolkata = { locale: "en-US", timeZone: "Asia/Kolkata" };

Deno.test("times are formatted in the clock's zone and locale, with plain spaces", () => {
  assert.equal(formatTime(at, kolkata), "2:11 AM");
  assert.equal(formatTime(at, { locale: "de-DE", timeZone: "Europe/Berlin" }), "21:41");
  assert.equal(formatFull(at, kolkata), "Saturday, March 15, 2025 at 2:11 AM GMT+5:30");
  assert.equal(dayKey(at, kolkata), "2025-03-15");
  assert.equal(dayKey(at, { locale: "en-US", timeZone: "America/New_York" }), "2025-03-14");
  assert.ok(!/[\u202f\u00a0]/.test(formatTime(at, kolkata) + formatFull(at, kolkata)));
});

Deno.test("a guessed clock is UTC and says so", () => {
  assert.equal(formatTime(at, UTC_CLOCK), "20:41 UTC");
  assert.equal(formatDay(at, UTC_CLOCK, at + 3600_000), "Today");
  assert.equal(formatDay(at, UTC_CLOCK, at + 86_400_000), "Yesterday");
  assert.equal(formatDay(at, UTC_CLOCK, at + 5 * 86_400_000), "Friday, 14 March 2025");
});

Deno.test("clockFrom() reads the cookie and ignores what is malformed", () => {
  const cookie = encodeURIComponent("de-DE Europe/Berlin");
  assert.deepEqual(clockFrom(cookie, "en-US"), { locale: "de-DE", timeZone: "Europe/Berlin" });
  assert.deepEqual(clockFrom(undefined, "fr-CH, fr;q=0.9, en;q=0.8"), {
    ...UTC_CLOCK,
    locale: "fr-CH",
  });
  assert.deepEqual(clockFrom(undefined), UTC_CLOCK);
  for (const bad of ["%E0%A4%A", encodeURIComponent("en-US Mars/Olympus"), "x".repeat(500)]) {
    assert.equal(clockFrom(bad, "en-US").timeZone, "UTC", bad);
  }
  assert.equal(clockFrom(encodeURIComponent("<script> UTC"), "nope!").locale, "en-GB");
});
