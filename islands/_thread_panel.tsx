/**
 * A thread beside the room (a full-screen layer on a phone, a layer on the right on
 * a tablet): its root, its replies, and a composer that replies in it (with "Also
 * send to the room"). Loaded when a thread is first opened (a root's summary, the
 * "Reply in thread" action, or a `?thread=SEQ` link such as a notification's).
 *
 * - Replies come from `GET …/messages/:seq/thread` (every page), then live from the
 *   room's `message` and `update` frames with that `threadRoot` (the room is
 *   subscribed already); all of it goes through a `Timeline`, so the order in
 *   which page and frames arrive does not matter.
 * - While it is open and the tab visible, my read marker in the thread follows its
 *   newest reply (`read` with `threadRoot`), which clears the thread's unread in the
 *   room list.
 * - Escape or the close button closes it; focus goes back where it came from (the
 *   chat pane does that).
 *
 * It imports nothing of the page's own code: the chat pane hands it over (`_lazy.ts`).
 */

/** @jsxRuntime classic */
/** @jsx h */
import { h } from "preact";
import { useSignal } from "@preact/signals";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import type { Message, Room, User } from "../lib/protocol/types.ts";
import type { Clock } from "../components/clock.ts";
import type { Pending } from "./_conversation.tsx";
import type { Kit } from "./_lazy.ts";
import type { Mentionable } from "./_mention_picker.tsx";

/** A thread longer than this many pages of 100 replies shows its first ones only. */
const PAGES_MAX = 20;

export interface ThreadPanelProps {
  kit: Kit;
  room: Room;
  /** The root's seq. */
  root: number;
  me: User;
  clock: Clock;
  /** userId → username (the room's members). */
  names: Readonly<Record<string, string>>;
  /** userId → how each author is shown (display names, avatars). */
  people?: Readonly<Record<string, { username: string; displayName?: string; avatarUrl?: string }>>;
  mentionable?: Mentionable;
  onClose(): void;
}

function reasonOf(error: unknown): string {
  return (error as { code?: string }).code ? (error as Error).message : "No answer from the server";
}

export function ThreadPanel(props: ThreadPanelProps) {
  const { kit, room, root, me, clock, names } = props;
  const { MessageRow, Composer } = kit;
  const timeline = useRef(new kit.Timeline()).current;
  const messages = useSignal<Message[]>([]);
  const pending = useSignal<Pending[]>([]);
  const failure = useSignal<string | null>(null);
  const following = useSignal<boolean | null>(null);
  const also = useSignal(false);
  const readSent = useRef(0);

  const markSeen = () => {
    const last = timeline.lastSeq;
    if (document.visibilityState !== "visible" || last <= root || last <= readSent.current) return;
    readSent.current = last;
    kit.markRead(room.id, last, root);
  };

  /** `fresh`: new replies (not a page of the thread), which may make me a follower. */
  const apply = (incoming: Message[], fresh = false) => {
    if (timeline.applyAll(incoming).length) messages.value = timeline.messages();
    // The root's author, the repliers and those a reply mentions follow it from there.
    const author = timeline.get(root)?.userId === me.id;
    if (
      fresh && following.peek() === false &&
      incoming.some((m) =>
        m.threadRoot === root && (author || m.userId === me.id || m.mentions?.includes(me.id))
      )
    ) following.value = true;
    const mine = new Set(incoming.filter((m) => m.userId === me.id).map((m) => m.clientId));
    if (mine.size) pending.value = pending.peek().filter((p) => !mine.has(p.clientId));
  };

  const load = async () => {
    let after: number | undefined;
    try {
      for (let page = 0; page < PAGES_MAX; page++) {
        const answer = await kit.chatApi().thread(room.id, root, { after, limit: 100 });
        following.value = answer.following;
        apply([answer.root, ...answer.messages]);
        if (!answer.hasMore || !answer.messages.length) break;
        after = answer.messages.at(-1)!.seq;
      }
    } catch (error) {
      failure.value = `This thread could not be loaded: ${reasonOf(error)}`;
    }
  };

  const deliver = async (clientId: string, text: string, alsoInRoom: boolean) => {
    try {
      const sent = await kit.chatSocket().send(room.id, text, {
        clientId,
        threadRoot: root,
        alsoInRoom: alsoInRoom || undefined,
      });
      apply([sent], true);
    } catch (error) {
      const reason = reasonOf(error);
      pending.value = pending.peek().map((p) =>
        p.clientId === clientId ? { ...p, status: "failed", error: reason } : p
      );
    }
  };

  const send = (text: string) => {
    const clientId = crypto.randomUUID();
    const item: Pending = { clientId, text, createdAt: Date.now(), status: "sending" };
    pending.value = [...pending.peek(), item];
    void deliver(clientId, text, also.peek());
    also.value = false;
  };

  const retry = (clientId: string) => {
    const item = pending.peek().find((p) => p.clientId === clientId);
    if (!item) return;
    pending.value = pending.peek().map((p) =>
      p.clientId === clientId ? { ...p, status: "sending", error: undefined } : p
    );
    void deliver(clientId, item.text, false);
  };

  const react = (seq: number, emoji: string, on: boolean) => {
    kit.chatSocket().react(room.id, seq, emoji, on).then((m) => apply([m]), (error) => {
      failure.value = reasonOf(error);
    });
  };

  const follow = () => {
    const on = !following.peek();
    kit.chatApi().follow(room.id, root, on).then(() => following.value = on, (error) => {
      failure.value = reasonOf(error);
    });
  };

  useEffect(() => {
    const socket = kit.chatSocket();
    const ours = (roomId: string, m: Message) =>
      roomId === room.id && (m.seq === root || m.threadRoot === root);
    const offs = [
      socket.on("message", (frame) => {
        if (ours(frame.roomId, frame.message)) apply([frame.message], true);
      }),
      socket.on("update", (frame) => {
        if (ours(frame.roomId, frame.message)) apply([frame.message]);
      }),
    ];
    void load();
    document.getElementById("thread-composer")?.focus();
    document.addEventListener("visibilitychange", markSeen);
    return () => {
      offs.forEach((off) => off());
      document.removeEventListener("visibilitychange", markSeen);
    };
  }, []);

  useLayoutEffect(markSeen, [messages.value]);

  const list = messages.value;
  const first = list[0]?.seq === root ? list[0] : undefined;
  const replies = list.filter((m) => m.threadRoot === root);
  const rows = [];
  let previous: Message | undefined;
  for (const message of first ? [first, ...replies] : replies) {
    rows.push(
      <MessageRow
        key={message.seq}
        // The summary and "Replied in a thread" are for the room's timeline.
        message={{ ...message, thread: undefined, threadRoot: undefined }}
        clock={clock}
        me={me.id}
        names={names}
        people={props.people}
        grouped={message !== first && previous !== first &&
          kit.continuesRun(previous, message, clock)}
        onReact={(emoji, on) => react(message.seq, emoji, on)}
      />,
    );
    if (message === first) {
      const count = first.thread?.count ?? replies.length;
      rows.push(
        <li
          key="replies"
          class="flex items-center gap-3 px-4 pb-1 pt-3 text-xs font-semibold text-gray-500 dark:text-gray-400"
        >
          {count} {count === 1 ? "reply" : "replies"}
          <span class="h-px flex-1 bg-gray-200 dark:bg-gray-700" />
        </li>,
      );
    }
    previous = message;
  }
  for (const item of pending.value) {
    const row = { seq: 0, userId: me.id, username: me.username, ...item };
    rows.push(
      <MessageRow
        key={item.clientId}
        message={row}
        clock={clock}
        status={item.status}
        error={item.error}
        onRetry={() => retry(item.clientId)}
      />,
    );
  }

  return (
    <aside
      aria-labelledby="thread-heading"
      data-thread-panel={root}
      onKeyDown={(event) => {
        if (event.key !== "Escape" || event.defaultPrevented) return;
        event.preventDefault();
        props.onClose();
      }}
      class="fixed inset-0 z-40 flex min-h-0 flex-col bg-white md:left-auto md:w-96 md:border-l md:border-gray-200 md:shadow-2xl lg:static lg:z-auto lg:shrink-0 lg:shadow-none dark:bg-gray-900 dark:md:border-gray-700"
    >
      <header class="flex h-14 shrink-0 items-center gap-2 border-b border-gray-200 px-4 dark:border-gray-700">
        <h2 id="thread-heading" class="min-w-0 flex-1 truncate font-semibold">
          Thread{" "}
          <span class="font-normal text-gray-500 dark:text-gray-400">
            in {room.kind === "direct" ? "" : "#"}
            <bdi>{room.name}</bdi>
          </span>
        </h2>
        {following.value !== null && (
          <button
            type="button"
            aria-pressed={following.value ? "true" : "false"}
            onClick={follow}
            class="rounded-lg border border-gray-300 px-2 py-1 text-xs font-medium text-gray-700 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:border-gray-600 dark:text-gray-200 dark:hover:bg-gray-800"
          >
            {following.value ? "Following" : "Follow"}
          </button>
        )}
        <button
          type="button"
          aria-label="Close thread"
          title="Close thread (Escape)"
          onClick={props.onClose}
          class="flex h-9 w-9 items-center justify-center rounded-lg text-xl text-gray-600 hover:bg-gray-100 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-gray-300 dark:hover:bg-gray-800"
        >
          ×
        </button>
      </header>
      {failure.value && (
        <p
          role="alert"
          class="border-b border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-900 dark:text-red-200"
        >
          {failure.value}
        </p>
      )}
      <div class="flex min-h-0 flex-1 flex-col-reverse overflow-y-auto">
        <ol
          aria-label="Messages in the thread"
          data-testid="thread-messages"
          class="break-words pb-3 pt-2 [overflow-wrap:anywhere]"
        >
          {rows}
        </ol>
      </div>
      <Composer
        id="thread-composer"
        roomId={room.id}
        target="the thread"
        clientId=""
        onSend={send}
        onTyping={() => kit.chatSocket().typing(room.id)}
        mentionable={props.mentionable}
      />
      <label class="flex items-center gap-2 bg-white px-3 pb-3 text-sm text-gray-700 dark:bg-gray-900 dark:text-gray-300">
        <input
          type="checkbox"
          checked={also.value}
          onChange={(event) => also.value = event.currentTarget.checked}
          class="h-4 w-4 rounded border-gray-300 text-indigo-600 focus:ring-indigo-500"
        />
        Also send to {room.kind === "direct" ? "the conversation" : `#${room.name}`}
      </label>
    </aside>
  );
}
