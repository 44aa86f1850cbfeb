// A socket.io 4.8 node on Node.js with @socket.io/redis-streams-adapter 0.2 and
// node-redis 4: the reference side of the mixed streams cluster test. The
// control events of tests/cluster/node.ts, plus a binary broadcast, and
// connection state recovery on (so a client may come back on either node).
// Run with `node` from this folder (its node_modules come from `bun install`).
import { createServer } from "node:http";
import process from "node:process";
import { Server } from "socket.io";
import { createAdapter } from "@socket.io/redis-streams-adapter";
import { createClient } from "redis";

const name = process.env.NODE_NAME ?? "node";
const redis = createClient({
  url: `redis://127.0.0.1:${process.env.REDIS_PORT}`,
});
redis.on("error", (e) => console.error(`[${name}] redis`, e.message));
await redis.connect();

const http = createServer();
const io = new Server(http, {
  pingInterval: 1000,
  pingTimeout: 1000,
  connectionStateRecovery: {
    maxDisconnectionDuration: 60_000,
    skipMiddlewares: true,
  },
  adapter: createAdapter(redis, {
    streamName: process.env.STREAM_NAME ?? "socket.io",
    heartbeatInterval: 500,
    heartbeatTimeout: 2000,
  }),
});

const result = async (fn, ack) => {
  try {
    ack({ ok: await fn() });
  } catch (error) {
    ack({ error: error.message });
  }
};

io.on("connection", (socket) => {
  socket.data = { node: name, user: socket.handshake.auth.user };
  socket.on("whoami", (ack) => ack({ name, recovered: socket.recovered }));
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack();
  });
  socket.on(
    "to",
    (room, event, payload) => (room ? io.to(room) : io).emit(event, payload, name),
  );
  socket.on("binary", (event) => io.emit(event, Buffer.from([1, 2, 3]), name));
  socket.on(
    "askAll",
    (room, ack) =>
      result(
        () => (room ? io.to(room) : io).timeout(1500).emitWithAck("question", name),
        ack,
      ),
  );
  socket.on(
    "fetch",
    (room, ack) =>
      result(
        async () =>
          (await (room ? io.in(room) : io).fetchSockets()).map((s) => ({
            id: s.id,
            rooms: [...s.rooms],
            data: s.data,
          })),
        ack,
      ),
  );
  socket.on("disconnectRoom", (room) => io.in(room).disconnectSockets());
  socket.on(
    "servers",
    (ack) => result(() => io.of("/").adapter.serverCount(), ack),
  );
  socket.on(
    "serverSideEmit",
    (ack) => result(() => io.serverSideEmitWithAck("hello", name), ack),
  );
});
io.on("hello", (from, ack) => ack(`${name} greets ${from}`));

http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    io.close();
    redis.quit().finally(() => process.exit(0));
  });
}
