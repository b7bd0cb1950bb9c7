// A plain Socket.IO chat server: the peer the chat server is benchmarked against.
//
// Rooms, broadcast to the room (the sender included, as ours does), an ack to the
// sender, a per-room seq counter in memory, and nothing else: no auth, no
// validation, no persistence. The broadcast carries the same message object our
// server sends, so frames are the same size. WebSocket transport only (the load
// generator speaks raw Engine.IO v4 frames over a WebSocket).
//
// Events: "subscribe" (roomId) → ack {roomId, lastSeq};
//         "send" ({roomId, text, clientId}) → ack {message}, and to the room
//         "message" {roomId, message}.

import { createServer } from "node:http";
import process from "node:process";
import { Server } from "socket.io";

const port = Number(process.env.PORT ?? 0);
const hostname = process.env.HOSTNAME ?? "127.0.0.1";

const httpServer = createServer((req, res) => {
  if (req.url === "/health") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end('{"ok":true}');
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, { transports: ["websocket"], serveClient: false });
const seqs = new Map();

io.on("connection", (socket) => {
  const auth = socket.handshake.auth ?? {};
  const userId = String(auth.userId ?? socket.id);
  const username = String(auth.username ?? socket.id);

  socket.on("subscribe", (roomId, ack) => {
    socket.join(roomId);
    if (typeof ack === "function") ack({ roomId, lastSeq: seqs.get(roomId) ?? 0 });
  });

  socket.on("send", (frame, ack) => {
    const roomId = frame.roomId;
    const seq = (seqs.get(roomId) ?? 0) + 1;
    seqs.set(roomId, seq);
    const message = {
      id: `${roomId}-${seq}`,
      roomId,
      seq,
      userId,
      username,
      text: frame.text,
      createdAt: Date.now(),
      clientId: frame.clientId,
    };
    io.to(roomId).emit("message", { roomId, message });
    if (typeof ack === "function") ack({ message });
  });
});

httpServer.listen(port, hostname, () => {
  const address = httpServer.address();
  console.log(`Listening on http://${hostname}:${address.port}/`);
});

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
