/**
 * @module The ceiling: bare `Deno.serve` WebSockets relaying the same frames as the
 * chat server, with no auth, no validation, no storage and no cross-isolate bus.
 * What any Deno chat server could do at best on this machine.
 *
 * It speaks just enough of the wire contract for the project's own client
 * (`ChatSocket`) to drive it unchanged: `ready` on open, `subscribe` → `subscribed`,
 * `send` → `message` to every subscriber (serialized once) and `ack` to the sender,
 * `ping` → `pong`. Run: `deno run --allow-net --allow-env bench/peers/ceiling.ts`.
 */

interface Room {
  seq: number;
  sockets: Set<WebSocket>;
}

const rooms = new Map<string, Room>();

function roomOf(roomId: string): Room {
  let room = rooms.get(roomId);
  if (!room) rooms.set(roomId, room = { seq: 0, sockets: new Set() });
  return room;
}

interface Client {
  socket: WebSocket;
  user: { id: string; username: string };
  rooms: Set<Room>;
}

function onFrame({ socket, user, rooms: joined }: Client, data: string) {
  const frame = JSON.parse(data);
  const ref = frame.ref === undefined ? "" : `,"ref":${JSON.stringify(frame.ref)}`;
  switch (frame.type) {
    case "subscribe": {
      const room = roomOf(frame.roomId);
      room.sockets.add(socket);
      joined.add(room);
      socket.send(
        `{"type":"subscribed","roomId":${
          JSON.stringify(frame.roomId)
        },"lastSeq":${room.seq},"recovered":true,"members":[]${ref}}`,
      );
      return;
    }
    case "send": {
      const room = roomOf(frame.roomId);
      const seq = ++room.seq;
      const message = {
        id: `${frame.roomId}-${seq}`,
        roomId: frame.roomId,
        seq,
        userId: user.id,
        username: user.username,
        text: frame.text,
        createdAt: Date.now(),
        clientId: frame.clientId,
      };
      const body = JSON.stringify(message);
      const text = `{"type":"message","roomId":${JSON.stringify(frame.roomId)},"message":${body}}`;
      for (const peer of room.sockets) {
        if (peer.readyState === WebSocket.OPEN) peer.send(text);
      }
      socket.send(`{"type":"ack"${ref},"message":${body}}`);
      return;
    }
    case "ping":
      socket.send(`{"type":"pong"${ref}}`);
      return;
  }
}

let next = 0;

Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 0),
  hostname: Deno.env.get("HOSTNAME") ?? "127.0.0.1",
  onListen({ hostname, port }) {
    console.log(`Listening on http://${hostname}:${port}/`);
  },
}, (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/health") return Response.json({ ok: true });
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("Not found", { status: 404 });
  }
  const { socket, response } = Deno.upgradeWebSocket(req);
  const id = `u${++next}`;
  const client: Client = { socket, user: { id, username: id }, rooms: new Set() };
  socket.onopen = () => socket.send(JSON.stringify({ type: "ready", user: client.user }));
  socket.onmessage = (event) => onFrame(client, event.data);
  socket.onclose = () => {
    for (const room of client.rooms) room.sockets.delete(socket);
  };
  socket.onerror = () => {};
  return response;
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  Deno.addSignalListener(signal, () => Deno.exit(0));
}
