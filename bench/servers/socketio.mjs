// socket.io 4.8 benchmark server: on Node with its default `ws` engine, or on
// Bun with @socket.io/bun-engine (ENGINE=bun). Env: PORT, REDIS_PORT (optional:
// @socket.io/redis-adapter for the cross-node scenario). socket.io has no bound on what waits for
// a slow reader: the slow-readers scenario's MAX_BUFFER_SIZE is webio's alone.
import { createServer } from "node:http";
import process from "node:process";
import { Server } from "socket.io";
import { slowReaders } from "./slow_readers.mjs";

const port = Number(process.env.PORT ?? 3000);
const options = { maxHttpBufferSize: 1e7 };
if (process.env.REDIS_CLUSTER) {
  // A Redis Cluster (REDIS_CLUSTER: its nodes' ports): createShardedAdapter on node-redis
  // createCluster clients, as @socket.io/redis-adapter advises for a cluster.
  const { createCluster } = await import("redis");
  const { createShardedAdapter } = await import("@socket.io/redis-adapter");
  const pub = createCluster({
    rootNodes: process.env.REDIS_CLUSTER.split(",").map((port) => ({
      url: `redis://127.0.0.1:${port}`,
    })),
  });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  options.adapter = createShardedAdapter(pub, sub);
} else if (process.env.REDIS_PORT) {
  const { createClient } = await import("redis");
  const { createAdapter } = await import("@socket.io/redis-adapter");
  const pub = createClient({
    url: `redis://127.0.0.1:${process.env.REDIS_PORT}`,
  });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  options.adapter = createAdapter(pub, sub);
}
const io = new Server(options);
const slowReadersHook = slowReaders(io);
io.on("connection", (socket) => {
  const room = socket.handshake.query.room;
  if (room) socket.join(room);
  slowReadersHook(socket);
  socket.on("echo", (payload, ack) => ack(payload));
  socket.on("fan", (payload) => io.emit("fan", payload));
  socket.on("room", (name, payload) => io.to(name).emit("fan", payload));
});

if (process.env.ENGINE === "bun") {
  const { Server: Engine } = await import("@socket.io/bun-engine");
  const engine = new Engine({ path: "/socket.io/", maxHttpBufferSize: 1e7 });
  io.bind(engine);
  Bun.serve({ port, hostname: "127.0.0.1", ...engine.handler() });
} else {
  const http = createServer();
  io.attach(http);
  http.listen(port, "127.0.0.1");
}
