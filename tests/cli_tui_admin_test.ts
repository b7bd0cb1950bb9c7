/**
 * The interactive client with display names and room administration, driven
 * through tmux: display names in messages, the typing line and `/who`, following
 * a profile change and a new topic live; `/kick` refused for a plain member (the
 * server's message), then, promoted, removing a member whose own client shows the
 * notice and leaves the room.
 */

import assert from "node:assert/strict";
import "../lib/client/admin.ts";
import { ChatSocket } from "../lib/client/client.ts";
import { newUser, waitFor } from "./_clients.ts";
import { cliUser, interactiveCommand } from "./_cli.ts";
import { startServer } from "./_server.ts";
import { requireTmux, rows, Tmux } from "./_tmux.ts";

const SIZE = { columns: 100, rows: 30 };

Deno.test("the interactive client shows display names and runs a room (tmux)", async (t) => {
  await requireTmux();
  const server = await startServer();
  const alice = await newUser(server.url, "alice");
  const aliceName = (await alice.me()).username;
  await alice.updateProfile({ displayName: "Alice Smith" });
  const bob = await cliUser(server.url, "bob");
  const carol = await cliUser(server.url, "carol");
  const team = await alice.createRoom("Team", { topic: "Work things" });
  await bob.api.join(team.id);
  await carol.api.join(team.id);
  await alice.send(team.id, "hello from alice");
  const bobTui = new Tmux();
  const carolTui = new Tmux();
  const aliceSocket = new ChatSocket({ url: alice.wsUrl, token: alice.token });
  try {
    await bobTui.start(interactiveCommand(bob.config, server.url), SIZE);
    await carolTui.start(interactiveCommand(carol.config, server.url), SIZE);
    for (const tui of [bobTui, carolTui]) {
      await tui.waitFor("the room", (s) => rows(s)[0].startsWith(" #Team – Work things"));
    }

    await t.step("messages and the typing line show the display name", async () => {
      const screen = await bobTui.waitFor("alice's message", (s) => s.includes("hello from alice"));
      const line = rows(screen).find((row) => row.includes("hello from alice"))!;
      assert.match(line, /^\d\d:\d\d Alice Smith: hello from alice$/);
      await aliceSocket.ready();
      aliceSocket.typing(team.id);
      await bobTui.waitFor("typing", (s) => rows(s)[28].includes("Alice Smith is typing…"));
    });

    await t.step("/who names everyone fully, with their role", async () => {
      await bobTui.enter("/who");
      const screen = await bobTui.waitFor("the members", (s) => s.includes("-!- #Team: 3 members"));
      const owner = rows(screen).find((row) => row.includes("(@" + aliceName + ")"));
      assert.ok(owner, screen);
      assert.match(owner, new RegExp(`-!- +Alice Smith \\(@${aliceName}\\) +owner +online`));
      assert.ok(
        rows(screen).some((row) => new RegExp(`-!- +${carol.me.username} +member`).test(row)),
      );
    });

    await t.step("a new display name and a new topic show live, no restart", async () => {
      await alice.updateProfile({ displayName: "Ally" });
      const screen = await bobTui.waitFor(
        "the new name",
        (s) => /^\d\d:\d\d Ally: hello from alice$/m.test(s),
      );
      assert.ok(screen.includes(`Alice Smith is now known as Ally (@${aliceName})`), screen);
      assert.ok(!/Alice Smith: hello/.test(screen), "the message shows the name of now");
      await alice.updateRoom(team.id, { topic: "Ship it on Friday" });
      const header = await bobTui.waitFor(
        "the new topic",
        (s) => rows(s)[0].startsWith(" #Team – Ship it on Friday (3 members"),
      );
      assert.ok(header.includes("The topic is now: Ship it on Friday"), header);
    });

    await t.step("/kick from a plain member shows the server's refusal", async () => {
      await bobTui.enter(`/kick ${carol.me.username}`);
      const screen = await bobTui.waitFor(
        "the refusal",
        (s) => s.includes("-!- Only the room's owner or an admin can remove members"),
      );
      assert.ok(!screen.includes("You removed"), screen);
      const { members } = await alice.room(team.id);
      assert.ok(members.some((m) => m.id === carol.me.id), "carol is still in");
    });

    await t.step(
      "promoted, /kick removes carol; her client says so and leaves the room",
      async () => {
        await alice.setRole(team.id, bob.me.id, "admin");
        await bobTui.waitFor("the promotion", (s) => s.includes("You are now an admin of #Team"));
        await bobTui.enter(`/kick @${carol.me.username}`);
        await bobTui.waitFor(
          "done",
          (s) => s.includes(`You removed ${carol.me.username} from #Team`),
        );
        await waitFor("carol is out", async () => {
          const { members } = await alice.room(team.id);
          return !members.some((m) => m.id === carol.me.id);
        });
        const screen = await carolTui.waitFor(
          "the notice",
          (s) => s.includes("You were removed from #Team by its owner or an admin"),
        );
        assert.match(rows(screen)[0], /^ deno-chat – /, "the room's view is left");
        assert.match(rows(screen)[29], /^\[status\]/);
        // Typed now, nothing goes to the room.
        await carolTui.enter("still here?");
        await carolTui.waitFor("refused", (s) => s.includes("No room on screen"));
        const latest = await alice.messages(team.id, { limit: 5 });
        assert.ok(!latest.messages.some((m) => m.text === "still here?"));
      },
    );

    await t.step("/topic from an admin changes the header of everyone", async () => {
      await bobTui.enter("/topic Kicked off");
      await bobTui.waitFor(
        "bob's header",
        (s) => rows(s)[0].startsWith(" #Team – Kicked off (2 members"),
      );
      assert.equal((await alice.room(team.id)).room.topic, "Kicked off");
    });

    await t.step("/quit", async () => {
      await bobTui.enter("/quit");
      await bobTui.waitFor("exit", (s) => s.includes("[exit 0]"));
    });
  } finally {
    aliceSocket.close();
    await bobTui.kill();
    await carolTui.kill();
    await server.stop();
    await Deno.remove(bob.config, { recursive: true });
    await Deno.remove(carol.config, { recursive: true });
  }
});
