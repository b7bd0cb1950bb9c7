/**
 * @module Looking people up: profiles with their presence.
 */

import type { UserProfile } from "../protocol/types.ts";
import { isUsername } from "../protocol/validate.ts";
import type { UserStore } from "../store/users.ts";
import { avatarUrl } from "../store/avatars.ts";
import type { PresenceService } from "../presence/presence.ts";

export class UserService {
  #users: UserStore;
  #presence: PresenceService;

  constructor(users: UserStore, presence: PresenceService) {
    this.#users = users;
    this.#presence = presence;
  }

  async profile(username: string): Promise<UserProfile | null> {
    if (!isUsername(username)) return null;
    const user = await this.#users.byName(username);
    if (!user) return null;
    const state = (await this.#presence.states([user.id])).get(user.id)!;
    const profile: UserProfile = {
      id: user.id,
      username: user.username,
      displayName: user.displayName ?? user.username,
      ...(user.avatar ? { avatarUrl: avatarUrl(user.id, user.avatar) } : {}),
      ...state,
    };
    if (user.deactivatedAt) profile.deactivated = true;
    return profile;
  }

  async usernameOf(userId: string): Promise<string> {
    return (await this.#users.byId(userId))?.username ?? "unknown";
  }
}
