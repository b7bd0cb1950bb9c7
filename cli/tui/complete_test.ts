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

Deno.test("complete() completes local paths after /upload, escaped, case-sensitively", () => {
  const files = ["~/Documents/", "~/Downloads/", "my\\ report.pdf", "notes.txt"];
  const paths = (typed: string) => files.filter((f) => f.startsWith(typed));
  const P = { ...C, paths };
  assert.deepEqual(complete("/upload no", P), { text: "/upload notes.txt ", matches: [] });
  assert.deepEqual(complete("/upload my", P), { text: "/upload my\\ report.pdf ", matches: [] });
  // A directory ends with / and no space, to go on typing in it.
  assert.deepEqual(complete("/upload ~/Doc", P), { text: "/upload ~/Documents/", matches: [] });
  assert.deepEqual(complete("/upload ~/D", P), {
    text: "/upload ~/Do",
    matches: ["Documents/", "Downloads/"],
  });
  assert.equal(complete("/upload zz", P), undefined);
  // The caption after the path completes names as anywhere else.
  assert.deepEqual(complete("/upload notes.txt for al", P), {
    text: "/upload notes.txt for al",
    matches: ["albert", "alice"],
  });
  assert.deepEqual(complete("/up", { ...P, commands: ["upload"] }), {
    text: "/upload ",
    matches: [],
  });
});

Deno.test("complete() finishes the whole name of one of my rooms after /goto", () => {
  const mine = { ...C, myRooms: ["Book club", "Books", "general", "@bob"] };
  assert.deepEqual(complete("/goto gen", mine), { text: "/goto general", matches: [] });
  assert.deepEqual(complete("/goto #GEN", mine), { text: "/goto general", matches: [] });
  assert.deepEqual(complete("/goto book c", mine), { text: "/goto Book club", matches: [] });
  assert.deepEqual(complete("/goto bo", mine), {
    text: "/goto Book",
    matches: ["Book club", "Books"],
  });
  assert.deepEqual(complete("/goto @b", mine), { text: "/goto @bob", matches: [] });
  assert.equal(complete("/goto zz", mine), undefined);
  // Rooms I am not in (the directory) are for /join.
  assert.equal(complete("/goto random", mine), undefined);
});
