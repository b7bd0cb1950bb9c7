/**
 * @module `/search QUERY` in the interactive client: fetches the results into a
 * search view (`search_view.ts`) and the next pages as the selection nears the
 * end; Enter jumps to the selected message: its room on screen (its thread for a
 * reply only in a thread), the history back to it loaded, the message scrolled to
 * and marked. Esc or `/back` returns to what was on screen; `/search` alone shows
 * the last results again.
 *
 * History around an old message: when it is not far before the oldest message
 * held, the pages in between are fetched, so the transcript stays whole. When it
 * is farther than the transcript holds, the messages around it are fetched
 * instead, and a notice stands in the gap between them and the newer ones held.
 */

import type { ChatApi } from "../../lib/client/http.ts";
import { ChatError } from "../../lib/errors.ts";
import { HISTORY_MAX } from "../../lib/protocol/limits.ts";
import type { Room, SearchResult } from "../../lib/protocol/types.ts";
import { inThreadOnly } from "../mentions.ts";
import { type Model, TRANSCRIPT_MAX } from "./model.ts";
import { SEARCH_VIEW_PAGE, SearchView } from "./search_view.ts";
import type { ThreadActions } from "./thread_actions.ts";

/** The most messages fetched to reach an old one (beyond: the messages around it). */
export const JUMP_LOAD_MAX = 1_000;
/** Messages fetched on each side of one far back. */
const AROUND = 25;

export interface SearchActionHooks {
  api: ChatApi;
  /** Shows a room of mine (its latest messages fetched the first time). */
  open(roomId: string): Promise<void>;
  /** A room of mine the client does not hold yet (joined elsewhere): holds and shows it. */
  enter(room: Room): Promise<void>;
  threads: ThreadActions;
  changed(): void;
}

export class SearchActions {
  #model: Model;
  #hooks: SearchActionHooks;

  constructor(model: Model, hooks: SearchActionHooks) {
    this.#model = model;
    this.#hooks = hooks;
  }

  /** Shows the results of `query` (the first page at once, the others as they are needed). */
  async start(query: string): Promise<void> {
    const q = query.trim();
    if (!q) throw new ChatError("bad_request", "Usage: /search QUERY");
    const search = new SearchView(q);
    this.#model.search = search;
    this.#model.lastSearch = search;
    this.#hooks.changed();
    await this.#fetch(search);
  }

  /** The last results again (`/search` alone). */
  reopen(): void {
    const last = this.#model.lastSearch;
    if (!last) throw new ChatError("bad_request", "Usage: /search QUERY");
    this.#model.search = last;
  }

  /** Back from the results to what was on screen. */
  close(): void {
    if (!this.#model.search) throw new ChatError("bad_request", "No search on screen");
    this.#model.search = undefined;
  }

  /** Fetches the next page when the selection nears the end. */
  async more(): Promise<void> {
    const search = this.#model.search;
    if (search?.wantsMore) await this.#fetch(search);
  }

  async #fetch(search: SearchView): Promise<void> {
    search.loading = true;
    try {
      const page = await this.#hooks.api.search(search.query, {
        limit: SEARCH_VIEW_PAGE,
        ...(search.nextCursor ? { cursor: search.nextCursor } : {}),
      });
      search.add(page);
    } catch (err) {
      search.loading = false;
      search.error = err instanceof Error ? err.message : String(err);
      // A refused query (400) says why on screen; the rest is an error like any other.
      if (!(err instanceof ChatError && err.code === "bad_request")) throw err;
    } finally {
      this.#hooks.changed();
    }
  }

  /** Enter: the selected message in its room, scrolled to and marked. */
  async jump(): Promise<void> {
    const result = this.#model.search?.current;
    if (!result) return;
    this.#model.search = undefined;
    await this.goTo(result);
  }

  /** Shows a message of a result in its room (or its thread), loading what it takes. */
  async goTo({ room, message }: Pick<SearchResult, "room" | "message">): Promise<void> {
    const model = this.#model;
    if (model.rooms.has(room.id)) await this.#hooks.open(room.id);
    else await this.#hooks.enter(room);
    // Gone somewhere else meanwhile (the room was left, another jump): stop here.
    if (model.current !== room.id) return;
    let found: boolean;
    if (inThreadOnly(message)) {
      await this.#hooks.threads.open(message.threadRoot!);
      found = model.thread?.timeline.get(message.seq) !== undefined;
    } else {
      if (model.thread) model.closeThread();
      found = await this.#loadUntil(room.id, message.seq);
    }
    if (!found) {
      model.notice(`Message #${message.seq} is not there any more`, { level: "error" });
      this.#hooks.changed();
      return;
    }
    model.mark = { roomId: room.id, seq: message.seq };
    model.reveal = { roomId: room.id, seq: message.seq };
    this.#hooks.changed();
  }

  /** Loads the room's history until message `seq` is held; answers whether it is. */
  async #loadUntil(roomId: string, seq: number): Promise<boolean> {
    const model = this.#model;
    const view = model.rooms.get(roomId);
    if (!view) return false;
    if (view.timeline.get(seq)) return true;
    const first = view.timeline.firstSeq || view.room.lastSeq + 1;
    const distance = first - seq;
    const fits = view.timeline.size + distance <= TRANSCRIPT_MAX - 2 * HISTORY_MAX;
    if (distance > 0 && distance <= JUMP_LOAD_MAX && fits) {
      let before = first;
      while (!view.timeline.get(seq) && before > seq) {
        const page = await this.#hooks.api.messages(roomId, { before, limit: HISTORY_MAX });
        model.addMessages(roomId, page.messages);
        view.hasMore = page.hasMore;
        if (!page.messages.length || !page.hasMore) break;
        before = page.messages[0].seq;
      }
      return view.timeline.get(seq) !== undefined;
    }
    // Far back (or in a gap left by an earlier jump): the messages around it.
    const newerHeld = view.timeline.messages().find((m) => m.seq > seq)?.seq;
    const [older, newer] = await Promise.all([
      this.#hooks.api.messages(roomId, { before: seq + 1, limit: AROUND + 1 }),
      this.#hooks.api.messages(roomId, { after: seq, limit: AROUND }),
    ]);
    const firstBefore = view.timeline.firstSeq;
    model.addMessages(roomId, [...older.messages, ...newer.messages]);
    if (!firstBefore || older.messages[0]?.seq < firstBefore) view.hasMore = older.hasMore;
    const last = newer.messages.at(-1)?.seq ?? seq;
    if (newerHeld !== undefined && newerHeld > last + 1) {
      const missing = newerHeld - last - 1;
      model.noticeAfter(
        roomId,
        last,
        `──── ${missing === 1 ? "1 message" : `${missing} messages`} not loaded here ────`,
      );
    }
    return view.timeline.get(seq) !== undefined;
  }
}
