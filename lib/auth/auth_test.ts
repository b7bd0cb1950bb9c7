import assert from "node:assert/strict";
import { ManualClock } from "../clock.ts";
import { UserStore } from "../store/users.ts";
import { AuthService, hashToken, LOGIN_FREE_FAILURES } from "./auth.ts";
import { PasswordHasher } from "./passwords.ts";
import { ChatError, RateLimitedError } from "../errors.ts";

async function setup() {
  const kv = await Deno.openKv(":memory:");
  const clock = new ManualClock();
  const ended: string[] = [];
  const hasher = new PasswordHasher(1);
  const auth = new AuthService(new UserStore(kv), hasher, {
    clock,
    idleMs: 60 * 60_000,
    maxMs: 24 * 60 * 60_000,
    onSessionEnded: (id) => Promise.resolve(void ended.push(id)),
  });
  const done = () => {
    hasher.close();
    kv.close();
  };
  return { kv, clock, auth, ended, done };
}

const codeOf = async (p: Promise<unknown>) => {
  try {
    await p;
    return "ok";
  } catch (err) {
    return err instanceof ChatError ? err.code : String(err);
  }
};

Deno.test("register stores an argon2id hash with its parameters, never the password", async () => {
  const { kv, auth, done } = await setup();
  const { user, token } = await auth.register("Alice", "correct horse");
  const record = (await kv.get<{ passwordHash: string }>(["user", user.id])).value!;
  assert.match(record.passwordHash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
  assert.ok(!JSON.stringify(record).includes("correct horse"));
  // Only the token's hash is stored.
  assert.ok(token.length >= 43);
  assert.equal((await kv.get(["session", token])).value, null);
  assert.notEqual((await kv.get(["session", await hashToken(token)])).value, null);
  done();
});

Deno.test("usernames are unique case-insensitively and shown as registered", async () => {
  const { auth, done } = await setup();
  await auth.register("Alice", "correct horse");
  assert.equal(await codeOf(auth.register("alice", "correct horse")), "conflict");
  const { user } = await auth.login("ALICE", "correct horse");
  assert.equal(user.username, "Alice");
  done();
});

Deno.test("every login mints a new token (no session fixation)", async () => {
  const { auth, done } = await setup();
  const first = await auth.register("bob", "correct horse");
  const second = await auth.login("bob", "correct horse");
  assert.notEqual(first.token, second.token);
  assert.equal((await auth.authenticate(first.token)).user.username, "bob");
  done();
});

Deno.test("sessions end after the idle timeout and after the absolute lifetime", async () => {
  const { clock, auth, ended, done } = await setup();
  const { token } = await auth.register("carol", "correct horse");
  await clock.advance(59 * 60_000);
  await auth.authenticate(token); // use keeps it alive
  await clock.advance(59 * 60_000);
  await auth.authenticate(token);
  await clock.advance(61 * 60_000);
  assert.equal(await codeOf(auth.authenticate(token)), "unauthorized");
  assert.equal(ended.length, 1);

  const fresh = await auth.login("carol", "correct horse");
  for (let i = 0; i < 25; i++) {
    await clock.advance(59 * 60_000);
    if (i < 24) await auth.authenticate(fresh.token);
  }
  assert.equal(await codeOf(auth.authenticate(fresh.token)), "unauthorized");
  done();
});

Deno.test("logout revokes the token at once", async () => {
  const { auth, ended, done } = await setup();
  const { token } = await auth.register("dave", "correct horse");
  const who = await auth.authenticate(token);
  await auth.logout(who);
  assert.deepEqual(ended, [who.session.id]);
  assert.equal(await codeOf(auth.authenticate(token)), "unauthorized");
  done();
});

Deno.test("of concurrent logouts of one session, one ends it and the others are refused", async () => {
  const { auth, ended, done } = await setup();
  const { token } = await auth.register("fay", "correct horse");
  const who = await auth.authenticate(token);
  const outcomes = await Promise.all(Array.from({ length: 5 }, () => codeOf(auth.logout(who))));
  assert.deepEqual(outcomes.sort(), [
    "ok",
    "unauthorized",
    "unauthorized",
    "unauthorized",
    "unauthorized",
  ]);
  assert.deepEqual(ended, [who.session.id]);
  assert.equal(await codeOf(auth.authenticate(token)), "unauthorized");
  done();
});

Deno.test("failed logins answer invalid_credentials alike, then throttle the account", async () => {
  const { clock, auth, done } = await setup();
  await auth.register("erin", "correct horse");
  assert.equal(await codeOf(auth.login("erin", "wrong password")), "invalid_credentials");
  assert.equal(await codeOf(auth.login("nobody", "wrong password")), "invalid_credentials");
  for (let i = 1; i < LOGIN_FREE_FAILURES; i++) await codeOf(auth.login("erin", "wrong password"));
  // Locked now, even with the right password; other accounts are unaffected.
  const locked = await auth.login("erin", "correct horse").catch((e) => e);
  assert.ok(locked instanceof RateLimitedError);
  assert.ok(locked.retryAfterMs > 0);
  // The account is one account whatever the case it is typed in.
  assert.equal(await codeOf(auth.login("ERIN", "correct horse")), "rate_limited");
  assert.equal(await codeOf(auth.login("nobody2", "wrong password")), "invalid_credentials");
  await clock.advance(locked.retryAfterMs + 1);
  assert.equal(await codeOf(auth.login("erin", "correct horse")), "ok");
  done();
});

Deno.test("a megabyte password is refused before hashing", async () => {
  const { auth, done } = await setup();
  const started = performance.now();
  assert.equal(await codeOf(auth.login("erin", "x".repeat(1 << 20))), "bad_request");
  assert.equal(await codeOf(auth.register("frank", "x".repeat(1 << 20))), "bad_request");
  assert.ok(performance.now() - started < 50);
  done();
});

Deno.test("a burst of sign-ins beyond the hash queue is told to retry, not queued", async () => {
  const { auth, done } = await setup();
  const attempts = Array.from(
    { length: 60 },
    (_, i) => codeOf(auth.login(`nobody${i}`, "password1")),
  );
  const codes = await Promise.all(attempts);
  assert.ok(codes.filter((c) => c === "rate_limited").length >= 60 - 32 - 1);
  assert.ok(codes.filter((c) => c === "invalid_credentials").length >= 1);
  done();
});

Deno.test("hashToken: SHA-256 in lowercase hex, as sessions stored by earlier versions are keyed", async () => {
  assert.equal(
    await hashToken("abc"),
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
  );
  const token = "tK9_-xY2aB3cD4eF5gH6iJ7kL8mN9oP0qR1sT2uV3wX";
  const web = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  const hex = Array.from(new Uint8Array(web), (b) => b.toString(16).padStart(2, "0")).join("");
  assert.equal(await hashToken(token), hex);
});
