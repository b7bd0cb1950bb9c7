import assert from "node:assert/strict";
import { inviteNotice } from "./notices.ts";
import type { InviteOutcome } from "../protocol/types.ts";

function outcome(kind: InviteOutcome["outcome"]): InviteOutcome {
  return { roomId: "r1", user: { id: "u1", username: "alice" }, outcome: kind };
}

Deno.test("inviteNotice() says what an invitation did", () => {
  assert.equal(inviteNotice(outcome("invited"), "#plans"), "Invitation sent to alice");
  assert.equal(inviteNotice(outcome("already_member"), "#plans"), "alice is already in #plans");
  assert.equal(inviteNotice(outcome("self"), "#plans"), "You are already in #plans");
});
