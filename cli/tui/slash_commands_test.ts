import assert from "node:assert/strict";
import {
  parseReactArgs,
  parseSlash,
  restOf,
  runSlash,
  settingsText,
  SLASH_NAMES,
  type SlashContext,
  splitCount,
} from "./slash_commands.ts";

function fakeContext(calls: string[]): SlashContext {
  let settings = { bell: true };
  return {
    session: {} as SlashContext["session"],
    ask: () => Promise.resolve(undefined),
    setInput: (text) => calls.push(`input ${text}`),
    prefs: {
      get: () => settings,
      set: (change) => {
        settings = { ...settings, ...change };
        calls.push(`set ${JSON.stringify(change)}`);
        return Promise.resolve();
      },
    },
    quit: () => calls.push("quit"),
  };
}

Deno.test("parseSlash() splits the command name and its words", () => {
  assert.deepEqual(parseSlash("/JOIN  Book   club "), { name: "join", args: ["Book", "club"] });
  assert.deepEqual(parseSlash("/"), { name: "", args: [] });
});

Deno.test("runSlash() knows every command of the brief and their aliases", async () => {
  for (const name of ["register", "login", "logout", "rooms", "directory", "create", "join"]) {
    assert.ok(SLASH_NAMES.includes(name), name);
  }
  for (
    const name of ["leave", "invite", "dm", "who", "history", "help", "quit", "edit", "delete"]
  ) {
    assert.ok(SLASH_NAMES.includes(name), name);
  }
  const calls: string[] = [];
  await runSlash("/quit", fakeContext(calls));
  await runSlash("/q", fakeContext(calls));
  await runSlash("/EXIT", fakeContext(calls));
  assert.deepEqual(calls, ["quit", "quit", "quit"]);
});

Deno.test("runSlash() refuses unknown commands and missing arguments", async () => {
  const ctx = fakeContext([]);
  await assert.rejects(runSlash("/frobnicate", ctx), /Unknown command: "\/frobnicate"/);
  await assert.rejects(runSlash("/constructor", ctx), /Unknown command/);
  await assert.rejects(runSlash("/join", ctx), /Usage: \/join ROOM/);
  await assert.rejects(runSlash("/dm", ctx), /Usage: \/dm USER/);
});

Deno.test("splitCount() and restOf() read `/edit 2 text` as typed", () => {
  assert.deepEqual(splitCount("2 fixed  text"), { n: 2, text: "fixed  text" });
  assert.deepEqual(splitCount("3"), { n: 3, text: "" });
  assert.deepEqual(splitCount("fixed"), { n: 1, text: "fixed" });
  assert.deepEqual(splitCount("2nd try"), { n: 1, text: "2nd try" });
  assert.deepEqual(splitCount("0 x"), { n: 1, text: "0 x" });
  assert.equal(restOf("/edit  2 one\ntwo "), "2 one\ntwo ");
  assert.equal(restOf("/edit"), "");
});

Deno.test("parseReactArgs() takes [N] EMOJI, a dash taking it back", () => {
  assert.deepEqual(parseReactArgs(["👍"]), { n: 1, emoji: "👍", on: true });
  assert.deepEqual(parseReactArgs(["3", ":tada:"]), { n: 3, emoji: ":tada:", on: true });
  assert.deepEqual(parseReactArgs(["2", "-👍"]), { n: 2, emoji: "👍", on: false });
  assert.deepEqual(parseReactArgs(["👍"], false), { n: 1, emoji: "👍", on: false });
  assert.deepEqual(parseReactArgs(["-"]), { n: 1, emoji: "-", on: true });
  assert.throws(() => parseReactArgs(["1", "👍", "🎉"]), /One emoji at a time/);
});

/** A session that records what the commands ask of it. */
function fakeSession(calls: string[]) {
  const mine = { id: "m4", roomId: "r1", seq: 4, userId: "u1", username: "me", createdAt: 0 };
  return {
    credentials: { token: "t" },
    model: { notice: (text: string) => calls.push(`notice ${text}`) },
    actions: {
      pick: (n: number, options: { mine?: boolean } = {}) => {
        calls.push(`pick ${n}${options.mine ? " mine" : ""}`);
        return { ...mine, text: n === 2 ? "5 apples" : "old text" };
      },
      edit: (m: { seq: number }, text: string) => calls.push(`edit ${m.seq} ${text}`),
      deleteMessage: (m: { seq: number }) => calls.push(`delete ${m.seq}`),
      react: (m: { seq: number }, emoji: string, on: boolean) =>
        calls.push(`react ${m.seq} ${emoji} ${on}`),
      reply: (m: { seq: number }, text: string) => calls.push(`reply ${m.seq} ${text}`),
    },
  } as unknown as SlashContext["session"];
}

Deno.test("/edit, /delete, /react and /reply act on the message N points at", async () => {
  const calls: string[] = [];
  let answer: string | undefined = "y";
  const ctx: SlashContext = {
    ...fakeContext(calls),
    session: fakeSession(calls),
    ask: (question) => {
      calls.push(`ask ${question}`);
      return Promise.resolve(answer);
    },
  };
  await runSlash("/edit 2 new\ntext", ctx);
  await runSlash("/edit", ctx);
  await runSlash("/edit 2", ctx);
  await runSlash("/edit old text", ctx);
  await runSlash("/delete", ctx);
  answer = "n";
  await runSlash("/del 2", ctx);
  await runSlash("/react 3 :+1:", ctx);
  await runSlash("/react -🎉", ctx);
  await runSlash("/unreact 2 👍", ctx);
  await runSlash("/reply 2 sure,\nwhy not", ctx);
  assert.deepEqual(calls, [
    "pick 2 mine",
    "edit 4 new\ntext",
    "pick 1 mine",
    "input /edit old text",
    "pick 2 mine",
    // The count stays: the text starts with a number.
    "input /edit 2 5 apples",
    "pick 1 mine",
    "notice Nothing to change: same text",
    "pick 1 mine",
    "ask Delete “old text”? (y/N) ",
    "delete 4",
    "pick 2 mine",
    "ask Delete “5 apples”? (y/N) ",
    "notice Not deleted",
    "pick 3",
    "react 4 👍 true",
    "pick 1",
    "react 4 🎉 false",
    "pick 2",
    "react 4 👍 false",
    "pick 2",
    "reply 4 sure,\nwhy not",
  ]);
});

Deno.test("/react and /reply refuse what cannot be sent", async () => {
  const ctx: SlashContext = { ...fakeContext([]), session: fakeSession([]) };
  await assert.rejects(runSlash("/react 1 lol", ctx), /Emoji must be one emoji: got "lol"/);
  await assert.rejects(runSlash("/react :nope:", ctx), /Unknown emoji shortcode/);
  await assert.rejects(runSlash("/reply 2", ctx), /Usage: \/reply \[N\] TEXT/);
  await assert.rejects(runSlash("/react", ctx), /Usage: \/react \[N\] EMOJI/);
});

Deno.test("/set bell on|off changes the client's settings; others are refused", async () => {
  const calls: string[] = [];
  const ctx: SlashContext = {
    ...fakeContext(calls),
    session: { model: { notice: (text: string) => calls.push(`notice ${text}`) } } as never,
  };
  await runSlash("/set", ctx);
  await runSlash("/set bell OFF", ctx);
  await runSlash("/set", ctx);
  assert.deepEqual(calls, [
    "notice Settings: bell on (/set bell on|off)",
    'set {"bell":false}',
    "notice No bell",
    "notice Settings: bell off (/set bell on|off)",
  ]);
  await assert.rejects(runSlash("/set bell maybe", ctx), /Usage: \/set bell on\|off/);
  await assert.rejects(runSlash("/set volume 3", ctx), /Usage: \/set bell on\|off/);
});

Deno.test("the thread and notification commands are listed, with their usage", async () => {
  for (const name of ["thread", "back", "also", "mentions", "mute", "unmute", "notify", "set"]) {
    assert.ok(SLASH_NAMES.includes(name), name);
  }
  const ctx = fakeContext([]);
  await assert.rejects(runSlash("/also", ctx), /Usage: \/also TEXT/);
});

Deno.test("settingsText() says what my settings of a room mean", () => {
  assert.equal(
    settingsText("#dev", { muted: false, notify: "mentions" }),
    "#dev: only mentions of you, direct messages and the threads you follow notify you " +
      "(notify mentions)",
  );
  assert.equal(
    settingsText("#dev", { muted: true, notify: "all" }),
    "#dev is muted: no unread count, only mentions of you notify you (notify all)",
  );
  assert.equal(
    settingsText("#dev", { muted: true, notify: "none" }),
    "#dev is muted: no unread count, nothing notifies you (notify none)",
  );
});

Deno.test("findMyRoom() finds my rooms by id, name or @user, and nothing else", async () => {
  const { findMyRoom } = await import("./slash_commands.ts");
  const base = { topic: "", createdAt: 0, lastSeq: 0, lastActivityAt: 0 };
  const rooms = [
    { ...base, id: "r1", name: "Book club", kind: "public" as const },
    { ...base, id: "d1", name: "dm", kind: "direct" as const, peer: { id: "u", username: "Bob" } },
  ];
  assert.equal(findMyRoom(rooms, "#book CLUB")?.id, "r1");
  assert.equal(findMyRoom(rooms, "r1")?.id, "r1");
  assert.equal(findMyRoom(rooms, "@bob")?.id, "d1");
  assert.equal(findMyRoom(rooms, "dm"), undefined, "a direct room goes by its user");
  assert.equal(findMyRoom(rooms, "nope"), undefined);
  assert.ok(SLASH_NAMES.includes("search") && SLASH_NAMES.includes("goto"));
  await assert.rejects(runSlash("/goto", fakeContext([])), /Usage: \/goto ROOM/);
});
