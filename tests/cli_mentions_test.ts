/**
 * Mentions, threads and notifications in the terminal client, against the real
 * server: the scriptable `mentions`, `threads`, `thread`, `send --thread` and
 * `tail --follow --mentions`, and the interactive mode driven through tmux (the
 * status bar counting a mention in another room, the bell, `/thread`, `/back`,
 * `/mute`, `/set bell`).
 */

import assert from "node:assert/strict";
import type { ChatApi } from "../lib/client/client.ts";
import type { Message } from "../lib/protocol/types.ts";
import { newUser, waitFor } from "./_clients.ts";
import { CLI_PERMISSIONS, cliUser, shellQuote, spawnCli } from "./_cli.ts";
import { startServer } from "./_server.ts";
import { requireTmux, rows, Tmux } from "./_tmux.ts";

const ROOT = new URL("../", import.meta.url).pathname;

function jsonLines<T>(stdout: string): T[] {
  return stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

/** Waits until a user shows online to another member (their socket is open). */
async function online(api: ChatApi, roomId: string, userId: string): Promise<void> {
  await waitFor("online", async () => {
    const { members } = await api.room(roomId);
    return members.some((m) => m.id === userId && m.online);
  }, 15_000);
}

Deno.test("the scriptable client lists mentions and threads, replies in threads, tails mentions", async (t) => {
  const server = await startServer();
  const alice = await newUser(server.url, "alice");
  const aliceName = (await alice.me()).username;
  const bob = await cliUser(server.url, "bob");
  const team = await alice.createRoom("Team");
  await bob.api.join(team.id);
  let rootSeq = 0;
  try {
    await t.step("alice mentions bob: chat mentions lists it, newest first", async () => {
      await alice.send(team.id, "nothing for bob here");
      const mention = await alice.send(team.id, `@${bob.me.username} can you look at this?`);
      assert.deepEqual(mention.mentions, [bob.me.id]);
      rootSeq = mention.seq;
      const text = await bob.cli(["mentions"]);
      assert.equal(text.code, 0, text.stderr);
      const lines = text.stdout.trim().split("\n");
      assert.equal(lines.length, 1, text.stdout);
      assert.match(lines[0], new RegExp(`^#Team +#${mention.seq} +${aliceName} +\\d{4}-`));
      assert.ok(lines[0].endsWith(`@${bob.me.username} can you look at this?`), lines[0]);
      const json = jsonLines<{ room: { id: string }; message: Message }>(
        (await bob.cli(["mentions", "--json"])).stdout,
      );
      assert.deepEqual(json.map((m) => [m.room.id, m.message.seq]), [[team.id, mention.seq]]);
      const rooms = await bob.cli(["rooms"]);
      assert.match(rooms.stdout, /#Team +public +2 unread, 1 mention/);
    });

    await t.step("send --thread makes a thread reply; thread and threads show it", async () => {
      const sent = await bob.cli(["send", "team", "--thread", `#${rootSeq}`, "on it", "--json"]);
      assert.equal(sent.code, 0, sent.stderr);
      const reply = JSON.parse(sent.stdout) as Message;
      assert.equal(reply.threadRoot, rootSeq);
      assert.equal(reply.alsoInRoom, undefined);
      const page = await alice.thread(team.id, rootSeq);
      assert.equal(page.root.thread?.count, 1);
      assert.deepEqual(page.messages.map((m) => m.text), ["on it"]);
      const said = await bob.cli([
        "send",
        "team",
        "--thread",
        String(rootSeq),
        "--also-in-room",
        "done",
      ]);
      assert.equal(said.code, 0, said.stderr);
      assert.match(said.stdout, new RegExp(`in thread #${rootSeq} \\(and the room\\)`));
      const both = await alice.thread(team.id, rootSeq);
      assert.equal(both.messages.at(-1)?.alsoInRoom, true);
      assert.equal(both.root.thread?.count, 2);

      // Alice answers in the thread: bob follows it (he replied), one unread.
      await alice.send(team.id, "thanks", undefined, { threadRoot: rootSeq });
      const threads = await bob.cli(["threads"]);
      assert.equal(threads.code, 0, threads.stderr);
      assert.match(threads.stdout, new RegExp(`^#Team +#${rootSeq} +3 replies, 1 unread `, "m"));
      const listed = jsonLines<{ root: Message; unread: number }>(
        (await bob.cli(["threads", "--json"])).stdout,
      );
      assert.deepEqual(listed.map((x) => [x.root.seq, x.unread]), [[rootSeq, 1]]);

      const printed = await bob.cli(["thread", "team", String(rootSeq)]);
      assert.equal(printed.code, 0, printed.stderr);
      const lines = printed.stdout.trim().split("\n");
      assert.equal(lines.length, 4, printed.stdout);
      assert.match(
        lines[0],
        new RegExp(`#${rootSeq} .*can you look at this\\? \\[thread: 3 replies`),
      );
      assert.match(lines[1], new RegExp(`: on it \\(in thread #${rootSeq}\\)$`));
      assert.match(lines[3], new RegExp(`: thanks \\(in thread #${rootSeq}\\)$`));
      const history = await bob.cli(["history", "team"]);
      assert.match(history.stdout, new RegExp(`: done \\(in thread #${rootSeq}\\)`));
    });

    await t.step("bad uses are usage errors", async () => {
      const noRoom = await bob.cli(["tail"]);
      assert.equal(noRoom.code, 2);
      assert.match(noRoom.stderr, /usage: chat tail ROOM/);
      const both = await bob.cli(["tail", "team", "--mentions"]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /--mentions takes no ROOM/);
      const also = await bob.cli(["send", "team", "--also-in-room", "x"]);
      assert.equal(also.code, 2);
      assert.match(also.stderr, /--also-in-room needs --thread SEQ/);
      const notRoot = await bob.cli(["send", "team", "--thread", "999", "x"]);
      assert.notEqual(notRoot.code, 0);
    });

    await t.step(
      "tail --follow --mentions prints the mentions that arrive, only those",
      async () => {
        const other = await alice.createRoom("Other");
        await bob.api.join(other.id);
        const follow = spawnCli(["tail", "--follow", "--mentions", "--json"], {
          config: bob.config,
          server: server.url,
        });
        try {
          await online(alice, team.id, bob.me.id);
          // The socket is open; the first catch-up is done once stderr/stdout are quiet:
          // nothing from before it started is printed.
          await alice.send(team.id, "a plain message");
          await alice.send(other.id, `hello @${bob.me.username}, in the other room`);
          await alice.send(team.id, `@${bob.me.username} and one here`);
          await waitFor("two mentions", () => jsonLines(follow.stdout()).length >= 2, 15_000);
          const got = jsonLines<
            { room: { id: string; name: string }; message: Message; reason: string }
          >(
            follow.stdout(),
          );
          assert.deepEqual(got.map((m) => [m.room.name, m.message.text, m.reason]), [
            ["Other", `hello @${bob.me.username}, in the other room`, "mention"],
            ["Team", `@${bob.me.username} and one here`, "mention"],
          ]);
          assert.ok(!follow.stdout().includes("a plain message"));
          assert.ok(!follow.stdout().includes("can you look at this"), "old ones are not new");
        } finally {
          follow.process.kill("SIGTERM");
        }
        const result = await follow.done();
        assert.equal(result.code, 0, result.stderr);

        // As text, one line per mention naming its room; without --follow, the newest.
        const text = await bob.cli(["tail", "--mentions", "-n", "1"]);
        assert.equal(text.code, 0, text.stderr);
        assert.match(
          text.stdout,
          new RegExp(
            `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d #Team #\\d+ ${aliceName}: @${bob.me.username} and one here\\n$`,
          ),
        );
      },
    );
  } finally {
    await server.stop();
    await Deno.remove(bob.config, { recursive: true });
  }
});

Deno.test("tail --follow --mentions resumes after a server restart, missing and repeating nothing", async () => {
  let server = await startServer();
  const alice = await newUser(server.url, "alice");
  const bob = await cliUser(server.url, "bob");
  const team = await alice.createRoom("Team");
  await bob.api.join(team.id);
  const follow = spawnCli(["tail", "--follow", "--mentions"], {
    config: bob.config,
    server: server.url,
  });
  try {
    await online(alice, team.id, bob.me.id);
    await alice.send(team.id, `@${bob.me.username} before`);
    await waitFor("the first", () => follow.stdout().includes(" before"), 15_000);
    await server.stop();
    await waitFor("the drop", () => follow.stderr().includes("Connection lost: reconnecting…"));
    server = await startServer({ port: server.port, kvPath: server.kvPath });
    // Sent as soon as the server is back, before or after the client is: listed by
    // the server when it reconnects, or notified live; printed once either way.
    await alice.send(team.id, `@${bob.me.username} while away`);
    await waitFor("resumed", () => follow.stderr().includes("Reconnected"), 30_000);
    await alice.send(team.id, `@${bob.me.username} after`);
    await waitFor("live again", () => follow.stdout().includes(" after"), 15_000);
    const texts = follow.stdout().trim().split("\n").map((line) => line.split(": ")[1]);
    const name = bob.me.username;
    assert.deepEqual(texts, [`@${name} before`, `@${name} while away`, `@${name} after`]);
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
    await Deno.remove(bob.config, { recursive: true });
  }
});

Deno.test("the interactive client counts mentions, rings, and opens threads (tmux)", async (t) => {
  await requireTmux();
  const server = await startServer();
  const alice = await newUser(server.url, "alice");
  const aliceName = (await alice.me()).username;
  const bob = await cliUser(server.url, "bob");
  const bobName = bob.me.username;
  const team = await alice.createRoom("Team");
  const lobby = await alice.createRoom("Lobby");
  await bob.api.join(team.id);
  await bob.api.join(lobby.id);
  await alice.send(lobby.id, "welcome to the lobby");
  const output = `${bob.config}/pane-output`;
  const tmux = new Tmux();
  const cli = [
    "env",
    `XDG_CONFIG_HOME=${shellQuote(bob.config)}`,
    "TERM=xterm-256color",
    shellQuote(Deno.execPath()),
    "run",
    "--quiet",
    ...CLI_PERMISSIONS,
    "cli/main.ts",
    "--server",
    server.url,
  ].join(" ");
  try {
    await tmux.run(
      "new-session",
      "-d",
      "-s",
      "chat",
      "-x",
      "100",
      "-y",
      "30",
      `cd ${shellQuote(ROOT)} && ${cli}; echo "[exit $?]"; sleep 600`,
    );
    // Everything the client writes to its terminal, escapes and bells included.
    await tmux.run("pipe-pane", "-t", "chat", "-o", `cat >> ${shellQuote(output)}`);
    const bells = async () =>
      [...await Deno.readTextFile(output).catch(() => "")].filter((c) => c === "\x07").length;

    await t.step("bob sits in another room: a mention counts apart, and rings", async () => {
      await tmux.waitFor("online", (s) => / │ online │ /.test(s));
      await tmux.enter("/join lobby");
      await tmux.waitFor("the lobby", (s) => s.includes("welcome to the lobby"));
      await online(alice, team.id, bob.me.id);
      const before = await bells();
      await alice.send(team.id, "just chatting");
      await alice.send(team.id, `@${bobName} can you look at this?`);
      const screen = await tmux.waitFor("the mention", (s) => s.includes("act: #Team(2(1!))"));
      assert.match(rows(screen)[0], /^ #Lobby/);
      await waitFor("the bell", async () => await bells() > before, 10_000);
    });

    let rootSeq = 0;
    await t.step("a root shows its thread's summary, not the replies", async () => {
      const root = await alice.send(team.id, "shall we ship on friday?");
      rootSeq = root.seq;
      await alice.send(team.id, "friday works for me", undefined, { threadRoot: root.seq });
      await tmux.enter("/join team");
      const screen = await tmux.waitFor(
        "the summary",
        (s) => s.includes(`└ 1 reply, last `) && s.includes(`(/thread ${root.seq})`),
      );
      assert.ok(!screen.includes("friday works for me"), screen);
      assert.ok(!screen.includes("act:"), "read once on screen");
    });

    await t.step("/thread N shows the replies; what is typed there is a reply", async () => {
      await tmux.enter(`/thread ${rootSeq}`);
      let screen = await tmux.waitFor("the thread", (s) => s.includes("friday works for me"));
      assert.match(rows(screen)[0], new RegExp(`^ #Team › thread #${rootSeq} by ${aliceName}`));
      assert.ok(screen.includes("──── 1 reply ────"));
      assert.ok(!screen.includes("just chatting"), "the room's messages are not in the thread");
      assert.match(rows(screen)[29], new RegExp(`^\\[#Team › #${rootSeq}\\]`));
      await tmux.enter("me too");
      await waitFor("the reply", async () => {
        const page = await alice.thread(team.id, rootSeq);
        return page.messages.some((m) => m.text === "me too" && m.threadRoot === rootSeq);
      });
      // Live: a reply of alice's shows in the thread at once.
      await alice.send(team.id, "great, friday it is", undefined, { threadRoot: rootSeq });
      screen = await tmux.waitFor("live reply", (s) => s.includes("great, friday it is"));
      assert.ok(screen.includes(`${bobName}: me too`));
      // Opened and on screen: the thread is read.
      await waitFor("read", async () => {
        const mine = (await bob.api.threads()).find((x) => x.root.seq === rootSeq);
        return mine?.unread === 0;
      });
    });

    await t.step("/back returns to the room", async () => {
      await tmux.enter("/back");
      const screen = await tmux.waitFor(
        "the room",
        (s) => s.includes("└ 3 replies, last ") && s.includes("just chatting"),
      );
      assert.match(rows(screen)[0], /^ #Team/);
      assert.ok(!screen.includes("great, friday it is"));
      assert.match(rows(screen)[29], /^\[#Team\]$/);
    });

    await t.step("/mute and /unmute change my settings, shown in the title", async () => {
      await tmux.enter("/mute");
      await tmux.waitFor("muted", (s) => rows(s)[0].startsWith(" #Team [muted]"));
      assert.equal((await bob.api.settings(team.id)).muted, true);
      await tmux.enter("/notify mentions");
      await tmux.waitFor(
        "level",
        (s) => rows(s)[0].startsWith(" #Team [muted] [notify: mentions]"),
      );
      await tmux.enter("/unmute");
      await tmux.waitFor("unmuted", (s) => rows(s)[0].startsWith(" #Team [notify: mentions]"));
      assert.deepEqual(await bob.api.settings(team.id), {
        muted: false,
        notify: "mentions",
        notifyDefault: false,
      });
    });

    await t.step("/set bell off is saved, and silences the bell", async () => {
      await tmux.enter("/set bell off");
      await tmux.waitFor("saved", (s) => s.includes("No bell"));
      const saved = JSON.parse(await Deno.readTextFile(`${bob.config}/deno-chat/config.json`));
      assert.equal(saved.bell, false);
      await tmux.enter("/join lobby");
      await tmux.waitFor("the lobby", (s) => rows(s)[0].startsWith(" #Lobby"));
      const before = await bells();
      await alice.send(team.id, `@${bobName} once more`);
      await tmux.waitFor("counted", (s) => s.includes("act: #Team(1!)"));
      await new Promise((resolve) => setTimeout(resolve, 500));
      assert.equal(await bells(), before);
    });

    await t.step("/quit", async () => {
      await tmux.enter("/quit");
      await tmux.waitFor("exit", (s) => s.includes("[exit 0]"));
    });
  } finally {
    await tmux.kill();
    await server.stop();
    await Deno.remove(bob.config, { recursive: true });
  }
});
