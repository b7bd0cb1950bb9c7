/**
 * @module When the interactive client asks for attention (the terminal bell): a
 * new message that mentions me or a direct message from someone else, unless my
 * settings of the room say nothing (`none`; a muted room: mentions only), and a
 * `notify` frame (the server applied my settings) for a room not on screen, or for
 * a mention or a direct message on screen. A message comes both as a `message`
 * and as a `notify` frame: it rings once.
 */

import type { Message, NotifyReason } from "../../lib/protocol/types.ts";
import { mentionsMe } from "../mentions.ts";
import type { Model } from "./model.ts";

/** Messages remembered as rung for. */
const RUNG_KEPT = 500;

export class Attention {
  #model: Model;
  #ring: () => void;
  #rung = new Set<string>();

  constructor(model: Model, ring: () => void) {
    this.#model = model;
    this.#ring = ring;
  }

  /** A new message of a room (live). */
  message(roomId: string, message: Message): void {
    const view = this.#model.rooms.get(roomId);
    const me = this.#model.user?.id;
    if (!view || message.userId === me || view.prefs?.notify === "none") return;
    const direct = view.room.kind === "direct" && !view.prefs?.muted;
    if (direct || mentionsMe(message, me, { live: true })) this.#once(roomId, message.seq);
  }

  /** A `notify` frame. */
  notify(roomId: string, message: Message, reason?: NotifyReason): void {
    if (roomId !== this.#model.current || reason === "mention" || reason === "direct") {
      this.#once(roomId, message.seq);
    }
  }

  #once(roomId: string, seq: number): void {
    const key = `${roomId} ${seq}`;
    if (this.#rung.has(key)) return;
    this.#rung.add(key);
    if (this.#rung.size > RUNG_KEPT) this.#rung.delete(this.#rung.values().next().value!);
    this.#ring();
  }
}
