/**
 * The live chat pane of a room page.
 *
 * The server renders it with the newest messages, so the room is readable
 * before (and without) JavaScript. In the browser it subscribes to the room
 * through the page's one socket (`_live.ts`) with `since` = the newest seq it
 * rendered, so it misses nothing between render and subscribe, and the socket
 * resumes the same way after any reconnect (a network blip, a server restart).
 *
 * - Messages are held in the shared `Timeline` (lib/client/timeline.ts): by seq,
 *   the state with the highest `rev` wins, replies' excerpts follow their
 *   original. `message` and `update` frames, acks, history pages all go through
 *   it. It subscribes with `sinceRev` = the newest revision it rendered, so edits,
 *   deletions and reactions between render and subscribe are replayed too; a gap
 *   in seqs (should not happen) is filled over HTTP.
 * - Each message offers actions on hover, focus or a long press (react, reply,
 *   edit, delete: `_message_actions.tsx`); editing happens in place
 *   (`_message_editor.tsx`), ↑ in the empty composer edits my last message.
 *   One message is in the tab order (roving focus: ↑/↓ move between messages).
 * - A sent message shows at once as pending, keyed by its clientId, and turns
 *   into the stored message on `ack` or on its own `message` frame. If the send
 *   fails (refused, or no answer in 30 s) it offers Retry with the same
 *   clientId, which the server deduplicates: never lost, never doubled.
 * - The scroller is `flex-col-reverse`: it opens at the bottom without script,
 *   stays pinned to the bottom as messages arrive, and keeps its place when
 *   older history is prepended.
 * - Read marker: the "New messages" divider sits where my marker was; the
 *   marker moves (a `read` frame) when the newest message is on screen and the
 *   tab is visible.
 * - Threads: replies show in their thread, not in the room (unless also sent to
 *   it); a root shows a summary. The thread panel (`_thread_panel.tsx`, loaded
 *   when one is first opened) opens from it, from "Reply in thread", or from a
 *   `?thread=SEQ` link; the URL follows the open thread.
 * - `?at=SEQ` (a search result) opens at that message, highlighted for a moment:
 *   the server renders the history back to it when it is near; else the pane
 *   loads it, as it does for a reply's original (`jump`).
 * - Mentions: `@` in the composer offers the members (`_mention_picker.tsx`).
 * - Files: attached with the composer's button, dropped anywhere on the page or
 *   pasted; uploaded at once into the composer's tray (`_attachments.ts`, and
 *   `_uploads.tsx`, loaded with the first file) and sent with the message's
 *   text as their caption. A click on an image opens the lightbox
 *   (`_lightbox.tsx`, loaded on the first click).
 */

import { signal, useSignal } from "@preact/signals";
import { type ComponentType, h, hydrate, render } from "preact";
import { useEffect, useLayoutEffect, useRef } from "preact/hooks";
import { replyRefOf, Timeline } from "../lib/client/timeline.ts";
import {
  type FileInfo,
  type Member,
  type Message,
  revOf,
  type Room,
  type User,
} from "../lib/protocol/types.ts";
import { useAttachments } from "./_attachments.ts";
import { KIT, serverParts } from "./_lazy.ts";
import { type Clock, rememberClock } from "../components/clock.ts";
import { chatApi, chatSocket, markRead, pane, presence, presenceOf, watchRoom } from "./_live.ts";
import { Composer } from "./_composer.tsx";
import {
  conversationRows,
  inThreadOnly,
  loadToolbar,
  type Pending,
  useRowFocus,
} from "./_conversation.tsx";
import { reasonOf, useMessageOps } from "./_message_ops.ts";
import { SERVER_HTML } from "../lib/islands/server_html.ts";
import { nameOf, peopleOf } from "../components/message_row.tsx";

export interface ChatRoomProps {
  me: User;
  room: Room;
  members: Member[];
  /** The newest page of history, ascending by seq. */
  messages: Message[];
  hasMore: boolean;
  /** My read marker when the page was rendered. */
  readSeq: number;
  /** For the composer's form without JavaScript. */
  draftClientId: string;
  /** The reader's locale and zone, as the server rendered the times. */
  clock: Clock;
  /** A line to show above the conversation ("Invitation sent to bob"). */
  notice?: { tone: "info" | "error"; text: string };
  /** `?at=SEQ` (a search result): open at this message, briefly highlighted. */
  at?: number;
  /** Browser only, from `_nav.ts` (a room switched to without a page load): */
  /** where the conversation was scrolled when I left it; */
  scrollTop?: number;
  /** what changed after a revision (`null`: too much, start from the newest page); */
  changes?(sinceRev: number): Promise<Message[] | null>;
  /** messages before `messages`, rendered once the pane is on screen; */
  later?: Message[];
  /** the room menu's forms, as the server renders them (see `_room_header.tsx`). */
  menuHtml?: string;
}

const TYPING_SHOWN_MS = 5_000;
const NEAR_BOTTOM_PX = 48;
const NEAR_TOP_PX = 400;
const STRAYS_MAX = 1_000;

/**
 * The room header and the member list: in the browser loaded with the pane's code
 * (until they are here, the server's markup stands), so that theirs is not in the
 * page's first load; on the server handed over (`serverParts` in `_lazy.ts`).
 */
const header = signal<typeof import("./_room_header.tsx") | null>(null);
const memberList = signal<typeof import("./_members.tsx") | null>(null);
if (globalThis.__ISLAND_BUNDLE__) {
  import("./_room_header.tsx").then((module) => header.value = module, () => {});
  import("./_members.tsx").then((module) => memberList.value = module, () => {});
}

/** The thread panel, once a thread was opened on this page. */
const threadPanel = signal<typeof import("./_thread_panel.tsx") | null>(null);

function firstUnread(all: Message[], readSeq: number, me: string): number | null {
  const messages = all.filter((m) => !inThreadOnly(m));
  const first = messages.find((m) => m.seq > readSeq);
  return first && messages.some((m) => m.seq > readSeq && m.userId !== me) ? first.seq : null;
}

function typingText(names: string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}

/** What a `removed` frame says, for the notice. */
function removedText(reason: string | undefined, name: string): string {
  if (reason === "deleted") return `#${name} was deleted`;
  return `You were ${reason === "banned" ? "banned from" : "removed from"} #${name}`;
}

const LEAVE_AFTER_MS = 4_000;

/**
 * A lazily loaded part of the pane (`header`, `memberList`), in a Preact root of its
 * own: the server's markup stands until its code is here, which then hydrates it
 * (a part shown later, or in a room switched to, renders into an empty slot).
 */
function Part<P>({ component, props }: { component?: ComponentType<P>; props: P }) {
  const slot = useRef<HTMLDivElement>(null);
  const started = useRef(false);
  useLayoutEffect(() => {
    const el = slot.current!;
    return () => render(null, el);
  }, []);
  useLayoutEffect(() => {
    if (!component) return;
    const vnode = h(component as ComponentType, props as object);
    (started.current || !slot.current!.firstChild ? render : hydrate)(vnode, slot.current!);
    started.current = true;
  });
  return <div ref={slot} {...SERVER_HTML} class="contents" />;
}

export default function ChatRoom(props: ChatRoomProps) {
  const { me, clock } = props;
  /** The room as it is now (renamed, new topic: `room` frames). */
  const current = useSignal(props.room);
  const room = current.value;
  /** Set when I was removed from the room (or it was deleted): the page is leaving. */
  const gone = useSignal("");
  const timeline = useRef<Timeline | null>(null);
  if (!timeline.current) {
    timeline.current = new Timeline();
    timeline.current.applyAll(props.messages);
  }
  const tl = timeline.current;
  const messages = useSignal(tl.messages());
  const pending = useSignal<Pending[]>([]);
  const hasMore = useSignal(props.hasMore);
  const loadingOlder = useSignal(false);
  const members = useSignal(props.members);
  const typing = useSignal<Record<string, { username: string; until: number }>>({});
  /** The first seq below the "New messages" divider. */
  const divider = useSignal(firstUnread(props.messages, props.readSeq, me.id));
  const announcement = useSignal("");
  const atBottom = useSignal(true);
  const unseen = useSignal(0);
  const membersOpen = useSignal(false);
  /** The root of the open thread. */
  const thread = useSignal<number | null>(null);
  const notice = useSignal(props.notice ?? null);
  const mounted = useSignal(false);
  const attachments = useAttachments();
  const scroller = useRef<HTMLDivElement>(null);
  const readSent = useRef(props.readSeq);
  const older = useRef<Promise<boolean> | null>(null);
  /** Updates to messages older than those held, newest state per seq. */
  const strays = useRef(new Map<number, Message>()).current;

  const isAtBottom = () => {
    const el = scroller.current;
    return !el || Math.abs(el.scrollTop) < NEAR_BOTTOM_PX;
  };

  const markSeen = () => {
    if (!isAtBottom() || document.visibilityState !== "visible") return;
    unseen.value = 0;
    const last = tl.lastSeq;
    if (last > readSent.current) {
      readSent.current = last;
      markRead(room.id, last);
    }
  };

  /** Applies message states (frames, acks, pages) through the timeline. */
  const apply = (incoming: Message[]) => {
    if (tl.applyAll(incoming).length) messages.value = tl.messages();
    const mine = new Set(incoming.filter((m) => m.userId === me.id).map((m) => m.clientId));
    if (mine.size) pending.value = pending.peek().filter((p) => !mine.has(p.clientId));
    ops.reconcile();
  };

  const fillGap = async (after: number, before: number) => {
    const page = await chatApi().messages(room.id, { after, limit: 100 });
    apply(page.messages.filter((m) => m.seq < before));
  };

  const receive = (message: Message) => {
    const last = tl.lastSeq;
    if (message.seq > last + 1 && tl.size > 0) fillGap(last, message.seq).catch(() => {});
    apply([message]);
    if (message.userId === me.id) return;
    const { [message.userId]: _, ...others } = typing.peek();
    typing.value = others;
    if (inThreadOnly(message)) return;
    const files = message.files?.map((f) => f.name).join(", ");
    const author = nameOf(members.peek().find((m) => m.id === message.userId) ?? message).name;
    announcement.value = `${author}: ${message.text.slice(0, 300)}${files ? ` (${files})` : ""}`;
    const hidden = document.visibilityState !== "visible";
    if (hidden && divider.peek() === null && message.seq > readSent.current) {
      divider.value = message.seq;
    }
    if (!isAtBottom() || hidden) unseen.value++;
  };

  const deliver = async (clientId: string, text: string, reply?: number, files?: FileInfo[]) => {
    try {
      const ids = files?.map((f) => f.id);
      apply([await chatSocket().send(room.id, text, { clientId, replyTo: reply, files: ids })]);
    } catch (error) {
      const reason = reasonOf(error);
      pending.value = pending.peek().map((p) =>
        p.clientId === clientId ? { ...p, status: "failed", error: reason } : p
      );
    }
  };

  const send = (text: string) => {
    const clientId = crypto.randomUUID();
    const answering = replyTo.peek();
    const item: Pending = { clientId, text, createdAt: Date.now(), status: "sending" };
    if (answering) item.replyTo = replyRefOf(answering);
    const taken = attachments.uploads.peek()?.take() ?? [];
    if (taken.length) item.files = taken.map((a) => a.info!);
    pending.value = [...pending.peek(), item];
    replyTo.value = null;
    divider.value = null;
    scrollToBottom();
    // Answered either way, the files leave the tray: a refused message keeps them
    // in its row, with Retry.
    void deliver(clientId, text, answering?.seq, item.files)
      .finally(() => attachments.uploads.peek()?.remove(taken.map((a) => a.key)));
  };

  const retry = (clientId: string) => {
    const item = pending.peek().find((p) => p.clientId === clientId);
    if (!item) return;
    pending.value = pending.peek().map((p) =>
      p.clientId === clientId ? { ...p, status: "sending", error: undefined } : p
    );
    void deliver(clientId, item.text, item.replyTo?.seq, item.files);
  };

  const scrollToBottom = () => {
    if (scroller.current) scroller.current.scrollTop = 0;
    unseen.value = 0;
  };

  /** Loads the page before the oldest message held; answers whether it loaded one. */
  const loadOlder = (limit = 50): Promise<boolean> => {
    if (older.current) return older.current;
    const first = tl.firstSeq;
    if (!hasMore.peek() || !first) return Promise.resolve(false);
    loadingOlder.value = true;
    return older.current = chatApi().messages(room.id, { before: first, limit }).then(
      (page) => {
        apply(page.messages);
        // Changes that arrived while the page was on its way may be newer than it.
        const now = tl.firstSeq;
        apply([...strays.values()].filter((m) => m.seq >= now));
        for (const seq of strays.keys()) if (seq >= now) strays.delete(seq);
        hasMore.value = page.hasMore;
        return true;
      },
      // Offline: the next scroll (or click) tries again.
      () => false,
    ).finally(() => {
      older.current = null;
      loadingOlder.value = false;
    });
  };

  const ops = useMessageOps({
    roomId: room.id,
    me,
    timeline: tl,
    apply,
    loadOlder,
    hasMore,
    notice,
    scroller,
    kit: KIT,
    at: props.at,
  });
  const { replyTo } = ops;
  const rowFocus = useRowFocus();

  /** Opens the lightbox on an image, among the images of the loaded conversation. */
  const openFile = (file: FileInfo, link: HTMLElement) => {
    import("./_lightbox.tsx").then(
      (m) => m.openLightbox(KIT, [...messages.peek(), ...pending.peek()], file, link),
      () => location.assign(file.url),
    );
  };

  const openThread = (root: number) => {
    thread.value = root;
    history.replaceState(null, "", `?thread=${root}`);
    import("./_thread_panel.tsx").then((module) => threadPanel.value = module, () => {
      notice.value = { tone: "error", text: "The thread could not be opened" };
    });
  };

  const leave = () => location.assign("/");

  const patchMember = (id: string, change: Partial<Member>) => {
    members.value = members.peek().map((m) => m.id === id ? { ...m, ...change } : m);
  };

  const closeThread = () => {
    const root = thread.peek();
    thread.value = null;
    history.replaceState(null, "", location.pathname);
    (document.getElementById(`m-${root}`) ?? document.getElementById("composer"))?.focus();
  };

  useEffect(() => {
    mounted.value = true;
    rememberClock();
    // "?invite=invited&user=bob" is a one-time notice: a reload should not show it again.
    // "?thread=SEQ" opens that thread (and stays while it is open).
    const deepThread = Number(new URLSearchParams(location.search).get("thread"));
    if (location.search) history.replaceState(null, "", location.pathname);
    if (Number.isSafeInteger(deepThread) && deepThread > 0) openThread(deepThread);
    if (props.at) ops.handlers.jump(props.at);
    const socket = chatSocket();
    // The newest revision rendered: replays every event after it (messages and
    // changes). Messages from before revisions have rev = seq.
    const sinceRev = Math.max(0, ...props.messages.map(revOf));
    const change = (message: Message) => {
      if (tl.get(message.seq) || message.seq > tl.lastSeq) return apply([message]);
      // Older than what is held: it comes in its current state with its page of
      // history, unless it changes again while that page is in flight. Kept (the
      // newest state of each, a bounded number) to be applied after each page.
      const kept = strays.get(message.seq);
      if (!kept || revOf(message) > revOf(kept)) strays.set(message.seq, message);
      if (strays.size > STRAYS_MAX) strays.delete(strays.keys().next().value!);
    };
    // Too much was missed to replay: start again from the newest page.
    const restart = () =>
      chatApi().messages(room.id).then((page) => {
        tl.clear();
        apply(page.messages);
        messages.value = tl.messages();
        hasMore.value = page.hasMore;
      }, () => {});
    // Subscribed already (a room switched to): what changed since these props were
    // taken comes over HTTP, while frames from now on come on the socket.
    if (!watchRoom(room.id, sinceRev ? { sinceRev } : { since: tl.lastSeq || room.lastSeq })) {
      props.changes?.(sinceRev).then((list) => list ? list.forEach(change) : restart(), () => {});
    }
    // After the frame that shows the newest ones (effects run before it is painted).
    if (props.later) requestAnimationFrame(() => setTimeout(() => apply(props.later!)));
    pane.component = ChatRoom;
    pane.root = scroller.current?.closest("island-root");
    pane.snapshot = () => ({
      roomId: room.id,
      props: {
        ...props,
        room: current.peek(),
        members: members.peek(),
        messages: tl.messages().slice(-100),
        hasMore: hasMore.peek() || tl.size > 100,
        readSeq: readSent.current,
        notice: undefined,
        at: undefined,
      },
      scrollTop: scroller.current?.scrollTop ?? 0,
    });
    const offs = [
      socket.on("message", (frame) => {
        if (frame.roomId === room.id) receive(frame.message);
      }),
      socket.on("update", (frame) => {
        if (frame.roomId === room.id) change(frame.message);
      }),
      socket.on("subscribed", (frame) => {
        if (frame.roomId !== room.id) return;
        members.value = frame.members;
        if (!frame.recovered) restart();
      }),
      socket.on("typing", (frame) => {
        if (frame.roomId !== room.id || frame.userId === me.id) return;
        typing.value = {
          ...typing.peek(),
          [frame.userId]: { username: frame.username, until: Date.now() + TYPING_SHOWN_MS },
        };
      }),
      socket.on("member", (frame) => {
        if (frame.roomId !== room.id) return;
        if (frame.event === "left") {
          members.value = members.peek().filter((m) => m.id !== frame.userId);
        } else if (!members.peek().some((m) => m.id === frame.userId)) {
          const joined: Member = {
            id: frame.userId,
            username: frame.username,
            displayName: frame.displayName,
            avatarUrl: frame.avatarUrl,
            role: "member",
            online: true,
            lastSeenAt: Date.now(),
          };
          members.value = [...members.peek(), joined];
        }
      }),
      socket.on("state", (state) => {
        if (state === "open") markSeen();
      }),
      socket.on("room", (frame) => {
        if (frame.room.id === room.id) current.value = { ...current.peek(), ...frame.room };
      }),
      socket.on("role", ({ roomId, userId, role }) => {
        if (roomId === room.id) patchMember(userId, { role });
      }),
      socket.on("user", ({ user: { id, displayName, avatarUrl } }) => {
        patchMember(id, { displayName, avatarUrl });
      }),
      socket.on("removed", (frame) => {
        if (frame.roomId !== room.id || gone.peek()) return;
        gone.value = removedText(frame.reason, current.peek().name);
        notice.value = { tone: "error", text: gone.value };
        setTimeout(leave, LEAVE_AFTER_MS);
      }),
    ];
    const prune = setInterval(() => {
      const now = Date.now();
      const current = typing.peek();
      if (Object.values(current).some((t) => t.until <= now)) {
        typing.value = Object.fromEntries(Object.entries(current).filter(([, t]) => t.until > now));
      }
    }, 1_000);
    const onVisible = () => markSeen();
    document.addEventListener("visibilitychange", onVisible);
    addEventListener("focus", onVisible);
    // The room menu is a <details>: close it on a click elsewhere or Escape (only
    // menus: a message's "Show more" is a <details> too, and stays open).
    const closeMenus = (event: Event) => {
      if (event instanceof KeyboardEvent && event.key !== "Escape") return;
      for (const menu of document.querySelectorAll("details[data-menu][open]")) {
        if (event instanceof KeyboardEvent || !menu.contains(event.target as Node)) {
          // Focus in it would drop to <body> as it closes: it goes back to its summary.
          if (menu.contains(document.activeElement)) menu.querySelector("summary")!.focus();
          (menu as HTMLDetailsElement).open = false;
        }
      }
    };
    document.addEventListener("click", closeMenus);
    document.addEventListener("keydown", closeMenus);
    // Files dropped anywhere on the page are attached (not opened by the browser,
    // which would leave the page); so are files pasted.
    const onDrag = (event: DragEvent) => {
      const data = event.dataTransfer;
      if (!data?.types.includes("Files")) return;
      event.preventDefault();
      const files = [...data.files];
      void attachments.with((u) => event.type === "drop" ? u.add(files) : u.dragOver());
    };
    const onPaste = (event: ClipboardEvent) => {
      const data = event.clipboardData;
      const files = [...(data?.files ?? [])];
      if (!files.length) return;
      // Text copied along with an image (from a document) is still pasted as text.
      if (!data!.types.includes("text/plain")) event.preventDefault();
      void attachments.with((u) => u.add(files));
    };
    const dragEvents = ["dragover", "drop"] as const;
    for (const type of dragEvents) document.addEventListener(type, onDrag);
    document.addEventListener("paste", onPaste);
    // Open where I left it, or at the "New messages" divider when there is one, else
    // at the bottom.
    const marker = scroller.current?.querySelector('[data-divider="new"]');
    if (props.scrollTop) scroller.current!.scrollTop = props.scrollTop;
    else if (marker && scroller.current) {
      const box = scroller.current.getBoundingClientRect();
      if (marker.getBoundingClientRect().top < box.top) marker.scrollIntoView({ block: "start" });
    }
    // What is sent while the socket is down is kept in IndexedDB until stored, and
    // what waits there is sent (`_outbox.ts`). Loaded now: offline it could not be.
    import("./_outbox.ts").then((outbox) => {
      const off = outbox.attach(socket, { room, me, pending, apply });
      // Switched to another room meanwhile: this pane is gone.
      if (offs.length) offs.push(off);
      else off();
    }, () => {});
    markSeen();
    // Nobody needs the actions toolbar before a message is hovered or focused.
    const idle = setTimeout(() => loadToolbar().catch(() => {}), 300);
    return () => {
      clearTimeout(idle);
      offs.splice(0).forEach((off) => off());
      clearInterval(prune);
      document.removeEventListener("visibilitychange", onVisible);
      removeEventListener("focus", onVisible);
      document.removeEventListener("click", closeMenus);
      document.removeEventListener("keydown", closeMenus);
      for (const type of dragEvents) document.removeEventListener(type, onDrag);
      document.removeEventListener("paste", onPaste);
    };
  }, []);

  // After each change to the conversation: mark what is on screen as read.
  useLayoutEffect(() => {
    if (mounted.peek()) markSeen();
  }, [messages.value]);

  const list = messages.value;
  const names = Object.fromEntries(members.value.map((m) => [m.id, m.username]));
  const people = peopleOf(members.value);
  const owner = members.value.some((m) => m.id === me.id && m.role !== "member");
  const mentionable = {
    members: members.value,
    online: presence.value,
    me: me.id,
    everyone: owner,
  };
  const rows = conversationRows({
    messages: list,
    pending: pending.value,
    divider: divider.value,
    me,
    owner,
    clock,
    names,
    people,
    active: rowFocus.active,
    current: rowFocus.current,
    menu: ops.menu.value,
    editing: ops.editing.value,
    highlight: ops.highlight.value,
    recent: ops.recent.value,
  }, { retry, openFile, thread: openThread, ...ops.handlers });

  const typers = Object.entries(typing.value).map(([id, t]) => nameOf(people[id] ?? t).name);
  const peer = room.peer;
  const first = list[0]?.seq;
  const listProps = {
    kit: KIT,
    me,
    members: members.value,
    open: membersOpen.value,
    onClose: () => membersOpen.value = false,
  };
  const headerProps = {
    kit: KIT,
    room,
    peerOnline: peer
      ? presenceOf(peer.id, members.value.find((m) => m.id === peer.id)?.online)
      : undefined,
    memberCount: members.value.length,
    membersOpen: membersOpen.value,
    onToggleMembers: () => membersOpen.value = !membersOpen.value,
    onNotice: (said: NonNullable<ChatRoomProps["notice"]>) => notice.value = said,
    live: mounted.value,
    me,
    members: members.value,
    peer: peer && people[peer.id],
    clock,
    menuHtml: props.menuHtml,
  };
  const answering = replyTo.value;

  return (
    <div class="relative flex min-h-0 flex-1">
      <section class="flex min-w-0 flex-1 flex-col" aria-label={`Conversation: ${room.name}`}>
        {globalThis.__ISLAND_BUNDLE__
          ? <Part component={header.value?.RoomHeader} props={headerProps} />
          : <div class="contents">{h(serverParts.RoomHeader!, headerProps)}</div>}
        {notice.value && (
          <p
            role={notice.value.tone === "error" ? "alert" : "status"}
            class={notice.value.tone === "error"
              ? "border-b border-red-200 bg-red-50 px-4 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-900 dark:text-red-200"
              : "border-b border-emerald-200 bg-emerald-50 px-4 py-2 text-sm text-emerald-800 dark:border-emerald-900 dark:bg-emerald-900 dark:text-emerald-200"}
          >
            {notice.value.text}
            {gone.value && (
              <a href="/" data-removed="" class="ml-2 font-medium underline">Leave now</a>
            )}
          </p>
        )}
        <div
          ref={scroller}
          tabIndex={-1}
          aria-label="Messages"
          class="flex min-h-0 flex-1 flex-col-reverse overflow-y-auto focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-500"
          onScroll={(event) => {
            const el = event.currentTarget;
            atBottom.value = Math.abs(el.scrollTop) < NEAR_BOTTOM_PX;
            if (atBottom.value) markSeen();
            if (el.scrollHeight - el.clientHeight - Math.abs(el.scrollTop) < NEAR_TOP_PX) {
              void loadOlder();
            }
          }}
        >
          <div class="pb-3 pt-2">
            {hasMore.value
              ? (
                <p class="px-4 pt-4 text-center">
                  <a
                    href={`/rooms/${room.id}?before=${first}`}
                    class="text-sm font-medium text-indigo-700 underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 dark:text-indigo-300"
                    onClick={(event) => {
                      event.preventDefault();
                      void loadOlder();
                    }}
                  >
                    {loadingOlder.value ? "Loading older messages…" : "Load older messages"}
                  </a>
                </p>
              )
              : (
                <p class="px-4 pt-6 text-sm text-gray-500 dark:text-gray-400">
                  {room.kind === "direct"
                    ? `This is the beginning of your conversation with ${room.name}.`
                    : `This is the beginning of ${room.name}.`}
                </p>
              )}
            <ol
              aria-label={`Messages in ${room.name}`}
              class="break-words [overflow-wrap:anywhere]"
              data-testid="messages"
              {...rowFocus.listProps}
            >
              {rows}
            </ol>
          </div>
        </div>
        {unseen.value > 0 && !atBottom.value && (
          <button
            type="button"
            onClick={scrollToBottom}
            class="absolute bottom-28 left-1/2 z-10 -translate-x-1/2 rounded-full bg-indigo-600 px-4 py-1.5 text-sm font-medium text-white shadow-lg hover:bg-indigo-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500 focus-visible:ring-offset-2"
          >
            {unseen.value} new {unseen.value === 1 ? "message" : "messages"} ↓
          </button>
        )}
        <p class="h-5 truncate px-4 text-xs italic text-gray-500 dark:text-gray-400">
          {typingText(typers)}
        </p>
        {!gone.value && (
          <Composer
            roomId={room.id}
            target={room.kind === "direct" ? room.name : `#${room.name}`}
            clientId={props.draftClientId}
            onSend={send}
            onTyping={() => chatSocket().typing(room.id)}
            replyTo={answering ? replyRefOf(answering) : undefined}
            onCancelReply={() => replyTo.value = null}
            onEditLast={ops.editLast}
            attachments={mounted.value ? attachments : undefined}
            mentionable={mounted.value ? mentionable : undefined}
          />
        )}
        <div aria-live="polite" aria-atomic="true" class="sr-only">{announcement.value}</div>
      </section>
      {thread.value && threadPanel.value && (
        <threadPanel.value.ThreadPanel
          key={thread.value}
          kit={KIT}
          room={room}
          root={thread.value}
          me={me}
          clock={clock}
          names={names}
          people={people}
          mentionable={mentionable}
          onClose={closeThread}
        />
      )}
      {room.kind !== "direct" && !thread.value && (
        globalThis.__ISLAND_BUNDLE__
          ? <Part component={memberList.value?.MemberList} props={listProps} />
          : <div class="contents">{h(serverParts.MemberList!, listProps)}</div>
      )}
    </div>
  );
}
