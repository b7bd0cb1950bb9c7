/**
 * The scriptable mode of the terminal client (`cli/main.ts`) against the real
 * server: every subcommand, stdin sends, `tail --follow`, the credentials file, and
 * the error paths with their exit codes; messages that change (edit, delete,
 * react, reply) and `tail --follow` printing changes as they happen.
 */

import assert from "node:assert/strict";
import { ChatApi, ChatSocket } from "../lib/client/client.ts";
import type { Message } from "../lib/protocol/types.ts";
import { newUser, waitFor } from "./_clients.ts";
import { credentialsFile, runCli, spawnCli, tempConfig } from "./_cli.ts";
import { freePort, startServer } from "./_server.ts";

const PASSWORD = "correct horse battery";

function uniqueName(prefix: string): string {
  return `${prefix}${crypto.randomUUID().slice(0, 6)}`;
}

function jsonLines<T>(stdout: string): T[] {
  return stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

Deno.test("the scriptable client does everything a script needs", async (t) => {
  const server = await startServer();
  const config = await tempConfig();
  const cli = (args: string[], stdin?: string) =>
    runCli(args, { config, server: server.url, stdin });
  const alice = uniqueName("alice");
  const bob = await newUser(server.url, "bob");
  const bobName = (await bob.me()).username;
  let roomId = "";
  try {
    await t.step("register reads the password from stdin and saves a 0600 file", async () => {
      const res = await cli(["register", alice, "--password-stdin"], `${PASSWORD}\n`);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, new RegExp(`Registered and logged in as ${alice} on ${server.url}`));
      const info = await Deno.stat(credentialsFile(config));
      assert.equal(info.mode! & 0o777, 0o600);
      const saved = JSON.parse(await Deno.readTextFile(credentialsFile(config)));
      assert.equal(saved.username, alice);
      assert.equal(saved.server, server.url);
      assert.equal(typeof saved.token, "string");
      // The token in the file works: it is a live session.
      assert.equal((await new ChatApi(server.url, { token: saved.token }).me()).username, alice);
    });

    await t.step("whoami shows the saved session", async () => {
      const res = await cli(["whoami", "--json"]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(JSON.parse(res.stdout).user.username, alice);
    });

    await t.step("create makes a room that rooms and directory list", async () => {
      const res = await cli(["create", "Book", "Club", "--topic", "Reading", "--json"]);
      assert.equal(res.code, 0, res.stderr);
      const room = JSON.parse(res.stdout);
      assert.equal(room.name, "Book Club");
      assert.equal(room.kind, "public");
      roomId = room.id;
      const rooms = await cli(["rooms"]);
      assert.equal(rooms.code, 0, rooms.stderr);
      assert.match(rooms.stdout, new RegExp(`#Book Club +public +${roomId}`));
      const directory = await cli(["directory", "--json"]);
      const listed = jsonLines<{ id: string; joined: boolean; memberCount: number }>(
        directory.stdout,
      ).find((r) => r.id === roomId);
      assert.equal(listed?.joined, true);
      assert.equal(listed?.memberCount, 1);
      const priv = await cli(["create", "Secret", "--private", "--json"]);
      assert.equal(JSON.parse(priv.stdout).kind, "private");
    });

    await t.step("send takes TEXT, and stdin one message per line", async () => {
      const one = await cli(["send", "book club", "hello", "world"]);
      assert.equal(one.code, 0, one.stderr);
      assert.match(one.stdout, /Sent to #Book Club \(#1\)/);
      const many = await cli(["send", roomId, "-", "--json"], "first line\n\n  \nsecond line\r\n");
      assert.equal(many.code, 0, many.stderr);
      const sent = jsonLines<Message>(many.stdout);
      assert.deepEqual(sent.map((m) => [m.seq, m.text]), [[2, "first line"], [3, "second line"]]);
      const stored = await bob.messages(roomId);
      assert.deepEqual(
        stored.messages.map((m) => m.text),
        ["hello world", "first line", "second line"],
      );
    });

    await t.step("history prints the newest messages, as text or JSON", async () => {
      const text = await cli(["history", "BOOK CLUB"]);
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.trim().split("\n");
      assert.equal(lines.length, 3);
      assert.match(
        lines[0],
        new RegExp(`^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d #1 ${alice}: hello world$`),
      );
      const json = await cli(["history", roomId, "--limit", "2", "--json"]);
      assert.deepEqual(jsonLines<Message>(json.stdout).map((m) => m.seq), [2, 3]);
    });

    await t.step("stdin sends wait out the rate limit; history pages back", async () => {
      const lines = Array.from({ length: 120 }, (_, i) => `bulk ${i + 1}`).join("\n");
      const res = await cli(["send", roomId], lines + "\n");
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, /Sent 120 messages/);
      const json = await cli(["history", roomId, "-n", "110", "--json"]);
      const seqs = jsonLines<Message>(json.stdout).map((m) => m.seq);
      assert.equal(seqs.length, 110);
      assert.deepEqual(seqs, Array.from({ length: 110 }, (_, i) => 14 + i));
    });

    await t.step("join finds a public room by name; who lists members and presence", async () => {
      const bobRoom = await bob.createRoom(uniqueName("Lobby"));
      const res = await cli(["join", bobRoom.name.toLowerCase()]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, new RegExp(`Joined #${bobRoom.name}: ${bobRoom.id}`));
      const socket = new ChatSocket({ url: bob.wsUrl, token: bob.token });
      try {
        await socket.ready();
        await waitFor("bob online", async () => (await bob.user(bobName)).online);
        const who = await cli(["who", bobRoom.name]);
        assert.equal(who.code, 0, who.stderr);
        assert.match(who.stdout, /2 members, 1 online/);
        assert.match(who.stdout, new RegExp(`${bobName} +owner +online`));
        assert.match(who.stdout, new RegExp(`${alice} +member +offline`));
        const json = jsonLines<{ username: string; online: boolean }>(
          (await cli(["who", bobRoom.id, "--json"])).stdout,
        );
        assert.deepEqual(json.map((m) => [m.username, m.online]), [[bobName, true], [
          alice,
          false,
        ]]);
      } finally {
        socket.close();
      }
    });

    await t.step("dm and @user reach the direct room", async () => {
      const dm = await cli(["dm", bobName, "--json"]);
      assert.equal(dm.code, 0, dm.stderr);
      const room = JSON.parse(dm.stdout);
      assert.equal(room.kind, "direct");
      const send = await cli(["send", `@${bobName}`, "psst"]);
      assert.equal(send.code, 0, send.stderr);
      const seen = await bob.messages(room.id);
      assert.deepEqual(seen.messages.map((m) => m.text), ["psst"]);
      const history = await cli(["history", `@${bobName}`]);
      assert.match(history.stdout, new RegExp(`${alice}: psst`));
      const rooms = await cli(["rooms"]);
      assert.match(rooms.stdout, new RegExp(`@${bobName} +direct`));
    });

    await t.step("invites lists invitations; join and decline take their names", async () => {
      const kept = await bob.createRoom(uniqueName("Vault"), { kind: "private" });
      const unwanted = await bob.createRoom(uniqueName("Attic"), { kind: "private" });
      assert.equal((await cli(["invites"])).stdout, "No invitations\n");
      await bob.invite(kept.id, alice);
      await bob.invite(unwanted.id, alice);
      const list = await cli(["invites"]);
      assert.equal(list.code, 0, list.stderr);
      const lines = list.stdout.trim().split("\n");
      assert.match(lines[0], new RegExp(`^#${unwanted.name} +from @${bobName} +${unwanted.id}$`));
      assert.match(lines[1], new RegExp(`^#${kept.name} +from @${bobName} +${kept.id}$`));
      assert.match((await cli(["rooms"])).stdout, /2 invitations waiting: see "chat invites"/);
      const json = jsonLines<{ room: { id: string }; invitedBy: { username: string } }>(
        (await cli(["invites", "--json"])).stdout,
      );
      assert.deepEqual(json.map((i) => [i.room.id, i.invitedBy.username]), [
        [unwanted.id, bobName],
        [kept.id, bobName],
      ]);

      const declined = await cli(["decline", unwanted.name]);
      assert.equal(declined.code, 0, declined.stderr);
      assert.equal(declined.stdout, `Declined the invitation to #${unwanted.name}\n`);
      const joined = await cli(["join", `#${kept.name.toLowerCase()}`]);
      assert.equal(joined.code, 0, joined.stderr);
      assert.match(joined.stdout, new RegExp(`Joined #${kept.name}: ${kept.id}`));
      assert.equal((await cli(["invites"])).stdout, "No invitations\n");
      assert.doesNotMatch((await cli(["rooms"])).stdout, /invitation/);
      // A declined invitation's room is not mine to join, nor known by its name now.
      const again = await cli(["join", unwanted.name]);
      assert.equal(again.code, 4, again.stderr);
      assert.match(again.stderr, /Unknown room/);
    });

    await t.step("invite says when the invitee is a member already, or myself", async () => {
      const plans = await bob.createRoom(uniqueName("Plans"), { kind: "private" });
      await bob.invite(plans.id, alice);
      assert.equal((await cli(["join", plans.name])).code, 0);
      const member = await cli(["invite", plans.name, bobName]);
      assert.equal(member.code, 0, member.stderr);
      assert.equal(member.stdout, `${bobName} is already in #${plans.name}\n`);
      const self = await cli(["invite", plans.name, `@${alice}`]);
      assert.equal(self.stdout, `You are already in #${plans.name}\n`);
      const carl = await newUser(server.url, "carl");
      const carlName = (await carl.me()).username;
      const sent = await cli(["invite", plans.name, carlName, "--json"]);
      assert.deepEqual(JSON.parse(sent.stdout), {
        roomId: plans.id,
        username: carlName,
        invited: true,
        outcome: "invited",
      });
      const again = await cli(["invite", plans.name, bobName, "--json"]);
      assert.equal(JSON.parse(again.stdout).outcome, "already_member");
      assert.deepEqual((await carl.invites()).map((i) => i.room.id), [plans.id]);
      assert.equal((await bob.room(plans.id)).members.length, 2);
    });

    await t.step("tail prints the newest; --follow prints what others send", async () => {
      const last = await cli(["tail", roomId, "-n", "2"]);
      assert.equal(last.code, 0, last.stderr);
      assert.deepEqual(last.stdout.trim().split("\n").map((l) => l.split(": ")[1]), [
        "bulk 119",
        "bulk 120",
      ]);
      await bob.join(roomId);
      const follow = spawnCli(["tail", roomId, "--follow", "--json", "-n", "1"], {
        config,
        server: server.url,
      });
      try {
        await waitFor("the newest message", () => follow.stdout().includes("bulk 120"), 15_000);
        // Sent after the history was printed: arrives over the WebSocket.
        await waitFor("the subscription", async () => {
          const members = (await bob.room(roomId)).members;
          return members.some((m) => m.username === alice && m.online);
        }, 15_000);
        await bob.send(roomId, "live from bob");
        await bob.send(roomId, "and another");
        await waitFor("live messages", () => follow.stdout().includes("and another"), 15_000);
        const texts = jsonLines<Message>(follow.stdout()).map((m) => m.text);
        assert.deepEqual(texts, ["bulk 120", "live from bob", "and another"]);
      } finally {
        follow.process.kill("SIGTERM");
      }
      const result = await follow.done();
      assert.equal(result.code, 0, result.stderr);
    });

    await t.step("errors name the problem on stderr with their exit code", async () => {
      const unknown = await cli(["history", "no-such-room"]);
      assert.equal(unknown.code, 4);
      assert.match(unknown.stderr, /^chat: Unknown room: "no-such-room"/);
      assert.equal(unknown.stdout, "");
      const noUser = await cli(["send", "@nobody_here", "hi"]);
      assert.equal(noUser.code, 4, noUser.stderr);
      const usage = await cli(["history"]);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /Missing arguments: usage: chat history ROOM/);
      assert.equal((await cli(["frobnicate"])).code, 2);
      assert.equal((await cli(["rooms", "--follow"])).code, 2);
      assert.equal((await cli(["history", roomId, "--limit", "zero"])).code, 2);
      const empty = await cli(["send", roomId, " "]);
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /Message must not be empty/);
      const tooLong = await cli(["send", roomId], "x".repeat(4001) + "\n");
      assert.equal(tooLong.code, 2);
      assert.equal(
        tooLong.stderr,
        "chat: Line 1: Message is too long: 4001 characters, the limit is 4000 (nothing was sent)\n",
      );
      // Given as an argument: refused before the room is even looked up, and the
      // refusal names the limit instead of pointing to --help (which has none).
      const before = (await bob.messages(roomId)).messages.at(-1)?.seq;
      const tooLongArg = await cli(["send", "no-such-room", "y".repeat(4001)]);
      assert.equal(tooLongArg.code, 2);
      assert.equal(
        tooLongArg.stderr,
        "chat: Message is too long: 4001 characters, the limit is 4000\n",
      );
      const midway = await cli(["send", roomId], `one\ntwo\n${"z".repeat(4001)}\nfour\n`);
      assert.equal(midway.code, 2);
      assert.match(
        midway.stderr,
        /^chat: Line 3: Message is too long: .*\(2 messages before it were sent\)\n$/,
      );
      const after = (await bob.messages(roomId)).messages.slice(-2).map((m) => [m.seq, m.text]);
      assert.deepEqual(after, [[before! + 1, "one"], [before! + 2, "two"]]);
      // A usage mistake still points to the help.
      assert.match(
        (await cli(["frobnicate"])).stderr,
        /Unknown command: "frobnicate" \(see chat --help\)/,
      );
      const wrong = await cli(["login", alice, "--password-stdin"], "not the password\n");
      assert.equal(wrong.code, 3);
      assert.match(wrong.stderr, /Invalid username or password/);
      const noPassword = await cli(["login", alice]);
      assert.equal(noPassword.code, 2);
      assert.match(noPassword.stderr, /--password-stdin/);
      const taken = await cli(["register", alice, "--password-stdin"], PASSWORD);
      assert.equal(taken.code, 1);
      // A private room of someone else: forbidden.
      const secret = await bob.createRoom(uniqueName("secret"), { kind: "private" });
      const forbidden = await cli(["history", secret.id]);
      assert.equal(forbidden.code, 4, forbidden.stderr);
    });

    await t.step("without the interactive terminal, no subcommand is a usage error", async () => {
      const res = await cli([]);
      assert.equal(res.code, 2);
      assert.match(res.stderr, /interactive mode needs a terminal/);
    });

    await t.step("--help lists the commands and the exit codes", async () => {
      const res = await cli(["--help"]);
      assert.equal(res.code, 0);
      for (
        const word of ["register USER", "tail ROOM", "Exit codes", "the server cannot be reached"]
      ) {
        assert.ok(res.stdout.includes(word), word);
      }
    });

    await t.step("logout ends the session on the server and deletes the file", async () => {
      const saved = JSON.parse(await Deno.readTextFile(credentialsFile(config)));
      const res = await cli(["logout"]);
      assert.equal(res.code, 0, res.stderr);
      assert.match(res.stdout, new RegExp(`Logged out ${alice}`));
      await assert.rejects(Deno.stat(credentialsFile(config)), Deno.errors.NotFound);
      await assert.rejects(
        new ChatApi(server.url, { token: saved.token }).me(),
        (err: Error & { code?: string }) => err.code === "unauthorized",
      );
      const after = await cli(["rooms"]);
      assert.equal(after.code, 3);
      assert.match(after.stderr, /Not logged in to http:\/\/127\.0\.0\.1:\d+: run "chat login/);
      assert.equal((await cli(["logout"])).code, 3);
    });

    await t.step("login saves a new session; a revoked one answers exit code 3", async () => {
      const res = await cli(["login", alice, "--password-stdin", "--json"], PASSWORD);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(JSON.parse(res.stdout).user.username, alice);
      const saved = JSON.parse(await Deno.readTextFile(credentialsFile(config)));
      await new ChatApi(server.url, { token: saved.token }).logout();
      const revoked = await cli(["rooms"]);
      assert.equal(revoked.code, 3);
      assert.match(revoked.stderr, /session has ended|Not logged in/);
    });
  } finally {
    await server.stop();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("the client reports a server that is down with exit code 5", async () => {
  const config = await tempConfig();
  const down = `http://127.0.0.1:${freePort()}`;
  try {
    const login = await runCli(["login", "alice", "--password-stdin"], {
      config,
      server: down,
      stdin: PASSWORD,
    });
    assert.equal(login.code, 5);
    assert.equal(login.stderr, `chat: Cannot reach the server: ${down}\n`);
    // No session at all, server down (`chat --server http://localhost:9999 rooms`).
    const fresh = await runCli(["--server", down, "rooms"], { config });
    assert.equal(fresh.code, 5);
    assert.equal(
      fresh.stderr,
      `chat: Cannot reach the server: ${down} (and you are not logged in to it: ` +
        `run "chat login USERNAME" once it is up)\n`,
    );
    // Saved credentials for a server that went away.
    await Deno.mkdir(`${config}/deno-chat`, { recursive: true });
    await Deno.writeTextFile(
      credentialsFile(config),
      JSON.stringify({ server: down, username: "alice", userId: "u1", token: "t", savedAt: 0 }),
    );
    const rooms = await runCli(["rooms"], { config });
    assert.equal(rooms.code, 5);
    assert.match(rooms.stderr, /Cannot reach the server/);
    const logout = await runCli(["logout"], { config });
    assert.equal(logout.code, 5);
    // Nothing was revoked, so the token is kept to try again later.
    assert.ok((await Deno.stat(credentialsFile(config))).isFile);
  } finally {
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("--server, then CHAT_SERVER, then the saved server is used", async () => {
  const server = await startServer();
  const config = await tempConfig();
  try {
    const name = uniqueName("carol");
    const reg = await runCli(["register", name, "--password-stdin", "--server", server.url], {
      config,
      server: `http://127.0.0.1:${freePort()}`,
      stdin: PASSWORD,
    });
    assert.equal(reg.code, 0, reg.stderr);
    // Neither flag nor env: the saved server.
    const me = await runCli(["whoami"], { config });
    assert.equal(me.code, 0, me.stderr);
    assert.equal(me.stdout.trim(), `${name} on ${server.url}`);
    // The env names another server that answers: the saved session is not for it.
    const elsewhere = server.url.replace("127.0.0.1", "localhost");
    const other = await runCli(["whoami"], { config, server: elsewhere });
    assert.equal(other.code, 3);
    assert.equal(
      other.stderr,
      `chat: Not logged in to ${elsewhere}: run "chat login USERNAME" first ` +
        `(your saved session is for ${server.url})\n`,
    );
    // …and one that is down: that is what stops the command (exit 5).
    const down = `http://127.0.0.1:${freePort()}`;
    const unreachable = await runCli(["rooms"], { config, server: down });
    assert.equal(unreachable.code, 5);
    assert.equal(
      unreachable.stderr,
      `chat: Cannot reach the server: ${down} (and you are not logged in to it: ` +
        `run "chat login USERNAME" once it is up; your saved session is for ${server.url})\n`,
    );
  } finally {
    await server.stop();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("tail --follow resumes after a server restart, missing and repeating nothing", async () => {
  let server = await startServer();
  const config = await tempConfig();
  const bob = await newUser(server.url, "bob");
  const room = await bob.createRoom(uniqueName("ops"));
  await bob.send(room.id, "before");
  const name = uniqueName("dora");
  const reg = await runCli(["register", name, "--password-stdin"], {
    config,
    server: server.url,
    stdin: PASSWORD,
  });
  assert.equal(reg.code, 0, reg.stderr);
  // Following needs membership, even of a public room.
  const outsider = await runCli(["tail", room.id, "--follow"], { config, server: server.url });
  assert.equal(outsider.code, 4, outsider.stderr);
  assert.match(outsider.stderr, /join it first/);
  assert.equal((await runCli(["join", room.id], { config, server: server.url })).code, 0);
  const follow = spawnCli(["tail", room.id, "--follow"], { config, server: server.url });
  try {
    await waitFor("the first message", () => follow.stdout().includes(": before"), 15_000);
    await server.stop();
    await waitFor("the drop", () => follow.stderr().includes("Connection lost: reconnecting…"));
    server = await startServer({ port: server.port, kvPath: server.kvPath });
    // Sent as soon as the server is back: before or after the client is (the race is
    // fine), it must arrive once, replayed by `since` or live.
    await bob.send(room.id, "while away");
    await bob.edit(room.id, 1, "before, edited");
    await waitFor("resumed", () => follow.stderr().includes("Reconnected"), 30_000);
    await bob.send(room.id, "after");
    await waitFor("live again", () => follow.stdout().includes(": after"), 15_000);
    const lines = follow.stdout().trim().split("\n");
    const texts = lines.filter((line) => !line.startsWith("~")).map((line) => line.split(": ")[1]);
    assert.deepEqual(texts, ["before", "while away", "after"]);
    // The edit made around the restart is printed once, wherever it fell.
    const edits = lines.filter((line) => line.startsWith("~"));
    assert.equal(edits.length, 1, follow.stdout());
    assert.match(edits[0], /^~ \d\d:\d\d bob\S* edited #1: before, edited$/);
  } catch (err) {
    throw new Error(
      `${(err as Error).message}\nstdout: ${follow.stdout()}\nstderr: ${follow.stderr()}`,
    );
  } finally {
    try {
      follow.process.kill("SIGTERM");
    } catch { /* exited already */ }
    await follow.done();
    await server.stop();
    await Deno.remove(config, { recursive: true });
  }
});

Deno.test("edit, delete, react and reply from the scriptable client", async (t) => {
  const server = await startServer();
  const config = await tempConfig();
  const cli = (args: string[], stdin?: string) =>
    runCli(args, { config, server: server.url, stdin });
  const alice = uniqueName("alice");
  const reg = await cli(["register", alice, "--password-stdin"], PASSWORD);
  assert.equal(reg.code, 0, reg.stderr);
  const aliceId = JSON.parse(await Deno.readTextFile(credentialsFile(config))).userId;
  const bob = await newUser(server.url, "bob");
  const bobName = (await bob.me()).username;
  const room = await bob.createRoom(uniqueName("Changes"));
  assert.equal((await cli(["join", room.id])).code, 0);
  const stored = async (seq: number) =>
    (await bob.messages(room.id)).messages.find((m) => m.seq === seq)!;
  try {
    await t.step("send --reply answers a message, from arguments and from stdin", async () => {
      assert.equal((await cli(["send", room.name, "who is in?"])).code, 0); // #1
      await bob.send(room.id, "me, from bob"); // #2
      const one = await cli(["send", room.name, "--reply", "2", "great"]);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(one.stdout, `Sent to #${room.name} (#3) in reply to #2\n`);
      const many = await cli(["send", room.id, "-r", "#1", "--json"], "first\nsecond\n");
      assert.equal(many.code, 0, many.stderr);
      const sent = jsonLines<Message>(many.stdout);
      assert.deepEqual(sent.map((m) => [m.seq, m.replyTo?.seq]), [[4, 1], [5, 1]]);
      const reply = await stored(3);
      assert.deepEqual(reply.replyTo, {
        seq: 2,
        userId: reply.replyTo!.userId,
        username: bobName,
        excerpt: "me, from bob",
      });
    });

    await t.step("edit replaces my text; --json answers the edited message", async () => {
      const res = await cli(["edit", room.name, "1", "who", "is", "in", "tonight?"]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `Edited #1 in #${room.name}\n`);
      const json = await cli(["edit", room.id, "#4", "-", "--json"], "first,\nedited\n");
      assert.equal(json.code, 0, json.stderr);
      const edited = JSON.parse(json.stdout) as Message;
      assert.equal(edited.text, "first,\nedited");
      assert.equal(typeof edited.editedAt, "number");
      assert.equal((await stored(1)).text, "who is in tonight?");
      // The reply quoting it follows.
      assert.equal((await stored(5)).replyTo?.excerpt, "who is in tonight?");
    });

    await t.step("react adds and --off removes my reaction; shortcodes work", async () => {
      const res = await cli(["react", room.name, "2", ":+1:"]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `Reacted 👍 to #2 in #${room.name}\n`);
      assert.equal((await cli(["react", room.name, "2", "🎉"])).code, 0);
      await bob.react(room.id, 2, "👍");
      assert.deepEqual((await stored(2)).reactions?.map((r) => [r.emoji, r.count]), [
        ["👍", 2],
        ["🎉", 1],
      ]);
      const off = await cli(["react", room.name, "2", "🎉", "--off", "--json"]);
      assert.equal(off.code, 0, off.stderr);
      assert.deepEqual(JSON.parse(off.stdout), { roomId: room.id, seq: 2, emoji: "🎉", on: false });
      assert.deepEqual((await stored(2)).reactions?.map((r) => r.emoji), ["👍"]);
    });

    await t.step("delete leaves a tombstone; twice is fine", async () => {
      const res = await cli(["delete", room.name, "3"]);
      assert.equal(res.code, 0, res.stderr);
      assert.equal(res.stdout, `Deleted #3 in #${room.name}\n`);
      assert.equal((await cli(["delete", room.name, "3"])).code, 0);
      const gone = await stored(3);
      assert.equal(gone.deleted, true);
      assert.equal(gone.text, "");
    });

    await t.step("history shows (edited), reactions, replies and deletes", async () => {
      const text = await cli(["history", room.name]);
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.trimEnd().split("\n");
      const at = (re: RegExp) => lines.findIndex((line) => re.test(line));
      assert.ok(
        at(new RegExp(` #1 ${alice}: who is in tonight\\? \\(edited\\)$`)) >= 0,
        text.stdout,
      );
      assert.ok(at(new RegExp(` #2 ${bobName}: me, from bob \\[👍 2\\*\\]$`)) >= 0, text.stdout);
      assert.ok(at(new RegExp(` #3 ${alice}: \\(message deleted\\)$`)) >= 0, text.stdout);
      const reply = at(new RegExp(` #5 ${alice}: second$`));
      assert.match(lines[reply - 1], /^ +↪ .*: who is in tonight\?$/);
      const json = jsonLines<Message>((await cli(["history", room.id, "--json"])).stdout);
      const bySeq = new Map(json.map((m) => [m.seq, m]));
      assert.equal(typeof bySeq.get(1)!.rev, "number");
      assert.equal(typeof bySeq.get(1)!.editedAt, "number");
      assert.deepEqual(
        bySeq.get(2)!.reactions![0].users.sort(),
        [aliceId, bySeq.get(2)!.userId].sort(),
      );
      assert.equal(bySeq.get(3)!.deleted, true);
      assert.equal(bySeq.get(5)!.replyTo!.seq, 1);
    });

    await t.step("refusals have their exit codes and change nothing", async () => {
      const before = JSON.stringify((await bob.messages(room.id)).messages);
      // bob's message: the server answers 403.
      const others = await cli(["edit", room.name, "2", "hijacked"]);
      assert.equal(others.code, 4, others.stderr);
      assert.match(others.stderr, /^chat: /);
      const othersDelete = await cli(["delete", room.name, "2"]);
      assert.equal(othersDelete.code, 4, othersDelete.stderr);
      // No such message, or a deleted one: 404.
      assert.equal((await cli(["edit", room.name, "999", "x"])).code, 4);
      assert.equal((await cli(["edit", room.name, "3", "back"])).code, 4);
      assert.equal((await cli(["react", room.name, "999", "👍"])).code, 4);
      // Refused before asking the server.
      const word = await cli(["react", room.name, "2", "lol"]);
      assert.equal(word.code, 2);
      assert.equal(word.stderr, 'chat: Emoji must be one emoji: got "lol"\n');
      assert.equal((await cli(["react", room.name, "2", "👍👍"])).code, 2);
      assert.equal((await cli(["react", room.name, "2", ":nope:"])).code, 2);
      const seq = await cli(["edit", room.name, "abc", "x"]);
      assert.equal(seq.code, 2);
      assert.match(seq.stderr, /SEQ must be a message number/);
      assert.equal((await cli(["edit", room.name, "1", " "])).code, 2);
      assert.equal((await cli(["send", room.name, "--reply", "0", "x"])).code, 2);
      // A reply to nothing: the server answers 400.
      const orphan = await cli(["send", room.name, "--reply", "999", "hello?"]);
      assert.equal(orphan.code, 2, orphan.stderr);
      assert.equal((await cli(["react", room.name, "2"])).code, 2);
      assert.equal(JSON.stringify((await bob.messages(room.id)).messages), before);
    });

    await t.step("tail --follow prints what others change as it happens", async () => {
      const json = spawnCli(["tail", room.id, "--follow", "--json", "-n", "3"], {
        config,
        server: server.url,
      });
      const text = spawnCli(["tail", room.id, "--follow", "-n", "1"], {
        config,
        server: server.url,
      });
      try {
        await waitFor("history", () => json.stdout().includes('"seq":5'), 15_000);
        await waitFor("history", () => text.stdout().includes(" #5 "), 15_000);
        // Both are live once a new message reaches them.
        await bob.send(room.id, "sync"); // #6
        await waitFor("live", () => json.stdout().includes('"sync"'), 15_000);
        await waitFor("live", () => text.stdout().includes(": sync"), 15_000);
        await bob.edit(room.id, 2, "me, from bob (edited)");
        await bob.react(room.id, 5, "❤️");
        await bob.send(room.id, "fresh");
        await bob.deleteMessage(room.id, 2);
        // History #3 (deleted before), #4, #5, then #6 and four changes.
        await waitFor("the delete", () => jsonLines(json.stdout()).length === 8, 15_000);
        await waitFor("the delete", () => text.stdout().includes(`deleted #2 from ${bobName}`));
        const lines = jsonLines<Message & { update?: boolean }>(json.stdout());
        assert.deepEqual(
          lines.map((m) => [m.seq, m.update ?? false]),
          [[3, false], [4, false], [5, false], [6, false], [2, true], [5, true], [7, false], [
            2,
            true,
          ]],
        );
        assert.equal(lines[4].text, "me, from bob (edited)");
        assert.deepEqual(lines[5].reactions?.map((r) => r.emoji), ["❤️"]);
        assert.equal(lines[6].text, "fresh");
        const printed = text.stdout().trimEnd().split("\n");
        assert.match(printed[0], /^ +↪ .*: who is in tonight\?$/);
        assert.match(printed[1], new RegExp(` #5 ${alice}: second$`));
        assert.match(
          printed.at(-4)!,
          new RegExp(`^~ \\d\\d:\\d\\d ${bobName} edited #2: me, from bob \\(edited\\)$`),
        );
        assert.match(
          printed.at(-3)!,
          new RegExp(`^~ \\d\\d:\\d\\d reactions on #5 from ${alice}: \\[❤️ 1\\]$`),
        );
        assert.match(printed.at(-2)!, new RegExp(` #7 ${bobName}: fresh$`));
        assert.match(printed.at(-1)!, new RegExp(`^~ \\d\\d:\\d\\d deleted #2 from ${bobName}$`));
      } finally {
        json.process.kill("SIGTERM");
        text.process.kill("SIGTERM");
      }
      assert.equal((await json.done()).code, 0);
      assert.equal((await text.done()).code, 0);
    });
  } finally {
    await server.stop();
    await Deno.remove(config, { recursive: true });
  }
});
