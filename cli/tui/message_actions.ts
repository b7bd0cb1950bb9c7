/**
 * @module What the interactive client does to messages already there: find the
 * one `/edit N`, `/react N` or `/reply N` points at, and edit, delete, react to
 * or answer it. Changes go over the live socket; its acknowledgement carries the
 * new state, applied at once (the `update` frame that follows is then no news).
 */

import type { ChatSocket } from "../../lib/client/socket.ts";
import { ChatError } from "../../lib/errors.ts";
import type { Message } from "../../lib/protocol/types.ts";
import { validateMessageText } from "../../lib/protocol/validate.ts";
import type { Model } from "./model.ts";

export interface MessageActionHooks {
  /** The socket of the session (undefined while logged out). */
  socket(): ChatSocket | undefined;
  /** Sends a reply through the outbox (queued while offline); throws when logged out. */
  reply(roomId: string, text: string, replyTo: number): void;
}

export class MessageActions {
  #model: Model;
  #hooks: MessageActionHooks;

  constructor(model: Model, hooks: MessageActionHooks) {
    this.#model = model;
    this.#hooks = hooks;
  }

  /**
   * The n-th newest message of the room on screen (1: the latest), of anyone or
   * `mine`; deleted ones are not counted. Throws a message that says what is held.
   */
  pick(n: number, options: { mine?: boolean } = {}): Message {
    const view = this.#model.view;
    if (!view) throw new ChatError("bad_request", "No room on screen: /join ROOM first");
    const message = this.#model.nthMessage(view.room.id, n, options);
    if (message) return message;
    const none = options.mine
      ? n === 1 ? "You have no message here" : `You have fewer than ${n} messages here`
      : n === 1
      ? "No message here"
      : `Fewer than ${n} messages here`;
    const more = view.hasMore ? ": /history loads older ones" : "";
    throw new ChatError("bad_request", `${none}${more}`);
  }

  /**
   * Replaces the text of one of my messages. While the socket reconnects the edit
   * waits and goes out once it is back (it carries the whole text: a repeat is
   * harmless).
   */
  async edit(message: Message, text: string): Promise<void> {
    const checked = validateMessageText(text);
    const edited = await this.#socket().edit(message.roomId, message.seq, checked);
    this.#model.applyUpdate(message.roomId, edited);
  }

  /** Deletes a message (mine, or any as the room's owner). */
  async deleteMessage(message: Message): Promise<void> {
    const tombstone = await this.#socket().delete(message.roomId, message.seq);
    this.#model.applyUpdate(message.roomId, tombstone);
  }

  /** Adds (`on`) or removes my reaction to a message. */
  async react(message: Message, emoji: string, on: boolean): Promise<void> {
    const updated = await this.#socket().react(message.roomId, message.seq, emoji, on);
    this.#model.applyUpdate(message.roomId, updated);
  }

  /** Answers a message of the room on screen, through the outbox. */
  reply(message: Message, text: string): void {
    this.#hooks.reply(message.roomId, text, message.seq);
  }

  #socket(): ChatSocket {
    const socket = this.#hooks.socket();
    if (!socket) throw new ChatError("unauthorized", "Not logged in: /login USER");
    return socket;
  }
}
