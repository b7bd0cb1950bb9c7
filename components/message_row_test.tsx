import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { UTC_CLOCK } from "./clock.ts";
import { continuesRun, GROUP_WINDOW_MS, MessageRow, reactedBy, timeAgo } from "./message_row.tsx";

const at = Date.UTC(2025, 2, 14, 9, 5);
const message = { seq: 7, userId: "u1", username: "ada", text: "hi", createdAt: at };
const clock = { locale: "en-US", timeZone: "Asia/Kolkata" };

Deno.test("continuesRun() groups one author's messages close in time, on one day", () => {
  const next = { ...message, seq: 8, createdAt: at + 1000 };
  assert.ok(continuesRun(message, next, clock));
  assert.ok(!continuesRun(undefined, next, clock));
  assert.ok(!continuesRun(message, { ...next, userId: "u2" }, clock));
  assert.ok(!continuesRun(message, { ...next, createdAt: at + GROUP_WINDOW_MS }, clock));
  // 18:29 and 18:31 UTC are two days in Kolkata (23:59 and 00:01).
  const late = { ...message, createdAt: Date.UTC(2025, 2, 14, 18, 29) };
  const early = { ...late, createdAt: late.createdAt + 120_000 };
  assert.ok(continuesRun(late, early, UTC_CLOCK));
  assert.ok(!continuesRun(late, early, clock));
});

Deno.test("MessageRow shows the author with a bidi-isolated name, or only the text when grouped", () => {
  const full = renderToString(<MessageRow message={message} clock={clock} />);
  assert.match(full, /^<li id="m-7" data-seq="7"/);
  assert.match(
    full,
    /<bdi[^>]*>ada<\/bdi><time datetime="2025-03-14T09:05:00.000Z" title="Friday, March 14, 2025 at 2:35 PM GMT\+5:30"[^>]*>2:35 PM<\/time>/,
  );
  const grouped = renderToString(<MessageRow message={message} clock={clock} grouped />);
  assert.ok(!grouped.includes("<bdi"));
  assert.match(grouped, /<span class="sr-only">ada:<\/span>/);
  // Its time shows on hover, in the gutter.
  assert.match(grouped, /<time [^>]*class="invisible [^"]*group-hover:visible[^>]*>2:35 PM</);
  const failed = renderToString(
    <MessageRow message={{ ...message, seq: 0 }} clock={clock} status="failed" error="limited" />,
  );
  assert.match(failed, /data-status="failed"/);
  assert.ok(!failed.includes("data-seq"));
  assert.match(failed, /Not sent: limited/);
});

Deno.test("MessageRow renders edits, reactions and replies on the server", () => {
  const html = renderToString(
    <MessageRow
      clock={clock}
      me="u2"
      names={{ u1: "ada", u2: "bob" }}
      message={{
        ...message,
        editedAt: at + 60_000,
        reactions: [{ emoji: "👍", count: 2, users: ["u1", "u2"] }, {
          emoji: "🎉",
          count: 1,
          users: ["u9"],
        }],
        replyTo: { seq: 3, userId: "u2", username: "bob", excerpt: "the question" },
      }}
      onReact={() => {}}
    />,
  );
  assert.match(html, /title="Edited Friday, March 14, 2025 at 2:36 PM GMT\+5:30"[^>]*>\(edited\)/);
  assert.match(html, /<a href="#m-3" data-reply-to="3"[^>]*>.*bob.*the question<\/span><\/a>/);
  assert.match(html, /aria-pressed="true" aria-label="👍 2" title="ada, bob"/);
  assert.match(html, /aria-pressed="false" aria-label="🎉 1" title="someone"/);
  // Without handlers (a read-only page) the chips are not buttons.
  const still = renderToString(
    <MessageRow
      clock={clock}
      message={{ ...message, reactions: [{ emoji: "👍", count: 1, users: ["u1"] }] }}
    />,
  );
  assert.ok(!still.includes("<button"));
  assert.match(still, /data-emoji="👍" title="someone"/);
});

Deno.test("a deleted message is a quiet tombstone: no text, reactions or quote", () => {
  const html = renderToString(
    <MessageRow
      clock={clock}
      message={{
        ...message,
        text: "",
        deleted: true,
        reactions: [{ emoji: "👍", count: 1, users: ["u1"] }],
        replyTo: { seq: 3, userId: "u2", username: "bob", excerpt: "x" },
      }}
    />,
  );
  assert.match(html, /data-deleted class=/);
  assert.match(html, />message deleted<\/p>/);
  assert.ok(!/data-text|data-emoji|data-reply-to|\(edited\)/.test(html));
  const reply = renderToString(
    <MessageRow
      clock={clock}
      message={{
        ...message,
        replyTo: { seq: 3, userId: "u2", username: "bob", excerpt: "", deleted: true },
      }}
    />,
  );
  assert.match(reply, /data-reply-to="3".*<span class="italic">message deleted<\/span>/);
});

Deno.test("reactedBy() names members, calls others someone and counts the rest", () => {
  const names = { u1: "ada" };
  assert.equal(reactedBy({ emoji: "👍", count: 2, users: ["u1", "u7"] }, names), "ada, someone");
  assert.equal(
    reactedBy({ emoji: "👍", count: 104, users: ["u1", "u2"] }, names),
    "ada, someone and 102 more",
  );
});

Deno.test("MessageRow bands a message that mentions me, and makes chips of the mentions", () => {
  const names = { u1: "ada", u2: "bob", u3: "cy" };
  const mentioning = {
    ...message,
    text: "@bob and @Cy, not @dee nor `@bob`",
    mentions: ["u2", "u3"],
  };
  const mine = renderToString(
    <MessageRow clock={clock} me="u2" names={names} message={mentioning} />,
  );
  assert.match(mine, /data-mentions-me class="[^"]*border-l-4 border-amber-400/);
  assert.match(mine, /<span data-mention="bob" class="[^"]*font-bold[^"]*">@bob<\/span>/);
  assert.match(mine, /<span data-mention="cy" class="[^"]*font-medium[^"]*">@Cy<\/span>/);
  // A name the server did not count, and code, stay text.
  assert.match(mine, /, not @dee nor <code[^>]*>@bob<\/code>/);
  const theirs = renderToString(
    <MessageRow clock={clock} me="u9" names={names} message={mentioning} />,
  );
  assert.ok(!theirs.includes("data-mentions-me"));
  assert.equal(theirs.match(/data-mention=/g)?.length, 2);
  // @room mentions everyone; my own message never mentions me.
  const room = {
    ...message,
    userId: "u3",
    text: "@room look",
    mentions: [],
    mentionsAll: "room" as const,
  };
  const everyone = renderToString(
    <MessageRow clock={clock} me="u2" names={names} message={room} />,
  );
  assert.match(everyone, /data-mentions-me/);
  assert.match(everyone, /data-mention="room"[^>]*>@room</);
  const own = renderToString(<MessageRow clock={clock} me="u3" names={names} message={room} />);
  assert.ok(!own.includes("data-mentions-me"));
});

Deno.test("MessageRow shows a root's thread summary, linking to the thread", () => {
  const html = renderToString(
    <MessageRow
      clock={clock}
      names={{ u1: "ada", u2: "bob" }}
      message={{
        ...message,
        thread: {
          count: 3,
          lastSeq: 12,
          lastAt: Date.now() - 5 * 60_000,
          users: ["u2", "u1", "u7"],
        },
      }}
    />,
  );
  assert.match(html, /<a href="\?thread=7" data-thread="7"/);
  assert.match(html, />3 replies<\/span>/);
  assert.match(html, /· last reply 5 min ago/);
  // The repliers who are members, as avatars (after the author's own).
  const summary = html.slice(html.indexOf('data-thread="7"'));
  assert.deepEqual([...summary.matchAll(/title="(\w+)" aria-hidden="true"/g)].map((m) => m[1]), [
    "bob",
    "ada",
  ]);
  const reply = renderToString(
    <MessageRow clock={clock} message={{ ...message, threadRoot: 3 }} />,
  );
  assert.match(reply, /href="\?thread=3"[^>]*>Replied in a thread<\/a>/);
});

Deno.test("timeAgo() says how long ago, roughly", () => {
  const now = Date.UTC(2025, 2, 14, 12);
  assert.equal(timeAgo(now - 20_000, now), "just now");
  assert.equal(timeAgo(now - 5 * 60_000, now), "5 min ago");
  assert.equal(timeAgo(now - 3 * 3_600_000, now), "3 h ago");
  assert.equal(timeAgo(now - 30 * 3_600_000, now), "yesterday");
  assert.equal(timeAgo(now - 4 * 86_400_000, now), "4 days ago");
});
