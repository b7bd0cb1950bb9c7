/**
 * @module The table of subcommands of the scriptable mode: their usage, the options
 * each accepts, how many arguments, and the `--help` text.
 */

import type { FlagName, ParsedArgs } from "./args.ts";
import * as account from "./commands/account.ts";
import * as admin from "./commands/admin.ts";
import * as auth from "./commands/auth.ts";
import * as changes from "./commands/changes.ts";
import * as files from "./commands/files.ts";
import * as mentions from "./commands/mentions.ts";
import * as messages from "./commands/messages.ts";
import * as moderation from "./commands/moderation.ts";
import * as rooms from "./commands/rooms.ts";
import * as search from "./commands/search.ts";
import * as threads from "./commands/threads.ts";
import type { Context } from "./context.ts";
import { EXIT, UsageError } from "./errors.ts";

export interface Command {
  usage: string;
  summary: string;
  /** Options beyond the global ones (`--server`, `--json`, `--help`). */
  flags: FlagName[];
  /** Positional arguments: at least `min`, at most `max` (Infinity: any). */
  min: number;
  max: number;
  run(ctx: Context): Promise<void>;
  /**
   * A command of commands (`chat admin invite`): the first argument names one,
   * which then takes the rest; `run` of the parent is never called.
   */
  subcommands?: Record<string, Command>;
}

/** `chat admin …`: the server's administration (server admins only). */
export const ADMIN_COMMANDS: Record<string, Command> = {
  invite: {
    usage: "admin invite [--uses N] [--expires 7d]",
    summary: "a new invite code and its register link",
    flags: ["uses", "expires"],
    min: 0,
    max: 0,
    run: admin.invite,
  },
  invites: {
    usage: "admin invites",
    summary: "the invite codes made, with their uses",
    flags: [],
    min: 0,
    max: 0,
    run: admin.invites,
  },
  users: {
    usage: "admin users",
    summary: "every account on the server",
    flags: [],
    min: 0,
    max: 0,
    run: admin.users,
  },
  stats: {
    usage: "admin stats",
    summary: "the server's counters: sockets, messages, KV commits, frames",
    flags: [],
    min: 0,
    max: 0,
    run: admin.stats,
  },
  deactivate: {
    usage: "admin deactivate USER",
    summary: "end USER's sessions; they cannot log in again",
    flags: [],
    min: 1,
    max: 1,
    run: admin.deactivate,
  },
};

export const COMMANDS: Record<string, Command> = {
  register: {
    usage: "register USER [--invite CODE]",
    summary: "create an account and log in",
    flags: ["passwordStdin", "invite"],
    min: 1,
    max: 1,
    run: auth.register,
  },
  login: {
    usage: "login USER [--password-stdin]",
    summary: "log in and save the session",
    flags: ["passwordStdin"],
    min: 1,
    max: 1,
    run: auth.login,
  },
  logout: {
    usage: "logout",
    summary: "end the session on the server and forget it",
    flags: [],
    min: 0,
    max: 0,
    run: auth.logout,
  },
  whoami: {
    usage: "whoami",
    summary: "show who is logged in, and where",
    flags: [],
    min: 0,
    max: 0,
    run: auth.whoami,
  },
  profile: {
    usage: "profile [--display-name NAME]",
    summary: "my profile; set (or --clear-) my display name",
    flags: ["displayName", "clearDisplayName"],
    min: 0,
    max: 0,
    run: account.profile,
  },
  avatar: {
    usage: "avatar FILE | --remove",
    summary: "set my avatar (PNG, JPEG, GIF, WebP; - for stdin)",
    flags: ["remove"],
    min: 0,
    max: 1,
    run: account.avatar,
  },
  password: {
    usage: "password [--password-stdin]",
    summary: "change my password; my other sessions end",
    flags: ["passwordStdin"],
    min: 0,
    max: 0,
    run: account.password,
  },
  sessions: {
    usage: "sessions [--end ID | --end-others]",
    summary: "my sessions (* this one); end one or all others",
    flags: ["end", "endOthers"],
    min: 0,
    max: 0,
    run: account.sessions,
  },
  rooms: {
    usage: "rooms",
    summary: "my rooms and direct conversations, with unread counts",
    flags: [],
    min: 0,
    max: 0,
    run: rooms.rooms,
  },
  directory: {
    usage: "directory",
    summary: "the public rooms",
    flags: [],
    min: 0,
    max: 0,
    run: rooms.directory,
  },
  create: {
    usage: "create NAME [--private] [--topic TEXT]",
    summary: "create a room (public unless --private)",
    flags: ["private", "topic"],
    min: 1,
    max: Infinity,
    run: rooms.create,
  },
  join: {
    usage: "join ROOM",
    summary: "join a public room, or a private one I was invited to",
    flags: [],
    min: 1,
    max: 1,
    run: rooms.join,
  },
  leave: {
    usage: "leave ROOM",
    summary: "leave a room",
    flags: [],
    min: 1,
    max: 1,
    run: rooms.leave,
  },
  invite: {
    usage: "invite ROOM USER",
    summary: "invite a user to a private room",
    flags: [],
    min: 2,
    max: 2,
    run: rooms.invite,
  },
  invites: {
    usage: "invites",
    summary: "the rooms I am invited to, newest first",
    flags: [],
    min: 0,
    max: 0,
    run: rooms.invites,
  },
  decline: {
    usage: "decline ROOM",
    summary: "decline an invitation",
    flags: [],
    min: 1,
    max: 1,
    run: rooms.decline,
  },
  dm: {
    usage: "dm USER",
    summary: "open the direct conversation with a user",
    flags: [],
    min: 1,
    max: 1,
    run: rooms.dm,
  },
  who: {
    usage: "who ROOM",
    summary: "the members of a room, online first",
    flags: [],
    min: 1,
    max: 1,
    run: rooms.who,
  },
  room: {
    usage: "room ROOM [--rename NAME] [--topic TEXT]",
    summary: "a room's info and members; rename it, set its topic",
    flags: ["rename", "topic"],
    min: 1,
    max: 1,
    run: moderation.room,
  },
  kick: {
    usage: "kick ROOM USER",
    summary: "remove USER from a room (owner, admins)",
    flags: [],
    min: 2,
    max: 2,
    run: moderation.kick,
  },
  ban: {
    usage: "ban ROOM USER",
    summary: "remove USER and keep them out (owner, admins)",
    flags: [],
    min: 2,
    max: 2,
    run: moderation.ban,
  },
  unban: {
    usage: "unban ROOM USER",
    summary: "let a banned USER join again",
    flags: [],
    min: 2,
    max: 2,
    run: moderation.unban,
  },
  promote: {
    usage: "promote ROOM USER",
    summary: "make a member an admin of the room (owner)",
    flags: [],
    min: 2,
    max: 2,
    run: moderation.promote,
  },
  demote: {
    usage: "demote ROOM USER",
    summary: "make an admin a plain member again (owner)",
    flags: [],
    min: 2,
    max: 2,
    run: moderation.demote,
  },
  "delete-room": {
    usage: "delete-room ROOM --yes",
    summary: "delete a room, its messages and files (owner)",
    flags: ["yes"],
    min: 1,
    max: 1,
    run: moderation.deleteRoom,
  },
  send: {
    usage: "send ROOM [--reply|--thread SEQ] [TEXT | -]",
    summary: "send TEXT, or each line of stdin as a message",
    flags: ["reply", "thread", "alsoInRoom"],
    min: 1,
    max: Infinity,
    run: messages.send,
  },
  edit: {
    usage: "edit ROOM SEQ TEXT | -",
    summary: "replace the text of my message SEQ",
    flags: [],
    min: 3,
    max: Infinity,
    run: changes.edit,
  },
  delete: {
    usage: "delete ROOM SEQ",
    summary: "delete message SEQ (mine, or any as the owner)",
    flags: [],
    min: 2,
    max: 2,
    run: changes.remove,
  },
  react: {
    usage: "react ROOM SEQ EMOJI [--off]",
    summary: "react to SEQ with an emoji or :shortcode:",
    flags: ["off"],
    min: 3,
    max: 3,
    run: changes.react,
  },
  upload: {
    usage: "upload ROOM FILE... [--text TEXT]",
    summary: "send files in a message, --text its caption",
    flags: ["text", "reply", "thread", "alsoInRoom"],
    min: 2,
    max: Infinity,
    run: files.upload,
  },
  download: {
    usage: "download FILE_ID|URL [-o PATH]",
    summary: "save a file (-o -: to stdout)",
    flags: ["output", "force"],
    min: 1,
    max: 1,
    run: files.download,
  },
  history: {
    usage: "history ROOM [--limit N]",
    summary: "the newest N messages (default 50)",
    flags: ["limit"],
    min: 1,
    max: 1,
    run: messages.history,
  },
  tail: {
    usage: "tail ROOM|--mentions [--limit N] [--follow]",
    summary: "the newest N (default 10), then new ones and changes",
    flags: ["limit", "follow", "mentions"],
    min: 0,
    max: 1,
    run: messages.tail,
  },
  mentions: {
    usage: "mentions [--limit N]",
    summary: "messages that mention me, newest first (default 50)",
    flags: ["limit"],
    min: 0,
    max: 0,
    run: mentions.mentions,
  },
  search: {
    usage: "search QUERY [--limit N] [--all]",
    summary: "messages of my rooms that match, newest first",
    flags: ["limit", "all"],
    min: 1,
    max: Infinity,
    run: search.search,
  },
  threads: {
    usage: "threads",
    summary: "the threads I follow, with their unread replies",
    flags: [],
    min: 0,
    max: 0,
    run: threads.threads,
  },
  thread: {
    usage: "thread ROOM SEQ [--limit N]",
    summary: "message SEQ and the replies in its thread",
    flags: ["limit"],
    min: 2,
    max: 2,
    run: threads.thread,
  },
  admin: {
    usage: "admin COMMAND",
    summary: "the server's administration (server admins)",
    flags: [],
    min: 1,
    max: Infinity,
    run: () => Promise.reject(new UsageError("Missing subcommand: usage: chat admin COMMAND")),
    subcommands: ADMIN_COMMANDS,
  },
};

const GLOBAL_FLAGS = new Set(["server", "json", "help", "version"]);

const FLAG_SPELLING: Record<FlagName, string> = {
  server: "--server",
  json: "--json",
  passwordStdin: "--password-stdin",
  private: "--private",
  follow: "--follow",
  limit: "--limit",
  topic: "--topic",
  reply: "--reply",
  off: "--off",
  text: "--text",
  output: "--output",
  force: "--force",
  thread: "--thread",
  alsoInRoom: "--also-in-room",
  mentions: "--mentions",
  all: "--all",
  displayName: "--display-name",
  clearDisplayName: "--clear-display-name",
  remove: "--remove",
  end: "--end",
  endOthers: "--end-others",
  rename: "--rename",
  yes: "--yes",
  invite: "--invite",
  uses: "--uses",
  expires: "--expires",
};

/**
 * The command of parsed arguments, its options and arity checked. A command of
 * commands (`admin`) answers the one its first argument names, and takes that
 * argument off `parsed.positionals`.
 */
export function commandFor(parsed: ParsedArgs): Command {
  let name = parsed.command!;
  let command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) throw new UsageError(`Unknown command: "${name}"`);
  if (command.subcommands) {
    const table = command.subcommands;
    const names = Object.keys(table).join("|");
    const sub = parsed.positionals[0];
    if (sub === undefined) {
      throw new UsageError(`Missing arguments: usage: chat ${name} ${names}`);
    }
    command = Object.hasOwn(table, sub) ? table[sub] : undefined;
    if (!command) throw new UsageError(`Unknown command: "${name} ${sub}": chat ${name} ${names}`);
    name = `${name} ${sub}`;
    parsed.positionals = parsed.positionals.slice(1);
  }
  for (const flag of parsed.given) {
    if (!GLOBAL_FLAGS.has(flag) && !command.flags.includes(flag as FlagName)) {
      throw new UsageError(`Option ${FLAG_SPELLING[flag as FlagName]} does not apply to "${name}"`);
    }
  }
  const n = parsed.positionals.length;
  if (n < command.min) throw new UsageError(`Missing arguments: usage: chat ${command.usage}`);
  if (n > command.max) throw new UsageError(`Too many arguments: usage: chat ${command.usage}`);
  return command;
}

export function helpText(): string {
  const listed = Object.values(COMMANDS).flatMap((c) =>
    c.subcommands ? Object.values(c.subcommands) : [c]
  );
  const width = Math.max(...listed.map((c) => c.usage.length));
  const lines = listed.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`);
  return `chat: a terminal client for deno-chat

Usage:
  chat [--server URL]              interactive mode (on a terminal)
  chat COMMAND [ARGS] [OPTIONS]    scriptable mode

Commands:
${lines.join("\n")}

ROOM is a room id, the name of one of my rooms or of a public room
(as spelled, else ignoring case; a name several rooms share is refused
with their ids), or @USER for the direct conversation with USER.
SEQ is a message's number in its room, as history shows it (12 or #12).
A message mentions USER when it has @USER; @room (and @here: those online)
from the room's owner mentions everyone. Thread replies show in history as
(in thread #SEQ), their root as [thread: 3 replies, last 14:02].
FILE_ID is a file's id, as history shows it ([file: NAME SIZE id:FILE_ID]).
QUERY is words (each matches words starting with it, any case or accents)
and "quoted phrases", all of which must match, and operators: from:USER,
in:ROOM, before:YYYY-MM-DD, after:YYYY-MM-DD, has:file, has:link,
is:mention, -WORD (not it; quote the query or put -- before it).
Sizes are 1024-based: 1 KB is 1024 bytes.
USER is a username, with or without @ (kick, ban, promote: a member of ROOM).
A room's owner and its admins may rename it, set its topic, kick and ban;
only the owner promotes, demotes and deletes. "chat admin COMMAND" is for
the server's admins (the first account registered).

Options:
  -s, --server URL     the server (else $CHAT_SERVER, else the saved session's,
                       else http://localhost:8000)
      --json           newline-delimited JSON instead of text
      --password-stdin read the password from stdin (login, register; password:
                       two lines, the current password, then the new)
      --invite CODE    the invite code, on a server that asks for one (register)
      --display-name NAME  the name others see instead of my username (profile)
      --clear-display-name back to my username (profile)
      --remove         remove my avatar (avatar)
      --end ID         end one of my sessions, by its id (sessions)
      --end-others     end every session of mine but this one (sessions)
      --rename NAME    the room's new name (room)
      --topic TEXT     a new room's topic (create), or the room's (room; "" clears)
  -y, --yes            no second thoughts (delete-room)
      --uses N         how many may register with the code: 1 to 1000, default 1
                       (admin invite)
      --expires DAYS   when the code expires: 7d, 2w, up to 365d; default 7d
                       (admin invite)
  -n, --limit N        how many messages (history, tail, mentions, thread,
                       search: default 20, at most 1000)
      --all            every result, up to 1000 (search)
  -f, --follow         keep printing new messages and changes (tail)
      --mentions       only messages that mention me, in all my rooms (tail;
                       with --follow, only new ones unless --limit is given)
  -r, --reply SEQ      send as a reply to message SEQ (send, upload)
      --thread SEQ     send as a reply in the thread of message SEQ (send, upload)
      --also-in-room   a thread reply shown in the room too (with --thread)
  -t, --text TEXT      the caption of the files (upload)
  -o, --output PATH    where to save: a file, a directory, or - for stdout
                       (download; default: the file's name, here)
      --force          replace a file of that name (download)
      --off            remove the reaction instead (react)
      --private        create a private room (create)
  -h, --help           this help
      --version        the version

The session is saved in $XDG_CONFIG_HOME/deno-chat/credentials.json
(~/.config/deno-chat/credentials.json), readable only by you; the settings
of the interactive mode (/set) in config.json beside it.

Exit codes:
  ${EXIT.OK}    success
  ${EXIT.ERROR}    server error or anything unexpected
  ${EXIT.USAGE}    bad arguments or invalid input
  ${EXIT.AUTH}    not logged in, session ended, or wrong username/password
  ${EXIT.NOT_FOUND}    no such room, user or file, or not allowed
  ${EXIT.NETWORK}    the server cannot be reached
  ${EXIT.NO_RESULTS}    no results (search)
  ${EXIT.INTERRUPTED}  interrupted (Ctrl-C)`;
}
