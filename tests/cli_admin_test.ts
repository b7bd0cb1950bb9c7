/**
 * The terminal client's account and administration commands against the real
 * server: `profile`, `avatar`, `password`, `sessions`, `room` (info, --rename,
 * --topic), `kick`, `ban`/`unban`, `promote`/`demote`, `delete-room`, `admin …`
 * and `register --invite`, with the server's refusals as clear messages and the
 * exit codes of `cli/errors.ts`; room names resolved as spelled, then ignoring case.
 */

import assert from "node:assert/strict";
import "../lib/client/admin.ts";
import { ChatApi } from "../lib/client/client.ts";
import type { Member, Room, SessionInfo, User } from "../lib/protocol/types.ts";
import { newUser } from "./_clients.ts";
import { cliUser, runCli, tempConfig } from "./_cli.ts";
import { makePng } from "./_images.ts";
import { startServer } from "./_server.ts";

const PASSWORD = "correct horse battery";

function jsonLines<T>(stdout: string): T[] {
  return stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

function roleOf(members: Member[], userId: string): string | undefined {
  return members.find((m) => m.id === userId)?.role;
}

Deno.test("chat profile, avatar, password and sessions change my account", async (t) => {
  const server = await startServer();
  const alice = await cliUser(server.url, "alice");
  const work = await Deno.makeTempDir({ prefix: "chat-avatar-" });
  try {
    await t.step(
      "profile alone prints who I am; --display-name sets the name others see",
      async () => {
        const shown = await alice.cli(["profile"]);
        assert.equal(shown.code, 0, shown.stderr);
        assert.match(shown.stdout, new RegExp(`^Username: +${alice.me.username}$`, "m"));
        assert.match(shown.stdout, new RegExp(`^Display name: +${alice.me.username}$`, "m"));
        assert.match(shown.stdout, /^Avatar: +none$/m);
        assert.match(shown.stdout, /^Server admin: +yes$/m, "the first account is the admin");
        const set = await alice.cli(["profile", "--display-name", "Alice Smith"]);
        assert.equal(set.code, 0, set.stderr);
        assert.match(set.stdout, /^Display name set\nUsername:/);
        assert.equal((await alice.api.me()).displayName, "Alice Smith");
        const json = await alice.cli(["profile", "--json"]);
        assert.equal(jsonLines<{ user: User }>(json.stdout)[0].user.displayName, "Alice Smith");
      },
    );

    await t.step(
      "a bad display name is refused before sending (exit 2); clearing goes back",
      async () => {
        const long = await alice.cli(["profile", "--display-name", "x".repeat(65)]);
        assert.equal(long.code, 2);
        assert.match(
          long.stderr,
          /^chat: Display name is too long: 65 characters, the limit is 64\n$/,
        );
        const both = await alice.cli(["profile", "--display-name", "A", "--clear-display-name"]);
        assert.equal(both.code, 2);
        assert.match(both.stderr, /not both/);
        const cleared = await alice.cli(["profile", "--clear-display-name"]);
        assert.equal(cleared.code, 0, cleared.stderr);
        assert.match(cleared.stdout, /^Display name cleared/);
        assert.equal((await alice.api.me()).displayName, alice.me.username);
      },
    );

    await t.step("avatar FILE uploads an image; --remove takes it away", async () => {
      const png = `${work}/me.png`;
      await Deno.writeFile(png, makePng(64, 48));
      const set = await alice.cli(["avatar", png]);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, new RegExp(`^Avatar set: ${server.url}/\\S+\n$`));
      const url = (await alice.api.me()).avatarUrl;
      assert.ok(url, "the server has it");
      const profile = await alice.cli(["profile"]);
      assert.match(profile.stdout, new RegExp(`^Avatar: +${server.url}${url}$`, "m"));
      // Not an image: the server's reason, exit 2.
      const text = `${work}/notes.txt`;
      await Deno.writeTextFile(text, "just words, no pixels");
      const refused = await alice.cli(["avatar", text]);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, /^chat: \S.*\n$/);
      const missing = await alice.cli(["avatar", `${work}/nope.png`]);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /No such file/);
      assert.equal((await alice.cli(["avatar"])).code, 2);
      const removed = await alice.cli(["avatar", "--remove"]);
      assert.equal(removed.code, 0, removed.stderr);
      assert.equal((await alice.api.me()).avatarUrl, undefined);
    });

    await t.step(
      "sessions lists mine, * for this one; --end and --end-others end them",
      async () => {
        const phone = new ChatApi(server.url);
        await phone.login(alice.me.username, PASSWORD);
        const tablet = new ChatApi(server.url);
        await tablet.login(alice.me.username, PASSWORD);
        const listed = await alice.cli(["sessions"]);
        assert.equal(listed.code, 0, listed.stderr);
        const rows = listed.stdout.trimEnd().split("\n");
        assert.match(rows[0], /^ +ID +DEVICE +CREATED +LAST USED$/);
        assert.equal(rows.length, 1 + 4, listed.stdout); // the API's, the CLI's, phone, tablet
        assert.equal(rows.filter((r) => r.startsWith("*")).length, 1);
        assert.match(rows[1], /^\* +\S+ +.+ +\d{4}-\d\d-\d\d \d\d:\d\d +now$/);
        const sessions = jsonLines<SessionInfo>((await alice.cli(["sessions", "--json"])).stdout);
        const phoneId = (await phone.sessions()).find((s) => s.current)!.id;
        assert.ok(sessions.some((s) => s.id === phoneId));
        const ended = await alice.cli(["sessions", "--end", phoneId]);
        assert.equal(ended.code, 0, ended.stderr);
        assert.equal(ended.stdout, `Ended session ${phoneId}\n`);
        await assert.rejects(phone.me(), /unauthorized|session/i);
        const unknown = await alice.cli(["sessions", "--end", "nosuchsession"]);
        assert.equal(unknown.code, 4, unknown.stderr);
        const others = await alice.cli(["sessions", "--end-others"]);
        assert.equal(others.code, 0, others.stderr);
        await assert.rejects(tablet.me());
        await assert.rejects(alice.api.me());
        assert.equal((await alice.cli(["whoami"])).code, 0, "this one goes on");
      },
    );

    await t.step("password reads the current and the new one from stdin", async () => {
      const wrong = await alice.cli(["password", "--password-stdin"], "not it\nnew password 1\n");
      assert.equal(wrong.code, 3);
      assert.equal(wrong.stderr, "chat: The current password is wrong: nothing changed\n");
      const short = await alice.cli(["password", "--password-stdin"], `${PASSWORD}\nshort\n`);
      assert.equal(short.code, 2);
      const one = await alice.cli(["password", "--password-stdin"], `${PASSWORD}\n`);
      assert.equal(one.code, 2);
      assert.match(one.stderr, /two lines/);
      const noTty = await alice.cli(["password"]);
      assert.equal(noTty.code, 2);
      assert.match(noTty.stderr, /--password-stdin/);
      const changed = await alice.cli(
        ["password", "--password-stdin"],
        `${PASSWORD}\nan even better horse\n`,
      );
      assert.equal(changed.code, 0, changed.stderr);
      assert.match(changed.stdout, /^Password changed/);
      await assert.rejects(new ChatApi(server.url).login(alice.me.username, PASSWORD));
      await new ChatApi(server.url).login(alice.me.username, "an even better horse");
      assert.equal((await alice.cli(["whoami"])).code, 0, "this session goes on");
    });

    await t.step("sessions --end with this session's id logs out", async () => {
      const mine = jsonLines<SessionInfo>((await alice.cli(["sessions", "--json"])).stdout)
        .find((s) => s.current)!;
      const ended = await alice.cli(["sessions", "--end", mine.id]);
      assert.equal(ended.code, 0, ended.stderr);
      assert.match(ended.stdout, /logged out/);
      assert.equal((await alice.cli(["whoami"])).code, 3);
    });
  } finally {
    await server.stop();
    await Deno.remove(alice.config, { recursive: true });
    await Deno.remove(work, { recursive: true });
  }
});

Deno.test("chat room, kick, ban, promote and delete-room run a room", async (t) => {
  const server = await startServer();
  const owner = await cliUser(server.url, "owner");
  const bob = await cliUser(server.url, "bob");
  const carol = await newUser(server.url, "carol");
  const carolName = (await carol.me()).username;
  const carolId = (await carol.me()).id;
  const bobId = bob.me.id;
  let team: Room = await owner.api.createRoom("Team", { topic: "Work things" });
  await bob.api.join(team.id);
  await carol.join(team.id);
  await bob.api.updateProfile({ displayName: "Bobby Tables" });
  try {
    await t.step("room ROOM prints its name, topic and members with their roles", async () => {
      const out = await bob.cli(["room", "team"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^Name: +#Team$/m);
      assert.match(out.stdout, /^Topic: +Work things$/m);
      assert.match(out.stdout, new RegExp(`^Id: +${team.id}$`, "m"));
      assert.match(out.stdout, /^Members: +3 members, \d online$/m);
      const members = out.stdout.split("\n").filter((l) => l.startsWith("  "));
      assert.match(members[0], new RegExp(`^  ${owner.me.username} +owner `));
      assert.ok(
        members.some((l) =>
          new RegExp(`^  Bobby Tables \\(@${bob.me.username}\\) +member `).test(l)
        ),
        out.stdout,
      );
    });

    await t.step("--topic and --rename change it (owner, admins); others get the 403", async () => {
      const refused = await bob.cli(["room", "Team", "--topic", "mine now"]);
      assert.equal(refused.code, 4);
      assert.match(refused.stderr, /^chat: \S.*\n$/);
      assert.doesNotMatch(refused.stderr, /see chat --help/);
      const topic = await owner.cli(["room", "Team", "--topic", "Ship it"]);
      assert.equal(topic.code, 0, topic.stderr);
      assert.equal(topic.stdout, "Topic of #Team: Ship it\n");
      const renamed = await owner.cli(["room", "#team", "--rename", "Crew"]);
      assert.equal(renamed.code, 0, renamed.stderr);
      assert.equal(renamed.stdout, "Renamed #Team to #Crew\n");
      team = (await owner.api.room(team.id)).room;
      assert.deepEqual([team.name, team.topic], ["Crew", "Ship it"]);
      await owner.api.createRoom("Lobby");
      const taken = await owner.cli(["room", "Crew", "--rename", "lobby"]);
      assert.equal(taken.code, 1, taken.stderr);
      assert.equal(taken.stderr, 'chat: A public room is already called "lobby"\n');
      const bad = await owner.cli(["room", "Crew", "--rename", "   "]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /Room name must not be empty/);
    });

    await t.step("promote and demote set a member's role (the owner only)", async () => {
      const promoted = await owner.cli(["promote", "Crew", `@${bob.me.username}`]);
      assert.equal(promoted.code, 0, promoted.stderr);
      assert.equal(
        promoted.stdout,
        `Bobby Tables (@${bob.me.username}) is now an admin of #Crew\n`,
      );
      assert.equal(roleOf((await owner.api.room(team.id)).members, bobId), "admin");
      const notOwner = await bob.cli(["promote", "Crew", carolName]);
      assert.equal(notOwner.code, 4, notOwner.stderr);
      const demoted = await owner.cli(["demote", "Crew", bob.me.username]);
      assert.equal(demoted.code, 0, demoted.stderr);
      assert.equal(roleOf((await owner.api.room(team.id)).members, bobId), "member");
      const stranger = await owner.cli(["promote", "Crew", "nobodyhere"]);
      assert.equal(stranger.code, 4);
      assert.equal(stranger.stderr, 'chat: Unknown user: "nobodyhere": not a member of #Crew\n');
      const invalid = await owner.cli(["promote", "Crew", "@x"]);
      assert.equal(invalid.code, 2);
      assert.match(invalid.stderr, /Invalid user "@x"/);
    });

    await t.step("kick removes a member at once; a plain member may not", async () => {
      const refused = await bob.cli(["kick", "Crew", carolName]);
      assert.equal(refused.code, 4, refused.stderr);
      assert.ok(roleOf((await owner.api.room(team.id)).members, carolId), "carol is still in");
      const kicked = await owner.cli(["kick", "Crew", `@${carolName}`]);
      assert.equal(kicked.code, 0, kicked.stderr);
      assert.equal(kicked.stdout, `Removed ${carolName} from #Crew\n`);
      assert.equal(roleOf((await owner.api.room(team.id)).members, carolId), undefined);
      // A public room: they may come back (a ban keeps them out).
      await carol.join(team.id);
    });

    await t.step("ban keeps a user out; unban lets them back", async () => {
      const banned = await owner.cli(["ban", "Crew", carolName]);
      assert.equal(banned.code, 0, banned.stderr);
      assert.equal(banned.stdout, `Banned ${carolName} from #Crew\n`);
      assert.equal(roleOf((await owner.api.room(team.id)).members, carolId), undefined);
      await assert.rejects(carol.join(team.id), /./);
      const nobody = await owner.cli(["ban", "Crew", "nobodyatall"]);
      assert.equal(nobody.code, 4, nobody.stderr);
      const unbanned = await owner.cli(["unban", "Crew", `@${carolName}`]);
      assert.equal(unbanned.code, 0, unbanned.stderr);
      assert.match(unbanned.stdout, /may join again/);
      await carol.join(team.id);
    });

    await t.step(
      "a name shared by rooms: as spelled first, else the candidates with ids",
      async () => {
        const upper = await owner.api.createRoom("Book club", { kind: "private" });
        const lower = await owner.api.createRoom("book club", { kind: "private" });
        const exact = await owner.cli(["room", "book club", "--json"]);
        assert.equal(exact.code, 0, exact.stderr);
        assert.equal(jsonLines<{ room: Room }>(exact.stdout)[0].room.id, lower.id);
        const exactUpper = await owner.cli(["room", "Book club", "--json"]);
        assert.equal(jsonLines<{ room: Room }>(exactUpper.stdout)[0].room.id, upper.id);
        const ambiguous = await owner.cli(["room", "BOOK CLUB"]);
        assert.equal(ambiguous.code, 2);
        assert.match(
          ambiguous.stderr,
          /^chat: Room name is ambiguous: "BOOK CLUB" matches 2 rooms: /,
        );
        assert.ok(
          ambiguous.stderr.includes(`#Book club (private, id ${upper.id})`),
          ambiguous.stderr,
        );
        assert.ok(
          ambiguous.stderr.includes(`#book club (private, id ${lower.id})`),
          ambiguous.stderr,
        );
        assert.match(ambiguous.stderr, /: give its id\n$/);
        const byId = await owner.cli(["room", upper.id, "--json"]);
        assert.equal(jsonLines<{ room: Room }>(byId.stdout)[0].room.name, "Book club");
      },
    );

    await t.step("delete-room refuses without --yes; with it the room is gone", async () => {
      const unsure = await owner.cli(["delete-room", "Crew"]);
      assert.equal(unsure.code, 2);
      assert.match(unsure.stderr, /--yes/);
      assert.equal((await owner.api.room(team.id)).room.id, team.id, "still there");
      const notOwner = await bob.cli(["delete-room", "Crew", "--yes"]);
      assert.equal(notOwner.code, 4, notOwner.stderr);
      const deleted = await owner.cli(["delete-room", "Crew", "--yes"]);
      assert.equal(deleted.code, 0, deleted.stderr);
      assert.match(deleted.stdout, new RegExp(`^Deleted #Crew \\(${team.id}\\)`));
      await assert.rejects(owner.api.room(team.id), /./);
      const again = await owner.cli(["room", "Crew"]);
      assert.equal(again.code, 4);
    });
  } finally {
    await server.stop();
    await Deno.remove(owner.config, { recursive: true });
    await Deno.remove(bob.config, { recursive: true });
  }
});

Deno.test("chat admin and register --invite, on a server that registers by invitation", async (t) => {
  const server = await startServer({ env: { REGISTRATION: "invite" } });
  const adminConfig = await tempConfig();
  const daveConfig = await tempConfig();
  const admin = (args: string[], stdin?: string) =>
    runCli(args, { config: adminConfig, server: server.url, stdin });
  const dave = (args: string[], stdin?: string) =>
    runCli(args, { config: daveConfig, server: server.url, stdin });
  const suffix = Date.now().toString(36).slice(-5);
  try {
    let code = "";
    await t.step("the first account may register without a code and is the admin", async () => {
      const first = await admin(["register", `root${suffix}`, "--password-stdin"], PASSWORD);
      assert.equal(first.code, 0, first.stderr);
      const profile = await admin(["profile"]);
      assert.match(profile.stdout, /^Server admin: +yes$/m);
    });

    await t.step("admin invite prints the code and the register link", async () => {
      const out = await admin(["admin", "invite", "--uses", "2", "--expires", "3d"]);
      assert.equal(out.code, 0, out.stderr);
      const match = /^Invite code: ([a-z2-7]+)$/m.exec(out.stdout);
      assert.ok(match, out.stdout);
      code = match[1];
      assert.match(out.stdout, /^Good for 2 registrations, until \d{4}-\d\d-\d\d \d\d:\d\d/m);
      assert.ok(out.stdout.includes(`Register link: ${server.url}/register?invite=${code}\n`));
      const listed = await admin(["admin", "invites"]);
      assert.equal(listed.code, 0, listed.stderr);
      assert.match(listed.stdout, /^ID +STATE +USES/);
      assert.match(listed.stdout, /active +0\/2 used +expires/);
      assert.ok(!listed.stdout.includes(code), "the code is shown only once");
    });

    await t.step("register without a code is refused, saying how; with it, it works", async () => {
      const refused = await dave(["register", `dave${suffix}`, "--password-stdin"], PASSWORD);
      assert.equal(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, /--invite CODE/);
      const wrong = await dave(
        ["register", `dave${suffix}`, "--invite", "aaaaaaaaaaaaaaaaaaaaaaaaaa", "--password-stdin"],
        PASSWORD,
      );
      assert.equal(wrong.code, 4, wrong.stderr);
      const ok = await dave(
        ["register", `dave${suffix}`, "--invite", code, "--password-stdin"],
        PASSWORD,
      );
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, /^Registered and logged in as dave/);
      const listed = await admin(["admin", "invites"]);
      assert.match(listed.stdout, /1\/2 used/);
    });

    await t.step("admin users lists the accounts; anyone else gets the 403", async () => {
      const out = await admin(["admin", "users"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^USERNAME +(DISPLAY NAME +)?ROLE +STATE/);
      assert.match(out.stdout, new RegExp(`^root${suffix} .* admin `, "m"));
      assert.match(out.stdout, new RegExp(`^dave${suffix} `, "m"));
      const notAdmin = await dave(["admin", "users"]);
      assert.equal(notAdmin.code, 4);
      assert.match(notAdmin.stderr, /^chat: \S.*\n$/);
      const notAdminInvite = await dave(["admin", "invite"]);
      assert.equal(notAdminInvite.code, 4);
    });

    await t.step("admin stats shows the server's counters; anyone else gets the 403", async () => {
      const out = await admin(["admin", "stats"]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^Isolate: +\S+, up \d+ (s|min)$/m);
      // Two registrations and every sign-in above were KV commits; no message yet.
      assert.match(out.stdout, /^KV commits: +[1-9][\d,]*, \d+ of them with a failed check$/m);
      assert.match(out.stdout, /^Messages stored: +none yet$/m);
      assert.match(out.stdout, /^Sockets: +0 open \(0 opened, 0 closed\)$/m);
      const json = await admin(["admin", "stats", "--json"]);
      const counters = JSON.parse(json.stdout);
      assert.ok(counters.kv.commits > 0 && typeof counters.isolateId === "string", json.stdout);
      const notAdmin = await dave(["admin", "stats"]);
      assert.equal(notAdmin.code, 4);
      assert.match(notAdmin.stderr, /admin/);
    });

    await t.step("admin deactivate ends the user's sessions", async () => {
      const unknown = await admin(["admin", "deactivate", "nobodyatall"]);
      assert.equal(unknown.code, 4);
      assert.equal(unknown.stderr, 'chat: Unknown user: "nobodyatall": no such user\n');
      const out = await admin(["admin", "deactivate", `@dave${suffix}`]);
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^Deactivated dave/);
      assert.equal((await dave(["whoami"])).code, 3, "the session ended");
      const relogin = await dave(["login", `dave${suffix}`, "--password-stdin"], PASSWORD);
      assert.equal(relogin.code, 3);
      assert.match(relogin.stderr, /deactivated/);
      const users = await admin(["admin", "users"]);
      assert.match(users.stdout, new RegExp(`^dave${suffix} .*deactivated`, "m"));
    });
  } finally {
    await server.stop();
    await Deno.remove(adminConfig, { recursive: true });
    await Deno.remove(daveConfig, { recursive: true });
  }
});
