/**
 * @module The outbox of the interactive client: what was typed, until the server
 * has it.
 *
 * Nothing typed is lost: a message goes into the outbox first and leaves it only
 * when the server acknowledged it or refused it for good (then its text goes back
 * to the input line). While the connection is down, ChatSocket keeps the send
 * pending and re-sends it after reconnecting; when a send times out, or the session
 * ended and the user logs in again, it is sent again with the same clientId, which
 * the server deduplicates. So a message goes out once, whatever happens.
 */

import type { ChatSocket } from "../../lib/client/socket.ts";
import { FrameRequestError } from "../../lib/client/socket.ts";
import type { FileInfo } from "../../lib/protocol/types.ts";
import { validateCaption, validateMessageText } from "../../lib/protocol/validate.ts";
import { sanitizeLine } from "../sanitize.ts";
import type { Model, Outgoing } from "./model.ts";

export interface OutboxHooks {
  /** The socket in use now (undefined while logged out). */
  socket(): ChatSocket | undefined;
  /** A message was stored. */
  delivered(roomId: string): void;
  /** A message was refused: give its text back to the input line. */
  restore(text: string): void;
  changed(): void;
}

export class Outbox {
  #model: Model;
  #hooks: OutboxHooks;

  constructor(model: Model, hooks: OutboxHooks) {
    this.#model = model;
    this.#hooks = hooks;
  }

  /**
   * Queues a message for a room (`replyTo`: answering that seq; `threadRoot`: in
   * that thread, `alsoInRoom` too; `files`: uploads it carries, when its text may
   * be empty) and starts delivering it. Throws on invalid text. `restore`: what
   * the input line gets back if it is refused.
   */
  add(
    roomId: string,
    text: string,
    options: {
      replyTo?: number;
      threadRoot?: number;
      alsoInRoom?: boolean;
      files?: FileInfo[];
      restore?: string;
    } = {},
  ): void {
    const files = options.files?.length ? options.files : undefined;
    const out: Outgoing = {
      clientId: crypto.randomUUID(),
      roomId,
      text: files ? validateCaption(text) : validateMessageText(text),
      createdAt: Date.now(),
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
      ...(options.threadRoot ? { threadRoot: options.threadRoot } : {}),
      ...(options.threadRoot && options.alsoInRoom ? { alsoInRoom: true } : {}),
      ...(files ? { files } : {}),
      ...(options.restore !== undefined ? { restore: options.restore } : {}),
    };
    this.#model.outbox.push(out);
    this.deliver(out);
  }

  /** Sends everything still queued (after a new login). */
  flush(): void {
    for (const out of this.#model.outbox) this.deliver(out);
  }

  deliver(out: Outgoing): void {
    const socket = this.#hooks.socket();
    if (!socket || socket.state === "closed") return;
    const model = this.#model;
    const drop = () => model.outbox = model.outbox.filter((o) => o !== out);
    const options = {
      clientId: out.clientId,
      replyTo: out.replyTo,
      threadRoot: out.threadRoot,
      alsoInRoom: out.alsoInRoom,
      files: out.files?.map((f) => f.id),
    };
    socket.send(out.roomId, out.text, options).then((message) => {
      drop();
      model.addMessages(out.roomId, [message]);
      this.#hooks.delivered(out.roomId);
      this.#hooks.changed();
    }, (err) => {
      // Dropped meanwhile (left the room, logged out) or a socket of the past.
      if (!model.outbox.includes(out) || socket !== this.#hooks.socket()) return;
      if (err instanceof FrameRequestError && err.code === "rate_limited") {
        setTimeout(() => this.deliver(out), err.retryAfterMs ?? 1000);
      } else if (err instanceof FrameRequestError) {
        drop();
        model.notice(`Not sent: ${sanitizeLine(err.message)}`, { level: "error" });
        this.#hooks.restore(out.restore ?? out.text);
      } else if (socket.state !== "closed") {
        // No answer in time: still ours to deliver, with the same clientId.
        this.deliver(out);
      }
      this.#hooks.changed();
    });
  }
}
