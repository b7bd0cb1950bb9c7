/**
 * @module The sentences both clients (web app and terminal) show for outcomes the
 * server reports as data, so the two say the same thing.
 */

import type { InviteOutcome } from "../protocol/types.ts";

/** "Invitation sent to bob", "bob is already in #plans", "You are already in #plans". */
export function inviteNotice(invite: InviteOutcome, roomLabel: string): string {
  switch (invite.outcome) {
    case "invited":
      return `Invitation sent to ${invite.user.username}`;
    case "already_member":
      return `${invite.user.username} is already in ${roomLabel}`;
    case "self":
      return `You are already in ${roomLabel}`;
  }
}
