/**
 * @module Throttling of password and invite-code guesses: a few failures are free,
 * then each one locks further attempts for longer (30 s, doubling, at most the
 * 15-minute window). Failures are kept per name in `["login_fail", name]`: a
 * username for logins and password checks, "#invite" (no username has a `#`) for
 * invite codes, which are guessed without naming anyone.
 */

import { RateLimitedError } from "../errors.ts";
import type { Clock } from "../clock.ts";
import type { UserStore } from "../store/users.ts";

/** Failures allowed before an account's logins are throttled. */
export const LOGIN_FREE_FAILURES = 5;
const WINDOW_MS = 15 * 60_000;
const LOCK_BASE_MS = 30_000;

export class Throttle {
  #users: UserStore;
  #clock: Clock;

  constructor(users: UserStore, clock: Clock) {
    this.#users = users;
    this.#clock = clock;
  }

  /** Throws RateLimitedError while `name` is locked. */
  async check(name: string, message: string): Promise<void> {
    const failures = (await this.#users.loginFailures(name)).value;
    const now = this.#clock.now();
    if (failures && failures.lockedUntil > now) {
      throw new RateLimitedError(message, failures.lockedUntil - now);
    }
  }

  async fail(name: string, free = LOGIN_FREE_FAILURES): Promise<void> {
    const now = this.#clock.now();
    const previous = (await this.#users.loginFailures(name)).value;
    const fresh = !previous || now - previous.firstAt > WINDOW_MS;
    const count = fresh ? 1 : previous.count + 1;
    const over = count - free;
    const lockedUntil = over >= 0
      ? now + Math.min(WINDOW_MS, LOCK_BASE_MS * 2 ** Math.min(over, 10))
      : 0;
    await this.#users.setLoginFailures(
      name,
      { count, firstAt: fresh ? now : previous.firstAt, lockedUntil },
      WINDOW_MS * 2,
    );
  }

  clear(name: string): Promise<void> {
    return this.#users.clearLoginFailures(name);
  }
}
