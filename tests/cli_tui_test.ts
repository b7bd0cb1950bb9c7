/**
 * The interactive mode of the terminal client, driven through tmux as a person
 * would use it: log in, join a room, send and receive, see unread counts, typing,
 * sanitized hostile text, replies, edits, reactions and deletes both ways, a
 * server restart (typed text is kept, queued sends go out once), a resize,
 * /upload and /download of files, and /quit restoring the terminal.
 */

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { ChatApi, ChatSocket } from "../lib/client/client.ts";
import type { Message } from "../lib/protocol/types.ts";
import { newUser, waitFor } from "./_clients.ts";
import { CLI_PERMISSIONS, credentialsFile, shellQuote, tempConfig } from "./_cli.ts";
import { startServer, type TestServer } from "./_server.ts";
import { requireTmux, Tmux } from "./_tmux.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const PASSWORD = "correct horse battery";

function lines(screen: string): string[] {
  return screen.replace(/\n$/, "").split("\n");
}

Deno.test("the interactive client works in a real terminal (tmux)", async (t) => {
  await requireTmux();
  let server: TestServer = await startServer();
  const config = await tempConfig();
  const downloads = await Deno.makeTempDir({ prefix: "chat-downloads-" });
  const uploads = await Deno.makeTempDir({ prefix: "chat-uploads-" });
  const tmux = new Tmux();
  const alice = await newUser(server.url, "alice");
  const aliceName = (await alice.me()).username;
  const bob = await newUser(server.url, "bob");
  const bobName = (await bob.me()).username;
  const general = await bob.createRoom("General", { topic: "All things" });
  await bob.send(general.id, "welcome, everyone");
  const cli = [
    "env",
    `XDG_CONFIG_HOME=${shellQuote(config)}`,
    `CHAT_DOWNLOAD_DIR=${shellQuote(downloads)}`,
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
    await tmux.start(`cd ${shellQuote(ROOT)} && ${cli}; echo "[exit $?]"; sleep 600`, {
      columns: 100,
      rows: 30,
    });

    await t.step("it starts logged out and says how to log in", async () => {
      const screen = await tmux.waitFor("status line", (s) => s.includes("not logged in"));
      assert.match(screen, /Not logged in: \/login USER or \/register USER/);
      assert.equal(lines(screen).length, 30);
    });

    await t.step(
      "/login asks for the password without echoing it and saves the session",
      async () => {
        await tmux.type(`/login ${aliceName}`);
        await tmux.press("Enter");
        await tmux.waitFor("password prompt", (s) => s.includes(`Password for ${aliceName}:`));
        await tmux.type(PASSWORD);
        const typed = await tmux.screen();
        assert.ok(!typed.includes(PASSWORD), "the password must not be on screen");
        assert.ok(!typed.includes("*".repeat(5)), "not even as stars");
        await tmux.press("Enter");
        const screen = await tmux.waitFor("online", (s) => / │ online │ /.test(s));
        assert.ok(screen.includes(`${aliceName}@127.0.0.1:${server.port}`));
        assert.ok(!screen.includes(PASSWORD));
        const info = await Deno.stat(credentialsFile(config));
        assert.equal(info.mode! & 0o777, 0o600);
      },
    );

    await t.step("/join shows the room with its history", async () => {
      await tmux.type("/join general");
      await tmux.press("Enter");
      const screen = await tmux.waitFor("the room", (s) => s.includes(`${bobName}: welcome`));
      assert.match(lines(screen)[0], /^ #General – All things \(2 members/);
      // (capture-pane drops trailing spaces)
      assert.match(lines(screen)[29], /^\[#General\]$/);
    });

    await t.step("plain text is sent to the room", async () => {
      await tmux.type("hello from tmux ✓");
      await tmux.press("Enter");
      await waitFor(
        "bob sees it",
        async () =>
          (await bob.messages(general.id)).messages.some((m) =>
            m.text === "hello from tmux ✓" && m.username === aliceName
          ),
      );
      await tmux.waitFor("own message", (s) => s.includes(`${aliceName}: hello from tmux ✓`));
    });

    await t.step("messages from others arrive live; typing is shown", async () => {
      const socket = new ChatSocket({ url: bob.wsUrl, token: bob.token });
      try {
        await socket.ready();
        await socket.subscribe(general.id);
        socket.typing(general.id);
        await tmux.waitFor("typing", (s) => s.includes(`${bobName} is typing…`));
        await socket.send(general.id, "hi from bob");
        const screen = await tmux.waitFor(
          "bob's message",
          (s) => s.includes(`${bobName}: hi from bob`),
        );
        assert.ok(!screen.includes("is typing…"), "a message ends the typing indicator");
        await tmux.type("/who");
        await tmux.press("Enter");
        const who = await tmux.waitFor(
          "members",
          (s) => s.includes("#General: 2 members, 2 online"),
        );
        assert.match(who, new RegExp(`${bobName} +owner +online`));
        // Inviting a member says so, rather than "Invitation sent".
        await tmux.type(`/invite ${bobName}`);
        await tmux.press("Enter");
        await tmux.waitFor("not invited", (s) => s.includes(`${bobName} is already in #General`));
      } finally {
        socket.close();
      }
    });

    await t.step("hostile text cannot move the cursor or restyle the terminal", async () => {
      await bob.send(general.id, "\x1b[2J\x1b[H\x1b]0;pwned\x07\x1b[31mred\u202eevil");
      const screen = await tmux.waitFor(
        "escaped",
        (s) => s.includes("^[[2J^[[H^[]0;pwned^G^[[31mredevil"),
      );
      const rows = lines(screen);
      assert.match(rows[0], /^ #General/);
      assert.match(rows[28], /^ #General │ online │/);
    });

    await t.step("other rooms count unread messages", async () => {
      const dm = await bob.dm(aliceName);
      await bob.send(dm.id, "a private word");
      await bob.send(dm.id, "and another");
      // In a direct room every unread message counts as a mention: `!`.
      await tmux.waitFor("unread", (s) => s.includes(`act: @${bobName}(2!)`));
      await tmux.press("C-n");
      const screen = await tmux.waitFor("the dm", (s) => s.includes(`${bobName}: and another`));
      assert.match(lines(screen)[0], new RegExp(`^ @${bobName}`));
      assert.ok(!screen.includes("act:"), "read once on screen");
      await tmux.press("C-p");
      await tmux.waitFor("back", (s) => lines(s)[0].startsWith(" #General"));
    });

    await t.step("/reply, /edit, /react and /delete are seen by another user", async () => {
      const question = await bob.send(general.id, "lunch at noon?");
      await tmux.waitFor("the question", (s) => s.includes(`${bobName}: lunch at noon?`));
      const latest = async () => (await bob.messages(general.id)).messages;
      await tmux.type("/reply 1 count me in");
      await tmux.press("Enter");
      await waitFor("the reply", async () => (await latest()).at(-1)?.text === "count me in");
      const reply = (await latest()).at(-1)!;
      assert.equal(reply.replyTo?.seq, question.seq);
      // The quote shows at once; the line under it loses "(sending…)" with the ack.
      let screen = await tmux.waitFor(
        "the quote above the acknowledged reply",
        (s) => {
          const rows = lines(s);
          const at = rows.findIndex((r) => r.includes(`↪ ${bobName}: lunch at noon?`));
          return at >= 0 && !rows[at + 1]?.includes("(sending…)");
        },
      );
      let rows = lines(screen);
      const quoteRow = rows.findIndex((r) => r.includes(`↪ ${bobName}: lunch at noon?`));
      assert.match(rows[quoteRow + 1], new RegExp(`${aliceName}: count me in$`));
      // /edit alone puts my last message on the input line to be changed.
      await tmux.type("/edit");
      await tmux.press("Enter");
      await tmux.waitFor("loaded", (s) => lines(s)[29] === "[#General] /edit count me in");
      await tmux.type(", and carol too");
      await tmux.press("Enter");
      await waitFor(
        "the edit",
        async () => (await latest()).at(-1)?.text === "count me in, and carol too",
      );
      assert.equal(typeof (await latest()).at(-1)!.editedAt, "number");
      await tmux.waitFor("(edited)", (s) => s.includes(": count me in, and carol too (edited)"));
      await tmux.type("/react 2 :+1:");
      await tmux.press("Enter");
      await waitFor("the reaction", async () => {
        const m = (await latest()).find((m) => m.seq === question.seq);
        return m?.reactions?.[0]?.emoji === "👍" && m.reactions[0].users.includes(reply.userId);
      });
      await tmux.waitFor("mine", (s) => s.includes(`${bobName}: lunch at noon? [👍 1*]`));
      // Changes by the other user show in place, and the quote follows.
      await bob.edit(general.id, question.seq, "lunch at 12:30?");
      await bob.react(general.id, reply.seq, "🎉");
      screen = await tmux.waitFor(
        "bob's changes",
        (s) =>
          s.includes(`${bobName}: lunch at 12:30? (edited) [👍 1*]`) &&
          s.includes(`↪ ${bobName}: lunch at 12:30?`) &&
          s.includes("count me in, and carol too (edited) [🎉 1]"),
      );
      assert.ok(!screen.includes("lunch at noon?"), "the old text is gone from the screen");
      rows = lines(screen);
      assert.equal(rows.filter((r) => r.includes("lunch at 12:30?")).length, 2, screen);
      await bob.deleteMessage(general.id, question.seq);
      await tmux.waitFor(
        "bob's delete",
        (s) =>
          s.includes(`${bobName}: message deleted`) && s.includes(`↪ ${bobName}: message deleted`),
      );
      await tmux.type("/delete");
      await tmux.press("Enter");
      await tmux.waitFor(
        "the question",
        (s) => s.includes("Delete “count me in, and ca…”? (y/N)"),
      );
      await tmux.type("y");
      await tmux.press("Enter");
      await waitFor("my delete", async () => (await latest()).at(-1)?.deleted === true);
      await tmux.waitFor("mine deleted", (s) => s.includes(`${aliceName}: message deleted`));
    });

    await t.step("/upload sends a file, /download saves it byte for byte", async () => {
      const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
      const bytes = new Uint8Array(600_000);
      for (let i = 0; i < bytes.length; i += 65536) {
        crypto.getRandomValues(bytes.subarray(i, i + 65536));
      }
      bytes.set([0, 1, 2, 3], 0);
      await Deno.writeFile(`${uploads}/report 2024.bin`, bytes);
      await tmux.press("C-u");
      // Tab completes the path, escaping its space.
      await tmux.type(`/upload ${uploads}/rep`);
      await tmux.press("Tab");
      await tmux.waitFor("completed", (s) => lines(s)[29].endsWith("report\\ 2024.bin"));
      await tmux.type("the numbers");
      await tmux.press("Enter");
      let sent: Message | undefined;
      await waitFor("the upload", async () => {
        sent = (await bob.messages(general.id)).messages.find((m) => m.text === "the numbers");
        return sent !== undefined;
      });
      assert.equal(sent!.files?.[0].name, "report 2024.bin");
      assert.equal(sent!.files?.[0].sha256, sha256(bytes));
      const marker = `${aliceName}: the numbers [file: report 2024.bin 586 KB /download ${
        sent!.seq
      }]`;
      let screen = await tmux.waitFor("the file marker", (s) => s.includes(marker));
      assert.ok(!screen.includes("↑ report"), "the upload is over");
      await tmux.type(`/download ${sent!.seq}`);
      await tmux.press("Enter");
      await tmux.waitFor(
        "saved",
        (s) => s.includes(`Saved report 2024.bin (586 KB) to ${downloads}/report 2024.bin`),
      );
      assert.equal(sha256(await Deno.readFile(`${downloads}/report 2024.bin`)), sha256(bytes));
      // Again: a new name, the first one is kept.
      await tmux.type(`/download ${sent!.seq}`);
      await tmux.press("Enter");
      await tmux.waitFor("saved again", (s) => s.includes(`${downloads}/report 2024 (1).bin`));
      // Another's message of two files: each has its number.
      const text = new TextEncoder().encode("plain text\n");
      const a = await bob.upload("a.txt", text);
      const b = await bob.upload("second file.txt", new TextEncoder().encode("second\n"));
      const two = await bob.send(general.id, "", undefined, { files: [a.id, b.id] });
      screen = await tmux.waitFor(
        "two markers",
        (s) =>
          s.includes(
            `${bobName}: [file: a.txt 11 B /download ${two.seq} 1] ` +
              `[file: second file.txt 7 B /download ${two.seq} 2]`,
          ),
      );
      await tmux.type(`/download ${two.seq} 2`);
      await tmux.press("Enter");
      await tmux.waitFor("the second", (s) => s.includes(`${downloads}/second file.txt`));
      assert.equal(await Deno.readTextFile(`${downloads}/second file.txt`), "second\n");
      await tmux.type(`/download ${two.seq} 3`);
      await tmux.press("Enter");
      await tmux.waitFor("no third", (s) => s.includes(`Message #${two.seq} has 2 files`));
      const names = [...Deno.readDirSync(downloads)].map((e) => e.name).sort();
      assert.deepEqual(names, ["report 2024 (1).bin", "report 2024.bin", "second file.txt"]);
    });

    await t.step("offline: the status says so, typed text is kept, sends go out once", async () => {
      await server.stop();
      await tmux.waitFor("offline", (s) => s.includes("offline – reconnecting…"));
      await tmux.type("queued while offline");
      await tmux.press("Enter");
      await tmux.type("a draft");
      await tmux.waitFor(
        "queued",
        (s) => s.includes("queued while offline (queued until reconnected)"),
      );
      server = await startServer({ port: server.port, kvPath: server.kvPath });
      await waitFor(
        "delivered after reconnecting",
        async () =>
          (await bob.messages(general.id)).messages.some((m) => m.text === "queued while offline"),
        30_000,
      );
      const screen = await tmux.waitFor("online again", (s) => / │ online │ /.test(s), 30_000);
      assert.match(lines(screen)[29], /^\[#General\] a draft$/);
      await tmux.waitFor("sent", (s) => s.includes(`${aliceName}: queued while offline`));
      const stored = (await bob.messages(general.id)).messages.filter((m) =>
        m.text === "queued while offline"
      );
      assert.equal(stored.length, 1);
    });

    await t.step("the screen follows a resize", async () => {
      await tmux.run("resize-window", "-t", "chat", "-x", "60", "-y", "20");
      const screen = await tmux.waitFor("resized", (s) => {
        const rows = lines(s);
        return rows.length === 20 && rows[18].includes("│ online │") && rows[0].length <= 60;
      });
      for (const row of lines(screen)) assert.ok(row.length <= 60, row);
      assert.match(lines(screen)[19], /^\[#General\] a draft$/);
    });

    await t.step("a session ended elsewhere: queued text goes out after /login", async () => {
      const saved = JSON.parse(await Deno.readTextFile(credentialsFile(config)));
      await new ChatApi(server.url, { token: saved.token }).logout();
      await tmux.waitFor("ended", (s) => s.includes("session ended – /login"));
      await bob.send(general.id, "while you were out");
      // A change to a message on screen, made meanwhile, is caught up too.
      const hi = (await bob.messages(general.id)).messages.find((m) => m.text === "hi from bob")!;
      await bob.edit(general.id, hi.seq, "hi from bob, edited");
      await tmux.press("C-u");
      await tmux.type("typed after the end");
      await tmux.press("Enter");
      await tmux.waitFor("queued", (s) => s.includes("(queued until you log in)"));
      await tmux.type(`/login ${aliceName}`);
      await tmux.press("Enter");
      await tmux.waitFor("password prompt", (s) => s.includes(`Password for ${aliceName}:`));
      await tmux.type(PASSWORD);
      await tmux.press("Enter");
      const screen = await tmux.waitFor(
        "caught up",
        (s) =>
          s.includes(`${bobName}: while you were out`) && s.includes(`${aliceName}: typed after`) &&
          // In place, or reprinted with a marker where it scrolled away.
          s.includes(`${bobName}: hi from bob, edited (edited)`),
      );
      assert.ok(!screen.includes("queued until"));
      const stored = (await bob.messages(general.id)).messages.filter((m) =>
        m.text === "typed after the end"
      );
      assert.equal(stored.length, 1);
    });

    await t.step("/quit leaves and restores the terminal", async () => {
      await tmux.press("C-u");
      await tmux.type("/quit");
      await tmux.press("Enter");
      const screen = await tmux.waitFor("exit", (s) => s.includes("[exit 0]"));
      assert.ok(!screen.includes("│ online │"), "the alternate screen is gone");
    });

    await t.step("the next run reuses the saved session", async () => {
      // An invitation that came while the client was closed is told at start.
      const vault = await bob.createRoom("Vault", { kind: "private" });
      await bob.invite(vault.id, aliceName);
      await tmux.restart(`cd ${shellQuote(ROOT)} && ${cli}; echo "[exit $?]"; sleep 600`, {
        columns: 80,
        rows: 24,
      });
      const screen = await tmux.waitFor("online", (s) => / │ online │ /.test(s));
      assert.ok(screen.includes(`${aliceName}@127.0.0.1:${server.port}`));
      assert.ok(!screen.includes("Password"), "no password asked");
      // The room with the latest activity is opened, its history shown.
      await tmux.waitFor("history", (s) => s.includes(`${aliceName}: queued while offline`));
      await tmux.waitFor("the invitation", (s) => s.includes(`invited to #Vault by @${bobName}`));
      await tmux.press("C-d");
      await tmux.waitFor("exit", (s) => s.includes("[exit 0]"));
    });
  } finally {
    await tmux.kill();
    await server.stop();
    await Deno.remove(config, { recursive: true });
    await Deno.remove(downloads, { recursive: true });
    await Deno.remove(uploads, { recursive: true });
  }
});
