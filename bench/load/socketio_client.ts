/**
 * @module A minimal Socket.IO v4 client speaking raw Engine.IO v4 frames over Deno's
 * native WebSocket: the same WebSocket implementation (and so the same client-side
 * cost per frame) the load generator uses for our server, rather than the npm
 * client's `ws` running under Node compatibility.
 *
 * Frames: the server opens with `0{…}`; the client joins the default namespace with
 * `40{auth}`, answered `40{sid}`. Events are `42["name",…args]`, with an ack id
 * `42<id>[…]`, answered `43<id>[…]`. The server pings with `2`; the client pongs `3`.
 */

export interface SocketIoAuth {
  userId: string;
  username: string;
}

type Ack = { resolve(args: unknown[]): void; reject(err: Error): void };

export class SocketIoClient {
  #ws: WebSocket;
  #acks = new Map<number, Ack>();
  #nextAck = 0;
  #ready: Promise<void>;
  #open = false;
  /** Every `message` event: the room and the message object. */
  onEvent: (name: string, payload: unknown) => void = () => {};

  constructor(baseUrl: string, auth: SocketIoAuth) {
    const url = baseUrl.replace(/^http/, "ws") + "/socket.io/?EIO=4&transport=websocket";
    const ws = new WebSocket(url);
    this.#ws = ws;
    this.#ready = new Promise((resolve, reject) => {
      ws.onmessage = (event) => {
        const data = event.data as string;
        switch (data.charCodeAt(0)) {
          case 48: // "0" open
            ws.send("40" + JSON.stringify(auth));
            return;
          case 50: // "2" ping
            ws.send("3");
            return;
          case 52: // "4" message: a Socket.IO packet
            if (data.charCodeAt(1) === 48) { // "0" connected to the namespace
              this.#open = true;
              resolve();
            } else {
              this.#onPacket(data);
            }
            return;
        }
      };
      ws.onclose = (event) => {
        this.#open = false;
        reject(new Error(`Socket.IO connection closed: ${event.code}`));
        for (const ack of this.#acks.values()) ack.reject(new Error("Connection closed"));
        this.#acks.clear();
      };
      ws.onerror = () => {};
    });
    this.#ready.catch(() => {});
  }

  ready(): Promise<void> {
    return this.#ready;
  }

  isOpen(): boolean {
    return this.#open;
  }

  /** `42[…]` (event) or `43<id>[…]` (ack); the data starts after the ack id. */
  #onPacket(data: string): void {
    const type = data.charCodeAt(1);
    let i = 2;
    while (i < data.length && data.charCodeAt(i) >= 48 && data.charCodeAt(i) <= 57) i++;
    const args = JSON.parse(data.slice(i)) as unknown[];
    if (type === 50) { // "2" event
      this.onEvent(args[0] as string, args[1]);
    } else if (type === 51) { // "3" ack
      const id = Number(data.slice(2, i));
      const ack = this.#acks.get(id);
      this.#acks.delete(id);
      ack?.resolve(args);
    }
  }

  /** Emits an event and resolves with the arguments of its ack. */
  emit(name: string, payload: unknown): Promise<unknown[]> {
    const id = this.#nextAck++;
    return new Promise((resolve, reject) => {
      if (!this.#open) {
        reject(new Error("Socket.IO connection is not open"));
        return;
      }
      this.#acks.set(id, { resolve, reject });
      this.#ws.send(`42${id}${JSON.stringify([name, payload])}`);
    });
  }

  close(): void {
    this.#open = false;
    try {
      this.#ws.close(1000);
    } catch { /* closed */ }
  }
}
