/**
 * @module `tail --follow`: prints a room's new messages, and its changes (edits,
 * deletes, reactions) as they happen, until interrupted, across reconnects and
 * server restarts, missing and repeating nothing.
 */

import { ChatSocket, FrameRequestError } from "../../lib/client/socket.ts";
import { Timeline } from "../../lib/client/timeline.ts";
import { ChatError } from "../../lib/errors.ts";
import { CHANGES_MAX } from "../../lib/protocol/limits.ts";
import { createdRevOf, type Message, revOf } from "../../lib/protocol/types.ts";
import type { Context } from "../context.ts";
import { EXIT } from "../errors.ts";
import { formatUpdate } from "../format.ts";

/** Message states kept to tell what an update changed; beyond it, the oldest go. */
const HELD_MAX = 5_000;
const HELD_KEPT = 1_000;

export interface FollowOptions {
  roomId: string;
  token: string;
  /** The messages printed already (the newest of the room). */
  shown: Message[];
  /** The newest seq printed (or the room's, when none was). */
  lastSeq: number;
  /** Prints a new message. */
  print(message: Message): void;
}

/**
 * What an update prints: `{"update": true, …message}` in JSON, `~` lines in text.
 * `since`: when the follow started (an edit after it is one this follow saw).
 */
export function printUpdate(
  ctx: Context,
  before: Message | undefined,
  after: Message,
  since: number,
): void {
  if (ctx.flags.json) {
    ctx.out.json({ update: true, ...after });
    return;
  }
  for (const line of formatUpdate(before, after, { me: ctx.credentials?.userId, since })) {
    ctx.out.line(line);
  }
}

/**
 * The rules of what to print, apart from the socket: a message newer than the
 * newest printed is printed as new (whichever frame brought it); a newer state of
 * a message already seen is printed as an update; anything else (a replay, an
 * older state) is not printed again.
 */
export class FollowPrinter {
  #held = new Timeline();
  #lastSeq: number;
  #lastRev = 0;
  #print: (message: Message) => void;
  #update: (before: Message | undefined, after: Message) => void;

  constructor(
    shown: Message[],
    lastSeq: number,
    out: {
      print(message: Message): void;
      update(before: Message | undefined, after: Message): void;
    },
  ) {
    this.#held.applyAll(shown);
    this.#lastSeq = lastSeq;
    for (const message of shown) this.#lastRev = Math.max(this.#lastRev, revOf(message));
    this.#print = out.print;
    this.#update = out.update;
  }

  /** The newest seq printed. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** The newest room revision seen: where to catch up from. */
  get lastRev(): number {
    return this.#lastRev;
  }

  /** A `message` frame (or a message of a history page). */
  message(message: Message): void {
    this.#lastRev = Math.max(this.#lastRev, createdRevOf(message));
    if (message.seq > this.#lastSeq) this.#new(message);
  }

  /**
   * An `update` frame, or a state from `GET …/changes`. `quiet`: a change from
   * before the follow started, to a message not printed: kept, not printed.
   */
  update(message: Message, rev = revOf(message), options: { quiet?: boolean } = {}): void {
    this.#lastRev = Math.max(this.#lastRev, rev);
    if (message.seq > this.#lastSeq) return this.#new(message);
    const before = this.#held.get(message.seq);
    if (before && revOf(before) >= revOf(message)) return;
    this.#keep(message);
    if (!before && options.quiet) return;
    this.#update(before, message);
  }

  /**
   * States from `GET …/changes` (ascending by rev, so a new message edited since
   * comes after newer ones): changes to messages seen first, then the new ones in
   * seq order.
   */
  catchUp(messages: Message[], options: { quiet?: boolean } = {}): void {
    const fresh = messages.filter((m) => m.seq > this.#lastSeq).sort((a, b) => a.seq - b.seq);
    for (const message of messages) {
      if (message.seq <= this.#lastSeq) this.update(message, revOf(message), options);
      else this.#lastRev = Math.max(this.#lastRev, revOf(message));
    }
    for (const message of fresh) if (message.seq > this.#lastSeq) this.#new(message);
  }

  #new(message: Message): void {
    this.#lastSeq = message.seq;
    this.#keep(message);
    this.#print(message);
  }

  #keep(message: Message): void {
    this.#held.apply(message);
    if (this.#held.size <= HELD_MAX) return;
    const kept = this.#held.messages().slice(-HELD_KEPT);
    this.#held = new Timeline();
    this.#held.applyAll(kept);
  }
}

/**
 * Prints the room's messages and changes as they come until interrupted. Subscribes
 * from the newest revision printed, so changes to the messages on screen made since
 * they were fetched are not missed; the socket resumes from the last revision after
 * a reconnect. When the server could not replay everything that was missed
 * (`recovered: false`), catches up over `GET …/changes` first.
 */
export function follow(ctx: Context, options: FollowOptions): Promise<void> {
  const { roomId, token } = options;
  const socket = new ChatSocket({ url: ctx.api.wsUrl, token });
  const startedAt = Date.now();
  const printer = new FollowPrinter(options.shown, options.lastSeq, {
    print: options.print,
    update: (before, after) => printUpdate(ctx, before, after, startedAt),
  });
  // Until the first subscription is live, changes to messages not printed are
  // from before the follow started: not news.
  let starting = true;
  let catchingUp: Array<() => void> | undefined;
  const later = (fn: () => void) => catchingUp ? catchingUp.push(fn) : fn();
  return new Promise<void>((_resolve, reject) => {
    // Never resolves: a follow ends with a signal, or fails.
    const stop = (code: number) => {
      socket.close();
      Deno.exit(code);
    };
    Deno.addSignalListener("SIGINT", () => stop(EXIT.INTERRUPTED));
    Deno.addSignalListener("SIGTERM", () => stop(EXIT.OK));
    socket.on("message", (frame) => {
      if (frame.roomId === roomId) later(() => printer.message(frame.message));
    });
    socket.on("update", (frame) => {
      if (frame.roomId !== roomId) return;
      const quiet = starting;
      later(() => printer.update(frame.message, frame.rev, { quiet }));
    });
    socket.on("subscribed", async (frame) => {
      if (frame.roomId !== roomId) return;
      const quiet = starting;
      starting = false;
      if (frame.recovered) return;
      catchingUp = [];
      try {
        const missed: Message[] = [];
        let after = printer.lastRev;
        while (true) {
          const page = await ctx.api.changes(roomId, { sinceRev: after, limit: CHANGES_MAX });
          missed.push(...page.messages);
          if (!page.hasMore || !page.messages.length || page.lastRev <= after) break;
          after = page.lastRev;
        }
        printer.catchUp(missed, { quiet });
      } catch (err) {
        reject(err);
      }
      const buffered = catchingUp;
      catchingUp = undefined;
      for (const fn of buffered) fn();
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
    socket.on("error", (frame) => {
      if (frame.code === "forbidden" || frame.code === "not_found") {
        socket.close();
        reject(new ChatError(frame.code, frame.message));
      }
    });
    const from = printer.lastRev
      ? { since: printer.lastSeq, sinceRev: printer.lastRev }
      : { since: printer.lastSeq };
    socket.subscribe(roomId, from).catch((err) => {
      // Refused (not a member): give up. Anything else (no answer while the server
      // is away) is retried by the socket, which re-subscribes when it reconnects.
      if (!(err instanceof FrameRequestError)) return;
      socket.close();
      reject(err);
    });
  });
}
