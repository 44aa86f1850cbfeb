// deno-lint-ignore-file no-explicit-any
/**
 * One webio node of a test cluster: Deno or Bun, Redis adapter on
 * REDIS_PORT, listening on PORT. Clients drive it with events, so the test
 * can make any node broadcast, gather acks, fetch or disconnect sockets.
 *
 * @module
 */

import process from "node:process";
import { createRedisAdapter, Server } from "../../mod.ts";

const name = process.env.NODE_NAME ?? "node";
const io = new Server({
  pingInterval: 1000,
  pingTimeout: 1000,
  cors: { origin: "*" },
  adapter: createRedisAdapter({
    port: Number(process.env.REDIS_PORT),
    requestsTimeout: Number(process.env.REQUESTS_TIMEOUT ?? 1000),
  }),
});
io.onError = (error) => console.error(`[${name}]`, error.message);

const result = async (fn: () => Promise<unknown>, ack: (r: unknown) => void) => {
  try {
    ack({ ok: await fn() });
  } catch (error) {
    ack({ error: (error as Error).message });
  }
};

io.on("connection", (socket: any) => {
  socket.data = { node: name, user: socket.handshake.auth.user };
  socket.on("whoami", (ack: any) => ack(name));
  socket.on("join", (room: string, ack: any) => {
    socket.join(room);
    ack();
  });
  socket.on("to", (room: string, event: string, payload: unknown) => {
    (room ? io.to(room) : io).emit(event, payload, name);
  });
  socket.on(
    "askAll",
    (room: string, ack: any) =>
      result(() => (room ? io.to(room) : io).timeout(1500).emitWithAck("question", name), ack),
  );
  socket.on(
    "fetch",
    (room: string, ack: any) =>
      result(async () =>
        (await (room ? io.in(room) : io).fetchSockets()).map((s) => ({
          id: s.id,
          rooms: [...s.rooms],
          data: s.data,
        })), ack),
  );
  socket.on("disconnectRoom", (room: string) => io.in(room).disconnectSockets());
  socket.on("servers", (ack: any) => result(() => io.of("/").adapter.serverCount(), ack));
  socket.on(
    "serverSideEmit",
    (ack: any) => result(() => io.serverSideEmitWithAck("hello", name), ack),
  );
});
io.on("hello" as any, (from: string, ack: (v: string) => void) => ack(`${name} greets ${from}`));

const port = Number(process.env.PORT ?? 3000);
const handler = io.handler();
const runtime = globalThis as any;
if (runtime.Bun) {
  runtime.Bun.serve({ port, hostname: "127.0.0.1", ...handler });
} else {
  Deno.serve({ port, hostname: "127.0.0.1", onListen() {} }, handler);
}
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => io.close().finally(() => process.exit(0)));
}
