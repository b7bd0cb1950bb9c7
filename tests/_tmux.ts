/**
 * @module The terminal-client tests' tmux: one tmux server of our own per test
 * (`-L`, no config), so nothing of the user's is touched, with a pane to type into
 * and read back.
 */

import { waitFor } from "./_clients.ts";

function socketName(): string {
  return `chat-test-${crypto.randomUUID().slice(0, 8)}`;
}

/** Fails with what to install when tmux is missing (never skips). */
export async function requireTmux(): Promise<void> {
  const which = await new Deno.Command("sh", { args: ["-c", "command -v tmux"] }).output();
  if (!which.success) {
    throw new Error(
      "tmux is not installed: the interactive tests need it (apt-get install -y tmux)",
    );
  }
}

/** A captured screen's lines. */
export function rows(screen: string): string[] {
  return screen.replace(/\n$/, "").split("\n");
}

export class Tmux {
  #socket = socketName();
  lastScreen = "";

  async run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("tmux", {
      args: ["-L", this.#socket, "-f", "/dev/null", ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new Error(`tmux ${args[0]} failed: ${new TextDecoder().decode(out.stderr)}`);
    }
    return text;
  }

  start(command: string, size: { columns: number; rows: number }): Promise<string> {
    const args = ["new-session", "-d", "-s", "chat", "-x", String(size.columns)];
    return this.run(...args, "-y", String(size.rows), command);
  }

  /**
   * Starts over in a new tmux server. Killing the last session makes a tmux server
   * exit, and a `new-session` sent while it is exiting reaches the dying server
   * ("server exited unexpectedly"): a new socket name never meets the old one.
   */
  async restart(command: string, size: { columns: number; rows: number }): Promise<string> {
    await this.kill();
    this.#socket = socketName();
    return this.start(command, size);
  }

  /** Types text literally (no key names). */
  type(text: string): Promise<string> {
    return this.run("send-keys", "-t", "chat", "-l", text);
  }

  /** Presses keys by tmux name: Enter, C-n, C-u… */
  press(...keys: string[]): Promise<string> {
    return this.run("send-keys", "-t", "chat", ...keys);
  }

  /** Types a line and presses Enter. */
  async enter(text: string): Promise<void> {
    await this.type(text);
    await this.press("Enter");
  }

  async screen(): Promise<string> {
    this.lastScreen = await this.run("capture-pane", "-p", "-t", "chat");
    return this.lastScreen;
  }

  /** Waits until the screen matches; fails showing the last screen. */
  async waitFor(what: string, check: (screen: string) => boolean, timeoutMs = 15_000) {
    try {
      await waitFor(what, async () => check(await this.screen()), timeoutMs);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- screen ---\n${this.lastScreen}--- end ---`);
    }
    return this.lastScreen;
  }

  async kill(): Promise<void> {
    await this.run("kill-server").catch(() => {});
  }
}
