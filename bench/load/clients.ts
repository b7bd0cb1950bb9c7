/**
 * @module One client interface for every server under test, so every scenario runs
 * the same load-generator code against each of them.
 *
 * Our servers (and the ceiling, which speaks the same frames) are driven by the
 * project's own client library, `ChatSocket`: reconnect, resubscribe with `since`,
 * send → ack. Socket.IO is driven by raw Engine.IO frames over the same native
 * WebSocket. Deliveries are taken from every `message` frame as it arrives, before
 * the library's own de-duplication, so a duplicate sent by a server is counted.
 * Scenarios that only send and receive (fan-out) can ask for `lean` clients
 * instead (load/lean_client.ts): the same frames, a fraction of the generator CPU.
 */

import { ChatSocket } from "../../lib/client/client.ts";
import type { Message } from "../../lib/protocol/types.ts";
import type { ServerKind } from "../servers.ts";
import type { SeededUser } from "../seed.ts";
import { LeanChatClient } from "./lean_client.ts";
import { SocketIoClient } from "./socketio_client.ts";

export interface BenchClient {
  ready(): Promise<void>;
  subscribe(roomId: string): Promise<void>;
  /** Resolves when the server acknowledged the message. */
  send(roomId: string, text: string): Promise<void>;
  /** Called for every message frame received, duplicates included. */
  onMessage: (roomId: string, text: string) => void;
  /** Drops the connection as a network fault would (clients that reconnect do). */
  drop(): void;
  close(): void;
  /** Duplicates the client library itself noticed (ours only). */
  readonly libraryDuplicates: number;
  /** The underlying ChatSocket, where there is one. */
  readonly chat?: ChatSocket;
}

class ChatClient implements BenchClient {
  readonly chat: ChatSocket;
  onMessage: (roomId: string, text: string) => void = () => {};

  constructor(url: string, token: string) {
    this.chat = new ChatSocket({ url: url.replace(/^http/, "ws") + "/api/ws", token });
    this.chat.on("frame", (frame) => {
      if (frame.type === "message") this.onMessage(frame.roomId, frame.message.text);
    });
  }

  get libraryDuplicates(): number {
    return this.chat.duplicates;
  }

  ready(): Promise<void> {
    return this.chat.ready();
  }

  async subscribe(roomId: string): Promise<void> {
    await this.chat.subscribe(roomId);
  }

  async send(roomId: string, text: string): Promise<void> {
    await this.chat.send(roomId, text);
  }

  drop(): void {
    this.chat.drop();
  }

  close(): void {
    this.chat.close();
  }
}

class SocketIoBenchClient implements BenchClient {
  #io: SocketIoClient;
  onMessage: (roomId: string, text: string) => void = () => {};
  readonly libraryDuplicates = 0;

  constructor(url: string, user: SeededUser) {
    this.#io = new SocketIoClient(url, { userId: user.id, username: user.username });
    this.#io.onEvent = (name, payload) => {
      if (name !== "message") return;
      const { roomId, message } = payload as { roomId: string; message: Message };
      this.onMessage(roomId, message.text);
    };
  }

  ready(): Promise<void> {
    return this.#io.ready();
  }

  async subscribe(roomId: string): Promise<void> {
    await this.#io.emit("subscribe", roomId);
  }

  async send(roomId: string, text: string): Promise<void> {
    await this.#io.emit("send", { roomId, text, clientId: crypto.randomUUID() });
  }

  drop(): void {
    this.#io.close();
  }

  close(): void {
    this.#io.close();
  }
}

/**
 * A client of a server of `kind` at `url`, connecting at once. `lean`: for our
 * servers and the ceiling, the lean client (no reconnect, no `chat`).
 */
export function connectClient(
  kind: ServerKind,
  url: string,
  user: SeededUser,
  options: { lean?: boolean } = {},
): BenchClient {
  if (kind === "socketio") return new SocketIoBenchClient(url, user);
  return options.lean ? new LeanChatClient(url, user.token) : new ChatClient(url, user.token);
}

/**
 * Connects one client per user (at most `concurrency` handshakes in flight) and
 * subscribes each to its rooms. Answers the clients in the order of `users`.
 */
export async function connectAll(
  kind: ServerKind,
  url: string,
  members: Array<{ user: SeededUser; rooms: string[] }>,
  options: { concurrency?: number; lean?: boolean } = {},
): Promise<BenchClient[]> {
  const clients: BenchClient[] = new Array(members.length);
  let next = 0;
  const worker = async () => {
    while (next < members.length) {
      const i = next++;
      const client = connectClient(kind, url, members[i].user, options);
      clients[i] = client;
      await client.ready();
      for (const roomId of members[i].rooms) await client.subscribe(roomId);
    }
  };
  const workers = Math.min(options.concurrency ?? 100, members.length);
  await Promise.all(Array.from({ length: workers }, worker));
  return clients;
}

export function closeAll(clients: BenchClient[]): void {
  for (const client of clients) client?.close();
}
