/**
 * @module The interactive mode: puts the terminal in raw mode on the alternate
 * screen, reads keys into the input line, runs `/commands`, sends plain text, and
 * redraws when anything changes. The terminal is restored however it ends.
 */

import {
  type ClientSettings,
  DEFAULT_SETTINGS,
  loadSettings,
  saveSettings,
  settingsPath,
} from "../config.ts";
import type { Context } from "../context.ts";
import { describeError, EXIT } from "../errors.ts";
import { stylerFromEnv } from "./colors.ts";
import { complete } from "./complete.ts";
import { pathCompletions } from "./file_actions.ts";
import { InputLine } from "./input_line.ts";
import type { Key } from "./keys.ts";
import { Model, STATUS } from "./model.ts";
import { ChatSession } from "./session.ts";
import { runSlash, SLASH_NAMES, type SlashContext } from "./slash_commands.ts";
import { Terminal } from "./terminal.ts";
import { promptFor, renderFrame } from "./view.ts";

/** The least time between two rings of the bell. */
const BELL_EVERY_MS = 1_000;

interface Question {
  text: string;
  hidden: boolean;
  resolve(answer: string | undefined): void;
  /** What was typed before the question, given back after it. */
  draft: string;
}

export class App {
  readonly model: Model;
  readonly session: ChatSession;
  readonly line = new InputLine();
  #term: Terminal;
  #styler = stylerFromEnv((name) => Deno.env.get(name));
  #question?: Question;
  #renderTimer?: ReturnType<typeof setTimeout>;
  #quit?: () => void;
  #quitWarned = false;
  #settingsPath: string;
  #settings: ClientSettings = { ...DEFAULT_SETTINGS };
  #bellAt = 0;

  constructor(ctx: Context, term: Terminal) {
    this.#term = term;
    this.#settingsPath = settingsPath(ctx.credentialsPath);
    this.model = new Model(ctx.server);
    this.session = new ChatSession(this.model, {
      credentialsPath: ctx.credentialsPath,
      hooks: {
        changed: () => this.render(),
        restore: (text) => {
          if (!this.line.text) this.line.set(text);
        },
        bell: () => this.#bell(),
      },
    });
  }

  /** Rings, when the settings say so, at most once a second (a burst rings once). */
  #bell(): void {
    const now = Date.now();
    if (!this.#settings.bell || now - this.#bellAt < BELL_EVERY_MS) return;
    this.#bellAt = now;
    this.#term.bell();
  }

  /** Runs until /quit; answers the exit code. */
  async run(ctx: Context): Promise<number> {
    const done = new Promise<void>((resolve) => this.#quit = resolve);
    this.#settings = await loadSettings(this.#settingsPath);
    this.#term.enter();
    const onSignal = () => this.#quit?.();
    for (const signal of ["SIGTERM", "SIGHUP"] as const) Deno.addSignalListener(signal, onSignal);
    this.#term.onResize(() => this.render(true));
    // Typing indicators expire with time, not with events.
    const ticker = setInterval(() => {
      if (this.model.typers(this.model.current).length || this.model.view?.typing.size) {
        this.render();
      }
    }, 1000);
    try {
      this.model.notice(`deno-chat on ${this.model.server}: type /help for the commands`);
      if (ctx.credentials) {
        void this.session.resume(ctx.credentials);
      } else {
        this.model.notice("Not logged in: /login USER or /register USER");
      }
      this.render(true);
      void this.#readKeys();
      await done;
      return EXIT.OK;
    } finally {
      clearInterval(ticker);
      clearTimeout(this.#renderTimer);
      for (const signal of ["SIGTERM", "SIGHUP"] as const) {
        Deno.removeSignalListener(signal, onSignal);
      }
      this.session.close();
      this.#term.leave();
    }
  }

  async #readKeys(): Promise<void> {
    try {
      for await (const keys of this.#term.keys()) {
        for (const key of keys) this.#onKey(key);
        this.render();
      }
    } catch {
      // stdin is gone (terminal closed).
    }
    this.#quit?.();
  }

  /** Draws soon; several changes in a row are drawn once. */
  render(full = false): void {
    if (full) this.#term.invalidate();
    if (this.#renderTimer !== undefined) return;
    this.#renderTimer = setTimeout(() => {
      this.#renderTimer = undefined;
      const size = this.#term.size();
      const prompt = this.#question?.text ?? promptFor(this.model);
      const input = { prompt, line: this.line, hidden: this.#question?.hidden };
      const frame = renderFrame(this.model, input, { size, styler: this.#styler });
      this.#term.draw(frame, size.columns);
    }, 5);
  }

  ask(text: string, options: { hidden?: boolean } = {}): Promise<string | undefined> {
    this.#question?.resolve(undefined);
    const draft = this.line.text;
    this.line.clear();
    return new Promise((resolve) => {
      this.#question = { text, hidden: options.hidden ?? false, resolve, draft };
      this.render();
    });
  }

  #answer(answer: string | undefined): void {
    const question = this.#question!;
    this.#question = undefined;
    this.line.set(question.draft);
    question.resolve(answer);
  }

  #onKey(key: Key): void {
    const line = this.line;
    const page = Math.max(1, this.#term.size().rows - 5);
    switch (key.type) {
      case "text":
      case "paste":
        line.insert(key.text);
        // A line typed over search results is a query, not a message.
        if (!this.#question && !this.model.search && !line.text.startsWith("/")) {
          this.session.typing();
        }
        return;
      case "alt":
        if (key.key === "\r") line.insert("\n");
        else if (/^[0-9]$/.test(key.key)) this.#switchTo(Number(key.key));
        return;
      case "ctrl":
        return this.#onCtrl(key.key);
    }
    if (this.model.search && !this.#question && this.#onSearchKey(key.name, page)) return;
    switch (key.name) {
      case "enter":
        return this.#submit();
      case "backspace":
        return line.backspace();
      case "delete":
        return line.deleteForward();
      case "left":
        return line.left();
      case "right":
        return line.right();
      case "home":
        return line.home();
      case "end":
        return line.end();
      case "wordleft":
        return line.wordLeft();
      case "wordright":
        return line.wordRight();
      case "up":
        if (!this.#question) line.historyUp();
        return;
      case "down":
        if (!this.#question) line.historyDown();
        return;
      case "pageup":
        return this.#pageUp(page);
      case "pagedown":
        this.model.scroll = Math.max(0, this.model.scroll - page);
        return;
      case "tab":
        return this.#complete();
      case "escape":
        if (this.#question) this.#answer(undefined);
        return;
    }
  }

  /**
   * Keys of the search results: ↑/↓ and PgUp/PgDn select, Enter on an empty line
   * goes to the message, Esc returns. Answers whether the key was one of them.
   */
  #onSearchKey(name: string, page: number): boolean {
    const search = this.model.search!;
    const step = { up: -1, down: 1, pageup: -page, pagedown: page }[name];
    if (step !== undefined) {
      search.move(step);
      this.#guard(this.session.search.more());
      return true;
    }
    if (name === "enter" && !this.line.text.trim()) {
      this.line.clear();
      this.#guard(this.session.search.jump());
      return true;
    }
    if (name === "escape") {
      this.session.search.close();
      return true;
    }
    return false;
  }

  #onCtrl(key: string): void {
    const line = this.line;
    switch (key) {
      case "a":
        return line.home();
      case "e":
        return line.end();
      case "b":
        return line.left();
      case "f":
        return line.right();
      case "w":
        return line.deleteWordBack();
      case "u":
        return line.deleteToStart();
      case "k":
        return line.deleteToEnd();
      case "l":
        return this.render(true);
      case "n":
        return this.#cycle(1);
      case "p":
        return this.#cycle(-1);
      case "c":
        if (this.#question) return this.#answer(undefined);
        if (line.text) return line.clear();
        return this.#requestQuit();
      case "d":
        if (this.#question) return this.#answer(undefined);
        if (line.text) return line.deleteForward();
        return this.#requestQuit();
    }
  }

  #requestQuit(): void {
    const pending = this.model.outbox.length;
    const moving = this.model.transfers.length;
    if ((pending || moving) && !this.#quitWarned) {
      this.#quitWarned = true;
      const what = pending === 1 ? "1 message is" : `${pending} messages are`;
      const files = moving === 1 ? "1 file is" : `${moving} files are`;
      const text = pending && moving
        ? `${what} not sent yet and ${files} still moving`
        : pending
        ? `${what} not sent yet`
        : `${files} still uploading or downloading`;
      this.model.notice(`${text}: quit again to drop it all`, { level: "error" });
      return;
    }
    this.#quit?.();
  }

  #cycle(step: 1 | -1): void {
    this.model.cycle(step);
    this.#openCurrent();
  }

  /** Alt-1…9: the n-th room; Alt-0: the status buffer. */
  #switchTo(n: number): void {
    if (n === 0) this.model.switchTo(STATUS);
    else if (this.model.order[n - 1]) this.model.switchTo(this.model.order[n - 1]);
    this.#openCurrent();
  }

  #openCurrent(): void {
    if (this.model.current === STATUS) return;
    this.#guard(this.session.open(this.model.current));
  }

  #pageUp(page: number): void {
    // At the top of what is held already: fetch older messages instead.
    if (this.model.atTop && !this.model.thread && this.model.view?.hasMore) {
      this.#guard(this.session.history());
      return;
    }
    this.model.scroll += page;
  }

  #complete(): void {
    if (this.#question) return;
    const model = this.model;
    const users = new Set<string>();
    for (const view of [model.view, ...model.rooms.values()]) {
      for (const member of view?.members.values() ?? []) users.add(member.username);
    }
    const rooms = [...model.rooms.values(), ...model.invites.values()]
      .map((v) => "room" in v ? v.room : v)
      .filter((r) => r.kind !== "direct")
      .map((r) => r.name)
      .concat(model.directory);
    const mine = [...model.rooms.values()].map(({ room }) =>
      room.kind === "direct" ? `@${room.peer?.username ?? room.name}` : room.name
    );
    const result = complete(this.line.text, {
      commands: SLASH_NAMES,
      rooms,
      myRooms: mine,
      users: [...users],
      paths: (typed) => pathCompletions(typed),
    });
    if (!result) return;
    this.line.set(result.text);
    if (result.matches.length) model.notice(result.matches.join("  "));
  }

  #submit(): void {
    if (this.#question) return this.#answer(this.line.commit({ secret: true }));
    const text = this.line.commit();
    if (!/^\/(quit|exit|q)\s*$/i.test(text)) this.#quitWarned = false;
    if (!text.trim()) return;
    if (text.startsWith("/") && !text.startsWith("//")) {
      const ctx: SlashContext = {
        session: this.session,
        ask: (question, options) => this.ask(question, options),
        setInput: (text) => this.line.set(text),
        prefs: {
          get: () => ({ ...this.#settings }),
          set: async (change) => {
            const next = { ...this.#settings, ...change };
            await saveSettings(next, this.#settingsPath);
            this.#settings = next;
          },
        },
        quit: () => this.#requestQuit(),
      };
      this.model.scroll = 0;
      this.#guard(runSlash(text, ctx));
      return;
    }
    if (this.model.search) {
      // Over search results, a plain line is the next query.
      this.#guard(this.session.search.start(text.startsWith("//") ? text.slice(1) : text));
      return;
    }
    try {
      this.session.send(text.startsWith("//") ? text.slice(1) : text);
    } catch (err) {
      this.#fail(err);
      this.line.set(text);
    }
  }

  #guard(promise: Promise<unknown>): void {
    promise.catch((err) => this.#fail(err)).finally(() => this.render());
  }

  #fail(err: unknown): void {
    this.model.notice(describeError(err), { level: "error" });
  }
}

/** Runs the interactive mode until the user quits. */
export async function runInteractive(ctx: Context): Promise<number> {
  const term = new Terminal();
  const app = new App(ctx, term);
  try {
    return await app.run(ctx);
  } catch (err) {
    term.leave();
    throw err;
  }
}
