/**
 * webio benchmark server (Deno or Bun): the scenario events of bench/README.md.
 * Env: PORT, REDIS_PORT (optional: Redis adapter for the cross-node scenario), REDIS_CLUSTER
 * (optional: the ports of a Redis Cluster's nodes, the seeds of the built-in cluster client),
 * REDIS_ADAPTER (`sharded`: the sharded adapter, npm createShardedAdapter's protocol),
 * MAX_BUFFER_SIZE (optional: the engine's `maxBufferSize`, bytes; the slow-readers scenario).
 *
 * @module
 */
import process from "node:process";
import { createRedisAdapter, Server } from "../../mod.ts";
import { slowReaders } from "./slow_readers.mjs";

const redisPort = process.env.REDIS_PORT;
const redisCluster = process.env.REDIS_CLUSTER?.split(",");
const sharded = process.env.REDIS_ADAPTER === "sharded";
const maxBufferSize = process.env.MAX_BUFFER_SIZE;
const io = new Server({
  maxHttpBufferSize: 1e7,
  ...(maxBufferSize ? { maxBufferSize: Number(maxBufferSize) } : {}),
  ...(redisPort ? { adapter: createRedisAdapter({ port: Number(redisPort), sharded }) } : {}),
  ...(redisCluster
    ? {
      adapter: createRedisAdapter({
        urls: redisCluster.map((port) => `redis://127.0.0.1:${port}`),
        cluster: true,
        sharded,
      }),
    }
    : {}),
});
const slowReadersHook = slowReaders(io);
io.on("connection", (socket) => {
  const room = socket.handshake.query.room;
  if (room) socket.join(room);
  slowReadersHook(socket);
  socket.on(
    "echo",
    (payload: unknown, ack: (p: unknown) => void) => ack(payload),
  );
  socket.on("fan", (payload: unknown) => io.emit("fan", payload));
  socket.on(
    "room",
    (name: string, payload: unknown) => io.to(name).emit("fan", payload),
  );
});

const port = Number(process.env.PORT ?? 3000);
const handler = io.handler();
// deno-lint-ignore no-explicit-any
const bun = (globalThis as any).Bun;
if (bun) bun.serve({ port, hostname: "127.0.0.1", ...handler });
else Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, handler);
process.on("SIGINT", () => process.exit(0));
// Diagnostics for the soak: what is still held (sessions, sockets) and the heap.
process.on("SIGUSR2", () => {
  (globalThis as { gc?: () => void }).gc?.();
  const memory = process.memoryUsage();
  console.error(JSON.stringify({
    engineClients: io.engine.clientsCount,
    sockets: io.of("/").sockets.size,
    heapUsedMB: Math.round(memory.heapUsed / 2 ** 20),
    rssMB: Math.round(memory.rss / 2 ** 20),
  }));
});
