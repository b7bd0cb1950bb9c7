/**
 * @module Seeding a KV file for the bench, before the server starts, through the
 * project's own store modules (so the keys are exactly what the server writes).
 *
 * Registering 10,000 users over HTTP would cost 10,000 argon2id hashes (minutes of
 * CPU) and measure nothing the bench is about; instead every seeded user shares one
 * real argon2id hash of {@linkcode BENCH_PASSWORD} (so logging in over HTTP works and
 * costs what it costs) and gets a session token minted the way the server does.
 */

import { hashPassword } from "../lib/auth/_argon2.ts";
import { hashToken } from "../lib/auth/auth.ts";
import { newId, openKv } from "../lib/store/kv.ts";
import { BATCH_MAX_MESSAGES, MessageStore, type NewMessage } from "../lib/store/messages.ts";
import { RoomStore } from "../lib/store/rooms.ts";
import { type SessionRecord, UserStore } from "../lib/store/users.ts";

export const BENCH_PASSWORD = "bench-password-1";

export interface SeededUser {
  id: string;
  username: string;
  token: string;
}

export interface SeededRoom {
  id: string;
  /** Indexes into `users`. */
  members: number[];
}

export interface Seeded {
  kvPath: string;
  users: SeededUser[];
  rooms: SeededRoom[];
  /**
   * The server's admin (ours only): registered first, so the store makes it the
   * admin; in no room. Reads `GET /api/admin/stats` (load/server_stats.ts).
   */
  admin?: SeededUser;
}

export interface SeedPlan {
  /** Users placed in rooms, `roomSize` per room, in order. */
  users: number;
  roomSize: number;
  /** Users in no room (logins, probes). */
  loose?: number;
  /** Messages stored in a room before the server starts (history). */
  messages?: number;
  /** Which room (its index) holds them: the first unless said. */
  messagesIn?: number;
}

let sharedHash: Promise<string> | undefined;

/** A fresh KV file in a temp dir. */
export async function tempKvPath(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "chat-bench-" });
  return `${dir}/chat.db`;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Users 0…users−1 in consecutive rooms of `roomSize` (the last may be smaller). */
function planRooms(plan: SeedPlan): SeededRoom[] {
  const rooms: SeededRoom[] = [];
  for (let start = 0; start < plan.users; start += plan.roomSize) {
    const members = Array.from(
      { length: Math.min(plan.roomSize, plan.users - start) },
      (_, j) => start + j,
    );
    rooms.push({ id: newId(), members });
  }
  return rooms;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

/** Seeds users with sessions, public rooms of `roomSize`, and optional history. */
export async function seed(plan: SeedPlan, kvPath?: string): Promise<Seeded> {
  const path = kvPath ?? await tempKvPath();
  sharedHash ??= hashPassword(BENCH_PASSWORD);
  const hash = await sharedHash;
  const kv = await openKv(path);
  try {
    const userStore = new UserStore(kv);
    const roomStore = new RoomStore(kv);
    const now = Date.now();
    const total = plan.users + (plan.loose ?? 0);
    const users: SeededUser[] = new Array(total);
    const prefix = newId().slice(0, 4);
    const register = async (username: string): Promise<SeededUser> => {
      const user = await userStore.create(username, hash, now);
      const token = base64url(crypto.getRandomValues(new Uint8Array(32)));
      const session: SessionRecord = {
        id: newId(),
        userId: user.id,
        createdAt: now,
        lastUsedAt: now,
        expiresAt: now + 7 * 24 * 3600_000,
        idleExpiresAt: now + 7 * 24 * 3600_000,
      };
      await userStore.createSession(await hashToken(token), session);
      return { id: user.id, username: user.username, token };
    };
    // Alone and first: the first account registered is the server's admin.
    const admin = await register(`b${prefix}_admin`);
    await pool(Array.from({ length: total }, (_, i) => i), 32, async (i) => {
      users[i] = await register(`b${prefix}_${i}`);
    });
    const rooms = planRooms(plan);
    await pool(rooms, 16, async (room, r) => {
      await roomStore.create({
        id: room.id,
        name: `bench ${r}`,
        topic: "",
        kind: "public",
        createdAt: now,
        createdBy: users[room.members[0]].id,
      });
      for (const m of room.members.slice(1)) {
        await roomStore.addMember(room.id, users[m].id, "member", now);
      }
    });
    const history = rooms[plan.messagesIn ?? 0];
    if (plan.messages && history) {
      await seedMessages(kv, history.id, users[history.members[0]], plan.messages);
    }
    return { kvPath: path, users, rooms, admin };
  } finally {
    kv.close();
  }
}

/** Stores `count` ~100-byte messages in a room, a full batch per commit. */
async function seedMessages(kv: Deno.Kv, roomId: string, user: SeededUser, count: number) {
  const store = new MessageStore(kv);
  const pad = "x".repeat(90);
  for (let done = 0; done < count;) {
    const batch: NewMessage[] = [];
    for (let i = 0; i < BATCH_MAX_MESSAGES && done + i < count; i++) {
      batch.push({ userId: user.id, username: user.username, text: `seed ${done + i} ${pad}` });
    }
    const stored = await store.tryCommit(roomId, batch, Date.now());
    if (!stored) throw new Error("Seeding messages conflicted: nothing else should write");
    done += batch.length;
  }
}

/**
 * The same shape without KV, for the peers (no accounts, no storage): ids and
 * names only, rooms of `roomSize` in order.
 */
export function fakeSeed(plan: SeedPlan): Seeded {
  const total = plan.users + (plan.loose ?? 0);
  const users = Array.from({ length: total }, (_, i) => ({
    id: `u${i}`,
    username: `user_${i}`,
    token: "",
  }));
  const rooms = planRooms(plan);
  return { kvPath: "", users, rooms };
}
