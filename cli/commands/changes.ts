/**
 * @module Subcommands that change a message: `edit`, `delete` and `react`. Each
 * checks its arguments before asking the server (exit 2), and is retried when rate
 * limited or cut off: all three are safe to repeat.
 */

import { parseSeq } from "../args.ts";
import { type Context, requireLogin } from "../context.ts";
import { parseEmoji } from "../emoji.ts";
import { resolveRoom } from "../resolve_room.ts";
import { withRetry } from "./_retry.ts";
import { checkText } from "./messages.ts";

/** The whole of stdin, for `chat edit ROOM SEQ -`. */
async function readStdin(): Promise<string> {
  return await new Response(Deno.stdin.readable).text();
}

export async function edit(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, seqArg, ...words] = ctx.positionals;
  const seq = parseSeq(seqArg);
  const fromStdin = words.length === 1 && words[0] === "-";
  // Refused before anything goes to the server (stdin: once it is read).
  let text = fromStdin ? undefined : checkText(words.join(" "));
  const target = await resolveRoom(ctx.api, roomArg);
  text ??= checkText((await readStdin()).replace(/\r?\n$/, ""));
  const message = await withRetry(() => ctx.api.edit(target.id, seq, text));
  if (ctx.flags.json) ctx.out.json(message);
  else ctx.out.line(`Edited #${seq} in ${target.label}`);
}

export async function remove(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, seqArg] = ctx.positionals;
  const seq = parseSeq(seqArg);
  const target = await resolveRoom(ctx.api, roomArg);
  await withRetry(() => ctx.api.deleteMessage(target.id, seq));
  if (ctx.flags.json) ctx.out.json({ roomId: target.id, seq, deleted: true });
  else ctx.out.line(`Deleted #${seq} in ${target.label}`);
}

export async function react(ctx: Context): Promise<void> {
  requireLogin(ctx);
  const [roomArg, seqArg, emojiArg] = ctx.positionals;
  const seq = parseSeq(seqArg);
  const emoji = parseEmoji(emojiArg);
  const on = !ctx.flags.off;
  const target = await resolveRoom(ctx.api, roomArg);
  await withRetry(() => ctx.api.react(target.id, seq, emoji, on));
  if (ctx.flags.json) ctx.out.json({ roomId: target.id, seq, emoji, on });
  else if (on) ctx.out.line(`Reacted ${emoji} to #${seq} in ${target.label}`);
  else ctx.out.line(`Removed ${emoji} from #${seq} in ${target.label}`);
}
