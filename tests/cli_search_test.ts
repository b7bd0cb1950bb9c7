/**
 * Search in the terminal client, against the real server: the scriptable
 * `chat search` (text with the matches marked, `--json`, exit 6 when nothing
 * matches, 2 for a query refused, `--limit` and `--all` following the pages), and
 * the interactive `/search` driven through tmux (the results, Enter jumping to an
 * old message in its room, marked and on screen, Esc, `/goto` with Tab).
 */

import assert from "node:assert/strict";
import type { ChatApi } from "../lib/client/client.ts";
import type { Message, Room } from "../lib/protocol/types.ts";
import { newUser, waitFor } from "./_clients.ts";
import { CLI_PERMISSIONS, cliUser, runCli, shellQuote, tempConfig } from "./_cli.ts";
import { startServer } from "./_server.ts";
import { requireTmux, rows, Tmux } from "./_tmux.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** Enough sends for the pages of these tests without waiting for the rate limit. */
const SERVER_ENV = { SEND_RATE_BURST: "1000", SEND_RATE_PER_SEC: "1000" };

interface Result {
  room: Room;
  message: Message;
  highlights: Array<[number, number]>;
}

function jsonLines<T>(stdout: string): T[] {
  return stdout.trim().split("\n").filter(Boolean).map((line) => JSON.parse(line));
}

function lines(stdout: string): string[] {
  return stdout.trim().split("\n").filter(Boolean);
}

/** Indexing may lag delivery: waits until the server finds `count` results of `q`. */
async function indexed(api: ChatApi, q: string, count: number): Promise<void> {
  await waitFor(`"${q}" indexed`, async () => {
    let found = 0;
    let cursor: string | undefined;
    do {
      const page = await api.search(q, { limit: 50, ...(cursor ? { cursor } : {}) });
      found += page.results.length;
      cursor = page.nextCursor;
    } while (cursor && found <= count);
    return found === count;
  }, 15_000);
}

Deno.test("chat search finds messages, prints them or their JSON, and pages", async (t) => {
  const server = await startServer({ env: SERVER_ENV });
  const alice = await newUser(server.url, "alice");
  const aliceName = (await alice.me()).username;
  const bob = await cliUser(server.url, "bob");
  const team = await alice.createRoom("Team");
  const club = await alice.createRoom("Book club");
  await bob.api.join(team.id);
  await bob.api.join(club.id);
  const secret = await alice.createRoom("Secret", { kind: "private" });
  try {
    const first = await alice.send(team.id, "Who has read Dune?");
    await alice.send(team.id, "nothing to see here");
    const second = await bob.api.send(club.id, "the dune sequel is out");
    await alice.send(secret.id, "dune spoilers, not for bob");
    await indexed(bob.api, "dune", 2);

    await t.step("a match is a line: room, #seq, who, when, the text, newest first", async () => {
      const out = await bob.cli(["search", "dune"]);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stderr, "");
      const [newest, oldest, ...rest] = lines(out.stdout);
      assert.deepEqual(rest, [], out.stdout);
      // Not a terminal: the matches between stars.
      assert.match(
        newest,
        new RegExp(
          `^#Book club +#${second.seq} +${bob.me.username} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d +the \\*dune\\* sequel is out$`,
        ),
      );
      assert.match(
        oldest,
        new RegExp(`^#Team +#${first.seq} +${aliceName} +\\d{4}-.* Who has read \\*Dune\\*\\?$`),
      );
      assert.ok(!out.stdout.includes("spoilers"), "a room I am not in is not searched");
    });

    await t.step("--json prints {room, message, highlights} per line", async () => {
      const out = await bob.cli(["search", "dune", "--json"]);
      assert.equal(out.code, 0, out.stderr);
      const results = jsonLines<Result>(out.stdout);
      assert.deepEqual(results.map((r) => [r.room.id, r.message.seq]), [
        [club.id, second.seq],
        [team.id, first.seq],
      ]);
      for (const { message, highlights } of results) {
        assert.ok(highlights.length > 0, JSON.stringify(highlights));
        for (const [start, end] of highlights) {
          assert.equal(message.text.slice(start, end).toLowerCase(), "dune");
        }
      }
    });

    await t.step("operators narrow the search", async () => {
      const out = await bob.cli(["search", `from:${aliceName}`, "dune", "--json"]);
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(jsonLines<Result>(out.stdout).map((r) => r.message.seq), [first.seq]);
      const quoted = await bob.cli(["search", '"has read"', "--json"]);
      assert.equal(quoted.code, 0, quoted.stderr);
      assert.deepEqual(jsonLines<Result>(quoted.stdout).map((r) => r.room.id), [team.id]);
      const excluded = await bob.cli(["search", "--json", "--", "dune", "-sequel"]);
      assert.equal(excluded.code, 0, excluded.stderr);
      assert.deepEqual(jsonLines<Result>(excluded.stdout).map((r) => r.room.id), [team.id]);
    });

    await t.step("nothing found is exit 6, with nothing on stdout", async () => {
      const out = await bob.cli(["search", "zanzibarquux"]);
      assert.equal(out.code, 6);
      assert.equal(out.stdout, "");
      assert.equal(out.stderr, 'chat: No messages match: "zanzibarquux"\n');
      const json = await bob.cli(["search", "zanzibarquux", "--json"]);
      assert.equal(json.code, 6);
      assert.equal(json.stdout, "");
      // A user who does not exist: no results, not an error.
      const nobody = await bob.cli(["search", "from:nobodyatall", "dune"]);
      assert.equal(nobody.code, 6, nobody.stderr);
    });

    await t.step("an empty or refused query is a usage error (exit 2)", async () => {
      const empty = await bob.cli(["search", ""]);
      assert.equal(empty.code, 2);
      assert.match(empty.stderr, /^chat: Search needs a query/);
      const blank = await bob.cli(["search", "  ", " "]);
      assert.equal(blank.code, 2);
      const none = await bob.cli(["search"]);
      assert.equal(none.code, 2);
      assert.match(none.stderr, /usage: chat search QUERY/);
      // Refused by the server (400): its reason, exit 2.
      const date = await bob.cli(["search", "before:2026-13-45"]);
      assert.equal(date.code, 2, date.stderr);
      assert.match(date.stderr, /^chat: .*2026-13-45/);
      const exclusion = await bob.cli(["search", "dune", "-sequel"]);
      assert.equal(exclusion.code, 2);
      assert.match(exclusion.stderr, /quote the whole query \('dune -sequel'\) or put -- before/);
      const both = await bob.cli(["search", "dune", "--all", "-n", "3"]);
      assert.equal(both.code, 2);
      assert.match(both.stderr, /--all and --limit do not go together/);
    });

    await t.step("--limit and --all follow the pages, newest first, each once", async () => {
      const total = 63;
      for (let i = 1; i <= total; i++) await alice.send(team.id, `paging item ${i}`);
      await indexed(bob.api, "paging", total);
      const byDefault = await bob.cli(["search", "paging", "--json"]);
      assert.equal(byDefault.code, 0, byDefault.stderr);
      assert.equal(jsonLines(byDefault.stdout).length, 20);
      const limited = await bob.cli(["search", "paging", "-n", "55", "--json"]);
      assert.equal(jsonLines(limited.stdout).length, 55, "more than one page");
      const all = await bob.cli(["search", "paging", "--all", "--json"]);
      assert.equal(all.code, 0, all.stderr);
      const seqs = jsonLines<Result>(all.stdout).map((r) => r.message.seq);
      assert.equal(seqs.length, total);
      assert.equal(new Set(seqs).size, total);
      assert.deepEqual(seqs, [...seqs].sort((a, b) => b - a), "newest first");
      const text = await bob.cli(["search", "paging", "--all"]);
      assert.equal(lines(text.stdout).length, total);
      assert.match(lines(text.stdout)[0], new RegExp(`\\*paging\\* item ${total}$`));
    });

    await t.step("not logged in is exit 3", async () => {
      const config = await tempConfig();
      const out = await runCli(["search", "dune"], { config, server: server.url });
      assert.equal(out.code, 3);
      await Deno.remove(config, { recursive: true });
    });
  } finally {
    await server.stop();
    await Deno.remove(bob.config, { recursive: true });
  }
});

Deno.test("the interactive client searches, jumps to an old message, and goes to rooms (tmux)", async (t) => {
  await requireTmux();
  const server = await startServer({ env: SERVER_ENV });
  const alice = await newUser(server.url, "alice");
  const aliceName = (await alice.me()).username;
  const bob = await cliUser(server.url, "bob");
  const team = await alice.createRoom("Team");
  const lobby = await alice.createRoom("Lobby");
  await bob.api.join(team.id);
  await bob.api.join(lobby.id);
  // An old message, far behind the 50 the client loads first.
  await alice.send(team.id, "first of all");
  const old = await alice.send(team.id, "the zanzibar plan is on");
  for (let i = 1; i <= 120; i++) await alice.send(team.id, `filler message ${i}`);
  await alice.send(lobby.id, "welcome to the lobby, zanzibar fans");
  // Farther back than the client fetches to reach a message: it loads around it.
  const archive = await alice.createRoom("Archive");
  await bob.api.join(archive.id);
  await alice.send(archive.id, "the xylophone budget");
  const batch = Array.from({ length: 1_100 }, (_, i) => `archived note ${i + 1}`);
  for (const text of batch) await alice.send(archive.id, text);
  await indexed(bob.api, "zanzibar", 2);
  await indexed(bob.api, "xylophone", 1);
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
    await tmux.waitFor("online", (s) => / │ online │ /.test(s));
    await tmux.enter("/join lobby");
    await tmux.waitFor("the lobby", (s) => rows(s)[0].startsWith(" #Lobby"));

    await t.step("/search shows the results in place of the room, newest first", async () => {
      await tmux.enter("/search zanzibar");
      const screen = await tmux.waitFor(
        "results",
        (s) => rows(s)[0].startsWith(' Search "zanzibar": 2 results'),
      );
      const list = rows(screen);
      assert.match(list[1], /^> \d{4}-\d\d-\d\d \d\d:\d\d #Lobby .*welcome to the lobby, zanzibar/);
      assert.match(
        list[2],
        new RegExp(`^  .* #Team +#${old.seq} +${aliceName}: the zanzibar plan`),
      );
      assert.match(list[28], /^ \(search\) │ online/);
      assert.match(list[29], /^\[search\]/);
      assert.ok(!screen.includes("-!- "), "the room's transcript is not drawn");
    });

    await t.step("↓ then Enter jumps to the old message in its room, marked", async () => {
      await tmux.press("Down");
      await tmux.waitFor("selected", (s) => rows(s)[2].startsWith("> "));
      await tmux.press("Enter");
      const screen = await tmux.waitFor(
        "the jump",
        (s) => rows(s)[0].startsWith(" #Team") && s.includes("the zanzibar plan is on"),
      );
      const marked = rows(screen).find((row) => row.includes("the zanzibar plan is on"))!;
      assert.match(marked, new RegExp(`^> \\d\\d:\\d\\d ${aliceName}: the zanzibar plan is on`));
      assert.ok(screen.includes("first of all"), "the history around it is loaded");
      assert.match(rows(screen)[28], /more below: PgDn/);
      assert.match(rows(screen)[29], /^\[#Team\]/);
    });

    await t.step("/search alone shows the results again; Esc returns", async () => {
      await tmux.enter("/search");
      await tmux.waitFor("again", (s) => rows(s)[0].startsWith(' Search "zanzibar"'));
      await tmux.press("Escape");
      await tmux.waitFor("back", (s) => rows(s)[0].startsWith(" #Team"));
    });

    await t.step("a line typed over the results searches again; /back returns", async () => {
      await tmux.enter("/search nosuchwordanywhere");
      await tmux.waitFor("nothing", (s) => s.includes('No messages match "nosuchwordanywhere"'));
      await tmux.enter("filler");
      const screen = await tmux.waitFor(
        "another query",
        (s) => rows(s)[0].startsWith(' Search "filler": 50+ results'),
      );
      assert.match(rows(screen)[1], /^> .*#Team .*filler message 120$/);
      await tmux.enter("/back");
      await tmux.waitFor("back", (s) => rows(s)[0].startsWith(" #Team"));
      // Typed over the results, it was not sent to the room.
      const history = await alice.messages(team.id, { limit: 3 });
      assert.ok(!history.messages.some((m) => m.text === "filler"));
    });

    await t.step(
      "a message far back is shown with the messages around it, the gap said",
      async () => {
        await tmux.enter("/search xylophone");
        await tmux.waitFor("found", (s) => rows(s)[0].startsWith(' Search "xylophone": 1 result'));
        await tmux.press("Enter");
        const screen = await tmux.waitFor(
          "the jump",
          (s) => rows(s)[0].startsWith(" #Archive") && s.includes("the xylophone budget"),
        );
        assert.match(
          rows(screen).find((row) => row.includes("xylophone"))!,
          new RegExp(`^> \\d\\d:\\d\\d ${aliceName}: the xylophone budget$`),
        );
        assert.ok(screen.includes("archived note 1\n"), screen);
        // Ahead of the messages around it, the rest is not held: a notice says so.
        await tmux.press("PageDown");
        await tmux.waitFor(
          "the gap",
          (s) => /-!- ──── 1\d{3} messages not loaded here ────/.test(s),
        );
        await tmux.enter("/goto team");
        await tmux.waitFor("the team", (s) => rows(s)[0].startsWith(" #Team"));
      },
    );

    await t.step("/goto switches rooms by name, completed with Tab", async () => {
      await tmux.type("/goto Lo");
      await tmux.press("Tab");
      await tmux.waitFor("completed", (s) => rows(s)[29].startsWith("[#Team] /goto Lobby"));
      await tmux.press("Enter");
      await tmux.waitFor("the lobby", (s) => rows(s)[0].startsWith(" #Lobby"));
      await tmux.enter("/goto #team");
      await tmux.waitFor("the team", (s) => rows(s)[0].startsWith(" #Team"));
      await tmux.enter("/goto nowhere");
      await tmux.waitFor("refused", (s) => s.includes('Not one of your rooms: "nowhere"'));
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
