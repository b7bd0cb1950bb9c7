/**
 * @module Changes of one room, committed in batches: every edit, delete and reaction
 * queued while the room's previous commit was in flight goes into the next one, as
 * sends do (see messages.ts). One KV commit for 30 changes costs about what one
 * costs, so a reaction storm on an announcement does not queue up behind `fsync`.
 *
 * A batch is planned against an overlay of what it read (the records of the
 * messages it touches, the reaction keys, the room head): each change sees the ones
 * before it in the same batch, takes the next revision, and a change that is
 * refused (403, 404, 400) or changes nothing takes none and leaves the overlay as it
 * was. The commit checks every key read, so a concurrent writer (another isolate)
 * fails it and the whole batch is planned again from fresh reads; outcomes are told
 * only after a commit succeeded.
 *
 * KV allows 100 checks and 1000 mutations per commit: a batch holds at most
 * `CHANGES_PER_BATCH` changes (two keys checked each), and an edit or delete whose
 * replies (one revision each, see `ChangePlan.quotedChanged` in messages.ts) would
 * not fit ends the batch before it: it goes first in the next one.
 */

import { BadRequestError, ForbiddenError, NotFoundError } from "../errors.ts";
import { REACTION_USERS_SHOWN, REACTIONS_MAX } from "../protocol/limits.ts";
import { type Message, type MessageEdit, type Reaction, replyRefOf } from "../protocol/types.ts";
import { getMany, listAll } from "./kv.ts";
import {
  changedKey,
  changeKey,
  editHistoryOf,
  editKey,
  messageKey,
  reactionKey,
  repliesOf,
  replyKey,
} from "./keys.ts";
import { headRev, type RoomHead } from "./revisions.ts";
import { unpublishFiles } from "./files.ts";
import {
  type KvSet,
  mentionDeletes,
  type MentionSet,
  mentionSets,
  withMentions,
} from "./mention_index.ts";
import { roomMentionKey } from "./keys.ts";

/** Changes one commit takes at most. */
export const CHANGES_PER_BATCH = 30;
/** Replies that get a revision of their own when their original changes. */
export const REPLIES_BUMPED = 90;
/** Previous texts kept per message (older ones are dropped by the next edit). */
export const EDITS_KEPT = 100;
const MAX_CHECKS = 100;

export type ChangeOp =
  | { kind: "edit"; seq: number; userId: string; text: string; mentions?: MentionSet }
  /** `owner`: the room's owner or an admin, who may delete anyone's message. */
  | { kind: "delete"; seq: number; userId: string; owner: boolean }
  | { kind: "react"; seq: number; userId: string; emoji: string; on: boolean };

/** One message's change as committed: its state then, and the revision it took. */
export interface CommittedChange {
  message: Message;
  rev: number;
}

export type ChangeOutcome =
  | {
    ok: true;
    /** The message after this change (or as it is, when it changed nothing). */
    message: Message;
    /** The revision it took; null when it changed nothing. */
    rev: number | null;
    /** Replies that took a revision because what they quote changed. */
    replies: CommittedChange[];
    /** A delete: its reactions are to be removed after the commit. */
    deleted?: boolean;
    /** A delete of a message with files (their bytes are to be reaped). */
    hadFiles?: boolean;
    /** An edit: the users it mentions now and did not before (they are notified). */
    mentioned?: string[];
  }
  | { ok: false; error: Error }
  /** Did not fit this batch: commit it in the next. */
  | { deferred: true };

export interface BatchPlan {
  outcomes: ChangeOutcome[];
  checks: Deno.AtomicCheck[];
  sets: Array<[Deno.KvKey, unknown]>;
  deletes: Deno.KvKey[];
  head: RoomHead;
  /** Whether anything changed (else there is nothing to commit). */
  changed: boolean;
  bytes: number;
}

interface Held {
  entry: Deno.KvEntryMaybe<Message>;
  current: Message | null;
  /** Its compacted index entry before the batch (changed before), if any. */
  indexedAt?: number;
  touched: boolean;
}

const keyId = (key: Deno.KvKey) => JSON.stringify(key);

async function keysOf(kv: Deno.Kv, prefix: Deno.KvKey, limit: number): Promise<Deno.KvKey[]> {
  return (await listAll(kv, prefix, limit)).map((entry) => entry.key);
}

/** Plans `ops` (in order) over `head` as one commit; see the module doc. */
export async function planBatch(
  kv: Deno.Kv,
  roomId: string,
  head: Deno.KvEntry<RoomHead>,
  ops: ChangeOp[],
  now: number,
): Promise<BatchPlan> {
  const held = new Map<number, Held>();
  const load = async (seqs: number[]) => {
    const missing = [...new Set(seqs)].filter((seq) => !held.has(seq));
    const entries = await getMany<Message>(kv, missing.map((seq) => messageKey(roomId, seq)));
    missing.forEach((seq, i) => {
      const entry = entries[i];
      const current = entry.value ? { ...entry.value, rev: entry.value.rev ?? seq } : null;
      held.set(seq, {
        entry,
        current,
        indexedAt: current?.createdRev !== undefined ? current.rev : undefined,
        touched: false,
      });
    });
  };
  const reactionOps = ops.filter((op) => op.kind === "react");
  const reactionKeys = [
    ...new Map(
      reactionOps.map((op) => {
        const key = reactionKey(roomId, op.seq, op.emoji, op.userId);
        return [keyId(key), key];
      }),
    ).values(),
  ];
  const [, reactionEntries] = await Promise.all([
    load(ops.map((op) => op.seq)),
    getMany<number>(kv, reactionKeys),
  ]);
  /** Reaction keys: whether each exists now (in the overlay) and as read. */
  const reactions = new Map<string, { entry: Deno.KvEntryMaybe<number>; on: boolean }>();
  reactionEntries.forEach((entry) => {
    reactions.set(keyId(entry.key), { entry, on: entry.versionstamp !== null });
  });

  let rev = headRev(head.value);
  const changes: Array<[Deno.KvKey, unknown]> = [];
  /** Edit history writes and removals, by key (a delete drops the batch's own). */
  const history = new Map<string, { key: Deno.KvKey; value: MessageEdit | null }>();
  const deletes: Deno.KvKey[] = [];
  /** Blobs of deleted messages' files, handed to the reaper in the same commit. */
  const trashed: Array<[Deno.KvKey, unknown]> = [];
  const outcomes: ChangeOutcome[] = [];
  /** Mention index writes of edits (a later change of the same message in the batch redoes them). */
  const indexSets: KvSet[] = [];
  let checkCount = 1 + held.size + reactions.size;
  let stopped = false;

  const take = (seq: number, message: Message): number => {
    rev++;
    const h = held.get(seq)!;
    const createdRev = h.entry.value ? h.entry.value.createdRev ?? h.entry.value.rev ?? seq : rev;
    h.current = { ...message, rev, createdRev };
    h.touched = true;
    changes.push([changeKey(roomId, rev), { seq, headSeq: head.value.seq }]);
    return rev;
  };

  /** The replies to `seq` take a revision each; false when they do not fit this batch. */
  const bumpReplies = async (seq: number, first: boolean): Promise<CommittedChange[] | null> => {
    const seqs = (await keysOf(kv, repliesOf(roomId, seq), REPLIES_BUMPED))
      .map((key) => key[3] as number);
    const fresh = seqs.filter((s) => !held.has(s)).length;
    if (!first && checkCount + fresh > MAX_CHECKS) return null;
    const fits = seqs.slice(0, Math.max(0, MAX_CHECKS - checkCount));
    await load(fits);
    checkCount += fresh;
    const bumped: CommittedChange[] = [];
    for (const replySeq of fits) {
      const reply = held.get(replySeq)!.current;
      if (!reply || reply.deleted) continue;
      const replyRev = take(replySeq, reply);
      bumped.push({ message: held.get(replySeq)!.current!, rev: replyRev });
    }
    return bumped;
  };

  for (const op of ops) {
    if (stopped) {
      outcomes.push({ deferred: true });
      continue;
    }
    const h = held.get(op.seq)!;
    const current = h.current;
    try {
      if (!current) throw new NotFoundError(`Message not found: ${op.seq}`);
      if (op.kind === "edit" || op.kind === "delete") {
        let next: Message;
        if (op.kind === "edit") {
          if (current.deleted) throw new NotFoundError(`Message was deleted: ${op.seq}`);
          if (current.userId !== op.userId) {
            throw new ForbiddenError("Only its author can edit a message");
          }
          if (current.text === op.text) {
            outcomes.push({ ok: true, message: current, rev: null, replies: [] });
            continue;
          }
          next = withMentions({ ...current, text: op.text, editedAt: now }, op.mentions);
        } else {
          if (current.userId !== op.userId && !op.owner) {
            throw new ForbiddenError(
              "Only its author, the room's owner or an admin can delete a message",
            );
          }
          if (current.deleted) {
            outcomes.push({ ok: true, message: current, rev: null, replies: [] });
            continue;
          }
          next = tombstoneOf(current, now);
        }
        const quoted = op.kind === "delete" ||
          replyRefOf(current).excerpt !== replyRefOf(next).excerpt;
        const before = { rev, changes: changes.length, touched: h.touched };
        const taken = take(op.seq, next);
        let replies: CommittedChange[] = [];
        if (quoted) {
          const bumped = await bumpReplies(op.seq, before.rev === headRev(head.value));
          if (bumped === null) {
            // Its replies do not fit beside what the batch holds: it waits for the next.
            rev = before.rev;
            changes.length = before.changes;
            h.current = current;
            h.touched = before.touched;
            stopped = true;
            outcomes.push({ deferred: true });
            continue;
          }
          replies = bumped;
        }
        if (op.kind === "edit") {
          const named = new Set(op.mentions?.named ?? []);
          deletes.push(...mentionDeletes(current, named));
          if (current.mentionsAll && !op.mentions?.all) {
            deletes.push(roomMentionKey(roomId, op.seq));
          }
          if (op.mentions) indexSets.push(...mentionSets(h.current!, op.mentions));
          const before = new Set(current.mentions ?? []);
          const mentioned = (h.current!.mentions ?? []).filter((id) => !before.has(id));
          const key = editKey(roomId, op.seq, taken);
          history.set(keyId(key), {
            key,
            value: {
              text: current.text,
              since: current.editedAt ?? current.createdAt,
              replacedAt: now,
            },
          });
          const kept = await keysOf(kv, editHistoryOf(roomId, op.seq), EDITS_KEPT + 1);
          for (const old of kept.slice(0, Math.max(0, kept.length - EDITS_KEPT + 1))) {
            deletes.push(old);
          }
          outcomes.push({
            ok: true,
            message: h.current!,
            rev: taken,
            replies,
            ...(mentioned.length ? { mentioned } : {}),
          });
        } else {
          deletes.push(...mentionDeletes(current));
          if (current.mentionsAll) deletes.push(roomMentionKey(roomId, op.seq));
          // Its old texts go in the same commit, the batch's own edits of it too.
          for (const key of await keysOf(kv, editHistoryOf(roomId, op.seq), EDITS_KEPT + 10)) {
            deletes.push(key);
          }
          for (const [id, write] of history) {
            if (write.key[2] === op.seq) history.delete(id);
          }
          if (current.replyTo) deletes.push(replyKey(roomId, current.replyTo.seq, op.seq));
          // Its files go with it: the records now (unreachable at once), the bytes to the reaper.
          const files = current.files?.length ? unpublishFiles(current.files, now) : undefined;
          if (files) {
            deletes.push(...files.deletes);
            trashed.push(...files.sets);
          }
          outcomes.push({
            ok: true,
            message: h.current!,
            rev: taken,
            replies,
            deleted: true,
            ...(files ? { hadFiles: true } : {}),
          });
        }
      } else {
        if (current.deleted) throw new NotFoundError(`Message was deleted: ${op.seq}`);
        const state = reactions.get(keyId(reactionKey(roomId, op.seq, op.emoji, op.userId)))!;
        if (state.on === op.on) {
          outcomes.push({ ok: true, message: current, rev: null, replies: [] });
          continue;
        }
        const next = withReaction(current, op.emoji, op.userId, op.on);
        state.on = op.on;
        const taken = take(op.seq, next);
        outcomes.push({ ok: true, message: h.current!, rev: taken, replies: [] });
      }
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      if (
        !(error instanceof NotFoundError || error instanceof ForbiddenError ||
          error instanceof BadRequestError)
      ) throw error;
      outcomes.push({ ok: false, error });
    }
  }

  const checks: Deno.AtomicCheck[] = [head];
  const sets: Array<[Deno.KvKey, unknown]> = [...changes, ...trashed, ...indexSets];
  let bytes = 0;
  for (const [seq, h] of held) {
    checks.push(h.entry);
    if (!h.touched || !h.current) continue;
    sets.push([messageKey(roomId, seq), h.current], [changedKey(roomId, h.current.rev!), seq]);
    if (h.indexedAt !== undefined) deletes.push(changedKey(roomId, h.indexedAt));
    bytes += h.current.text.length * 3 + 400;
  }
  for (const { entry, on } of reactions.values()) {
    checks.push(entry);
    const was = entry.versionstamp !== null;
    if (on && !was) sets.push([entry.key, now]);
    if (!on && was) deletes.push(entry.key);
  }
  for (const { key, value } of history.values()) {
    sets.push([key, value]);
    bytes += (value?.text.length ?? 0) * 3 + 100;
  }
  return {
    outcomes,
    checks,
    sets,
    deletes,
    head: { ...head.value, rev },
    changed: rev !== headRev(head.value),
    bytes,
  };
}

/** The tombstone of a message: who and when, no text, reactions or reply. */
function tombstoneOf(message: Message, now: number): Message {
  return {
    id: message.id,
    roomId: message.roomId,
    seq: message.seq,
    userId: message.userId,
    username: message.username,
    text: "",
    createdAt: message.createdAt,
    ...(message.clientId ? { clientId: message.clientId } : {}),
    // A thread stays a thread: its replies are still there.
    ...(message.threadRoot ? { threadRoot: message.threadRoot } : {}),
    ...(message.thread ? { thread: message.thread } : {}),
    deleted: true,
    deletedAt: now,
  };
}

/** `message` with my reaction `emoji` on or off. */
function withReaction(message: Message, emoji: string, userId: string, on: boolean): Message {
  const reactions: Reaction[] = (message.reactions ?? []).map((r) => ({
    ...r,
    users: [...r.users],
  }));
  let entry = reactions.find((r) => r.emoji === emoji);
  if (on) {
    if (!entry) {
      if (reactions.length >= REACTIONS_MAX) {
        throw new BadRequestError(
          `Too many reactions: a message carries at most ${REACTIONS_MAX} distinct emoji`,
        );
      }
      entry = { emoji, count: 0, users: [] };
      reactions.push(entry);
    }
    entry.count++;
    if (entry.users.length < REACTION_USERS_SHOWN && !entry.users.includes(userId)) {
      entry.users.push(userId);
    }
  } else if (entry) {
    entry.count = Math.max(0, entry.count - 1);
    entry.users = entry.users.filter((id) => id !== userId);
  }
  const kept = reactions.filter((r) => r.count > 0);
  const { reactions: _old, ...rest } = message;
  return kept.length ? { ...rest, reactions: kept } : rest;
}
