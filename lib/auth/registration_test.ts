import assert from "node:assert/strict";
import { ManualClock } from "../clock.ts";
import { UserStore } from "../store/users.ts";
import { ServerInviteStore } from "../store/server_invites.ts";
import { AuthService } from "./auth.ts";
import { PasswordHasher } from "./passwords.ts";
import { ChatError } from "../errors.ts";
import type { RegistrationMode } from "../protocol/types.ts";

async function withAuth(
  registration: RegistrationMode,
  fn: (auth: AuthService, kv: Deno.Kv) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const hasher = new PasswordHasher(1);
  try {
    await fn(
      new AuthService(new UserStore(kv), hasher, {
        clock: new ManualClock(),
        idleMs: 3600_000,
        maxMs: 86_400_000,
        onSessionEnded: () => Promise.resolve(),
        registration,
        invites: new ServerInviteStore(kv),
      }),
      kv,
    );
  } finally {
    hasher.close();
    kv.close();
  }
}

for (const mode of ["invite", "closed"] as const) {
  Deno.test(`register() with REGISTRATION=${mode}: of racing first accounts, only the admin gets in`, async () => {
    await withAuth(mode, async (auth) => {
      const outcomes = await Promise.allSettled(
        ["ada", "bob", "cyd", "dee"].map((name) => auth.register(name, "correct horse")),
      );
      const admitted = outcomes.filter((o) => o.status === "fulfilled");
      assert.equal(admitted.length, 1);
      assert.equal(
        (admitted[0] as PromiseFulfilledResult<{ user: { serverAdmin?: true } }>).value.user
          .serverAdmin,
        true,
      );
      for (const o of outcomes) {
        if (o.status === "rejected") assert.equal((o.reason as ChatError).code, "forbidden");
      }
    });
  });
}

Deno.test("register() with REGISTRATION=open: the first account is the server's admin, once", async () => {
  await withAuth("open", async (auth) => {
    const results = await Promise.all(
      ["ada", "bob", "cyd"].map((n) => auth.register(n, "correct horse")),
    );
    assert.equal(results.filter((r) => r.user.serverAdmin).length, 1);
  });
});
