import assert from "node:assert/strict";
import { complete } from "./complete.ts";

const C = {
  commands: ["join", "logout", "login", "leave"],
  rooms: ["general", "games", "random"],
  users: ["alice", "albert", "bob"],
};

Deno.test("complete() finishes a command name after /", () => {
  assert.deepEqual(complete("/jo", C), { text: "/join ", matches: [] });
  assert.deepEqual(complete("/lo", C), { text: "/log", matches: ["/login", "/logout"] });
  assert.equal(complete("/zz", C), undefined);
});

Deno.test("complete() offers room names after /join and users after /dm", () => {
  assert.deepEqual(complete("/join ra", C), { text: "/join random ", matches: [] });
  assert.deepEqual(complete("/join g", C), { text: "/join g", matches: ["games", "general"] });
  assert.deepEqual(complete("/dm B", C), { text: "/dm bob ", matches: [] });
});

Deno.test("complete() addresses a user at the start of a line", () => {
  assert.deepEqual(complete("bo", C), { text: "bob: ", matches: [] });
  assert.deepEqual(complete("hi @bo", C), { text: "hi @bob ", matches: [] });
  assert.deepEqual(complete("al", C), { text: "al", matches: ["albert", "alice"] });
  assert.equal(complete("hi ", C), undefined);
});

Deno.test("complete() offers emoji shortcodes after /react, keeping a dash", () => {
  assert.deepEqual(complete("/react 2 :tad", C), { text: "/react 2 :tada: ", matches: [] });
  assert.deepEqual(complete("/react -:+", C), { text: "/react -:+1: ", matches: [] });
  const many = complete("/unreact :th", C)!;
  assert.equal(many.text, "/unreact :th");
  assert.deepEqual(many.matches, [":thinking:", ":thumbsdown:", ":thumbsup:"]);
  assert.equal(complete("/react 1 :zzz", C), undefined);
  // Not a shortcode: usernames as anywhere else.
  assert.deepEqual(complete("/react bo", C), { text: "/react bob ", matches: [] });
});
