/**
 * @module The WebSocket door: upgrade, the life of a connection, and one handler per
 * client frame. Every frame goes through the same services as HTTP; errors become
 * `error` frames here and only here.
 */

import { ChatError, publicError, RateLimitedError } from "../errors.ts";
import { type ClientFrame, FrameError, parseClientFrame } from "../protocol/frames.ts";
import { isWellFormedId } from "../protocol/validate.ts";
import {
  CLOSE_FLOODING,
  CLOSE_POLICY,
  CLOSE_SESSION_ENDED,
  CLOSE_TOO_BIG,
  WS_FRAME_MAX,
} from "../protocol/limits.ts";
import type { Authenticated, AuthService } from "../auth/auth.ts";
import type { RoomService } from "../chat/rooms.ts";
import type { ThreadService } from "../chat/threads.ts";
import type { MessageService } from "../chat/messages.ts";
import type { PresenceService } from "../presence/presence.ts";
import type { Clock } from "../clock.ts";
import type { Member } from "../protocol/types.ts";
import { errorFields, log } from "../log.ts";
import { Connection, utf8Bytes } from "./connection.ts";
import type { EventSink } from "./events.ts";
import type { Feeds } from "./feeds.ts";
import type { Hub } from "./hub.ts";
import { metrics } from "../metrics.ts";
import { Schedule } from "./schedule.ts";
import { EVENT_TTL_MS } from "./kv_bus.ts";

/**
 * A member list's JSON, built once: the sockets that resubscribe to a room together
 * share one list read (RoomService.memberList), and so its serialization too.
 */
const MEMBERS_JSON = new WeakMap<Member[], { text: string; bytes: number }>();
function membersJson(members: Member[]): { text: string; bytes: number } {
  let json = MEMBERS_JSON.get(members);
  if (!json) {
    const text = JSON.stringify(members);
    json = { text, bytes: utf8Bytes(text) };
    MEMBERS_JSON.set(members, json);
  }
  return json;
}

/** Bad frames in a row before the socket is closed (1008). */
const MAX_STRIKES = 20;
/** Rate-limited sends within a window before the socket is closed (4029). */
const MAX_FLOOD_STRIKES = 30;
const FLOOD_WINDOW_MS = 10_000;
const TYPING_EVERY_MS = 2_000;
/**
 * How often an open socket re-reads its session, besides at the session's expiry.
 * A revocation (sign-out, a password change, an admin) closes the session's sockets
 * at once through the bus, which keeps events for EVENT_TTL_MS: this re-read catches
 * what an isolate cut off from KV for longer missed. It used to be every 30 s, which
 * made an idle server with 10,000 sockets read KV 333 times a second, and its heap
 * never settle.
 */
const SESSION_CHECK_MS = EVENT_TTL_MS;
/** Every socket's next session check, on one timer (not one per socket). */
const sessionChecks = new Schedule();

export interface RealtimeDeps {
  auth: AuthService;
  rooms: RoomService;
  messages: MessageService;
  threads: ThreadService;
  presence: PresenceService;
  hub: Hub;
  feeds: Feeds;
  events: EventSink;
  clock: Clock;
  /**
   * `idleTimeoutS` (IDLE_TIMEOUT_S, default 20): Deno pings a socket silent for half
   * of it and closes it after all of it; see also Connection.checkPulse.
   */
  config: { idleTimeoutS: number };
  /** How often an open socket re-checks its session (default SESSION_CHECK_MS). */
  sessionCheckMs?: number;
}

/** Until a socket's next session check: its expiry (maybe extended since), or the backstop. */
function untilNextCheck(
  session: { expiresAt: number; idleExpiresAt: number },
  checkEvery: number,
  now: number,
): number {
  return Math.max(1000, Math.min(checkEvery, session.expiresAt - now, session.idleExpiresAt - now));
}

/** Upgrades an authenticated request; the caller checked Origin and the socket cap. */
export function acceptSocket(req: Request, auth: Authenticated, deps: RealtimeDeps): Response {
  const { socket, response } = Deno.upgradeWebSocket(req, {
    idleTimeout: deps.config.idleTimeoutS,
  });
  const conn = new Connection(socket, {
    user: auth.user,
    sessionId: auth.session.id,
    tokenHash: auth.tokenHash,
  }, { batch: new URL(req.url).searchParams.get("batch") === "1" });
  let setup: Promise<void> = Promise.resolve();
  const checkEvery = deps.sessionCheckMs ?? SESSION_CHECK_MS;
  // Taken now, so that no closure below holds on to the whole `auth`.
  const firstCheckAt = Date.now() + untilNextCheck(auth.session, checkEvery, deps.clock.now());

  // Scheduled as it is (a Schedule ignores the promise; nothing in it rejects).
  const checkSession = async (): Promise<void> => {
    if (!conn.isOpen()) return;
    const session = await deps.auth.stillValid(conn.tokenHash).catch(() => undefined);
    if (session === null) {
      conn.close(CLOSE_SESSION_ENDED, "Session ended");
      return;
    }
    if (!conn.isOpen()) return;
    // A failed read (session undefined) tries again in a second.
    const wait = session ? untilNextCheck(session, checkEvery, deps.clock.now()) : 1000;
    sessionChecks.at(checkSession, Date.now() + wait);
  };

  let ready = false;
  socket.onopen = () => {
    metrics.sockets.opened++;
    setup = (async () => {
      // Side by side: a reconnecting client waits for one round trip here, not two.
      // Its own socket is not in the hub yet when it is announced online: it is told
      // in `ready`, and the members list of each subscribe says so.
      const [roomIds] = await Promise.all([
        deps.rooms.roomIdsOf(conn.user.id),
        deps.presence.connect(conn.user, conn.id),
      ]);
      deps.hub.add(conn, roomIds);
      conn.send({ type: "ready", user: conn.user, isolate: deps.presence.isolateId });
      if (conn.isOpen()) sessionChecks.at(checkSession, firstCheckAt);
      ready = true;
    })().catch((err) => {
      log.error("socket_setup_failed", errorFields(err));
      conn.close(1011, "Server error");
    });
  };

  socket.onmessage = (event) => {
    // Frames wait for the setup (the hub must know the socket); after it, no detour.
    if (ready) void onData(conn, event.data, deps);
    else void setup.then(() => onData(conn, event.data, deps));
  };

  // Runs once per connection: Deno may fire `close` twice (after an idle timeout),
  // and the hub's liveness check calls it when a close never completes.
  conn.onGone = () => {
    metrics.sockets.closed++;
    sessionChecks.cancel(checkSession);
    void setup.then(async () => {
      deps.hub.remove(conn);
      await deps.presence.disconnect(conn.user, conn.id);
    }).catch((err) => log.warn("socket_teardown_failed", errorFields(err)));
  };
  socket.onclose = () => conn.gone();
  socket.onerror = () => {};
  return response;
}

async function onData(conn: Connection, data: unknown, deps: RealtimeDeps): Promise<void> {
  if (!conn.isOpen()) return;
  if (typeof data !== "string") {
    // The 16 KiB frame limit holds for binary frames too (PROTOCOL.md: larger → 1009),
    // so an oversized one closes the socket rather than earning an error frame.
    const size = data instanceof Blob
      ? data.size
      : data instanceof ArrayBuffer
      ? data.byteLength
      : 0;
    if (size > WS_FRAME_MAX) {
      conn.close(CLOSE_TOO_BIG, `Frame too big: the limit is ${WS_FRAME_MAX} bytes`);
      return;
    }
    strike(conn, new FrameError("Binary frames are not supported: send JSON text"));
    return;
  }
  // A UTF-16 length bounds the UTF-8 size from both sides: encode only when unsure.
  const bytes = data.length <= WS_FRAME_MAX / 3
    ? 0
    : data.length > WS_FRAME_MAX
    ? data.length
    : new TextEncoder().encode(data).length;
  if (bytes > WS_FRAME_MAX) {
    conn.close(CLOSE_TOO_BIG, `Frame too big: the limit is ${WS_FRAME_MAX} bytes`);
    return;
  }
  let frame: ClientFrame;
  try {
    frame = parseClientFrame(data);
  } catch (err) {
    strike(conn, err);
    return;
  }
  conn.strikes = 0;
  try {
    await handle(conn, frame, deps);
  } catch (err) {
    if (!(err instanceof ChatError) || err.code === "internal") {
      log.error("frame_failed", { type: frame.type, ...errorFields(err) });
    }
    reply(conn, frame.ref, err);
    if (err instanceof RateLimitedError && ["send", "edit", "react"].includes(frame.type)) {
      flood(conn, deps.clock.now());
    }
  }
}

function strike(conn: Connection, err: unknown): void {
  reply(conn, err instanceof FrameError ? err.ref : undefined, err);
  if (++conn.strikes >= MAX_STRIKES) conn.close(CLOSE_POLICY, "Too many invalid frames");
}

function flood(conn: Connection, now: number): void {
  if (now - conn.floodWindowAt > FLOOD_WINDOW_MS) {
    conn.floodWindowAt = now;
    conn.floodStrikes = 0;
  }
  if (++conn.floodStrikes >= MAX_FLOOD_STRIKES) conn.close(CLOSE_FLOODING, "Flooding");
}

/** The one place errors become `error` frames. */
function reply(conn: Connection, ref: string | undefined, err: unknown): void {
  const { code, message } = publicError(err);
  conn.send({
    type: "error",
    ...(ref !== undefined ? { ref } : {}),
    code,
    message,
    ...(err instanceof RateLimitedError ? { retryAfterMs: err.retryAfterMs } : {}),
  });
}

async function handle(conn: Connection, frame: ClientFrame, deps: RealtimeDeps): Promise<void> {
  const ref = frame.ref !== undefined ? { ref: frame.ref } : {};
  switch (frame.type) {
    case "ping":
      conn.send({ type: "pong", ...ref });
      return;
    case "subscribe": {
      // Read from KV, not the membership cache: someone just removed, banned, or
      // whose room was deleted, must not subscribe again on a stale entry. The room's
      // head and members are asked for at the same time (one round trip, not two).
      const asked = isWellFormedId(frame.roomId) ? deps.feeds.look(frame.roomId) : undefined;
      const room = await deps.rooms.requireMemberNow(conn.user.id, frame.roomId);
      conn.subscriptions.add(room.id);
      deps.hub.noteMember(conn, room.id);
      const from = { since: frame.since, sinceRev: frame.sinceRev };
      await deps.feeds.subscribe(conn, room.id, from, (state) => {
        const { members, ...rest } = state;
        const head = JSON.stringify({ type: "subscribed", roomId: room.id, ...rest, ...ref });
        const list = membersJson(members);
        conn.sendText(
          `${head.slice(0, -1)},"members":${list.text}}`,
          utf8Bytes(head) + list.bytes + 11,
        );
      }, asked);
      // Removed while the subscription was being set up: the hub's unsubscribe found
      // nothing yet, so it is ended here.
      if (!conn.subscriptions.has(room.id)) deps.feeds.unsubscribe(conn.id, room.id);
      return;
    }
    case "unsubscribe":
      if (conn.subscriptions.delete(frame.roomId)) deps.feeds.unsubscribe(conn.id, frame.roomId);
      conn.send({ type: "unsubscribed", roomId: frame.roomId, ...ref });
      return;
    case "send": {
      const stored = await deps.messages.send(conn.user, frame.roomId, {
        text: frame.text,
        clientId: frame.clientId,
        replyTo: frame.replyTo,
        files: frame.files,
        threadRoot: frame.threadRoot,
        alsoInRoom: frame.alsoInRoom,
      });
      conn.send({
        type: "ack",
        ...ref,
        message: stored.message,
        ...(stored.duplicate ? { duplicate: true } : {}),
      });
      return;
    }
    case "typing": {
      const room = await deps.rooms.requireMember(conn.user.id, frame.roomId);
      const now = deps.clock.now();
      conn.typingAt ??= new Map();
      if (now - (conn.typingAt.get(room.id) ?? 0) < TYPING_EVERY_MS) return;
      conn.typingAt.set(room.id, now);
      await deps.events.publish({
        kind: "typing",
        roomId: room.id,
        userId: conn.user.id,
        username: conn.user.username,
      });
      return;
    }
    case "read":
      if (frame.threadRoot) {
        await deps.threads.markRead(
          conn.user.id,
          frame.roomId,
          frame.threadRoot,
          frame.seq,
          conn.id,
        );
      } else {
        await deps.rooms.markRead(conn.user.id, frame.roomId, frame.seq, conn.id);
      }
      return;
    case "edit": {
      const { message } = await deps.messages.edit(conn.user, frame.roomId, frame.seq, frame.text);
      conn.send({ type: "ack", ...ref, message });
      return;
    }
    case "delete": {
      const { message } = await deps.messages.delete(conn.user, frame.roomId, frame.seq);
      conn.send({ type: "ack", ...ref, message });
      return;
    }
    case "react": {
      const { message } = await deps.messages.react(conn.user, frame.roomId, frame.seq, {
        emoji: frame.emoji,
        on: frame.on,
      });
      conn.send({ type: "ack", ...ref, message });
      return;
    }
    default: {
      // A frame kind the parser accepts but nobody handles would be dropped silently.
      const unhandled: never = frame;
      throw new Error(`Unhandled frame: ${(unhandled as ClientFrame).type}`);
    }
  }
}
