/**
 * @module One writer per room among the isolates of a process (`deno serve
 * --parallel`). Every message commit checks its room's head, so two isolates
 * writing into one room keep moving the head under each other: in many rooms, with
 * every room's members spread over both isolates, 187–303 commits a second failed
 * their check and were redone, and the p99 was 4–7 s. Here each room's sends and
 * changes go to one isolate (rendezvous over the isolates that answer on this
 * store's channel), which commits them in its own queue beside its own, with the
 * head it has cached, and answers what it stored; delivery is as before (the
 * owner's commit is heard by every isolate over the bus).
 *
 * The owner is a hint, never a lock: while isolates come or go, two may both
 * commit for a room for a moment, and the KV's checks keep that correct, as before.
 * When an answer does not come (an isolate stopping), the job is done here: only
 * sends with a clientId are forwarded, so the clientId finds a message the owner
 * stored after all, and a change done twice changes nothing more. The channel is
 * BroadcastChannel, which on one machine joins the isolates of one process only;
 * it is named after the store's path, so that servers on different stores in one
 * process never mix.
 */

import { ChatError } from "../errors.ts";
import type { ErrorCode } from "../protocol/types.ts";
import { metrics } from "../metrics.ts";
import { BatchedChannel } from "../realtime/channel_batch.ts";
import { rendezvous } from "../realtime/rendezvous.ts";
import type { NewMessage, Stored } from "../store/messages.ts";
import type { ChangeOp } from "../store/change_batch.ts";
import type { Changed } from "./messages.ts";

/**
 * How often an isolate says it is there, and how long a silent one still counts.
 * Generous: a busy isolate's event loop can lag by seconds, and a peer that
 * expires too soon moves its rooms back and forth. One that stops says so (`bye`).
 */
const HELLO_MS = 5000;
const PEER_TTL_MS = 30_000;
/** How long a forwarded job waits for its answer before it is done here. */
const ANSWER_MS = 10_000;
/**
 * Deno's BroadcastChannel drops messages for a receiver that falls behind (posting
 * 20,000 in bursts of 100 to a busy worker, ~800 never arrived): a job not answered
 * within this is posted again. The owner does each job once and answers a repeat
 * from what it remembers (ANSWERS_KEPT), or not at all while the job is under way.
 * Not sooner: under load an answer can take a second or two, and resending all of
 * those only adds to the load.
 */
const RESEND_MS = 3000;
const ANSWERS_KEPT = 5000;
/**
 * How often one timer says hello, prunes silent peers, and looks over the jobs
 * waiting for an answer (posted again, or given up): not two timers per job.
 */
const TICK_MS = 1000;

/** What one isolate asks another to commit: a checked send, or a change. */
export type RoomJob = { kind: "send"; item: NewMessage } | { kind: "change"; op: ChangeOp };
type Done = Stored | Changed;

type Wire =
  | { t: "hello" | "bye"; from: string }
  | { t: "job"; from: string; to: string; id: number; roomId: string; job: RoomJob }
  | { t: "done"; to: string; id: number; done: Done }
  | { t: "failed"; to: string; id: number; code: ErrorCode; message: string };

/** Commits what another isolate forwarded (the message service's queue). */
export type CommitHere = (roomId: string, job: RoomJob) => Promise<Done>;

interface Waiting {
  resolve(done: Done | undefined): void;
  reject(err: unknown): void;
  wire: Wire;
  askedAt: number;
  postedAt: number;
}

export class RoomRouter {
  #id: string;
  #name: string;
  #channel: BatchedChannel<Wire> | undefined;
  /** Other isolates heard, with when last; and every isolate the rooms are spread over. */
  #peers = new Map<string, number>();
  #members: string[];
  #tick: ReturnType<typeof setInterval> | undefined;
  #helloAt = 0;
  #nextId = 1;
  #waiting = new Map<number, Waiting>();
  /** Jobs done for others (by requester and id), with their answers; null: under way. */
  #answers = new Map<string, Wire | null>();
  #commitHere: CommitHere | undefined;

  constructor(isolateId: string, storePath: string) {
    this.#id = isolateId;
    this.#name = `chat-room-writes:${storePath}`;
    this.#members = [isolateId];
  }

  /** Joins the channel; `commitHere` commits what other isolates forward. */
  start(commitHere: CommitHere): void {
    this.#commitHere = commitHere;
    this.#channel = new BatchedChannel(this.#name, (wire) => this.#heard(wire));
    this.#hello();
    // Unref'd while nothing waits for an answer: it never keeps the process alive.
    this.#tick = setInterval(() => this.#onTick(Date.now()), TICK_MS);
    Deno.unrefTimer(this.#tick);
  }

  #hello(): void {
    this.#helloAt = Date.now();
    this.#post({ t: "hello", from: this.#id });
  }

  #onTick(now: number): void {
    if (now - this.#helloAt >= HELLO_MS) {
      this.#hello();
      for (const [id, seen] of this.#peers) if (now - seen > PEER_TTL_MS) this.#forget(id);
    }
    for (const [id, waiting] of this.#waiting) {
      if (now - waiting.askedAt >= ANSWER_MS) {
        this.#settle(id);
        waiting.resolve(undefined);
      } else if (now - waiting.postedAt >= RESEND_MS) {
        waiting.postedAt = now;
        this.#post(waiting.wire);
      }
    }
  }

  /** The isolate that commits for the room, or undefined when it is this one. */
  ownerOf(roomId: string): string | undefined {
    if (!this.#peers.size) return undefined;
    const owner = rendezvous(roomId, this.#members);
    return owner === this.#id ? undefined : owner;
  }

  #forget(id: string): void {
    if (this.#peers.delete(id)) this.#spread();
  }

  /** The isolates the rooms are spread over: this one and the peers heard. */
  #spread(): void {
    this.#members = [this.#id, ...this.#peers.keys()];
  }

  /**
   * Has `owner` commit the job. Answers what it stored or changed, rejects with its
   * refusal, or answers undefined when no answer came in time (commit it here then).
   */
  forward(owner: string, roomId: string, job: RoomJob): Promise<Done | undefined> {
    const id = this.#nextId++;
    if (job.kind === "send") metrics.messages.forwarded = (metrics.messages.forwarded ?? 0) + 1;
    const wire: Wire = { t: "job", from: this.#id, to: owner, id, roomId, job };
    return new Promise((resolve, reject) => {
      const now = Date.now();
      this.#waiting.set(id, { resolve, reject, wire, askedAt: now, postedAt: now });
      if (this.#waiting.size === 1 && this.#tick !== undefined) Deno.refTimer(this.#tick);
      this.#post(wire);
    });
  }

  /** Stops waiting for job `id`; answers what was waiting, if anything. */
  #settle(id: number): Waiting | undefined {
    const waiting = this.#waiting.get(id);
    if (!waiting) return undefined;
    this.#waiting.delete(id);
    if (this.#waiting.size === 0 && this.#tick !== undefined) Deno.unrefTimer(this.#tick);
    return waiting;
  }

  /** Leaves the channel; sends still waiting for an answer are committed here. */
  close(): void {
    clearInterval(this.#tick);
    this.#tick = undefined;
    this.#post({ t: "bye", from: this.#id });
    this.#channel?.close();
    this.#channel = undefined;
    for (const id of [...this.#waiting.keys()]) this.#settle(id)!.resolve(undefined);
  }

  #post(wire: Wire): void {
    this.#channel?.post(wire);
  }

  #heard(wire: Wire): void {
    switch (wire.t) {
      case "hello":
        if (wire.from !== this.#id) {
          // A newcomer learns of us at once, not a second later.
          const known = this.#peers.has(wire.from);
          this.#peers.set(wire.from, Date.now());
          if (!known) {
            this.#spread();
            this.#hello();
          }
        }
        return;
      case "bye":
        this.#forget(wire.from);
        return;
      case "job":
        if (wire.to === this.#id) void this.#commitFor(wire);
        return;
      case "done":
      case "failed": {
        if (wire.to !== this.#id) return;
        const waiting = this.#settle(wire.id);
        if (!waiting) return; // a repeated answer, or one that came too late
        if (wire.t === "done") waiting.resolve(wire.done);
        else waiting.reject(new ChatError(wire.code, wire.message));
      }
    }
  }

  async #commitFor(wire: Extract<Wire, { t: "job" }>): Promise<void> {
    const key = `${wire.from}\u0000${wire.id}`;
    if (this.#answers.has(key)) {
      // Posted again: its answer was lost (or is slow); under way, it will come.
      const answer = this.#answers.get(key);
      if (answer) this.#post(answer);
      return;
    }
    this.#answers.set(key, null);
    let answer: Wire;
    try {
      const done = await this.#commitHere!(wire.roomId, wire.job);
      answer = { t: "done", to: wire.from, id: wire.id, done };
    } catch (err) {
      const chat = err instanceof ChatError ? err : undefined;
      answer = {
        t: "failed",
        to: wire.from,
        id: wire.id,
        code: chat?.code ?? "internal",
        message: chat?.message ?? "Message could not be stored",
      };
    }
    this.#answers.set(key, answer);
    if (this.#answers.size > ANSWERS_KEPT) this.#answers.delete(this.#answers.keys().next().value!);
    this.#post(answer);
  }
}
