/**
 * The HTTP API of PROTOCOL.md against the real server over real sockets: accounts
 * and sessions, rooms and membership, history, sending, direct rooms and profiles.
 * One server for the whole file; every step uses its own users so steps stay
 * independent of each other's data.
 */

import assert from "node:assert/strict";
import { startServer } from "./_server.ts";
import { ApiError, ChatApi } from "../lib/client/http.ts";
import { ChatSocket } from "../lib/client/socket.ts";
import type { Invitation, Member, Message, Room } from "../lib/protocol/types.ts";
import { sleep } from "./_clients.ts";

/** Stack frames, file paths or module URLs in a body would be leaked internals. */
const LEAK_RE = /\n\s+at |\bat \S+ \(|file:\/\/|\.ts:\d+|\/work\/|\/tmp\//;

interface Raw {
  status: number;
  headers: Headers;
  // deno-lint-ignore no-explicit-any
  body: any;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it stops throwing, or rethrows its last failure. */
async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await delay(100);
    }
  }
}

Deno.test({
  name: "HTTP API: every endpoint of the contract over a real server",
  // One server and a few sockets are shared by the steps and closed at the end.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const server = await startServer({
      // History paging sends well over the default burst; rate limits have their own test.
      // A short presence grace lets "offline after the last socket closed" show quickly.
      env: { SEND_RATE_BURST: "100000", SEND_RATE_PER_SEC: "100000", PRESENCE_GRACE_MS: "300" },
    });
    const base = server.url;
    const sockets: ChatSocket[] = [];

    /** A raw request; checks the error envelope on every non-2xx answer. */
    async function raw(
      method: string,
      path: string,
      options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
    ): Promise<Raw> {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      if (options.body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(base + path, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      const text = await res.text();
      assert.notEqual(res.status, 500, `${method} ${path} answered 500: ${text}`);
      let body: unknown = undefined;
      if (text) body = JSON.parse(text);
      if (!res.ok) {
        assert.doesNotMatch(text, LEAK_RE, `${method} ${path} leaked internals: ${text}`);
        const error = (body as { error: { code: unknown; message: unknown } }).error;
        assert.equal(typeof error.code, "string");
        assert.equal(typeof error.message, "string");
      }
      return { status: res.status, headers: res.headers, body };
    }

    /** Asserts that `promise` fails with the contract's status and code. */
    async function rejects(promise: Promise<unknown>, status: number, code: string) {
      await assert.rejects(promise, (err: unknown) => {
        assert.ok(err instanceof ApiError, `expected an ApiError, got ${err}`);
        assert.equal(err.code, code, err.message);
        assert.equal(err.status, status);
        assert.doesNotMatch(err.message, LEAK_RE);
        return true;
      });
    }

    let userCount = 0;
    /** A freshly registered user with a bearer-token client. */
    async function newUser(prefix = "u"): Promise<ChatApi & { userId: string; name: string }> {
      const name = `${prefix}${++userCount}_${crypto.randomUUID().slice(0, 6)}`;
      const api = new ChatApi(base);
      const { user } = await api.register(name, "correct horse");
      return Object.assign(api, { userId: user.id, name });
    }

    async function socketOf(api: ChatApi): Promise<ChatSocket> {
      const socket = new ChatSocket({ url: api.wsUrl, token: api.token, reconnect: false });
      sockets.push(socket);
      await socket.ready();
      return socket;
    }

    try {
      await t.step(
        "register answers 201 {user, token} and sets an HttpOnly SameSite cookie",
        async () => {
          const res = await raw("POST", "/api/auth/register", {
            body: { username: "Alice.Register", password: "s3cret pass" },
          });
          assert.equal(res.status, 201);
          assert.equal(res.body.user.username, "Alice.Register");
          assert.equal(typeof res.body.user.id, "string");
          assert.ok(res.body.user.id.length > 0);
          assert.equal(typeof res.body.token, "string");
          assert.ok(res.body.token.length >= 20, "a token should carry real entropy");
          assert.equal(res.body.user.passwordHash, undefined);

          const cookie = res.headers.get("set-cookie") ?? "";
          assert.match(cookie, /;\s*HttpOnly/i);
          assert.match(cookie, /;\s*SameSite=(Lax|Strict)/i);
          assert.match(cookie, /;\s*Path=\//i);

          // The cookie alone authenticates, as does the bearer token.
          const pair = cookie.split(";")[0];
          const viaCookie = await raw("GET", "/api/me", { headers: { cookie: pair } });
          assert.equal(viaCookie.status, 200);
          assert.deepEqual(viaCookie.body, { user: res.body.user });
          const viaBearer = await raw("GET", "/api/me", { token: res.body.token });
          assert.equal(viaBearer.status, 200);
          assert.deepEqual(viaBearer.body, { user: res.body.user });
        },
      );

      await t.step("usernames are unique case-insensitively and shown as registered", async () => {
        await rejects(
          new ChatApi(base).register("alice.register", "another pass"),
          409,
          "conflict",
        );
        await rejects(
          new ChatApi(base).register("ALICE.REGISTER", "another pass"),
          409,
          "conflict",
        );
        // The original keeps its spelling.
        const api = new ChatApi(base);
        const { user } = await api.login("Alice.Register", "s3cret pass");
        assert.equal(user.username, "Alice.Register");
        assert.equal((await api.me()).username, "Alice.Register");

        // Two registrations of the same name at once: exactly one wins.
        const results = await Promise.allSettled([
          new ChatApi(base).register("Race.Name", "password one"),
          new ChatApi(base).register("race.NAME", "password two"),
        ]);
        const won = results.filter((r) => r.status === "fulfilled");
        const lost = results.filter((r) => r.status === "rejected");
        assert.equal(won.length, 1);
        assert.equal(lost.length, 1);
        const reason = (lost[0] as PromiseRejectedResult).reason;
        assert.ok(reason instanceof ApiError);
        assert.equal(reason.code, "conflict");
        assert.equal(reason.status, 409);
      });

      await t.step("login answers 200 {user, token} with a new working session", async () => {
        const first = await newUser("login");
        const res = await raw("POST", "/api/auth/login", {
          body: { username: first.name, password: "correct horse" },
        });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body.user, { id: first.userId, username: first.name });
        assert.notEqual(res.body.token, first.token);
        assert.match(res.headers.get("set-cookie") ?? "", /HttpOnly/i);
        // Both sessions work side by side.
        assert.equal((await raw("GET", "/api/me", { token: res.body.token })).status, 200);
        assert.equal((await first.me()).id, first.userId);
      });

      await t.step(
        "invalid_credentials is the identical answer for an unknown user and a wrong password",
        async () => {
          const known = await newUser("cred");
          const wrongPassword = await raw("POST", "/api/auth/login", {
            body: { username: known.name, password: "wrong password" },
          });
          const unknownUser = await raw("POST", "/api/auth/login", {
            body: { username: "nobody_here_at_all", password: "wrong password" },
          });
          for (const res of [wrongPassword, unknownUser]) {
            assert.equal(res.status, 401);
            assert.equal(res.body.error.code, "invalid_credentials");
            assert.equal(res.headers.get("set-cookie"), null);
            assert.equal(res.body.token, undefined);
          }
          assert.deepEqual(wrongPassword.body, unknownUser.body);
          assert.equal(
            wrongPassword.headers.get("content-type"),
            unknownUser.headers.get("content-type"),
          );
        },
      );

      await t.step(
        "login is throttled per account after repeated failures (429 + Retry-After)",
        async () => {
          const victim = await newUser("victim");
          const bystander = await newUser("bystander");
          let throttled: Raw | undefined;
          for (let i = 0; i < 12 && !throttled; i++) {
            const res = await raw("POST", "/api/auth/login", {
              body: { username: victim.name, password: `wrong guess ${i}` },
            });
            if (res.status === 429) throttled = res;
            else assert.equal(res.body.error.code, "invalid_credentials");
          }
          assert.ok(throttled, "repeated failed logins were never throttled");
          assert.equal(throttled.body.error.code, "rate_limited");
          const retryAfter = Number(throttled.headers.get("retry-after"));
          assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${retryAfter}`);

          // While locked, even the right password is refused, so guessing gains nothing.
          const right = await raw("POST", "/api/auth/login", {
            body: { username: victim.name, password: "correct horse" },
          });
          assert.equal(right.status, 429);
          assert.equal(right.body.error.code, "rate_limited");
          assert.ok(Number(right.headers.get("retry-after")) >= 1);

          // Other accounts and the victim's existing sessions are not affected.
          assert.equal(
            (await new ChatApi(base).login(bystander.name, "correct horse")).user.id,
            bystander.userId,
          );
          assert.equal((await victim.me()).id, victim.userId);
        },
      );

      await t.step("GET /api/me answers {user}; without credentials 401 unauthorized", async () => {
        const api = await newUser("me");
        const res = await raw("GET", "/api/me", { token: api.token });
        assert.equal(res.status, 200);
        assert.deepEqual(res.body, { user: { id: api.userId, username: api.name } });
        const anonymous = await raw("GET", "/api/me");
        assert.equal(anonymous.status, 401);
        assert.equal(anonymous.body.error.code, "unauthorized");
      });

      await t.step(
        "logout answers 204; the session's token, cookie and sockets die at once",
        async () => {
          const api = await newUser("logout");
          // A second session of the same user must survive the first one's logout.
          const other = new ChatApi(base);
          await other.login(api.name, "correct horse");

          const login = await fetch(base + "/api/auth/login", {
            method: "POST",
            body: JSON.stringify({ username: api.name, password: "correct horse" }),
          });
          const { token } = await login.json();
          const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
          assert.equal((await raw("GET", "/api/me", { headers: { cookie } })).status, 200);

          const socket = await socketOf(new ChatApi(base, { token }));
          const ended = new Promise<number>((resolve) =>
            socket.on("sessionEnded", ({ code }) => resolve(code))
          );

          const res = await raw("POST", "/api/auth/logout", { token });
          assert.equal(res.status, 204);
          assert.equal(res.body, undefined);
          assert.match(res.headers.get("set-cookie") ?? "", /Max-Age=0|Expires=Thu, 01 Jan 1970/i);

          for (const dead of [{ token }, { headers: { cookie } }]) {
            const me = await raw("GET", "/api/me", dead);
            assert.equal(me.status, 401);
            assert.equal(me.body.error.code, "unauthorized");
          }
          assert.equal((await raw("GET", "/api/rooms", { token })).status, 401);
          assert.equal((await raw("POST", "/api/auth/logout", { token })).status, 401);
          const timeout = new Promise<string>((resolve) => setTimeout(resolve, 5000, "timeout"));
          assert.equal(await Promise.race([ended, timeout]), 4001);

          assert.equal((await other.me()).id, api.userId);
          assert.equal((await api.me()).id, api.userId);
        },
      );

      await t.step("POST /api/rooms creates public rooms by default, or private ones", async () => {
        const owner = await newUser("creator");
        const before = Date.now();
        const res = await raw("POST", "/api/rooms", {
          token: owner.token,
          body: { name: "  General  " },
        });
        assert.equal(res.status, 201);
        const room: Room = res.body.room;
        assert.equal(typeof room.id, "string");
        assert.equal(room.name, "General");
        assert.equal(room.topic, "");
        assert.equal(room.kind, "public");
        assert.equal(room.lastSeq, 0);
        assert.ok(room.createdAt >= before - 1000 && room.createdAt <= Date.now() + 1000);

        const secret = await owner.createRoom("Secret", { kind: "private", topic: "Plans" });
        assert.equal(secret.kind, "private");
        assert.equal(secret.topic, "Plans");
        const explicit = await owner.createRoom("Open", { kind: "public" });
        assert.equal(explicit.kind, "public");

        const details = await owner.room(room.id);
        assert.deepEqual(details.members.map((m) => [m.id, m.role]), [[owner.userId, "owner"]]);
        const mine = (await owner.rooms()).map((r) => r.id).sort();
        assert.deepEqual(mine, [room.id, secret.id, explicit.id].sort());
      });

      await t.step(
        "directory lists public rooms with memberCount and joined, nothing else",
        async () => {
          const owner = await newUser("dir");
          const visitor = await newUser("visitor");
          const open = await owner.createRoom("Directory open");
          const hidden = await owner.createRoom("Directory hidden", { kind: "private" });
          const dm = await owner.dm(visitor.name);

          const seen = await visitor.directory();
          const entry = seen.find((r) => r.id === open.id);
          assert.ok(entry, "the public room is listed");
          assert.equal(entry.name, "Directory open");
          assert.equal(entry.kind, "public");
          assert.equal(entry.memberCount, 1);
          assert.equal(entry.joined, false);
          assert.ok(seen.every((r) => r.kind === "public"));
          assert.ok(!seen.some((r) => r.id === hidden.id || r.id === dm.id));

          await visitor.join(open.id);
          const after = (await visitor.directory()).find((r) => r.id === open.id)!;
          assert.equal(after.memberCount, 2);
          assert.equal(after.joined, true);
          assert.equal((await owner.directory()).find((r) => r.id === open.id)!.joined, true);
        },
      );

      await t.step(
        "GET /api/rooms/:id: members with role, online, lastSeenAt; 404 and 403 rules",
        async () => {
          const owner = await newUser("det");
          const member = await newUser("detm");
          const stranger = await newUser("dets");
          const open = await owner.createRoom("Details", { topic: "About" });
          await member.join(open.id);
          const socket = await socketOf(owner);

          await eventually(async () => {
            const { room, members } = await stranger.room(open.id);
            assert.equal(room.id, open.id);
            assert.equal(room.topic, "About");
            const byId = new Map(members.map((m: Member) => [m.id, m]));
            assert.equal(members.length, 2);
            const o = byId.get(owner.userId)!;
            assert.deepEqual(
              { username: o.username, role: o.role, online: o.online },
              { username: owner.name, role: "owner", online: true },
            );
            assert.equal(typeof o.lastSeenAt, "number");
            const m = byId.get(member.userId)!;
            assert.deepEqual(
              { username: m.username, role: m.role, online: m.online },
              { username: member.name, role: "member", online: false },
            );
            assert.ok(m.lastSeenAt === null || typeof m.lastSeenAt === "number");
          });
          socket.close();

          const secret = await owner.createRoom("Details private", { kind: "private" });
          await rejects(stranger.room(secret.id), 403, "forbidden");
          assert.equal((await owner.room(secret.id)).room.kind, "private");
          await rejects(stranger.room("doesnotexist0000"), 404, "not_found");
        },
      );

      await t.step("join: public for anyone and twice is fine; private only invited", async () => {
        const owner = await newUser("join");
        const guest = await newUser("guest");
        const open = await owner.createRoom("Joinable");
        const res = await raw("POST", `/api/rooms/${open.id}/join`, { token: guest.token });
        assert.equal(res.status, 200);
        assert.equal(res.body.room.id, open.id);
        assert.equal(res.body.room.kind, "public");
        const again = await guest.join(open.id);
        assert.equal(again.id, open.id);
        const { members } = await owner.room(open.id);
        assert.equal(members.filter((m) => m.id === guest.userId).length, 1);
        assert.equal(members.find((m) => m.id === guest.userId)!.role, "member");

        const secret = await owner.createRoom("Invite only", { kind: "private" });
        await rejects(guest.join(secret.id), 403, "forbidden");
        assert.equal((await owner.room(secret.id)).members.length, 1);
        assert.ok(!(await guest.rooms()).some((r) => r.id === secret.id));

        await rejects(guest.join("doesnotexist0000"), 404, "not_found");
      });

      await t.step("invites: members invite, then the invitee can join", async () => {
        const owner = await newUser("inv");
        const invitee = await newUser("invitee");
        const third = await newUser("third");
        const secret = await owner.createRoom("Invites", { kind: "private" });

        // A non-member cannot invite, not even themselves.
        await rejects(third.invite(secret.id, third.name), 403, "forbidden");
        await rejects(third.join(secret.id), 403, "forbidden");

        const res = await raw("POST", `/api/rooms/${secret.id}/invites`, {
          token: owner.token,
          body: { username: invitee.name },
        });
        assert.equal(res.status, 204);
        assert.equal(res.body, undefined);
        const joined = await invitee.join(secret.id);
        assert.equal(joined.id, secret.id);
        assert.equal(joined.kind, "private");
        assert.equal((await invitee.room(secret.id)).members.length, 2);

        // Any member may invite, not only the owner.
        await invitee.invite(secret.id, third.name);
        await third.join(secret.id);
        assert.deepEqual(
          (await owner.room(secret.id)).members.map((m) => m.id).sort(),
          [owner.userId, invitee.userId, third.userId].sort(),
        );

        // Asked for (Prefer: return=representation), the answer says what happened;
        // inviting a member or myself changes nothing either way.
        const prefer = { prefer: "return=representation" };
        const outcome = async (token: string | undefined, username: string) => {
          const res = await raw("POST", `/api/rooms/${secret.id}/invites`, {
            token,
            body: { username },
            headers: prefer,
          });
          assert.equal(res.status, 200);
          assert.equal(res.headers.get("preference-applied"), "return=representation");
          const { invite } = res.body as { invite: Record<string, unknown> };
          assert.equal(invite.roomId, secret.id);
          assert.equal((invite.user as { username: string }).username, username);
          return invite.outcome;
        };
        assert.equal(await outcome(owner.token, invitee.name), "already_member");
        assert.equal(await outcome(owner.token, owner.name), "self");
        const late = await newUser("late");
        assert.equal(await outcome(invitee.token, late.name), "invited");
        assert.equal((await late.invites()).length, 1);
        assert.equal((await owner.room(secret.id)).members.length, 3);
        assert.equal((await invitee.invite(secret.id, third.name)).outcome, "already_member");

        await rejects(owner.invite(secret.id, "no_such_user_here"), 404, "not_found");
        await rejects(owner.invite("doesnotexist0000", invitee.name), 404, "not_found");
      });

      await t.step("invitations: listed until joined or declined, newest first", async () => {
        const owner = await newUser("host");
        const friend = await newUser("friend");
        const guest = await newUser("guest");
        const first = await owner.createRoom("Invited first", { kind: "private" });
        const second = await owner.createRoom("Invited second", { kind: "private" });
        assert.deepEqual(await guest.invites(), []);
        await owner.invite(first.id, guest.name);
        await sleep(5); // invitation times differ
        await owner.invite(second.id, guest.name);

        const res = await raw("GET", "/api/invites", { token: guest.token });
        assert.equal(res.status, 200);
        const invites = res.body.invites as Invitation[];
        assert.deepEqual(invites.map((i) => i.room.id), [second.id, first.id]);
        assert.equal(invites[0].room.name, "Invited second");
        assert.equal(invites[0].room.kind, "private");
        assert.deepEqual(invites[0].invitedBy, { id: owner.userId, username: owner.name });
        assert.ok(invites[0].invitedAt >= invites[1].invitedAt);
        // Nobody else sees them; an invitation does not make a member.
        assert.deepEqual(await friend.invites(), []);
        assert.ok(!(await guest.rooms()).some((r) => r.id === first.id));
        await rejects(guest.send(first.id, "not yet"), 403, "forbidden");

        // Declining: 204, gone from the list, and the door is shut again.
        const declined = await raw("DELETE", `/api/invites/${second.id}`, { token: guest.token });
        assert.equal(declined.status, 204);
        assert.equal(declined.body, undefined);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [first.id]);
        await rejects(guest.join(second.id), 403, "forbidden");
        // Twice is fine (as joining twice is); a room that does not exist is not.
        await guest.decline(second.id);
        await rejects(guest.decline("doesnotexist0000"), 404, "not_found");
        assert.equal(
          (await raw("DELETE", `/api/invites/${first.id}`, {})).status,
          401,
          "signed in only",
        );
        // A member may invite again after a decline.
        await owner.invite(second.id, guest.name);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [second.id, first.id]);

        // Joining uses an invitation up.
        await guest.join(first.id);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [second.id]);
        // Inviting a member changes nothing.
        await owner.invite(first.id, guest.name);
        assert.deepEqual((await guest.invites()).map((i) => i.room.id), [second.id]);
        // Declining a room I am in leaves me in it.
        await guest.decline(first.id);
        assert.ok((await guest.rooms()).some((r) => r.id === first.id));
      });

      await t.step("leave answers 204 and ends the membership", async () => {
        const owner = await newUser("leave");
        const member = await newUser("leaver");
        const open = await owner.createRoom("Leaving");
        await member.join(open.id);
        const res = await raw("POST", `/api/rooms/${open.id}/leave`, { token: member.token });
        assert.equal(res.status, 204);
        assert.equal(res.body, undefined);
        assert.ok(!(await member.rooms()).some((r) => r.id === open.id));
        assert.deepEqual((await owner.room(open.id)).members.map((m) => m.id), [owner.userId]);
        const entry = (await member.directory()).find((r) => r.id === open.id)!;
        assert.equal(entry.joined, false);
        assert.equal(entry.memberCount, 1);
        await rejects(member.send(open.id, "still here?"), 403, "forbidden");
        assert.equal((await owner.room(open.id)).room.lastSeq, 0);

        // A private room's invitation is used up by joining: leaving is for good.
        const secret = await owner.createRoom("Leaving private", { kind: "private" });
        await owner.invite(secret.id, member.name);
        await member.join(secret.id);
        await member.leave(secret.id);
        await rejects(member.join(secret.id), 403, "forbidden");
        await rejects(member.room(secret.id), 403, "forbidden");
        await rejects(member.leave("doesnotexist0000"), 404, "not_found");
      });

      await t.step(
        "POST messages answers 201 {message} with per-room seq; members only",
        async () => {
          const owner = await newUser("send");
          const stranger = await newUser("sendx");
          const open = await owner.createRoom("Sending");
          const before = Date.now();
          const res = await raw("POST", `/api/rooms/${open.id}/messages`, {
            token: owner.token,
            body: { text: "  hello world  \n" },
          });
          assert.equal(res.status, 201);
          const message: Message = res.body.message;
          assert.equal(typeof message.id, "string");
          assert.equal(message.roomId, open.id);
          assert.equal(message.seq, 1);
          assert.equal(message.userId, owner.userId);
          assert.equal(message.username, owner.name);
          // Trailing whitespace is trimmed, leading whitespace is the author's.
          assert.equal(message.text, "  hello world");
          assert.ok(message.createdAt >= before - 1000 && message.createdAt <= Date.now() + 1000);
          assert.equal((await owner.send(open.id, "second")).seq, 2);
          assert.equal((await owner.room(open.id)).room.lastSeq, 2);

          // A non-member of a public room may read but not post.
          await rejects(stranger.send(open.id, "drive-by"), 403, "forbidden");
          assert.equal((await stranger.messages(open.id)).messages.length, 2);
          // A private room's history is for members only.
          const secret = await owner.createRoom("Sending private", { kind: "private" });
          await owner.send(secret.id, "classified");
          await rejects(stranger.messages(secret.id), 403, "forbidden");
          await rejects(stranger.send(secret.id, "let me in"), 403, "forbidden");
          await rejects(stranger.send("doesnotexist0000", "anyone?"), 404, "not_found");
          await rejects(stranger.messages("doesnotexist0000"), 404, "not_found");
          assert.equal((await owner.room(secret.id)).room.lastSeq, 1);
          assert.equal((await owner.room(open.id)).room.lastSeq, 2);
        },
      );

      await t.step("a repeated clientId returns the original message (200), per user", async () => {
        const alice = await newUser("idem");
        const bob = await newUser("idemb");
        const open = await alice.createRoom("Idempotent");
        await bob.join(open.id);
        const path = `/api/rooms/${open.id}/messages`;

        const first = await raw("POST", path, {
          token: alice.token,
          body: { text: "once", clientId: "c-1" },
        });
        assert.equal(first.status, 201);
        assert.equal(first.body.message.clientId, "c-1");
        const retry = await raw("POST", path, {
          token: alice.token,
          body: { text: "once", clientId: "c-1" },
        });
        assert.equal(retry.status, 200);
        assert.deepEqual(retry.body.message, first.body.message);
        // Even with different text, the retry names the stored message.
        const changed = await raw("POST", path, {
          token: alice.token,
          body: { text: "twice?", clientId: "c-1" },
        });
        assert.equal(changed.status, 200);
        assert.deepEqual(changed.body.message, first.body.message);
        assert.equal((await alice.room(open.id)).room.lastSeq, 1);

        // Another user's clientId is theirs: a separate message.
        const other = await raw("POST", path, {
          token: bob.token,
          body: { text: "mine", clientId: "c-1" },
        });
        assert.equal(other.status, 201);
        assert.notEqual(other.body.message.id, first.body.message.id);
        assert.equal(other.body.message.seq, 2);
        assert.equal(other.body.message.userId, bob.userId);

        // The same clientId in another room is another message too.
        const elsewhere = await alice.createRoom("Idempotent 2");
        const moved = await raw("POST", `/api/rooms/${elsewhere.id}/messages`, {
          token: alice.token,
          body: { text: "once", clientId: "c-1" },
        });
        assert.equal(moved.status, 201);
        assert.equal(moved.body.message.roomId, elsewhere.id);

        // Concurrent retries of one clientId store one message.
        const burst = await Promise.all(
          Array.from(
            { length: 8 },
            () =>
              raw("POST", path, { token: alice.token, body: { text: "racy", clientId: "c-2" } }),
          ),
        );
        assert.equal(burst.filter((r) => r.status === 201).length, 1);
        assert.equal(burst.filter((r) => r.status === 200).length, 7);
        assert.equal(new Set(burst.map((r) => r.body.message.id)).size, 1);
        const { messages } = await alice.messages(open.id);
        assert.deepEqual(messages.map((m) => m.seq), [1, 2, 3]);
        assert.deepEqual(messages.map((m) => m.text), ["once", "mine", "racy"]);
      });

      await t.step(
        "history pages both ways: before, after, limit 1–100, newest 50 by default",
        async () => {
          const owner = await newUser("hist");
          const reader = await newUser("histr");
          const open = await owner.createRoom("History");
          const total = 130;
          for (let i = 1; i <= total; i++) await owner.send(open.id, `m${i}`);

          function check(page: { messages: Message[] }, from: number, to: number) {
            const seqs = page.messages.map((m) => m.seq);
            const expected = Array.from({ length: to - from + 1 }, (_, i) => from + i);
            assert.deepEqual(seqs, expected);
            assert.deepEqual(page.messages.map((m) => m.text), expected.map((s) => `m${s}`));
            for (const m of page.messages) assert.equal(m.roomId, open.id);
          }

          // Default: the newest 50, ascending. Non-members may read public rooms.
          const newest = await reader.messages(open.id);
          check(newest, 81, 130);
          assert.equal(newest.hasMore, true);

          // Backwards from the oldest seq seen, until the start.
          const back1 = await reader.messages(open.id, { before: 81, limit: 50 });
          check(back1, 31, 80);
          assert.equal(back1.hasMore, true);
          const back2 = await reader.messages(open.id, { before: 31, limit: 50 });
          check(back2, 1, 30);
          assert.equal(back2.hasMore, false);
          assert.deepEqual((await reader.messages(open.id, { before: 1 })).messages, []);

          // Forwards from a seq.
          const fwd1 = await reader.messages(open.id, { after: 0, limit: 100 });
          check(fwd1, 1, 100);
          assert.equal(fwd1.hasMore, true);
          const fwd2 = await reader.messages(open.id, { after: 100, limit: 100 });
          check(fwd2, 101, 130);
          assert.equal(fwd2.hasMore, false);
          const fwdEnd = await reader.messages(open.id, { after: 130 });
          assert.deepEqual(fwdEnd, { messages: [], hasMore: false });

          // Limits 1 and 100 are allowed; 0 and 101 are not.
          const one = await reader.messages(open.id, { limit: 1 });
          check(one, 130, 130);
          assert.equal(one.hasMore, true);
          const hundred = await reader.messages(open.id, { limit: 100 });
          check(hundred, 31, 130);
          assert.equal(hundred.hasMore, true);
          const exact = await reader.messages(open.id, { after: 30, limit: 100 });
          check(exact, 31, 130);
          assert.equal(exact.hasMore, false);
          await rejects(reader.messages(open.id, { limit: 0 }), 400, "bad_request");
          await rejects(reader.messages(open.id, { limit: 101 }), 400, "bad_request");

          // An empty room.
          const empty = await owner.createRoom("History empty");
          assert.deepEqual(await owner.messages(empty.id), { messages: [], hasMore: false });
        },
      );

      await t.step(
        "my rooms: most recent activity first, unread counted from read markers",
        async () => {
          const me = await newUser("mine");
          const friend = await newUser("friend");
          const lurker = await newUser("lurker");
          const r1 = await me.createRoom("Activity 1");
          await delay(5);
          const r2 = await me.createRoom("Activity 2");
          await delay(5);
          const r3 = await me.createRoom("Activity 3");
          await friend.join(r1.id);
          await friend.join(r2.id);
          await lurker.join(r1.id);
          const order = async () => (await me.rooms()).map((r) => r.id);
          assert.deepEqual(await order(), [r3.id, r2.id, r1.id]);

          await delay(5);
          for (const text of ["a", "b", "c"]) await friend.send(r1.id, text);
          assert.deepEqual(await order(), [r1.id, r3.id, r2.id]);
          await delay(5);
          await friend.send(r2.id, "d");
          assert.deepEqual(await order(), [r2.id, r1.id, r3.id]);

          const unread = async () =>
            Object.fromEntries((await me.rooms()).map((r) => [r.id, [r.unread, r.lastSeq]]));
          assert.deepEqual(await unread(), { [r1.id]: [3, 3], [r2.id]: [1, 1], [r3.id]: [0, 0] });

          // Read markers move over the socket; the HTTP listing follows.
          const socket = await socketOf(me);
          socket.read(r1.id, 2);
          await eventually(async () => assert.equal((await unread())[r1.id][0], 1));
          socket.read(r1.id, 3);
          socket.read(r2.id, 1);
          await eventually(async () => {
            assert.deepEqual(await unread(), { [r1.id]: [0, 3], [r2.id]: [0, 1], [r3.id]: [0, 0] });
          });
          await friend.send(r1.id, "e");
          assert.equal((await unread())[r1.id][0], 1);
          socket.close();

          // Someone else's marker is theirs alone.
          const theirs = (await lurker.rooms()).map((r) => [r.id, r.unread]);
          assert.deepEqual(theirs, [[r1.id, 4]]);
        },
      );

      await t.step(
        "POST /api/dms: one direct room whichever side asks (201, then 200)",
        async () => {
          const a = await newUser("dma");
          const b = await newUser("dmb");
          const outsider = await newUser("dmx");
          const first = await raw("POST", "/api/dms", {
            token: a.token,
            body: { username: b.name },
          });
          assert.equal(first.status, 201);
          const room: Room = first.body.room;
          assert.equal(room.kind, "direct");
          const second = await raw("POST", "/api/dms", {
            token: b.token,
            body: { username: a.name },
          });
          assert.equal(second.status, 200);
          assert.equal(second.body.room.id, room.id);
          const again = await raw("POST", "/api/dms", {
            token: a.token,
            body: { username: b.name },
          });
          assert.equal(again.status, 200);
          assert.equal(again.body.room.id, room.id);

          const { members } = await a.room(room.id);
          assert.deepEqual(members.map((m) => m.id).sort(), [a.userId, b.userId].sort());
          assert.ok((await b.rooms()).some((r) => r.id === room.id));
          assert.ok(!(await a.directory()).some((r) => r.id === room.id));

          // Direct rooms are closed to everyone else, and never joinable.
          await rejects(outsider.join(room.id), 403, "forbidden");
          await rejects(outsider.room(room.id), 403, "forbidden");
          await rejects(outsider.messages(room.id), 403, "forbidden");
          await rejects(outsider.send(room.id, "hi"), 403, "forbidden");
          await rejects(a.invite(room.id, outsider.name), 403, "forbidden");
          assert.equal((await a.room(room.id)).members.length, 2);

          const sent = await b.send(room.id, "hello a");
          assert.equal(sent.seq, 1);
          assert.deepEqual((await a.messages(room.id)).messages.map((m) => m.id), [sent.id]);
          await rejects(a.dm("no_such_user_here"), 404, "not_found");
        },
      );

      await t.step("concurrent dms from both sides at once make one room", async () => {
        for (let round = 0; round < 3; round++) {
          const a = await newUser("race");
          const b = await newUser("race");
          const results = await Promise.all([
            raw("POST", "/api/dms", { token: a.token, body: { username: b.name } }),
            raw("POST", "/api/dms", { token: b.token, body: { username: a.name } }),
            raw("POST", "/api/dms", { token: a.token, body: { username: b.name } }),
          ]);
          for (const res of results) assert.ok(res.status === 200 || res.status === 201);
          assert.equal(new Set(results.map((r) => r.body.room.id)).size, 1);
          assert.equal(results.filter((r) => r.status === 201).length, 1);
          const direct = async (api: ChatApi) =>
            (await api.rooms()).filter((r) => r.kind === "direct").map((r) => r.id);
          assert.deepEqual(await direct(a), [results[0].body.room.id]);
          assert.deepEqual(await direct(b), [results[0].body.room.id]);
        }
      });

      await t.step("GET /api/users/:username: profile with online and lastSeenAt", async () => {
        const viewer = await newUser("viewer");
        const subject = await newUser("subject");
        const res = await raw("GET", `/api/users/${subject.name}`, { token: viewer.token });
        assert.equal(res.status, 200);
        assert.equal(res.body.user.id, subject.userId);
        assert.equal(res.body.user.username, subject.name);
        assert.equal(res.body.user.online, false);
        assert.equal(res.body.user.passwordHash, undefined);
        assert.ok(
          res.body.user.lastSeenAt === null || typeof res.body.user.lastSeenAt === "number",
        );

        const socket = await socketOf(subject);
        await eventually(async () => {
          const profile = await viewer.user(subject.name);
          assert.equal(profile.online, true);
          assert.equal(typeof profile.lastSeenAt, "number");
        });
        const closedAt = Date.now();
        socket.close();
        await eventually(async () => {
          const profile = await viewer.user(subject.name);
          assert.equal(profile.online, false);
          assert.equal(typeof profile.lastSeenAt, "number");
          assert.ok(Math.abs(profile.lastSeenAt! - closedAt) < 15_000);
        }, 20_000);

        await rejects(viewer.user("no_such_user_here"), 404, "not_found");
        const anonymous = await raw("GET", `/api/users/${subject.name}`);
        assert.equal(anonymous.status, 401);
      });

      await t.step("unknown /api routes answer 404 with the JSON error body", async () => {
        const api = await newUser("route");
        for (
          const [method, path] of [
            ["GET", "/api/nope"],
            ["POST", "/api/nope"],
            ["GET", "/api/rooms/abc/nope"],
            ["DELETE", "/api/rooms"],
            ["GET", "/api/auth/register"],
          ]
        ) {
          const res = await raw(method, path, { token: api.token });
          assert.equal(res.status, 404, `${method} ${path}`);
          assert.equal(res.body.error.code, "not_found");
          assert.match(res.headers.get("content-type") ?? "", /application\/json/);
        }
      });

      await t.step("the server never logged an internal error", () => {
        assert.doesNotMatch(server.output(), /"level":"error"|Uncaught|panicked/);
      });
    } finally {
      for (const socket of sockets) socket.close();
      await server.stop();
    }
  },
});
