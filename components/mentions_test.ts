import assert from "node:assert/strict";
import { mentionNames, mentionsMe } from "./mentions.ts";

Deno.test("mentionsMe() is true for my name, @room, and an @here I got live; never my own", () => {
  const by = (mentions: string[], mentionsAll?: "room" | "here") => ({
    userId: "u1",
    mentions,
    mentionsAll,
  });
  assert.ok(mentionsMe(by(["u2"]), "u2"));
  assert.ok(!mentionsMe(by(["u3"]), "u2"));
  assert.ok(mentionsMe(by([], "room"), "u2"));
  assert.ok(!mentionsMe(by([], "here"), "u2"));
  assert.ok(mentionsMe(by([], "here"), "u2", true));
  assert.ok(!mentionsMe(by(["u1"], "room"), "u1"));
  assert.ok(!mentionsMe({ userId: "u1" }, "u2", true));
});

Deno.test("mentionNames() lists the members mentioned by name, lowercase, and @room/@here", () => {
  const names = { u2: "Bob", u3: "cy" };
  assert.deepEqual(
    [...mentionNames({ userId: "u1", mentions: ["u2", "u9"], mentionsAll: "here" }, names)],
    ["bob", "here"],
  );
  assert.equal(mentionNames({ userId: "u1" }, names).size, 0);
});
