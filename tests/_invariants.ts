/**
 * @module Consistency checks over a whole KV store, read only: every index agrees
 * with what it indexes, every counter with what it counts, and every room's
 * messages are exactly seq 1..head. Tests run it on the store of a stopped server
 * (or on an in-process server's KV) after faults, floods and fuzzing: anything
 * half-written would show up here as an orphan or a gap.
 */

import type { Message } from "../lib/protocol/types.ts";
import { rowIds, type SenderRow } from "../lib/store/messages.ts";
import { CHUNK_SIZE } from "../lib/store/blobs.ts";
import { type FileRecord, thumbBlobId } from "../lib/store/files.ts";
import { termsOf } from "../lib/search/terms.ts";

type Entry = Deno.KvEntry<unknown>;

async function list(kv: Deno.Kv, prefix: Deno.KvKey): Promise<Entry[]> {
  const entries: Entry[] = [];
  for await (const entry of kv.list({ prefix })) entries.push(entry);
  return entries;
}

export interface KvSummary {
  users: number;
  sessions: number;
  rooms: number;
  memberships: number;
  messages: number;
  /** user id → number of sessions. */
  sessionsByUser: Map<string, number>;
  /** room id → newest seq. */
  heads: Map<string, number>;
}

/**
 * Answers every inconsistency found (empty when the store is sound), harmless
 * leftovers worth knowing (`notes`), and a summary of what it holds.
 */
export async function checkKv(
  kv: Deno.Kv,
): Promise<{ problems: string[]; notes: string[]; summary: KvSummary }> {
  const problems: string[] = [];
  const problem = (text: string) => {
    if (problems.length < 50) problems.push(text);
  };
  // Harmless leftovers, reported but not failed on.
  const notes: string[] = [];
  const get = async <T>(key: Deno.KvKey) => (await kv.get<T>(key)).value;

  // Users and their name index.
  const users = new Map<string, { username: string }>();
  for (const e of await list(kv, ["user"])) {
    const user = e.value as { id: string; username: string };
    users.set(e.key[1] as string, user);
    if (user.id !== e.key[1]) problem(`user ${String(e.key[1])} holds id ${user.id}`);
    const indexed = await get<string>(["user_by_name", user.username.toLowerCase()]);
    if (indexed !== user.id) problem(`user ${user.id} is not indexed by name "${user.username}"`);
  }
  for (const e of await list(kv, ["user_by_name"])) {
    const user = users.get(e.value as string);
    if (!user) problem(`name "${String(e.key[1])}" points to no user`);
    else if (user.username.toLowerCase() !== e.key[1]) {
      problem(`name index mismatch: ${String(e.key[1])}`);
    }
  }

  // Sessions and each user's session list.
  const sessionsByUser = new Map<string, number>();
  let sessions = 0;
  for (const e of await list(kv, ["session"])) {
    const session = e.value as { id: string; userId: string };
    sessions++;
    if (!users.has(session.userId)) problem(`session of unknown user ${session.userId}`);
    const listed = await get<string>(["user_session", session.userId, session.id]);
    if (listed !== e.key[1]) problem(`session ${session.id} is not in its user's list`);
  }
  for (const e of await list(kv, ["user_session"])) {
    const [, userId, sessionId] = e.key as [string, string, string];
    sessionsByUser.set(userId, (sessionsByUser.get(userId) ?? 0) + 1);
    const session = await get<{ id: string; userId: string }>(["session", e.value as string]);
    if (!session || session.id !== sessionId || session.userId !== userId) {
      problem(`user ${userId} lists session ${sessionId} that does not exist`);
    }
  }

  // Rooms, heads, the directory and direct pairs.
  const rooms = new Map<string, { kind: string; pair?: string[] }>();
  for (const e of await list(kv, ["room"])) {
    rooms.set(e.key[1] as string, e.value as { kind: string });
  }
  const heads = new Map<string, number>();
  const revs = new Map<string, number>();
  for (const e of await list(kv, ["room_seq"])) {
    const roomId = e.key[1] as string;
    const head = e.value as { seq: number; rev?: number };
    heads.set(roomId, head.seq);
    revs.set(roomId, head.rev ?? head.seq);
    if (!rooms.has(roomId)) problem(`head of a room that does not exist: ${roomId}`);
  }
  for (const [roomId, room] of rooms) {
    if (!heads.has(roomId)) problem(`room ${roomId} has no head`);
    const listed = (await kv.get(["public_room", roomId])).versionstamp !== null;
    if (listed !== (room.kind === "public")) problem(`room ${roomId} (${room.kind}) directory`);
  }
  for (const e of await list(kv, ["public_room"])) {
    if (!rooms.has(e.key[1] as string)) {
      problem(`directory lists a missing room ${String(e.key[1])}`);
    }
  }
  for (const e of await list(kv, ["dm"])) {
    const room = rooms.get(e.value as string);
    if (!room || room.kind !== "direct") problem(`dm pair points to no direct room`);
  }

  // Memberships both ways, and the member counters.
  const members = new Map<string, number>();
  let memberships = 0;
  for (const e of await list(kv, ["room_member"])) {
    const [, roomId, userId] = e.key as [string, string, string];
    memberships++;
    members.set(roomId, (members.get(roomId) ?? 0) + 1);
    if (!rooms.has(roomId)) problem(`member of a missing room ${roomId}`);
    if (!users.has(userId)) problem(`missing user ${userId} is a member of ${roomId}`);
    if ((await kv.get(["member_room", userId, roomId])).versionstamp === null) {
      problem(`membership ${roomId}/${userId} is missing from the user's rooms`);
    }
  }
  for (const e of await list(kv, ["member_room"])) {
    const [, userId, roomId] = e.key as [string, string, string];
    if ((await kv.get(["room_member", roomId, userId])).versionstamp === null) {
      problem(`user ${userId} lists room ${roomId} without being a member`);
    }
  }
  for (const roomId of rooms.keys()) {
    const counter = await get<Deno.KvU64>(["room_member_count", roomId]);
    const count = Number(counter?.value ?? 0n);
    if (count !== (members.get(roomId) ?? 0)) {
      problem(`room ${roomId} counts ${count} members, has ${members.get(roomId) ?? 0}`);
    }
  }

  // Invitations, indexed both ways with the same value.
  for (const e of await list(kv, ["invite"])) {
    const [, roomId, userId] = e.key as [string, string, string];
    if (!rooms.has(roomId)) problem(`invite to a missing room ${roomId}`);
    if (!users.has(userId)) problem(`invite of a missing user ${userId}`);
    const indexed = await kv.get(["user_invite", userId, roomId]);
    if (JSON.stringify(indexed.value) !== JSON.stringify(e.value)) {
      problem(`invite ${roomId}/${userId} is not in the user's invitations`);
    }
    if ((await kv.get(["room_member", roomId, userId])).versionstamp !== null) {
      // An invite racing the invitee's own join of a public room can land after it.
      // Harmless (joining deletes it; the list skips rooms I am in): a note.
      notes.push(`invite ${roomId}/${userId} is pending for a member`);
    }
  }
  for (const e of await list(kv, ["user_invite"])) {
    const [, userId, roomId] = e.key as [string, string, string];
    if ((await kv.get(["invite", roomId, userId])).versionstamp === null) {
      problem(`user ${userId} lists an invite to ${roomId} that does not exist`);
    }
  }

  // Messages: exactly seq 1..head per room, and clientIds that point at them.
  let messages = 0;
  const seqs = new Map<string, number[]>();
  for (const e of await list(kv, ["msg"])) {
    const [, roomId, seq] = e.key as [string, string, number];
    const message = e.value as Message;
    messages++;
    if (message.seq !== seq || message.roomId !== roomId) problem(`message key ${roomId}/${seq}`);
    let list = seqs.get(roomId);
    if (!list) seqs.set(roomId, list = []);
    list.push(seq);
  }
  for (const [roomId, head] of heads) {
    const list = seqs.get(roomId) ?? [];
    const gapFree = list.length === head && list.every((seq, i) => seq === i + 1);
    if (!gapFree) problem(`room ${roomId}: head ${head}, stored seqs ${list.length} (not 1..head)`);
  }
  for (const roomId of seqs.keys()) {
    if (!heads.has(roomId)) problem(`messages stored in a room with no head: ${roomId}`);
  }
  for (const e of await list(kv, ["msg_client"])) {
    const [, roomId, userId, clientId] = e.key as [string, string, string, string];
    const seq = (e.value as { seq: number }).seq;
    const message = await get<Message>(["msg", roomId, seq]);
    if (!message || message.userId !== userId || message.clientId !== clientId) {
      problem(`clientId ${clientId} points to no matching message (${roomId}/${seq})`);
    }
  }
  for (const e of await list(kv, ["sent"])) {
    const [, roomId, userId] = e.key as [string, string, string];
    const row = e.value as SenderRow;
    const newest = await get<Message>(["msg", roomId, row.seq]);
    if (!newest || newest.userId !== userId) {
      problem(`sender row ${roomId}/${userId}: seq ${row.seq}`);
    }
    for (const [clientId, seq] of rowIds(row)) {
      const message = await get<Message>(["msg", roomId, seq]);
      if (!message || message.userId !== userId || message.clientId !== clientId) {
        problem(`sender row ${roomId}/${userId}: clientId ${clientId} points to no match (${seq})`);
      }
    }
  }
  // The revision log (v2): every revision of a room is a new message or one change;
  // each changed message is in the compacted index once, at its current revision; no
  // message is past its room's revision; a deleted message keeps no text anywhere.
  const records = new Map<string, Message>();
  for (const e of await list(kv, ["msg"])) {
    const [, roomId, seq] = e.key as [string, string, number];
    records.set(`${roomId}/${seq}`, e.value as Message);
  }
  const changeCounts = new Map<string, number>();
  for (const e of await list(kv, ["msg_rev"])) {
    const [, roomId, rev] = e.key as [string, string, number];
    const { seq, headSeq } = e.value as { seq: number; headSeq: number };
    changeCounts.set(roomId, (changeCounts.get(roomId) ?? 0) + 1);
    if (rev > (revs.get(roomId) ?? 0)) problem(`change ${roomId}@${rev} is past the room's rev`);
    if (!records.has(`${roomId}/${seq}`)) problem(`change ${roomId}@${rev} names no message`);
    if (headSeq < seq) problem(`change ${roomId}@${rev} of seq ${seq} before it existed`);
  }
  for (const [roomId, rev] of revs) {
    const expected = (heads.get(roomId) ?? 0) + (changeCounts.get(roomId) ?? 0);
    if (rev !== expected) problem(`room ${roomId}: rev ${rev}, messages + changes ${expected}`);
  }
  const indexed = new Map<string, number>();
  for (const e of await list(kv, ["msg_changed"])) {
    const [, roomId, rev] = e.key as [string, string, number];
    const id = `${roomId}/${e.value as number}`;
    if (indexed.has(id)) problem(`message ${id} is in the change index twice`);
    indexed.set(id, rev);
  }
  for (const [id, message] of records) {
    const roomId = id.slice(0, id.lastIndexOf("/"));
    const rev = message.rev ?? message.seq;
    if (rev > (revs.get(roomId) ?? 0)) problem(`message ${id} rev ${rev} is past the room's`);
    const changed = message.createdRev !== undefined;
    if (changed && indexed.get(id) !== rev) problem(`message ${id} is not indexed at rev ${rev}`);
    if (!changed && indexed.has(id)) problem(`unchanged message ${id} is in the change index`);
    if (message.replyTo?.excerpt) problem(`reply ${id} stores an excerpt`);
    if (message.deleted) {
      if (
        message.text !== "" || message.reactions || message.replyTo || message.editedAt ||
        message.files
      ) {
        problem(`deleted message ${id} keeps content`);
      }
      const edits = await list(kv, ["msg_edit", message.roomId, message.seq]);
      if (edits.length) problem(`deleted message ${id} keeps ${edits.length} old texts`);
    }
  }
  for (const id of indexed.keys()) {
    if (!records.has(id)) problem(`change index names a missing message ${id}`);
  }
  // Replies, indexed under what they answer (their revision moves when it changes).
  for (const e of await list(kv, ["msg_reply"])) {
    const [, roomId, original, seq] = e.key as [string, string, number, number];
    const reply = records.get(`${roomId}/${seq}`);
    if (!reply || reply.replyTo?.seq !== original) {
      problem(`reply index ${roomId}/${original} → ${seq} names no reply to it`);
    }
  }
  for (const [id, message] of records) {
    if (!message.replyTo) continue;
    const key = ["msg_reply", message.roomId, message.replyTo.seq, message.seq];
    if ((await kv.get(key)).versionstamp === null) problem(`reply ${id} is not indexed`);
  }

  await checkThreads(kv, records, problem);
  await checkFiles(kv, records, problem, notes);
  await checkSearch(kv, records, revs, problem, notes);
  await checkPeopleAndRooms(kv, problem, notes);

  for (const e of await list(kv, ["read"])) {
    const [, userId, roomId] = e.key as [string, string, string];
    if ((e.value as number) > (heads.get(roomId) ?? 0)) problem(`read marker past the head`);
    if ((await kv.get(["room_member", roomId, userId])).versionstamp === null) {
      // A send or a read racing the sender's leave can write the marker after the
      // leave deleted it. Harmless (it only matters if they join again, where unread
      // counts then start from it), so it is a note, not a problem.
      notes.push(`read marker of a non-member ${userId} in ${roomId}`);
    }
  }

  return {
    problems,
    notes,
    summary: {
      users: users.size,
      sessions,
      rooms: rooms.size,
      memberships,
      messages,
      sessionsByUser,
      heads,
    },
  };
}

/**
 * Files: every published file has all its chunks (and its thumbnail's), is posted
 * in the message that carries it or indexed as unposted; no chunks belong to no
 * record, pending upload or trash marker.
 */
async function checkFiles(
  kv: Deno.Kv,
  records: Map<string, Message>,
  problem: (text: string) => void,
  notes: string[],
): Promise<void> {
  const chunks = new Map<string, number[]>();
  for await (const e of kv.list({ prefix: ["blob"] })) {
    const [, blobId, index] = e.key as [string, string, number];
    const list = chunks.get(blobId) ?? [];
    list.push(index);
    chunks.set(blobId, list);
    const size = (e.value as Uint8Array).byteLength;
    if (size > CHUNK_SIZE || size === 0) {
      problem(`blob ${blobId} chunk ${index} holds ${size} bytes`);
    }
  }
  const owned = new Set<string>();
  const expectChunks = (blobId: string, size: number, what: string) => {
    owned.add(blobId);
    const have = chunks.get(blobId) ?? [];
    const want = Math.ceil(size / CHUNK_SIZE);
    if (have.length !== want || have.some((index, i) => index !== i)) {
      problem(`${what} has ${have.length} of its ${want} chunks`);
    }
  };
  const unposted = new Set<string>();
  for (const e of await list(kv, ["file_unposted"])) unposted.add(e.key[2] as string);
  for (const e of await list(kv, ["file"])) {
    const file = e.value as FileRecord;
    expectChunks(file.id, file.size, `file ${file.id}`);
    if (file.thumb) expectChunks(thumbBlobId(file.id), file.thumb.size, `thumbnail of ${file.id}`);
    if (file.posted) {
      const message = records.get(`${file.posted.roomId}/${file.posted.seq}`);
      if (!message?.files?.some((f) => f.id === file.id)) {
        problem(`file ${file.id} is posted in a message that does not carry it`);
      }
      if (unposted.has(file.id)) problem(`posted file ${file.id} is indexed as unposted`);
    } else if (!unposted.has(file.id)) problem(`unposted file ${file.id} is not indexed`);
  }
  for (const id of unposted) {
    if ((await kv.get(["file", id])).versionstamp === null) notes.push(`unposted index of ${id}`);
  }
  for (const message of records.values()) {
    for (const f of message.files ?? []) {
      if ((await kv.get(["file", f.id])).versionstamp === null) {
        problem(`message ${message.id} carries file ${f.id} without a record`);
      }
    }
  }
  const marked = new Set<string>();
  for (const e of await list(kv, ["blob_pending"])) marked.add(e.key[1] as string);
  for (const e of await list(kv, ["blob_trash"])) marked.add(e.key[1] as string);
  for (const blobId of chunks.keys()) {
    if (!owned.has(blobId) && !marked.has(blobId)) {
      problem(`blob ${blobId} has chunks but no file, upload or trash marker`);
    }
  }
}

/**
 * Mentions and threads (v2): each mention key names a live message that lists the
 * user; each `@room`/`@here` key one that says so; every thread reply is indexed
 * under its root, whose summary counts exactly its replies; followers are indexed
 * both ways.
 */
async function checkThreads(
  kv: Deno.Kv,
  records: Map<string, Message>,
  problem: (text: string) => void,
): Promise<void> {
  for (const e of await list(kv, ["mention"])) {
    const [, userId, roomId, seq] = e.key as [string, string, string, number];
    const message = records.get(`${roomId}/${seq}`);
    if (!message || message.deleted || !message.mentions?.includes(userId)) {
      problem(`mention of ${userId} at ${roomId}/${seq} names no message mentioning them`);
    }
    const at = ["mention_at", userId, message?.createdAt ?? 0, roomId, seq];
    if ((await kv.get(at)).versionstamp === null) problem(`mention ${roomId}/${seq} not by time`);
  }
  for (const e of await list(kv, ["mention_at"])) {
    const [, userId, , roomId, seq] = e.key as [string, string, number, string, number];
    if ((await kv.get(["mention", userId, roomId, seq])).versionstamp === null) {
      problem(`mention by time ${roomId}/${seq} has no mention key`);
    }
  }
  for (const e of await list(kv, ["room_mention"])) {
    const [, roomId, seq] = e.key as [string, string, number];
    const message = records.get(`${roomId}/${seq}`);
    if (!message || message.deleted || !message.mentionsAll) {
      problem(`room mention at ${roomId}/${seq} names no @room/@here message`);
    }
  }
  const replies = new Map<string, number>();
  for (const e of await list(kv, ["thread_msg"])) {
    const [, roomId, root, seq] = e.key as [string, string, number, number];
    const reply = records.get(`${roomId}/${seq}`);
    if (!reply || reply.threadRoot !== root) problem(`thread index ${roomId}/${root} → ${seq}`);
    replies.set(`${roomId}/${root}`, (replies.get(`${roomId}/${root}`) ?? 0) + 1);
  }
  for (const [id, message] of records) {
    if (message.threadRoot) {
      const key = ["thread_msg", message.roomId, message.threadRoot, message.seq];
      if ((await kv.get(key)).versionstamp === null) problem(`reply ${id} is not in its thread`);
      const root = records.get(`${message.roomId}/${message.threadRoot}`);
      if (!root || root.threadRoot) problem(`reply ${id} has no top-level root`);
      const inRoom =
        (await kv.get(["in_thread", message.roomId, message.seq])).versionstamp !== null;
      if (inRoom === !!message.alsoInRoom) problem(`reply ${id}: in_thread index is wrong`);
    }
    if ((message.thread?.count ?? 0) !== (replies.get(id) ?? 0)) {
      problem(
        `root ${id}: summary says ${message.thread?.count ?? 0}, ${replies.get(id) ?? 0} replies`,
      );
    }
  }
  for (const e of await list(kv, ["follow"])) {
    const [, userId, roomId, root] = e.key as [string, string, string, number];
    if ((await kv.get(["follower", roomId, root, userId])).versionstamp === null) {
      problem(`follow ${userId} → ${roomId}/${root} has no follower key`);
    }
  }
  for (const e of await list(kv, ["follower"])) {
    const [, roomId, root, userId] = e.key as [string, string, number, string];
    if ((await kv.get(["follow", userId, roomId, root])).versionstamp === null) {
      problem(`follower ${userId} of ${roomId}/${root} has no follow key`);
    }
  }
}

/**
 * The search index (v2): every posting is listed by its message's doc and every doc
 * term has its posting (they are written together); every posted term is in its
 * room's dictionary; no doc outlives its message. Where a room's marker has
 * reached a message's revision, the message is indexed with exactly the terms it
 * has now (none once deleted): so postings point at live messages that contain
 * the term, and every live message is indexed. A marker behind its room (a kill -9
 * before the indexer got there) is a note: the next start catches up.
 */
async function checkSearch(
  kv: Deno.Kv,
  records: Map<string, Message>,
  revs: Map<string, number>,
  problem: (text: string) => void,
  notes: string[],
): Promise<void> {
  const docs = new Map<string, { at: number; terms: Set<string>; posted: number }>();
  for (const e of await list(kv, ["sx_doc"])) {
    const [, roomId, seq] = e.key as [string, string, number];
    const value = e.value as { at: number; terms: string };
    const terms = new Set(value.terms ? value.terms.split("\n") : []);
    docs.set(`${roomId}/${seq}`, { at: value.at, terms, posted: 0 });
    const message = records.get(`${roomId}/${seq}`);
    if (!message) problem(`search doc ${roomId}/${seq} names no message`);
    else if (message.createdAt !== value.at) problem(`search doc ${roomId}/${seq}: wrong time`);
    if (!terms.size) problem(`search doc ${roomId}/${seq} lists no term`);
  }
  const counts = new Map<string, number>();
  for (const e of await list(kv, ["sx"])) {
    const [, roomId, term, at, seq] = e.key as [string, string, string, number, number];
    const doc = docs.get(`${roomId}/${seq}`);
    if (!doc || !doc.terms.has(term) || doc.at !== at) {
      problem(`search posting ${roomId}/${term}/${seq} is not in its message's doc`);
    } else doc.posted++;
    const key = `${roomId}\n${term}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  for (const [id, doc] of docs) {
    if (doc.posted !== doc.terms.size) {
      problem(`search doc ${id} lists ${doc.terms.size} terms, ${doc.posted} posted`);
    }
  }
  for (const e of await list(kv, ["sx_dict"])) {
    const [, roomId, term] = e.key as [string, string, string];
    const key = `${roomId}\n${term}`;
    // Left when a cleanup lost its race with another writer: harmless, a note.
    if (!counts.has(key)) notes.push(`search dictionary of ${roomId} lists "${term}", unposted`);
    counts.delete(key);
  }
  for (const key of counts.keys()) {
    problem(`search term not in its room's dictionary: ${key.replace("\n", " ")}`);
  }
  const markers = new Map<string, number>();
  for (const e of await list(kv, ["sx_rev"])) {
    const roomId = e.key[1] as string;
    const marker = e.value as { rev: number; wipe?: true };
    markers.set(roomId, marker.wipe ? -1 : marker.rev);
    if (marker.rev > (revs.get(roomId) ?? 0)) problem(`search marker of ${roomId} is past its rev`);
  }
  for (const [roomId, rev] of revs) {
    const marker = markers.get(roomId) ?? 0;
    if (marker < rev) notes.push(`search index of ${roomId} is behind: ${marker} of ${rev}`);
  }
  for (const [id, message] of records) {
    if ((markers.get(message.roomId) ?? 0) < (message.rev ?? message.seq)) continue;
    const want = termsOf(message);
    const have = docs.get(id)?.terms ?? new Set<string>();
    if (want.length !== have.size || want.some((t) => !have.has(t))) {
      problem(`message ${id} is indexed with ${have.size} terms, it has ${want.length}`);
    }
  }
}

/** Where each kind of key names its room (index into the key), for the orphan check. */
const ROOM_AT: Record<string, number> = {
  room_seq: 1,
  room_member: 1,
  room_member_count: 1,
  public_room: 1,
  invite: 1,
  room_ban: 1,
  msg: 1,
  msg_rev: 1,
  msg_changed: 1,
  msg_reply: 1,
  msg_edit: 1,
  reaction: 1,
  sent: 1,
  msg_client: 1,
  room_mention: 1,
  thread_msg: 1,
  in_thread: 1,
  follower: 1,
  room_settings: 1,
  sx: 1,
  sx_doc: 1,
  sx_dict: 1,
  sx_rev: 1,
  member_room: 2,
  read: 2,
  user_invite: 2,
  mention: 2,
  follow: 2,
  thread_read: 2,
  mention_at: 3,
};

/**
 * People, rooms and the server (v2): every role is owner, admin or member; a room
 * with members has exactly one owner (a direct room none); nobody banned from a
 * room is in it; every public room's name is indexed, ignoring case, and the index
 * names only public rooms of that name; deactivated accounts hold no session; at
 * most one server admin. Once no room deletion is pending, no key names a room
 * that does not exist (a deleted room left nothing behind), and no file is posted
 * in one.
 */
async function checkPeopleAndRooms(
  kv: Deno.Kv,
  problem: (text: string) => void,
  notes: string[],
): Promise<void> {
  const rooms = new Map<string, { name: string; kind: string }>();
  for (const e of await list(kv, ["room"])) {
    rooms.set(e.key[1] as string, e.value as { name: string; kind: string });
  }
  const owners = new Map<string, number>();
  const memberCount = new Map<string, number>();
  for (const e of await list(kv, ["room_member"])) {
    const [, roomId, userId] = e.key as [string, string, string];
    const { role } = e.value as { role: string };
    memberCount.set(roomId, (memberCount.get(roomId) ?? 0) + 1);
    if (!["owner", "admin", "member"].includes(role)) {
      problem(`member ${roomId}/${userId}: ${role}`);
    }
    if (role === "owner") owners.set(roomId, (owners.get(roomId) ?? 0) + 1);
    if (rooms.get(roomId)?.kind === "direct" && role !== "member") {
      problem(`direct room ${roomId} has a member with role ${role}`);
    }
    if ((await kv.get(["room_ban", roomId, userId])).versionstamp !== null) {
      problem(`banned user ${userId} is a member of ${roomId}`);
    }
  }
  for (const [roomId, room] of rooms) {
    const count = owners.get(roomId) ?? 0;
    const want = room.kind === "direct" || !memberCount.get(roomId) ? 0 : 1;
    if (count !== want) problem(`room ${roomId} has ${count} owners, ${want} expected`);
  }
  for (const [roomId, room] of rooms) {
    if (room.kind !== "public") continue;
    const indexed = (await kv.get(["room_name", room.name.toLowerCase()])).value;
    if (indexed !== roomId) problem(`public room ${roomId} "${room.name}" is not indexed by name`);
  }
  for (const e of await list(kv, ["room_name"])) {
    const room = rooms.get(e.value as string);
    if (!room || room.kind !== "public" || room.name.toLowerCase() !== e.key[1]) {
      problem(`room name "${String(e.key[1])}" names no public room of that name`);
    }
  }
  let admins = 0;
  const avatars = new Map<string, string>();
  for (const e of await list(kv, ["avatar"])) {
    avatars.set(e.key[1] as string, (e.value as { version: string }).version);
  }
  for (const e of await list(kv, ["user"])) {
    const user = e.value as {
      id: string;
      serverAdmin?: true;
      deactivatedAt?: number;
      avatar?: string;
    };
    if (user.serverAdmin) admins++;
    if (user.avatar !== avatars.get(user.id)) {
      problem(`user ${user.id}'s avatar ${user.avatar} is stored as ${avatars.get(user.id)}`);
    }
    avatars.delete(user.id);
    if (user.deactivatedAt && (await list(kv, ["user_session", user.id])).length) {
      problem(`deactivated user ${user.id} still has sessions`);
    }
  }
  if (admins > 1) problem(`${admins} server admins`);
  for (const userId of avatars.keys()) problem(`an avatar of a missing user ${userId}`);

  const deleting = await list(kv, ["room_deleting"]);
  if (deleting.length) {
    notes.push(`${deleting.length} room deletions pending: orphans not checked`);
    return;
  }
  const orphans = new Map<string, number>();
  for (const [kind, at] of Object.entries(ROOM_AT)) {
    for (const e of await list(kv, [kind])) {
      const roomId = e.key[at] as string;
      if (!rooms.has(roomId)) {
        orphans.set(`${kind}:${roomId}`, (orphans.get(`${kind}:${roomId}`) ?? 0) + 1);
      }
    }
  }
  for (const [what, n] of orphans) {
    problem(`${n} ${what.split(":")[0]} keys name a missing room ${what.split(":")[1]}`);
  }
  for (const e of await list(kv, ["file"])) {
    const posted = (e.value as { posted?: { roomId: string } }).posted;
    if (posted && !rooms.has(posted.roomId)) {
      problem(`file ${String(e.key[1])} posted in a missing room`);
    }
  }
}
