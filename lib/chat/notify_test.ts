import assert from "node:assert/strict";
import type { NotifyReason } from "../protocol/types.ts";
import { allows, BIG_ROOM_MEMBERS, defaultLevel, settingsOf } from "./notify.ts";

Deno.test("defaultLevel(): all for direct and small rooms, mentions past 30 members", () => {
  assert.equal(defaultLevel("direct", 2), "all");
  assert.equal(defaultLevel("public", BIG_ROOM_MEMBERS), "all");
  assert.equal(defaultLevel("private", BIG_ROOM_MEMBERS + 1), "mentions");
  assert.equal(defaultLevel("direct", 5000), "all");
});

Deno.test("settingsOf() fills the default and says whether it is one", () => {
  assert.deepEqual(settingsOf(null, "mentions"), {
    muted: false,
    notify: "mentions",
    notifyDefault: true,
  });
  assert.deepEqual(settingsOf({ muted: true, notify: "all" }, "mentions"), {
    muted: true,
    notify: "all",
    notifyDefault: false,
  });
});

Deno.test("allows(): what each level and mute let through", () => {
  const reasons: NotifyReason[] = ["mention", "direct", "thread", "message"];
  const table = (muted: boolean, notify: "all" | "mentions" | "none") =>
    reasons.filter((r) => allows({ muted, notify, notifyDefault: false }, r));
  assert.deepEqual(table(false, "all"), reasons);
  assert.deepEqual(table(false, "mentions"), ["mention", "direct", "thread"]);
  assert.deepEqual(table(false, "none"), []);
  assert.deepEqual(table(true, "all"), ["mention"]);
  assert.deepEqual(table(true, "mentions"), ["mention"]);
  assert.deepEqual(table(true, "none"), []);
});
