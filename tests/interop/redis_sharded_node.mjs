// A socket.io 4.8 node on Node.js with @socket.io/redis-adapter 8.3's
// createShardedAdapter and node-redis 4: the reference side of the sharded
// mixed-cluster test (SUBSCRIPTION_MODE picks the mode). Clients drive it
// with the control events of tests/interop/redis_sharded_controls.ts. With
// REDIS_CLUSTER=1, REDIS_PORT is one node of a Redis Cluster and the clients
// are node-redis createCluster ones (redis_cluster_mixed_test.ts). Run with
// `node` from this folder.
import { createServer } from "node:http";
import process from "node:process";
import { Server } from "socket.io";
import { createShardedAdapter } from "@socket.io/redis-adapter";
import { createClient, createCluster } from "redis";

const name = process.env.NODE_NAME ?? "node";
const url = `redis://127.0.0.1:${process.env.REDIS_PORT}`;
const pub = process.env.REDIS_CLUSTER === "1"
  ? createCluster({ rootNodes: [{ url }] })
  : createClient({ url });
const sub = pub.duplicate();
pub.on("error", (e) => console.error(`[${name}] redis`, e.message));
sub.on("error", (e) => console.error(`[${name}] redis`, e.message));
await Promise.all([pub.connect(), sub.connect()]);

const http = createServer();
const io = new Server(http, {
  pingInterval: 1000,
  pingTimeout: 1000,
  adapter: createShardedAdapter(pub, sub, {
    subscriptionMode: process.env.SUBSCRIPTION_MODE ?? "dynamic",
  }),
});

const result = async (fn, ack) => {
  try {
    ack({ ok: await fn() });
  } catch (error) {
    ack({ error: error.message });
  }
};
const target = (room, except) => {
  let operator = room ? io.to(room) : io;
  if (except) operator = operator.except(except);
  return operator;
};

io.on("connection", (socket) => {
  socket.data = { node: name, user: socket.handshake.auth.user };
  socket.on("whoami", (ack) => ack(name));
  socket.on("join", (room, ack) => {
    socket.join(room);
    ack();
  });
  socket.on(
    "to",
    (room, except, event, payload) => target(room, except).emit(event, payload, name),
  );
  socket.on(
    "askAll",
    (room, ack) => result(() => target(room).timeout(1500).emitWithAck("question", name), ack),
  );
  socket.on(
    "fetch",
    (room, ack) =>
      result(async () =>
        (await target(room).fetchSockets()).map((s) => ({
          id: s.id,
          rooms: [...s.rooms],
          data: s.data,
        })), ack),
  );
  socket.on("socketsJoin", (room, joined, ack) => {
    target(room).socketsJoin(joined);
    ack();
  });
  socket.on("disconnectRoom", (room) => target(room).disconnectSockets());
  socket.on("servers", (ack) => result(() => io.of("/").adapter.serverCount(), ack));
  socket.on("serverSideEmit", (ack) => result(() => io.serverSideEmitWithAck("hello", name), ack));
  socket.on("rooms", (ack) => ack([...socket.rooms]));
});
io.on("hello", (from, ack) => ack(`${name} greets ${from}`));

http.listen(Number(process.env.PORT ?? 3000), "127.0.0.1");
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    io.close();
    Promise.allSettled([pub.quit(), sub.quit()]).finally(() => process.exit(0));
  });
}
