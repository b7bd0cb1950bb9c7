/**
 * @module `tail --mentions --follow`: prints each new message that mentions me, in
 * any of my rooms, as it arrives, until interrupted. It subscribes to nothing: the
 * server sends a `notify` frame to every socket of mine for what should notify me
 * (reason `"mention"` among others), subscribed or not. After a reconnect, what
 * came meanwhile is caught up from `GET /api/mentions` (those by name: an `@room`
 * or `@here` missed while away is not listed there).
 */

import { ChatSocket } from "../../lib/client/socket.ts";
import { ChatError } from "../../lib/errors.ts";
import type { MentionInfo, Message, NotifyReason, Room } from "../../lib/protocol/types.ts";
import type { Context } from "../context.ts";
import { EXIT } from "../errors.ts";
import { mentionsMe } from "../mentions.ts";
import { sanitizeLine } from "../sanitize.ts";

/** What `GET /api/mentions` gives at most. */
export const MENTIONS_MAX = 100;

/** Mentions remembered as printed; beyond it, the oldest are forgotten. */
const SEEN_MAX = 10_000;

/** A mention to print: from a `notify` frame (its reason) or a catch-up (its room). */
export interface ArrivedMention {
  roomId: string;
  message: Message;
  reason?: NotifyReason;
  room?: Room;
}

/**
 * Which notifications are mentions of me, each printed once: an edit that adds a
 * mention notifies again for a message maybe seen already, a catch-up lists what
 * the socket may have brought too.
 */
export class MentionFilter {
  #me: string;
  #seen = new Set<string>();

  constructor(me: string, seen: Iterable<{ roomId: string; message: Message }> = []) {
    this.#me = me;
    for (const { roomId, message } of seen) this.#seen.add(keyOf(roomId, message.seq));
  }

  /** Whether a `notify` frame is a mention of me not printed yet (it is then marked). */
  notify(roomId: string, message: Message, reason?: NotifyReason): boolean {
    const mention = reason === "mention" || mentionsMe(message, this.#me, { live: true });
    return mention && this.#mark(roomId, message.seq);
  }

  /** The mentions of a `GET /api/mentions` answer not printed yet, oldest first (marked). */
  missed(list: MentionInfo[]): MentionInfo[] {
    return list.toReversed().filter(({ room, message }) => this.#mark(room.id, message.seq));
  }

  #mark(roomId: string, seq: number): boolean {
    const key = keyOf(roomId, seq);
    if (this.#seen.has(key)) return false;
    this.#seen.add(key);
    if (this.#seen.size > SEEN_MAX) {
      const oldest = this.#seen.values().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    return true;
  }
}

function keyOf(roomId: string, seq: number): string {
  return `${roomId}\n${seq}`;
}

export interface FollowMentionsOptions {
  token: string;
  me: string;
  /** The mentions there were when it started (printed or not): not new. */
  seen: MentionInfo[];
  /** Prints a mention; calls come one at a time, in order. */
  print(mention: ArrivedMention): Promise<void>;
}

/** Prints new mentions of me as they arrive; never resolves (ends with a signal). */
export function followMentions(ctx: Context, options: FollowMentionsOptions): Promise<void> {
  const socket = new ChatSocket({ url: ctx.api.wsUrl, token: options.token });
  const filter = new MentionFilter(
    options.me,
    options.seen.map(({ room, message }) => ({ roomId: room.id, message })),
  );
  // One at a time: a room name looked up for one must not let the next pass it.
  let queue = Promise.resolve();
  return new Promise<void>((_resolve, reject) => {
    const later = (fn: () => Promise<void>) => {
      queue = queue.then(fn).catch((err) => {
        socket.close();
        reject(err);
      });
    };
    const stop = (code: number) => {
      socket.close();
      Deno.exit(code);
    };
    Deno.addSignalListener("SIGINT", () => stop(EXIT.INTERRUPTED));
    Deno.addSignalListener("SIGTERM", () => stop(EXIT.OK));
    socket.on("notify", ({ roomId, message, reason }) => {
      if (filter.notify(roomId, message, reason)) {
        later(() => options.print({ roomId, message, reason }));
      }
    });
    // Every (re)connection: what came before it (while away, or between the first
    // look and the socket) is listed by the server.
    socket.on("ready", () => {
      later(async () => {
        let list: MentionInfo[];
        try {
          list = await ctx.api.mentions({ limit: MENTIONS_MAX });
        } catch (err) {
          if (err instanceof ChatError && err.code === "unauthorized") throw err;
          ctx.out.warn(`Could not catch up on mentions: ${sanitizeLine((err as Error).message)}`);
          return;
        }
        for (const { room, message } of filter.missed(list)) {
          await options.print({ roomId: room.id, room, message, reason: "mention" });
        }
      });
    });
    let lost = false;
    socket.on("state", (state) => {
      if (state === "reconnecting" && !lost) ctx.out.warn("Connection lost: reconnecting…");
      if (state === "open" && lost) ctx.out.warn("Reconnected");
      if (state === "reconnecting" || state === "open") lost = state === "reconnecting";
    });
    socket.on("sessionEnded", () => {
      socket.close();
      reject(new ChatError("unauthorized", "The session ended"));
    });
  });
}
