/**
 * @module Tab completion of the input line: command names after `/`, room names
 * after `/join`, my rooms' whole names (and `@user`) after `/goto`, emoji shortcodes (`:tada:`) after `/react` and `/unreact`,
 * usernames elsewhere (with `: ` when addressing someone at the start of a line),
 * local paths after `/upload`. Pure: the app gives it the line and the candidates
 * (the paths through a function, as they depend on what is typed).
 */

import { SHORTCODE_NAMES } from "../emoji.ts";

export interface Candidates {
  commands: string[];
  rooms: string[];
  /** The rooms I am in: their names, `@user` for direct conversations (`/goto`). */
  myRooms?: string[];
  users: string[];
  /**
   * Paths that complete a typed one (`~/Doc` → `~/Documents/`, spaces escaped,
   * directories ending with `/`).
   */
  paths?(typed: string): string[];
}

export interface Completion {
  text: string;
  /** Every candidate, when more than one matched. */
  matches: string[];
}

function commonPrefix(words: string[]): string {
  let prefix = words[0] ?? "";
  for (const word of words.slice(1)) {
    let i = 0;
    while (
      i < prefix.length && i < word.length && prefix[i].toLowerCase() === word[i].toLowerCase()
    ) i++;
    prefix = prefix.slice(0, i);
  }
  return prefix;
}

/** The path typed after `/upload` (escaped spaces included), when the cursor is in it. */
const UPLOAD_PATH_RE = /^(\s*\/(?:upload|up)[ \t]+)((?:\\.|[^\s\\])*)$/i;

function completePath(before: string, typed: string, found: string[]): Completion | undefined {
  if (!found.length) return undefined;
  if (found.length === 1) {
    return { text: before + found[0] + (found[0].endsWith("/") ? "" : " "), matches: [] };
  }
  // Paths are case-sensitive: the common prefix is too.
  let prefix = found[0];
  for (const path of found.slice(1)) {
    let i = 0;
    while (i < prefix.length && prefix[i] === path[i]) i++;
    prefix = prefix.slice(0, i);
  }
  const names = found.map((p) =>
    p.replace(/\/$/, "").split("/").pop()! + (p.endsWith("/") ? "/" : "")
  );
  return { text: before + (prefix.length > typed.length ? prefix : typed), matches: names.sort() };
}

/** What follows `/goto`: a room's whole name, spaces and all, or `@user`. */
const GOTO_RE = /^(\s*\/(?:goto|g)[ \t]+)(.*)$/i;

/** `/goto Book c` → `/goto Book club`: the name typed so far against my rooms. */
function completeRoomName(before: string, typed: string, names: string[]): Completion | undefined {
  const wanted = typed.replace(/^#/, "").toLowerCase();
  const matches = [...new Set(names)].filter((n) => n.toLowerCase().startsWith(wanted));
  if (!matches.length) return undefined;
  if (matches.length === 1) return { text: before + matches[0], matches: [] };
  const prefix = commonPrefix(matches);
  return {
    text: before + (prefix.length > wanted.length ? prefix : typed),
    matches: matches.sort(),
  };
}

/** Completes the last word of `text` (the cursor is at its end). */
export function complete(text: string, candidates: Candidates): Completion | undefined {
  const upload = UPLOAD_PATH_RE.exec(text);
  if (upload && candidates.paths) {
    return completePath(upload[1], upload[2], candidates.paths(upload[2]));
  }
  const goto = GOTO_RE.exec(text);
  if (goto && candidates.myRooms) {
    return completeRoomName(goto[1], goto[2], candidates.myRooms);
  }
  const start = text.search(/\S*$/);
  const word = text.slice(start);
  const before = text.slice(0, start);
  const first = before.trim() === "";
  const command = before.trim().split(/\s+/)[0]?.toLowerCase() ?? "";
  let pool: string[];
  let suffix = " ";
  if (first && word.startsWith("/")) {
    pool = candidates.commands.map((c) => `/${c}`);
  } else if (["/react", "/unreact"].includes(command) && /^-?:/.test(word)) {
    // `-:+1` takes a reaction back: the dash stays, the shortcode is completed.
    const dash = word.startsWith("-") ? "-" : "";
    const matches = SHORTCODE_NAMES.filter((c) =>
      c.startsWith(word.slice(dash.length).toLowerCase())
    );
    if (!matches.length) return undefined;
    if (matches.length === 1) return { text: before + dash + matches[0] + " ", matches: [] };
    const prefix = commonPrefix(matches);
    return { text: before + dash + prefix, matches: [...matches].sort() };
  } else if (["/join", "/j"].includes(command)) {
    pool = candidates.rooms;
  } else if (["/dm", "/invite", "/msg", "/query"].includes(command)) {
    pool = candidates.users;
  } else {
    pool = candidates.users;
    if (first) suffix = ": ";
  }
  if (!word && pool !== candidates.rooms) return undefined;
  const lower = word.replace(/^[@#]/, "").toLowerCase();
  const sigil = /^[@#]/.test(word) && !word.startsWith("/") ? word[0] : "";
  const matches = [...new Set(pool)].filter((c) =>
    c.toLowerCase().startsWith(sigil ? lower : word.toLowerCase())
  );
  if (!matches.length) return undefined;
  if (matches.length === 1) return { text: before + sigil + matches[0] + suffix, matches: [] };
  const prefix = commonPrefix(matches);
  const completed = prefix.length > (sigil ? lower : word).length ? sigil + prefix : word;
  return { text: before + completed, matches: matches.sort() };
}
