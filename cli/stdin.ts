/**
 * @module Reading what the user gives on stdin: passwords without echo on a
 * terminal, a password piped in (`--password-stdin`), and lines of messages.
 */

import { InterruptedError, InvalidInputError, UsageError } from "./errors.ts";

const encoder = new TextEncoder();

/** Splits a stream of text chunks into lines (without their `\n` or `\r\n`). */
export async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let buffered = "";
  for await (const chunk of chunks) {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      yield buffered.slice(0, nl).replace(/\r$/, "");
      buffered = buffered.slice(nl + 1);
    }
  }
  if (buffered) yield buffered.replace(/\r$/, "");
}

/** The lines of stdin, as they arrive. */
export function stdinLines(): AsyncGenerator<string> {
  return splitLines(Deno.stdin.readable.pipeThrough(new TextDecoderStream()));
}

/** All of stdin, without the one trailing newline a shell `echo` adds. */
export async function readStdinSecret(): Promise<string> {
  const text = await new Response(Deno.stdin.readable).text();
  return text.replace(/\r?\n$/, "");
}

/**
 * Applies the keys typed at a hidden prompt to the text so far. Answers the new
 * text, or `done` at Enter. Ctrl-C (and Ctrl-D on an empty line) interrupt.
 */
export function applyHiddenKeys(text: string, typed: string): { text: string; done: boolean } {
  for (const char of typed) {
    if (char === "\r" || char === "\n") return { text, done: true };
    if (char === "\x03" || (char === "\x04" && text === "")) throw new InterruptedError();
    if (char === "\x7f" || char === "\b") text = Array.from(text).slice(0, -1).join("");
    else if (char === "\x15") text = "";
    else if (char >= " " && char !== "\x7f") text += char;
  }
  return { text, done: false };
}

/** Asks for a password on the terminal without echoing it. */
export async function promptHidden(prompt: string): Promise<string> {
  if (!Deno.stdin.isTerminal()) {
    throw new UsageError("No terminal to ask for the password: use --password-stdin");
  }
  Deno.stderr.writeSync(encoder.encode(prompt));
  const decoder = new TextDecoder();
  const buf = new Uint8Array(256);
  let text = "";
  Deno.stdin.setRaw(true);
  try {
    while (true) {
      const n = await Deno.stdin.read(buf);
      if (n === null) throw new InterruptedError();
      const step = applyHiddenKeys(text, decoder.decode(buf.subarray(0, n), { stream: true }));
      text = step.text;
      if (step.done) return text;
    }
  } finally {
    Deno.stdin.setRaw(false);
    Deno.stderr.writeSync(encoder.encode("\n"));
  }
}

/**
 * The password for `login`/`register`: from stdin with `--password-stdin`, else
 * asked twice on the terminal when `confirm` (registering), else once.
 */
export async function readPassword(
  options: { fromStdin: boolean; confirm: boolean },
): Promise<string> {
  if (options.fromStdin) {
    const password = await readStdinSecret();
    if (!password) throw new InvalidInputError("No password on stdin");
    return password;
  }
  const password = await promptHidden("Password: ");
  if (options.confirm) {
    const again = await promptHidden("Repeat password: ");
    if (again !== password) throw new InvalidInputError("The passwords do not match");
  }
  return password;
}
