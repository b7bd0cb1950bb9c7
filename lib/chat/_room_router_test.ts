import assert from "node:assert/strict";
import { ChatError } from "../errors.ts";
import type { NewMessage, Stored } from "../store/messages.ts";
import { type RoomJob, RoomRouter } from "./_room_router.ts";
import type { Changed } from "./messages.ts";

const ROOMS = Array.from({ length: 40 }, (_, i) => `room${i}`);

/** A router whose commits are recorded and numbered per room, as a queue would. */
function router(id: string, path: string) {
  const committed: Array<{ roomId: string; text: string }> = [];
  const seqs = new Map<string, number>();
  const it = new RoomRouter(id, path);
  it.start((roomId, job: RoomJob): Promise<Stored | Changed> => {
    if (job.kind === "change") {
      committed.push({ roomId, text: `react ${job.op.seq}` });
      const message = { id: "m", roomId, seq: job.op.seq, userId: "u1", username: "ada", text: "" };
      return Promise.resolve({ message: { ...message, createdAt: 1 }, rev: 99 });
    }
    const { item } = job;
    if (item.text === "refuse") {
      return Promise.reject(new ChatError("bad_request", 'Refused: "refuse"'));
    }
    committed.push({ roomId, text: item.text });
    const seq = (seqs.get(roomId) ?? 0) + 1;
    seqs.set(roomId, seq);
    return Promise.resolve({
      duplicate: false,
      message: {
        id: `${roomId}-${seq}`,
        roomId,
        seq,
        userId: item.userId,
        username: item.username,
        text: item.text,
        createdAt: 1,
        clientId: item.clientId,
      },
    });
  });
  return { it, committed };
}

function item(text: string): NewMessage {
  return { userId: "u1", username: "ada", text, clientId: crypto.randomUUID() };
}

function send(text: string): RoomJob {
  return { kind: "send", item: item(text) };
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
}

Deno.test("isolates of one store agree on each room's owner and split the rooms", async () => {
  const path = `/tmp/router-test-${crypto.randomUUID()}.db`;
  const a = router("isolate-a", path);
  const b = router("isolate-b", path);
  const other = router("isolate-c", `${path}.other`);
  try {
    await until("they hear each other", () => ROOMS.some((r) => a.it.ownerOf(r) !== undefined));
    let mine = 0;
    for (const roomId of ROOMS) {
      const fromA = a.it.ownerOf(roomId);
      const fromB = b.it.ownerOf(roomId);
      // Exactly one of the two thinks it commits for the room, and names the other.
      assert.ok((fromA === undefined) !== (fromB === undefined), roomId);
      assert.ok(fromA === undefined ? fromB === "isolate-a" : fromA === "isolate-b");
      if (fromA === undefined) mine++;
      // An isolate on another store never joins in.
      assert.equal(other.it.ownerOf(roomId), undefined);
    }
    assert.ok(mine > 5 && mine < 35, `rooms are spread: isolate-a has ${mine} of 40`);
  } finally {
    a.it.close();
    b.it.close();
    other.it.close();
  }
});

/** Two routers on one store, once each has heard the other, then closed after `fn`. */
async function withPair(
  fn: (a: ReturnType<typeof router>, b: ReturnType<typeof router>) => Promise<void>,
): Promise<void> {
  const path = `/tmp/router-test-${crypto.randomUUID()}.db`;
  const a = router("isolate-a", path);
  const b = router("isolate-b", path);
  try {
    await until("they hear each other", () => ROOMS.some((r) => a.it.ownerOf(r) !== undefined));
    await fn(a, b);
  } finally {
    a.it.close();
    b.it.close();
  }
}

Deno.test("a forwarded send is committed by the owner and answered; a refusal comes back as one", async () => {
  await withPair(async (a, b) => {
    const roomId = ROOMS.find((r) => a.it.ownerOf(r) === "isolate-b")!;
    const sends = ["one", "two", "three"].map((text) => send(text));
    const stored = await Promise.all(sends.map((s) => a.it.forward("isolate-b", roomId, s)));
    assert.deepEqual(stored.map((s) => [s?.message.seq, s?.message.text]), [
      [1, "one"],
      [2, "two"],
      [3, "three"],
    ]);
    assert.equal(stored[0]?.message.clientId, (sends[0] as { item: NewMessage }).item.clientId);
    const react = { kind: "react" as const, seq: 2, userId: "u1", emoji: "👍", on: true };
    const changed = await a.it.forward("isolate-b", roomId, { kind: "change", op: react });
    assert.equal(changed && "rev" in changed ? changed.rev : undefined, 99);
    assert.deepEqual(b.committed.map((c) => c.text), ["one", "two", "three", "react 2"], "on b");
    assert.equal(a.committed.length, 0);
    await assert.rejects(
      a.it.forward("isolate-b", roomId, send("refuse")),
      (err: unknown) =>
        err instanceof ChatError && err.code === "bad_request" && /Refused/.test(err.message),
    );
  });
});

Deno.test("an isolate that leaves gives its rooms back; a send waiting on it is committed here", async () => {
  await withPair(async (a, b) => {
    b.it.close();
    await until("b's bye is heard", () => ROOMS.every((r) => a.it.ownerOf(r) === undefined));
    // A send to an isolate that is gone gets no answer: undefined (commit it here) once
    // this router closes, rather than waiting for the timer.
    const waiting = a.it.forward("isolate-b", "room1", send("late"));
    a.it.close();
    assert.equal(await waiting, undefined);
    assert.equal(b.committed.length, 0);
  });
});

/** A peer that speaks the router's wire by hand on the store's channel. */
function rawPeer(
  path: string,
  onItem: (item: Record<string, unknown>, post: (i: unknown) => void) => void,
) {
  const channel = new BroadcastChannel(`chat-room-writes:${path}`);
  const post = (item: unknown) => channel.postMessage([item]);
  channel.onmessage = (event) => {
    for (const item of event.data as Array<Record<string, unknown>>) onItem(item, post);
  };
  return channel;
}

Deno.test("a job whose post was lost is posted again, and answered", async () => {
  const path = `/tmp/router-test-${crypto.randomUUID()}.db`;
  const a = router("isolate-a", path);
  let jobs = 0;
  const peer = rawPeer(path, (item, post) => {
    if (item.t !== "job" || item.to !== "fake") return;
    // BroadcastChannel drops messages under load: the first post never arrives.
    if (++jobs === 1) return;
    const { item: sent } = item.job as { item: NewMessage };
    post({
      t: "done",
      to: item.from,
      id: item.id,
      done: {
        duplicate: false,
        message: {
          id: "m1",
          roomId: "r",
          seq: 1,
          userId: "u1",
          username: "ada",
          text: sent.text,
          createdAt: 1,
        },
      },
    });
  });
  try {
    const started = Date.now();
    const done = await a.it.forward("fake", "r", send("again"));
    assert.equal(done?.message.text, "again");
    assert.equal(jobs, 2, "posted twice");
    assert.ok(Date.now() - started >= 900, "the second post came after a wait");
  } finally {
    a.it.close();
    peer.close();
  }
});

Deno.test("a job posted twice is done once; the repeat gets the same answer", async () => {
  const path = `/tmp/router-test-${crypto.randomUUID()}.db`;
  const b = router("isolate-b", path);
  const answers: Array<Record<string, unknown>> = [];
  const peer = rawPeer(path, (item) => {
    if (item.to === "fake" && (item.t === "done" || item.t === "failed")) answers.push(item);
  });
  try {
    const job = { t: "job", from: "fake", to: "isolate-b", id: 7, roomId: "r", job: send("once") };
    peer.postMessage([job]);
    await until("the answer", () => answers.length === 1);
    peer.postMessage([job]);
    await until("the repeated answer", () => answers.length === 2);
    assert.deepEqual(answers[1], answers[0]);
    assert.deepEqual(b.committed.map((c) => c.text), ["once"], "committed once");
  } finally {
    b.it.close();
    peer.close();
  }
});
